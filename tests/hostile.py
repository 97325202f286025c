"""The one list of hostile strings every text test runs through, and what a page must do with
them: show each as the words it is, with none of its tags, links, images, styles or direction
overrides taking effect."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from plain import clean

# (text, fragments that must never reach an HTML or markdown element unescaped)
HOSTILE: list[tuple[str, tuple[str, ...]]] = [
    ("<style>*{visibility:hidden}</style>RESULTS: 0 AGREE", ("<style>*{",)),
    ("<img src=http://evil.example/pixel.png>", ("<img src=",)),
    ("<script>alert('boo')</script>", ("<script>",)),
    ("<b onmouseover=alert(1)>hover me</b>", ("<b onmouseover",)),
    ("<a href=https://evil.example/x>Fylde Coast</a>", ("<a href",)),
    ("[Sign in](https://evil.example/login)", ("[Sign in]", "](https://evil")),
    ("![pixel](http://evil.example/p.png)", ("![pixel]", "](http://evil")),
    ("[click me](javascript:alert(1))", ("](javascript:",)),
    ("javascript:alert(document.cookie)", ("javascript:alert",)),
    ("see www.evil.example and http://evil.example/x", ("www.evil", "http://evil")),
    ("**bold** `code` :red[red] $x^2$ # heading", ("**bold**", "`code`", ":red[", "$x^2$")),
    ("W" * 250, ()),  # a very long word: it must wrap, not push the page sideways
    ("\u202eright-to-left override", ("\u202e",)),
]
TEXTS = [text for text, _ in HOSTILE]
FORBIDDEN = [f for _, fragments in HOSTILE for f in fragments]
FORBIDDEN_HTML = [f for f in FORBIDDEN if "<" in f or "\u202e" in f]

# AppTest element kinds whose body Streamlit renders as markdown, and those it renders as HTML.
MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader", "error", "warning", "info",
                  "success", "toast")  # fmt: skip
HTML_KINDS = ("html",)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(body: str) -> str:
    """Return what a browser shows of an HTML body (its text, entities decoded)."""
    parser = _Text()
    parser.feed(body)
    parser.close()
    return "".join(parser.parts)


def markdown_text(body: str) -> str:
    """Return markdown source with its backslash escapes resolved, as CommonMark shows them, and
    without the invisible word joiners (U+2060) that keep addresses from becoming links."""
    return _ESCAPED.sub(r"\1", body).replace("\u2060", "")


def bodies(at) -> list[tuple[str, str]]:
    """Return (kind, source) of every markdown and HTML element AppTest rendered, with the labels
    of expanders and widgets (which Streamlit renders as markdown too)."""
    out = []
    for kind in (*MARKDOWN_KINDS, *HTML_KINDS):
        for el in at.get(kind):
            out.append((kind, el.proto.body))
    for el in at.get("table"):  # st.table renders its cells as markdown
        for cell in el.value.astype(str).to_numpy().ravel():
            out.append(("table cell", cell))
    for kind in ("expander", "selectbox", "multiselect", "radio", "checkbox", "text_input", "button",
                 "text_area", "toggle", "metric", "tab"):  # fmt: skip
        for el in at.get(kind):
            label = getattr(el, "label", None)
            if label:
                out.append((f"{kind} label", label))
    return out


def _strings(value):
    """Yield every string inside parsed JSON."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def assert_charts_hold_no_markup(at) -> None:
    """Assert that no chart carries a hostile tag: plotly draws <a href>, <b>, <span style> and
    friends in its titles, labels and hover text."""
    for el in at.get("plotly_chart"):
        for s in _strings(json.loads(el.proto.spec)):
            for fragment in FORBIDDEN_HTML:
                assert fragment not in s, f"{fragment!r} reached a chart: {s[:200]!r}"


def shown(at) -> str:
    """Return all the text the page shows a person, escapes resolved, one element a line."""
    return "\n".join(html_text(b) if k in HTML_KINDS else markdown_text(b) for k, b in bodies(at))


def assert_text_is_text(at, expected: list[str] = ()) -> None:
    """Assert that no hostile fragment reaches any element unescaped, and that each expected
    string is shown whole (without its direction override) for a person to read."""
    assert not at.exception, [e.value for e in at.exception]
    for kind, body in bodies(at):
        # In HTML, a web address or a * is just text: only tags and direction overrides act there.
        forbidden = FORBIDDEN_HTML if kind in HTML_KINDS else FORBIDDEN
        for fragment in forbidden:
            # In markdown a backslash before a character makes it literal text.
            unescaped = re.search(r"(?<!\\)" + re.escape(fragment), body)
            assert not unescaped, f"{fragment!r} reached a {kind} element unescaped: {body[:300]!r}"
    text = shown(at)
    for s in expected:
        assert clean(s) in text, f"{clean(s)[:80]!r} is not shown as written"
