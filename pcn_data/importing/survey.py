"""Survey responses: the exports of Microsoft Forms, SurveyMonkey and Google Forms (one column
per question), and the project's own long-format template (one row per answer), staged into
respondents and answers with every problem named by row and column."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from pcn_data.core import bank
from pcn_data.core.db import Database
from pcn_data.importing.mapping import (
    FIELDS,
    IGNORE,
    METADATA_HEADERS,
    by_code_or_label,
    match_label,
    normalise,
    saved_labels,
)
from pcn_data.importing.plan import Answer, Plan
from pcn_data.importing.reading import Sheet, date_order

TEMPLATE_COLUMNS = [
    "respondent_id",
    "pcn_code",
    "role",
    "years_in_role",
    "submitted_on",
    "question_code",
    "answer",
]
WIDE_FORMATS = {
    "msforms": "Microsoft Forms export",
    "surveymonkey": "SurveyMonkey export",
    "googleforms": "Google Forms export",
    "generic": "spreadsheet with one column per question",
}
# A multi-select cell's separator in each tool's export (SurveyMonkey uses one column per option;
# its ticked labels are joined with this before splitting).
_SM_JOIN = "|"
# Google Forms joins ticked boxes with ", " in the linked Sheet's CSV, but with ";" in the CSV
# downloaded from the Forms responses tab.
_MULTI_SEP = {"msforms": ";", "surveymonkey": _SM_JOIN, "googleforms": ",;", "generic": ";,"}


@dataclass
class WideSource:
    """An export with one logical column per question; SurveyMonkey's option columns merged."""

    source_format: str
    headers: list[str]
    raw_header: list[str]
    rows: dict[int, list[str]]  # file row -> one value per logical column
    raw_rows: dict[int, list[str]]  # file row -> the cells as in the file


def wide_source(sheet: Sheet, source_format: str) -> WideSource:
    """Return the logical columns and rows of a one-column-per-question export."""
    rows = sheet.rows
    if source_format != "surveymonkey":
        header = rows[0]
        data = {i + 2: r for i, r in enumerate(rows[1:]) if any(c.strip() for c in r)}
        return WideSource(source_format, list(header), list(header), data, dict(data))
    # SurveyMonkey: row 1 holds the question above its first column, row 2 "Response" or an option.
    top, sub = rows[0], rows[1] if len(rows) > 1 else [""] * len(rows[0])
    groups: list[tuple[str, list[int], bool]] = []  # header, column indexes, is an option group
    for i in range(len(top)):
        if top[i].strip() or not groups:
            option_like = sub[i].strip() not in ("", "Response", "Open-Ended Response")
            groups.append((top[i], [i], option_like))
        else:
            name, cols, _ = groups[-1]
            groups[-1] = (name, cols + [i], True)
    # A matrix (its rows on header row 2, any answer in each cell) becomes one column per row,
    # headed "question [row]" as Google Forms heads a grid's; a checkbox question, whose cells
    # hold their own column's option when ticked, stays one column.
    split: list[tuple[str, list[int], bool]] = []
    headers = []
    for name, cols, option_group in groups:
        if option_group and len(cols) > 1 and _is_matrix(rows[2:], sub, cols):
            # A single answer with its "Other (please specify)" comment is two columns as well.
            split.extend((name, [c], False) for c in cols)
            headers.extend(_sub_header(name, sub[c]) for c in cols)
            continue
        split.append((name, cols, option_group))
        other = [c for c in cols if normalise(sub[c]).startswith("other (please specify)")]
        headers.append(name if not other or len(cols) > 1 else f"{name} (other)")
    groups = split
    data, raw = {}, {}
    for n, r in enumerate(rows[2:], start=3):
        if not any(c.strip() for c in r):
            continue
        values = []
        for _name, cols, option_group in groups:
            if option_group and len(cols) > 1:
                values.append(_SM_JOIN.join(r[c] for c in cols if r[c].strip()))
            else:
                values.append(r[cols[0]])
        data[n], raw[n] = values, r
    raw_header = [t or s for t, s in zip(top, sub, strict=True)]
    return WideSource(source_format, headers, raw_header, data, raw)


