"""A PCN maturity-matrix round on the participants' phones (a poll question of kind 'maturity').

Each participant chooses their PCN (from the session's place) and rates its stage in every domain
of the matrix, now and where they want it in a year. The answer travels as a vote does: one POST
to /join/vote, committed by the room's group commit (`room.Rooms.cast` -> `polls.cast_votes`),
written here to `poll_maturity`. The room is shown only as a spread (people per stage per domain)
and never per person; the projector never shows it per PCN. For each PCN the facilitator records
the stages the team agreed into `self_assessment`, against the session's wave, with the date.

The question's options (`poll_option`) carry what the phone needs to draw it, taken when the round
is added: `pcn:<code>` (the place's PCNs), `domain:<code>` and `stage:<code>`. An answer is a list
of codes: `pcn:<code>`, `now:<domain>:<stage>` for every domain and, where given,
`want:<domain>:<stage>`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable

import pandas as pd

from pcn_data.core import trail
from pcn_data.core.config import min_reveal_votes
from pcn_data.core.db import Database
from pcn_data.core.filters import Filters, where
from pcn_data.workshop import polls

KIND = "maturity"
WORDING = "Where is your PCN on the maturity matrix now, and where do you want it to be in a year?"


def options(cur, session_id: int) -> list[tuple[str, str]]:
    """Return a round's options, (code, label) in order: the PCNs of the session's place, the
    matrix's domains, then its stages."""
    pcns = cur.execute(
        "SELECT pc.pcn_code, pc.name FROM poll_session s JOIN wave w USING (wave_id) "
        "JOIN pcn pc ON pc.place_code = w.place_code WHERE s.session_id = ? ORDER BY pc.name",
        [session_id],
    ).fetchall()
    if not pcns:
        raise polls.PollError("This session's place has no PCNs to choose from.")
    domains = cur.execute("SELECT domain_code, label FROM sa_domain ORDER BY sort_order").fetchall()
    stages = cur.execute("SELECT stage_code, label FROM sa_stage ORDER BY ordinal").fetchall()
    return (
        [(f"pcn:{c}", n) for c, n in pcns]
        + [(f"domain:{c}", n) for c, n in domains]
        + [(f"stage:{c}", n) for c, n in stages]
    )


def _of(prefix: str, codes: Iterable[str]) -> list[str]:
    """Return the codes after `prefix:`, in order."""
    return [c.split(":", 1)[1] for c in codes if c.startswith(prefix + ":")]


def parse(answer, valid: set[str]) -> tuple[str, dict[str, tuple[str, str | None]]]:
    """Return (pcn_code, {domain: (now, wanted or None)}) from a phone's answer; raise
    polls.PollError when it is not a whole answer to this round."""
    if not isinstance(answer, list) or any(not isinstance(c, str) for c in answer):
        raise polls.PollError("Choose your PCN and a stage for each part of the matrix.")
    pcns = [c for c in answer if c.startswith("pcn:")]
    if len(pcns) != 1 or pcns[0] not in valid:
        raise polls.PollError("Choose your PCN.")
    domains, stages = _of("domain", valid), set(_of("stage", valid))
    now: dict[str, str] = {}
    want: dict[str, str] = {}
    for code in answer:
        if code in pcns:
            continue
        parts = code.split(":")
        if (
            len(parts) != 3
            or parts[0] not in ("now", "want")
            or parts[1] not in domains
            or parts[2] not in stages
        ):
            raise polls.PollError("Choose one of the stages.")
        which = now if parts[0] == "now" else want
        if parts[1] in which:
            raise polls.PollError("Choose one stage for each part of the matrix, now and in a year.")
        which[parts[1]] = parts[2]
    if set(now) != set(domains):
        raise polls.PollError("Choose where your PCN is now for every part of the matrix.")
    return pcns[0].split(":", 1)[1], {d: (now[d], want.get(d)) for d in domains}


