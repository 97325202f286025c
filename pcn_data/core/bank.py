"""Reference content that every database carries: themes, roles, the question bank,
self-assessment domains and stages, and the report's checklist of recommendations."""

from __future__ import annotations

# (code, parent, label)
THEMES: list[tuple[str, str | None, str]] = [
    ("leadership", None, "Leadership"),
    ("cd_role", "leadership", "CD role"),
    ("clinical", "leadership", "Clinical leadership"),
    ("collaborative", "leadership", "Collaborative leadership"),
    ("system", "leadership", "System leadership"),
    ("resilient", "leadership", "Resilient leadership"),
    ("chair_vision", "leadership", "Chairmanship, engagement and strategic vision"),
    ("relationships", None, "Building relationships across the ICS"),
    ("partnership", "relationships", "Partnership working"),
    ("role_clarity", "relationships", "Role clarity"),
    ("vcse", "relationships", "Working with the VCSE"),
    ("ics_work", "relationships", "Working with the ICS"),
    ("management", None, "Management and technical priorities"),
    ("mgmt_admin", "management", "Management and administration"),
    ("technology", "management", "Technology"),
    ("workforce", "management", "Workforce"),
    ("finance", "management", "Finance"),
    ("development", "management", "Personal and PCN development"),
]

ROLES = [
    ("cd", "Clinical Director"),
    ("manager", "PCN manager"),
    ("clinical_lead", "Clinical lead"),
]

YEARS_BANDS = [("lt1", "Less than 1 year"), ("1to3", "1 to 3 years"), ("3plus", "More than 3 years")]

# option tuples: (code, label, score, polarity, is_exclusive)
SCALES: dict[str, list[tuple[str, str, float | None, str | None, bool]]] = {
    "agree5": [
        ("sd", "Strongly disagree", -2, "negative", False),
        ("d", "Disagree", -1, "negative", False),
        ("n", "Neither agree nor disagree", 0, "neutral", False),
        ("a", "Agree", 1, "positive", False),
        ("sa", "Strongly agree", 2, "positive", False),
    ],
    "clarity4": [
        ("very_unclear", "Very unclear", -2, "negative", False),
        ("somewhat_unclear", "Somewhat unclear", -1, "negative", False),
        ("somewhat_clear", "Somewhat clear", 1, "positive", False),
        ("very_clear", "Very clear", 2, "positive", False),
    ],
    "relationship": [
        ("poor", "Poor", 1, "negative", False),
        ("fair", "Fair", 2, "negative", False),
        ("good", "Good", 3, "positive", False),
        ("excellent", "Excellent", 4, "positive", False),
        ("dont_know", "Don't know", None, None, False),
    ],
    "needs": [
        ("mgmt_skills", "Management skills (leadership, influencing, negotiating)", None, None, False),
        ("wider_system", "Understanding the wider system, financial flows, policy", None, None, False),
        ("coaching", "Coaching, personal impact, confidence", None, None, False),
        ("time_mgmt", "Time management and building a management team", None, None, False),
        ("technical", "Technical tools and knowledge (finance, governance)", None, None, False),
        ("networking", "Networking and building relationships", None, None, False),
        ("have_what_i_need", "I have what I need", None, None, True),
    ],
    "yesno": [
        ("yes", "Yes", 1, None, False),
        ("no", "No", 0, None, False),
    ],
    "time_split": [
        ("mostly_operational", "Mostly operational", 1, None, False),
        ("balanced", "About half and half", 2, None, False),
        ("mostly_strategic", "Mostly strategic", 3, None, False),
    ],
}

# (code, block, theme, wording, short label, kind, scale, higher_is_better, asked_of)
QUESTIONS: list[tuple[str, str, str, str, str, str, str | None, bool, str | None]] = [
    (
        "role_clear_self",
        "role",
        "cd_role",
        "I am clear about what is expected of me as a CD",
        "I am clear about my role",
        "scale",
        "agree5",
        True,
        "cd",
    ),
    (
        "role_partners_clear",
        "role",
        "role_clarity",
        "Partners across the system are clear about what CDs can and cannot do",
        "Partners are clear about the CD role",
        "scale",
        "agree5",
        True,
        None,
    ),
    (
        "role_boundaries",
        "role",
        "role_clarity",
        "I have agreed clear boundaries for my role with external partners",
        "Boundaries agreed with partners",
        "scale",
        "agree5",
        True,
        "cd",
    ),
    (
        "vision_pcn",
        "vision",
        "chair_vision",
        "How clear is your PCN's shared vision?",
        "PCN shared vision",
        "scale",
        "clarity4",
        True,
        None,
    ),
    (
        "vision_non",
        "vision",
        "chair_vision",
        "How clear is the shared vision of the network of networks at place?",
        "Network of networks vision",
        "scale",
        "clarity4",
        True,
        None,
    ),
]

PARTNERS = [
    ("ics", "the ICS", "ICS"),
    ("place", "place/ICP leadership", "Place/ICP leadership"),
    ("acute", "the acute trust", "Acute trust"),
    ("community", "community services", "Community services"),
    ("mental_health", "mental health services", "Mental health"),
    ("local_authority", "the local authority", "Local authority"),
    ("vcse", "VCSE/VCFSE organisations", "VCSE/VCFSE"),
    ("other_pcns", "other PCNs", "Other PCNs"),
    ("member_practices", "member practices", "Member practices"),
    ("pharmacy", "community pharmacy", "Community pharmacy"),
]
for code, phrase, label in PARTNERS:
    QUESTIONS.append(
        (
            f"rel_{code}",
            "relationship",
            "ics_work" if code == "ics" else ("vcse" if code == "vcse" else "partnership"),
            f"How would you rate your PCN's relationship with {phrase}?",
            label,
            "scale",
            "relationship",
            True,
            None,
        )
    )