def _sub_header(name: str, sub: str) -> str:
    """Return the header of one column of a split SurveyMonkey group: the question for its
    "Response" column, "question (other)" for a comment, "question [row]" for a matrix row."""
    key = normalise(sub)
    if key in ("response", "open-ended response"):
        return name
    if key.startswith("other (please specify)"):
        return f"{name} (other)"
    return f"{name} [{sub.strip()}]"


def _is_matrix(rows: list[list[str]], sub: list[str], cols: list[int]) -> bool:
    """Return True when a SurveyMonkey column group is a matrix: some cell holds a value other
    than its column's own label on header row 2 (a ticked box holds its label)."""
    for c in cols:
        label = normalise(sub[c])
        if label.startswith("other (please specify)"):
            continue
        if any(r[c].strip() and normalise(r[c]) != label for r in rows):
            return True
    return False


class Lookups:
    """Reference data the validation needs, read once per import."""

    def __init__(self, db: Database) -> None:
        pcns = db.query(
            "SELECT p.pcn_code, p.name, p.place_code, pl.ics_code FROM pcn p JOIN place pl USING (place_code)"
        )
        self.pcn_ics = dict(zip(pcns["pcn_code"], pcns["ics_code"], strict=True))
        self.pcn_by_key: dict[str, str] = {}
        for code, name in zip(pcns["pcn_code"], pcns["name"], strict=True):
            self.pcn_by_key[normalise(code)] = code
            self.pcn_by_key.setdefault(normalise(name), code)
            self.pcn_by_key.setdefault(normalise(name).removesuffix(" pcn"), code)
        self.roles = by_code_or_label(bank.ROLES)
        self.years = by_code_or_label(bank.YEARS_BANDS)
        q = db.query("SELECT question_code, kind, short_label FROM question")
        self.kind = dict(zip(q["question_code"], q["kind"], strict=True))
        self.short = dict(zip(q["question_code"], q["short_label"], strict=True))
        o = db.query("SELECT question_code, option_code, label, is_exclusive FROM option ORDER BY sort_order")
        self.labels: dict[str, dict[str, str]] = {}
        self.label_text: dict[str, list[str]] = {}
        self.exclusive: set[tuple[str, str]] = set()
        for qc, oc, label, excl in o.itertuples(index=False):
            self.labels.setdefault(qc, {})[normalise(label)] = oc
            self.labels[qc].setdefault(normalise(oc), oc)
            self.label_text.setdefault(qc, []).append(label)
            if excl:
                self.exclusive.add((qc, oc))
        # Answer labels a person matched by hand: (question code, label key) -> option code or IGNORE.
        self.chosen: dict[tuple[str, str], str] = {}
        existing = db.query("SELECT respondent_id, batch_id FROM respondent")
        self.existing = dict(zip(existing["respondent_id"], existing["batch_id"], strict=True))

    def pcn(self, value: str) -> str | None:
        """Return the PCN code for a code or name, or None."""
        key = normalise(value)
        return self.pcn_by_key.get(key) or self.pcn_by_key.get(key.removesuffix(" pcn"))


def _respondent_key(wave_code: str, source_format: str, raw_id: str) -> str:
    """Return an opaque respondent id: the same person in a re-export gets the same id."""
    return hashlib.sha256(f"{wave_code}|{source_format}|{raw_id}".encode()).hexdigest()[:16]


def _split_multi(value: str, seps: str, labels: list[str]) -> list[str]:
    """Return the chosen labels of a multi-select cell; labels may themselves contain a separator."""
    rest = normalise(value)
    boundary = "[" + re.escape(seps) + "]"
    found = []
    for label in sorted(labels, key=len, reverse=True):
        pattern = re.compile(rf"(^|{boundary})\s*{re.escape(normalise(label))}\s*(?=$|{boundary})")
        match = pattern.search(rest)
        if match:
            found.append(label)
            rest = rest[: match.start()] + match.group(1) + rest[match.end() :]
    leftovers = [p.strip() for p in re.split(boundary, rest) if p.strip()]
    return found + leftovers