def codes(answer) -> tuple[str, ...]:
    """Return a valid answer's codes as the room keeps them (sorted: the same from the phone
    and from the file)."""
    return tuple(sorted(set(answer)))


def write(cur, poll_question_id: int, token: str, answer, valid: set[str]) -> None:
    """Replace one participant's answer to a round inside the vote's transaction; raise
    polls.PollError before writing anything when it is invalid."""
    pcn, stages = parse(answer, valid)
    cur.execute(
        "DELETE FROM poll_maturity WHERE poll_question_id = ? AND participant_token = ?",
        [poll_question_id, token],
    )
    # One statement for the domains (unnest zips the lists): executemany runs one a row, and a
    # room sending at once commits all its answers in one transaction (benchmarks/maturity.py).
    cur.execute(
        "INSERT INTO poll_maturity (poll_question_id, participant_token, pcn_code, domain_code, "
        "now_stage, desired_stage) SELECT ?, ?, ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[])",
        [
            poll_question_id,
            token,
            pcn,
            list(stages),
            [now for now, _ in stages.values()],
            [want for _, want in stages.values()],
        ],
    )


def load_votes(db: Database, session_id: int) -> list[tuple[int, str, tuple[str, ...], float]]:
    """Return every answer to the session's rounds as the room keeps them:
    (poll_question_id, token, codes, cast_at in epoch seconds)."""
    # Grain: one row per participant x round, their domains gathered.
    df = db.query(
        """
        SELECT m.poll_question_id, m.participant_token, any_value(m.pcn_code) AS pcn_code,
               list(m.domain_code ORDER BY m.domain_code) AS domains,
               list(m.now_stage ORDER BY m.domain_code) AS now,
               list(m.desired_stage ORDER BY m.domain_code) AS want,
               epoch(max(m.cast_at)) AS cast_at
        FROM poll_maturity m JOIN poll_question q USING (poll_question_id)
        WHERE q.session_id = ? GROUP BY ALL
        """,
        [session_id],
    )
    out = []
    for qid, token, pcn, domains, now, want, cast_at in df.itertuples(index=False, name=None):
        answer = [f"pcn:{pcn}"] + [f"now:{d}:{s}" for d, s in zip(domains, now, strict=True)]
        answer += [
            f"want:{d}:{s}" for d, s in zip(domains, want, strict=True) if s is not None and not pd.isna(s)
        ]
        out.append((int(qid), str(token), codes(answer), float(cast_at)))
    return out


def labels(question_options: Iterable[tuple[str, str]]) -> dict[str, dict[str, str]]:
    """Return a round's labels by kind: {'pcn': {code: name}, 'domain': {...}, 'stage': {...}}."""
    out: dict[str, dict[str, str]] = {"pcn": {}, "domain": {}, "stage": {}}
    for code, label in question_options:
        kind, _, value = code.partition(":")
        if kind in out:
            out[kind][value] = label
    return out


def pcn_of(vote_codes: Iterable[str]) -> str | None:
    """Return the PCN code a participant chose."""
    found = _of("pcn", vote_codes)
    return found[0] if found else None


def spread(question_options, votes: Iterable, pcn_code: str | None = None) -> pd.DataFrame:
    """Return how many people put each domain at each stage, now and in a year: domain_code,
    domain, stage_code, stage, now, want. Grain: domain x stage (every pair, zeros included).

    votes: the room's answers to the round (anything with `.codes`); pcn_code: one PCN's team
    only. attrs["n"]: the people counted."""
    names = labels(question_options)
    chosen = [v.codes for v in list(votes) if pcn_code is None or pcn_of(v.codes) == pcn_code]
    rows = []
    for d, domain in names["domain"].items():
        for s, stage in names["stage"].items():
            rows.append(
                {
                    "domain_code": d,
                    "domain": domain,
                    "stage_code": s,
                    "stage": stage,
                    "now": sum(f"now:{d}:{s}" in c for c in chosen),
                    "want": sum(f"want:{d}:{s}" in c for c in chosen),
                }
            )
    out = pd.DataFrame(rows, columns=["domain_code", "domain", "stage_code", "stage", "now", "want"])
    out.attrs["n"] = len(chosen)
    return out


