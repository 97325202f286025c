"""The dashboard's pages, listed once: navigation, access, the tracker's evidence links and the
bare (projector) pages all read this registry. No Streamlit here: dashboard.py makes st.Page
objects from it."""

from __future__ import annotations

from dataclasses import dataclass

# Who may open the results and comparison pages: everyone signed in with a dashboard role.
_READERS = frozenset({"facilitator", "oversight", "clinical_director"})


@dataclass(frozen=True)
class Page:
    """One page: its file stem under pages/, its navigation entry and who may open it."""

    stem: str
    title: str
    icon: str
    group: str
    roles: frozenset[str] = _READERS
    bare: bool = False  # shown on a projector: no sidebar, filters or banner
    default: bool = False

    @property
    def path(self) -> str:
        """Return the page's script, relative to the project root."""
        return f"pages/{self.stem}.py"

    @property
    def url(self) -> str:
        """Return the page's address within the dashboard (the default page's is the root)."""
        return "/" if self.default else f"/{self.stem}"


_FACILITATOR = frozenset({"facilitator"})
PAGES: tuple[Page, ...] = (
    Page("overview", "Overview", ":material/dashboard:", "Results", default=True),
    Page("role_clarity", "Role clarity and vision", ":material/badge:", "Results"),
    Page("relationships", "Relationships across the ICS", ":material/hub:", "Results"),
    Page("development_needs", "Development needs", ":material/school:", "Results"),
    Page("voices", "Voices", ":material/format_quote:", "Results"),
    Page("compare_places", "Compare places", ":material/compare_arrows:", "Compare"),
    Page("pcn_development", "PCN development", ":material/trending_up:", "Compare"),
    Page("pcn_profile", "PCN profile", ":material/person_search:", "Compare"),
    Page("engagement", "Engagement", ":material/groups:", "Programme"),
    Page("recommendations", "Recommendations tracker", ":material/checklist:", "Programme"),
    Page("workshop", "Live workshop", ":material/how_to_vote:", "Workshop", roles=_FACILITATOR),
    Page("present", "Presenter view", ":material/slideshow:", "Workshop", roles=_FACILITATOR, bare=True),
    Page("compare_sessions", "Sessions side by side", ":material/compare:", "Workshop", roles=_FACILITATOR),
    Page("data", "Data and method", ":material/database:", "Data"),
)
BY_STEM = {p.stem: p for p in PAGES}
DEFAULT = next(p.stem for p in PAGES if p.default)
BARE = frozenset(p.stem for p in PAGES if p.bare)


def page(stem: str) -> Page:
    """Return the registered page with this file stem (KeyError for a page that does not exist)."""
    return BY_STEM[stem]


def groups() -> dict[str, list[Page]]:
    """Return the pages by navigation group, in the order listed."""
    out: dict[str, list[Page]] = {}
    for p in PAGES:
        out.setdefault(p.group, []).append(p)
    return out


def stems_for(role: str) -> frozenset[str]:
    """Return the stems of the pages a role may open."""
    return frozenset(p.stem for p in PAGES if role in p.roles)