def _answers(
    plan: Plan, lk: Lookups, row: int, rid: str, column: str, qc: str, value: str, sep: str
) -> list[Answer]:
    """Return the answer records of one cell, adding a problem for a value not on the scale."""
    kind = lk.kind[qc]
    if kind == "text":
        return [Answer(row, rid, qc, None, value)]
    values = _split_multi(value, sep, lk.label_text.get(qc, [])) if kind == "multi" else [value]
    out = []
    for v in values:
        code = lk.chosen.get((qc, normalise(v)))
        if code == IGNORE:
            continue  # a label a person chose to count as no answer (e.g. "Prefer not to say")
        if code is None:
            code, _how = match_label(v, lk.labels.get(qc, {}))
        if code is None:
            allowed = "; ".join(lk.label_text.get(qc, []))
            plan.add(row, column, f"“{v}” is not an answer to “{lk.short[qc]}”: expected one of {allowed}")
            plan.unmatched[(qc, v)] = plan.unmatched.get((qc, v), 0) + 1
            continue
        out.append(Answer(row, rid, qc, code, None))
    codes = [a.option_code for a in out]
    if len(codes) != len(set(codes)):
        plan.add(row, column, "the same option is chosen twice")
    if kind == "multi" and len(codes) > 1 and any((qc, c) in lk.exclusive for c in codes):
        plan.add(row, column, "“I have what I need” cannot be chosen with other options")
    return out


def _wave_ics(db: Database, plan: Plan, wave_code: str, pcn_codes: list[str], lk: Lookups) -> str | None:
    """Return the ICS of the wave (existing, or the ICS most of the file's PCNs belong to)."""
    row = db.query("SELECT ics_code, kind FROM wave WHERE wave_code = ?", [wave_code])
    if not row.empty:
        if row["kind"].iloc[0] != "survey":
            plan.add(None, None, f"wave {wave_code} is a workshop poll, not a survey: choose another wave")
        return row["ics_code"].iloc[0]
    icss = [lk.pcn_ics[p] for p in pcn_codes if p]
    return max(set(icss), key=icss.count) if icss else None