def teams(question_options, votes: Iterable) -> pd.DataFrame:
    """Return the PCNs whose people answered, with how many: pcn_code, pcn, people (PCN order)."""
    names = labels(question_options)["pcn"]
    counts: dict[str, int] = {}
    for v in list(votes):
        pcn = pcn_of(v.codes)
        if pcn is not None:
            counts[pcn] = counts.get(pcn, 0) + 1
    rows = [{"pcn_code": c, "pcn": n, "people": counts[c]} for c, n in names.items() if c in counts]
    return pd.DataFrame(rows, columns=["pcn_code", "pcn", "people"])


def team_view(question_options, votes: Iterable, pcn_code: str) -> pd.DataFrame | None:
    """Return a PCN team's spread as the facilitator sees it, one row per domain with a column per
    stage ("now 2 · in a year 1"), or None when fewer people than the reveal minimum answered
    for it: then the spread would be one or two people's own answers, on a screen others see."""
    s = spread(question_options, votes, pcn_code)
    if s.attrs["n"] < min_reveal_votes():
        return None
    cell = s.assign(text=[f"now {a} · in a year {b}" for a, b in zip(s["now"], s["want"], strict=True)])
    table = cell.pivot(index="domain_code", columns="stage_code", values="text")
    names = labels(question_options)
    table = table.reindex(index=list(names["domain"]), columns=list(names["stage"]))
    table.index = [names["domain"][d] for d in table.index]
    table.columns = [names["stage"][c] for c in table.columns]
    return table.rename_axis("Domain").reset_index()