QUESTIONS += [
    (
        "dev_needs",
        "needs",
        "development",
        "Which of these would help your development in the role? (select all that apply)",
        "Development needs",
        "multi",
        "needs",
        True,
        None,
    ),
    (
        "ctx_first_leadership",
        "context",
        "clinical",
        "Is this your first clinical leadership role?",
        "First leadership role",
        "single",
        "yesno",
        True,
        None,
    ),
    (
        "ctx_time_split",
        "context",
        "clinical",
        "How is your time in the role split between strategic and operational work?",
        "Strategic vs operational time",
        "single",
        "time_split",
        True,
        None,
    ),
    (
        "ctx_mgmt_support",
        "context",
        "mgmt_admin",
        "I have adequate management and administrative support",
        "Adequate management support",
        "scale",
        "agree5",
        True,
        None,
    ),
    (
        "ctx_pressure",
        "context",
        "resilient",
        "The pressure of my role is sustainable",
        "Sustainable pressure",
        "scale",
        "agree5",
        True,
        None,
    ),
    (
        "text_priority",
        "text",
        None,
        "What is your biggest priority for the next year?",
        "Biggest priority",
        "text",
        None,
        True,
        None,
    ),
    (
        "text_good",
        "text",
        None,
        "What does good look like for your PCN in the system?",
        "What good looks like",
        "text",
        None,
        True,
        None,
    ),
    (
        "text_else",
        "text",
        None,
        "Is there anything else you would like to tell us?",
        "Anything else",
        "text",
        None,
        True,
        None,
    ),
]

SA_DOMAINS = [
    ("leadership", "Leadership, planning and partnerships"),
    ("data_phm", "Use of data and population health management"),
    ("integrating", "Integrating care"),
    ("resources", "Managing resources"),
    ("people", "Working with people and communities"),
]

SA_STAGES = [
    ("foundation", "Foundation", 0),
    ("step1", "Step 1", 1),
    ("step2", "Step 2", 2),
    ("step3", "Step 3", 3),
]

# The report's checklist: (theme, recommendation, lead, tools & methods)
RECOMMENDATIONS = [
    ("cd_role", "Produce a clear shared role descriptor for the CD role", "CDs/PCN", "Sample role profiles"),
    (
        "collaborative",
        "Develop approaches to understanding and managing conflict and to building collaboration",
        "PCN; PCN/ICS",
        "Lencioni's 5 Dysfunctions model; Thomas Kilmann Instrument",
    ),
    (
        "system",
        "Engage CDs in wider system leadership work & development",
        "ICS; NHSEI",
        "e.g. Leading for System Change",
    ),
    ("system", "Develop system-sightedness for CDs", "CDs", "System Mapping; Randomised Coffee Trials"),
    ("partnership", "Build CD networks & system connectedness", "CDs", "Buddying; Mentoring"),
    ("chair_vision", "Produce a specification for the Chair function", "Chair/NoN", "Sample spec"),
    ("chair_vision", "Define and agree a vision for the PCN", "PCN", "AI (what does good look like?)"),
    (
        "partnership",
        "Explore a Behavioural Compact to support collaborative working & clarify expectations",
        "Joint e.g. PCN with ICS/VCFSE",
        "Compact examples",
    ),
    ("development", "Conduct a skills audit or Training Needs Analysis", "PCNs with CDs", "Mentimeter"),
    ("development", "Plan time-outs for the PCN to focus on development", "PCNs", "Skilled Facilitation"),
    ("mgmt_admin", "Ensure adequate management & admin support", "PCNs", "Funding"),
    (
        "finance",
        "Explore opportunities to pool resources across networks",
        "NoN",
        "Clear vision; Skills audit",
    ),
    ("resilient", "Develop a CD succession plan", "PCN", "CD role descriptor"),
    (
        "ics_work",
        "Develop some positive stories of primary care involvement & value",
        "PCN",
        "Narratives, use cases",
    ),
    ("partnership", "Emphasise the impact on patients", "CDs; PCN", "Patient stories, experience"),
]


def install(cur) -> None:
    """Write the themes, roles, question bank, self-assessment scales and recommendations."""
    cur.executemany(
        "INSERT INTO theme VALUES (?, ?, ?, ?)",
        [[code, parent, label, i] for i, (code, parent, label) in enumerate(THEMES)],
    )
    cur.executemany("INSERT INTO role VALUES (?, ?, ?)", [[c, lbl, i] for i, (c, lbl) in enumerate(ROLES)])
    cur.executemany(
        "INSERT INTO question VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[*q, i] for i, q in enumerate(QUESTIONS)],
    )
    options = []
    for code, _block, _theme, _w, _s, _kind, scale, _hib, _asked in QUESTIONS:
        for i, (opt, label, score, polarity, exclusive) in enumerate(SCALES.get(scale, [])):
            options.append([code, opt, label, i, score, polarity, exclusive])
    cur.executemany("INSERT INTO option VALUES (?, ?, ?, ?, ?, ?, ?)", options)
    cur.executemany(
        "INSERT INTO sa_domain VALUES (?, ?, ?)", [[c, lbl, i] for i, (c, lbl) in enumerate(SA_DOMAINS)]
    )
    cur.executemany("INSERT INTO sa_stage VALUES (?, ?, ?)", [list(s) for s in SA_STAGES])
    cur.executemany(
        "INSERT INTO recommendation VALUES (?, ?, ?, ?, ?, ?)",
        [
            [i + 1, theme, text, lead, tools, i]
            for i, (theme, text, lead, tools) in enumerate(RECOMMENDATIONS)
        ],
    )