def stage_wide(
    db: Database,
    plan: Plan,
    src: WideSource,
    mapping: dict[str, str],
    wave_code: str,
    default_role: str = "cd",
    labels: dict[tuple[str, str], str] | None = None,
    ignore_unmapped: bool = False,
) -> None:
    """Fill plan with the respondents and answers of a wide export under a confirmed mapping.

    ignore_unmapped: a person has seen the columns not imported and confirmed they are left out;
    until then they are a problem of the file as a whole.

    labels: (question code, label as written) -> option code or IGNORE, for answers that match
    no option; added to those confirmed for the same tool before."""
    lk = Lookups(db)
    plan.labels = dict(labels or {})

    def fits(q: str, code: str) -> bool:
        return code == IGNORE or code in lk.labels.get(q, {}).values()

    for (q, label), code in plan.labels.items():
        if q not in lk.kind or not fits(q, code):
            plan.add(
                None, None, f"the answer “{label}” is matched to {code!r}, which is not an option of {q!r}"
            )
    # A saved choice whose option has since left the bank is dropped: the label is then reported
    # as unmatched, for a person to match again.
    saved = {k: c for k, c in saved_labels(db, src.source_format).items() if fits(k[0], c)}
    lk.chosen = saved | {(q, normalise(v)): c for (q, v), c in plan.labels.items()}
    plan.header, plan.rows, plan.mapping = src.raw_header, src.raw_rows, dict(mapping)
    targets = [mapping.get(h, IGNORE) for h in src.headers]
    chosen = [t for t in targets if t != IGNORE]
    for t in {t for t in chosen if chosen.count(t) > 1}:
        cols = ", ".join(f"“{h}”" for h, x in zip(src.headers, targets, strict=True) if x == t)
        plan.add(None, None, f"{cols} are all mapped to {FIELDS.get(t, t)}: map only one")
    if "pcn" not in targets:
        plan.add(None, None, "no column is mapped to the PCN: every response must name its PCN")
    if not any(t in lk.kind for t in targets):
        plan.add(None, None, "no column is mapped to a question of the bank: nothing to import")
    if default_role not in {c for c, _ in bank.ROLES}:
        plan.add(None, None, f"unknown default role {default_role!r}")
    for t in targets:
        if t != IGNORE and t not in FIELDS and t not in lk.kind:
            plan.add(None, None, f"mapping target {t!r} is not a question code or a respondent field")
    _not_imported(plan, lk, src, targets, ignore_unmapped)
    sep = _MULTI_SEP[src.source_format]
    col = {t: i for i, t in enumerate(targets) if t != IGNORE}
    if "submitted" in col:
        i = col["submitted"]
        plan.month_first, why = date_order((v[i] for v in src.rows.values()), src.source_format)
        if why:
            plan.notes.append(why)
    seen_ids: dict[str, int] = {}
    identity = {"pcn", "role", "years", *lk.kind}  # the cells that say who answered what
    respondents, answers, pcns, dates = [], [], [], []
    for n, values in src.rows.items():

        def cell(target: str, values=values) -> str:
            return values[col[target]].strip() if target in col else ""

        def header(target: str) -> str:
            return src.headers[col[target]]

        raw_pcn = cell("pcn")
        pcn = lk.pcn(raw_pcn) if raw_pcn else None
        if "pcn" in col and not raw_pcn:
            plan.add(n, header("pcn"), "required answer missing: the PCN is blank")
        elif raw_pcn and pcn is None:
            plan.add(n, header("pcn"), f"unknown PCN “{raw_pcn}”: not in the reference data")
        pcns.append(pcn)
        role = default_role
        if "role" in col:
            raw = cell("role")
            role = lk.roles.get(normalise(raw)) if raw else None
            if not raw:
                plan.add(n, header("role"), "required answer missing: the role is blank")
            elif role is None:
                plan.add(
                    n,
                    header("role"),
                    f"unknown role “{raw}”: expected {', '.join(label for _, label in bank.ROLES)}",
                )
        years = None
        if cell("years"):
            years = lk.years.get(normalise(cell("years")))
            if years is None:
                plan.add(n, header("years"), f"unknown years-in-role band “{cell('years')}”")
        if cell("submitted") and (when := plan.date(n, header("submitted"), cell("submitted"))):
            dates.append(when)
        # Within the file, a tool's own respondent id when there is one, else the whole row: an
        # exact duplicate row (a double submission) then gets the same id and is caught below.
        tool_id = cell("respondent_id")
        raw_id = tool_id or json.dumps(values)
        # The id itself (a cell already in memory), or the row's key: its JSON would be kept whole.
        within = tool_id or _respondent_key(wave_code, src.source_format, raw_id)
        if within in seen_ids:
            what = "respondent ID" if tool_id else "response (every cell identical)"
            plan.add(
                n,
                header("respondent_id") if "respondent_id" in col else None,
                f"duplicate respondent: the same {what} as row {seen_ids[within]}",
            )
        else:
            seen_ids[within] = n
        # Across files, the tool's id together with the answers: two forms that each number their
        # responses from 1 never collide, while the same response exported again (in any column
        # order, CSV or XLSX) has the same key and is caught as already imported.
        if tool_id:
            answered = [(t, normalise(values[i])) for t, i in sorted(col.items()) if t in identity]
            raw_id = f"{tool_id}|{json.dumps(answered)}"
        rid = _respondent_key(wave_code, src.source_format, raw_id) if tool_id else within
        if rid in lk.existing:
            plan.add(
                n,
                None,
                f"duplicate respondent: this response (ID {tool_id}, the same answers) was already "
                f"imported in batch {lk.existing[rid]}"
                if tool_id
                else f"duplicate respondent: this response was already imported in batch {lk.existing[rid]}",
            )
        count = 0
        for t, i in col.items():
            if t in lk.kind and values[i].strip():
                found = _answers(plan, lk, n, rid, src.headers[i], t, values[i].strip(), sep)
                answers.extend(found)
                count += len(found)
        if count == 0:
            plan.add(n, None, "no answers to any mapped question")
        respondents.append(
            {"_row": n, "respondent_id": rid, "pcn_code": pcn, "role_code": role, "years_band": years}
        )
    _finish(db, plan, lk, wave_code, respondents, answers, pcns, dates)