def suggested(question_options, votes: Iterable, pcn_code: str) -> dict[str, tuple[str | None, str | None]]:
    """Return, per domain, the team's median stage now and in a year (a starting point for the
    facilitator's form), or Nones when the team is under the reveal minimum."""
    names = labels(question_options)
    order = list(names["stage"])
    chosen = [v.codes for v in list(votes) if pcn_of(v.codes) == pcn_code]
    enough = len(chosen) >= min_reveal_votes()
    out: dict[str, tuple[str | None, str | None]] = {}
    for d in names["domain"]:
        pair = []
        for when in ("now", "want"):
            prefix = f"{when}:{d}:"
            ranks = sorted(
                order.index(c[len(prefix) :]) for codes in chosen for c in codes if c.startswith(prefix)
            )
            pair.append(order[ranks[(len(ranks) - 1) // 2]] if enough and ranks else None)
        out[d] = (pair[0], pair[1])
    return out


def spread_html(s: pd.DataFrame) -> str:
    """Return the projector's HTML of the room's spread: per domain, a row of people per stage
    now and a row for in a year, each count shaded by its share. Every label is escaped."""
    n = int(s.attrs.get("n", 0))
    stages = list(dict.fromkeys(s["stage"]))
    head = "".join(f"<th scope='col'>{html.escape(str(x))}</th>" for x in stages)
    body = []
    for _, rows in s.groupby("domain_code", sort=False):
        domain = html.escape(str(rows["domain"].iloc[0]))
        for i, (col, when) in enumerate((("now", "Now"), ("want", "In a year"))):
            cells = []
            for v in rows[col]:
                alpha = 0.12 + 0.88 * (int(v) / n) if n and v else 0.0
                colour = f"rgba(0,94,184,{alpha:.2f})"
                ink = "#FFFFFF" if alpha > 0.55 else "#212B32"
                cells.append(f"<td style='background:{colour};color:{ink}'>{int(v)}</td>")
            label = f"<th scope='rowgroup' rowspan='2'>{domain}</th>" if i == 0 else ""
            body.append(
                f"<tr class='m-{col}'>{label}<th scope='row' class='m-when'>{when}</th>{''.join(cells)}</tr>"
            )
    style = (
        "<style>.maturity{border-collapse:collapse;width:100%;font-size:clamp(1.1rem,2.6vh,1.6rem);"
        "line-height:1.15}.maturity th,.maturity td{padding:clamp(0.15rem,0.6vh,0.4rem) 0.6rem;"
        "border-bottom:1px solid #D8DDE0}.maturity td{text-align:center;font-weight:700;width:12%}"
        ".maturity caption{text-align:left;caption-side:top;margin-bottom:0.4rem}"
        ".maturity thead th{text-align:center;color:#4C6272}.maturity thead th:first-child{text-align:left}"
        ".maturity th[scope=rowgroup]{text-align:left;"
        "overflow-wrap:anywhere;width:34%}.maturity .m-when{text-align:left;color:#4C6272;font-weight:400;"
        "white-space:nowrap}.maturity tr.m-want td,.maturity tr.m-want th"
        "{border-bottom:3px solid #AEB7BD}</style>"
    )
    return (
        f"{style}<table class='maturity' data-testid='present-maturity'>"
        f"<caption class='present-sub'>How many people put their PCN at each stage: {n} "
        f"{'person' if n == 1 else 'people'} answered</caption>"
        f"<thead><tr><th scope='col'>Domain</th><th scope='col'></th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def record_agreed(
    db: Database,
    session_id: int,
    pcn_code: str,
    stages: dict[str, tuple[str, str | None]],
    on: dt.date,
) -> None:
    """Record a PCN's agreed stages (domain -> (now, wanted in a year or None)) into
    self_assessment against the session's wave, dated `on`, with an audit-trail entry."""
    if not stages:
        raise polls.PollError("Choose the agreed stage for at least one domain.")
    head = db.query(
        "SELECT s.wave_id, w.place_code FROM poll_session s JOIN wave w USING (wave_id) "
        "WHERE s.session_id = ?",
        [session_id],
    )
    if head.empty:
        raise polls.PollError("That session no longer exists.")
    wave_id, place = int(head["wave_id"].iloc[0]), head["place_code"].iloc[0]
    if not db.scalar("SELECT count(*) FROM pcn WHERE pcn_code = ? AND place_code = ?", [pcn_code, place]):
        raise polls.PollError("That PCN is not in this session's place.")
    domains = set(db.query("SELECT domain_code FROM sa_domain")["domain_code"])
    known = set(db.query("SELECT stage_code FROM sa_stage")["stage_code"])
    for d, (now, want) in stages.items():
        if d not in domains or now not in known or (want is not None and want not in known):
            raise polls.PollError("Choose one of the stages for each domain.")
    # Bumps the data version: PCN development and PCN profile show the new stages at once.
    with db.transaction() as cur:
        cur.executemany(
            "INSERT INTO self_assessment (pcn_code, domain_code, wave_id, stage_code, assessed_on, "
            "desired_stage_code) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pcn_code, domain_code, wave_id) "
            "DO UPDATE SET stage_code = excluded.stage_code, assessed_on = excluded.assessed_on, "
            "desired_stage_code = excluded.desired_stage_code",
            [[pcn_code, d, wave_id, now, on, want] for d, (now, want) in stages.items()],
        )
        trail.record(
            cur, "self_assessment", f"PCN {pcn_code} at session {session_id}", f"{len(stages)} domains agreed"
        )


def agreed(db: Database, f: Filters) -> pd.DataFrame:
    """Return the stages PCNs agreed at workshops in the chosen places (or ICS, or PCNs), newest
    first: pcn_code, pcn, place, domain, stage, desired, source ("Agreed at <title>, <date>").

    Grain: PCN x domain x session. Not confidential: a PCN's self-assessment is open."""
    cond, params = where(
        f.without("wave", "roles"), {"ics": "pl.ics_code", "places": "pl.place_code", "pcns": "pc.pcn_code"}
    )
    df = db.query(
        f"""
        SELECT pc.pcn_code, pc.name AS pcn, pl.name AS place, d.label AS domain, st.label AS stage,
               ds.label AS desired, ps.title, coalesce(sa.assessed_on, w.opened_on) AS agreed_on
        FROM self_assessment sa
        JOIN poll_session ps ON ps.wave_id = sa.wave_id
        JOIN wave w ON w.wave_id = sa.wave_id
        JOIN pcn pc ON pc.pcn_code = sa.pcn_code
        JOIN place pl ON pl.place_code = pc.place_code
        JOIN sa_domain d ON d.domain_code = sa.domain_code
        JOIN sa_stage st ON st.stage_code = sa.stage_code
        LEFT JOIN sa_stage ds ON ds.stage_code = sa.desired_stage_code
        WHERE {cond}
        ORDER BY agreed_on DESC, ps.session_id DESC, pc.name, d.sort_order
        """,
        params,
    )
    df["source"] = [f"Agreed at {t}, {d:%d %B %Y}" for t, d in zip(df["title"], df["agreed_on"], strict=True)]
    return df[["pcn_code", "pcn", "place", "domain", "stage", "desired", "source"]]


def agreed_in_session(db: Database, session_id: int) -> pd.DataFrame:
    """Return the stages recorded at a session: pcn_code, domain_code, stage_code,
    desired_stage_code, assessed_on. Grain: PCN x domain."""
    return db.query(
        "SELECT sa.pcn_code, sa.domain_code, sa.stage_code, sa.desired_stage_code, sa.assessed_on "
        "FROM self_assessment sa JOIN poll_session s ON s.wave_id = sa.wave_id WHERE s.session_id = ?",
        [session_id],
    )


def add_to_session(db: Database, session_id: int) -> int:
    """Append a maturity round to a session; return its position."""
    return polls.add_question(db, session_id, polls.QuestionSpec(WORDING, KIND))


def export_rows(db: Database, q, need: int) -> list[dict]:
    """Return a revealed round's rows for the session's export (polls.session_results): people per
    domain and stage, now and in a year, for the room; nothing per person or per PCN, and nothing
    before the reveal or under the reveal minimum. q: a row of `polls.questions`."""
    if not q.results_visible:
        return []
    # Grain: domain x stage, counted over the room's participants (plain SQL on the file).
    df = db.query(
        """
        WITH m AS (SELECT * FROM poll_maturity WHERE poll_question_id = ?),
             n AS (SELECT count(DISTINCT participant_token) AS n FROM m)
        SELECT d.label AS domain, st.label AS stage,
               count(DISTINCT m1.participant_token) AS now, count(DISTINCT m2.participant_token) AS want, n.n
        FROM sa_domain d CROSS JOIN sa_stage st CROSS JOIN n
        LEFT JOIN m m1 ON m1.domain_code = d.domain_code AND m1.now_stage = st.stage_code
        LEFT JOIN m m2 ON m2.domain_code = d.domain_code AND m2.desired_stage = st.stage_code
        GROUP BY ALL ORDER BY any_value(d.sort_order), any_value(st.ordinal)
        """,
        [int(q.poll_question_id)],
    )
    if df.empty or int(df["n"].iloc[0]) < need:
        return []
    n = int(df["n"].iloc[0])
    base = {"position": q.position, "question": q.wording, "type": polls.KINDS[KIND], "answers": n}
    rows = []
    for r in df.itertuples(index=False):
        for when, votes in (("now", r.now), ("in a year", r.want)):
            rows.append(
                {**base, "option": f"{r.domain}: {r.stage} {when}", "votes": int(votes),
                 "share_pct": round(100 * int(votes) / n, 1), "mean_rank": None, "text": ""}
            )  # fmt: skip
    return rows