def _not_imported(plan: Plan, lk: Lookups, src: WideSource, targets: list[str], confirmed: bool) -> None:
    """List the columns with answers that are neither mapped nor the tools' metadata, each with
    the unanswered questions whose options all its answers fit; a problem until confirmed."""
    unanswered = [
        q for q in lk.kind if q not in targets and lk.kind[q] in ("scale", "single") and lk.labels.get(q)
    ]
    for i, (header, target) in enumerate(zip(src.headers, targets, strict=True)):
        if target != IGNORE or normalise(header) in METADATA_HEADERS:
            continue
        values = {normalise(v[i]) for v in src.rows.values() if v[i].strip()}
        if not values:
            continue
        answers = sum(1 for v in src.rows.values() if v[i].strip())
        fits = [lk.short[q] for q in unanswered if values <= lk.labels[q].keys()]
        plan.not_imported.append((header, answers, fits))
    if plan.not_imported and not confirmed:
        held = [(h, fits) for h, _n, fits in plan.not_imported if fits]
        might = "".join(
            f"; “{fits[0]}” gets no answer, but column “{h}” might hold it" for h, fits in held[:3]
        )
        plan.add(
            None,
            None,
            f"{plural(len(plan.not_imported), 'column')} with answers "
            f"{'is' if len(plan.not_imported) == 1 else 'are'} not imported"
            f" ({', '.join(f'“{h}”' for h, _n, _f in plan.not_imported[:5])}"
            f"{', …' if len(plan.not_imported) > 5 else ''}){might}: map them to questions, or confirm "
            "that they are left out",
        )


def plural(n: int, word: str) -> str:
    """Return "1 column", "2 columns"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def might_hold(fits: list[str]) -> str:
    """Return "might hold “A”, “B” or 3 more questions" for a column not imported, or ""."""
    if not fits:
        return ""
    shown = ", ".join(f"“{f}”" for f in fits[:3])
    return f"might hold {shown}" + (f" or {len(fits) - 3} more questions" if len(fits) > 3 else "")


def _finish(db, plan, lk, wave_code, respondents, answers, pcns, dates) -> None:
    """Check the wave and the PCNs' ICS, then store the records in the plan."""
    plan.wave_code = wave_code
    ics = _wave_ics(db, plan, wave_code, pcns, lk)
    for r in respondents:
        if r["pcn_code"] and ics and lk.pcn_ics[r["pcn_code"]] != ics:
            plan.add(
                r["_row"],
                None,
                f"PCN {r['pcn_code']} is in ICS {lk.pcn_ics[r['pcn_code']]}, "
                f"but wave {wave_code} belongs to ICS {ics}",
            )
    if db.scalar("SELECT count(*) FROM wave WHERE wave_code = ?", [wave_code]) == 0 and ics:
        plan.wave = {
            "wave_code": wave_code,
            "name": f"{wave_code} survey (imported)",
            "kind": "survey",
            "ics_code": ics,
            "opened_on": min(dates) if dates else None,
            "closed_on": max(dates) if dates else None,
        }
    plan.records = {"respondent": respondents, "answer": answers}


def stage_template(db: Database, plan: Plan, sheet: Sheet, wave_code: str) -> None:
    """Fill plan from the long-format template: one row per respondent x question (x option)."""
    lk = Lookups(db)
    header = [normalise(h) for h in sheet.rows[0]]
    plan.header = sheet.rows[0]
    missing = [c for c in TEMPLATE_COLUMNS if c not in header and c not in ("years_in_role", "submitted_on")]
    if missing:
        plan.add(None, None, f"the template needs the columns {', '.join(missing)}")
        return
    idx = {c: header.index(c) for c in TEMPLATE_COLUMNS if c in header}
    people: dict[str, dict] = {}
    answers, pcns, dates = [], [], []
    seen: dict[tuple[str, str, str], int] = {}
    for n, r in enumerate(sheet.rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        plan.rows[n] = r

        def get(c: str, r=r) -> str:
            return r[idx[c]].strip() if c in idx else ""

        raw_id, qc, value = get("respondent_id"), get("question_code"), get("answer")
        if not raw_id:
            plan.add(n, "respondent_id", "required answer missing: the respondent_id is blank")
            continue
        rid = _respondent_key(wave_code, "template", raw_id)
        raw_pcn = get("pcn_code")
        pcn = lk.pcn(raw_pcn) if raw_pcn else None
        if not raw_pcn:
            plan.add(n, "pcn_code", "required answer missing: the PCN code is blank")
        elif pcn is None:
            plan.add(n, "pcn_code", f"unknown PCN “{raw_pcn}”: not in the reference data")
        role = lk.roles.get(normalise(get("role"))) if get("role") else None
        if role is None:
            plan.add(
                n,
                "role",
                f"unknown or blank role “{get('role')}”: expected one of "
                f"{', '.join(c for c, _ in bank.ROLES)}",
            )
        years = lk.years.get(normalise(get("years_in_role"))) if get("years_in_role") else None
        if get("years_in_role") and years is None:
            plan.add(
                n,
                "years_in_role",
                f"unknown years-in-role band “{get('years_in_role')}”: "
                f"expected one of {', '.join(c for c, _ in bank.YEARS_BANDS)}",
            )
        if when := plan.date(n, "submitted_on", get("submitted_on")):
            dates.append(when)
        person = {"pcn_code": pcn, "role_code": role, "years_band": years}
        if rid not in people:
            people[rid] = {"_row": n, "respondent_id": rid, **person}
            pcns.append(pcn)
            if rid in lk.existing:
                plan.add(
                    n,
                    "respondent_id",
                    f"duplicate respondent: {raw_id} was already imported in batch {lk.existing[rid]}",
                )
        elif any(people[rid][k] != v for k, v in person.items()):
            plan.add(
                n,
                None,
                f"respondent {raw_id} has a different PCN, role or years here than on "
                f"row {people[rid]['_row']}",
            )
        if qc not in lk.kind:
            plan.add(n, "question_code", f"unknown question code “{qc}”: see the template's questions sheet")
            continue
        if not value:
            plan.add(n, "answer", "required answer missing: the answer is blank (leave the row out instead)")
            continue
        key = (rid, qc, value if lk.kind[qc] == "multi" else "")
        if key in seen:
            plan.add(
                n,
                "respondent_id",
                f"duplicate respondent: {raw_id} answers {qc} again (first on row {seen[key]})",
            )
            continue
        seen[key] = n
        answers.extend(_answers(plan, lk, n, rid, "answer", qc, value, ";"))
    # A respondent's record carries the rows of all their answers: one bad row rejects them all,
    # so a respondent is never half-imported.
    rows_of: dict[str, set[int]] = {}
    for a in answers:
        rows_of.setdefault(a["respondent_id"], set()).add(a["_row"])
    bad = plan.bad_rows
    for rid, person in people.items():
        for row in rows_of.get(rid, set()) - {person["_row"]}:
            if row in bad and person["_row"] not in bad:
                plan.add(person["_row"], None, f"another row of this respondent (row {row}) has a problem")
                break
    answers = [a for a in answers if people[a["respondent_id"]]["_row"] not in plan.bad_rows]
    _finish(db, plan, lk, wave_code, list(people.values()), answers, pcns, dates)
