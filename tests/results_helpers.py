"""Helpers for the results-page tests: read the figures AppTest rendered, and recompute their
numbers independently from the raw answer rows with pandas."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd


def _decode(value):
    """Return plotly's JSON value as a plain list (typed arrays come base64-encoded)."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            arr = arr.reshape([int(x) for x in str(value["shape"]).split(",")])
        return arr.tolist()
    return value


def figure(at, key: str) -> dict:
    """Return the plotly figure (as JSON) that AppTest rendered with the given widget key."""
    for el in at.get("plotly_chart"):
        if el.proto.id.endswith(f"-{key}"):
            spec = json.loads(el.proto.spec)
            for trace in spec["data"]:
                for k in list(trace):
                    trace[k] = _decode(trace[k])
            return spec
    raise KeyError(f"no chart with key {key!r}")


def open_tables(at) -> None:
    """Open the "Table behind this chart" expander of every chart on the page, and rerun: tables
    are made only while open."""
    keys = chart_keys(at)
    for key in keys:
        at.session_state[f"{key}_open"] = True
    at.run()
    assert len(at.dataframe) >= len(keys), "a chart's table did not open"


def chart_keys(at) -> list[str]:
    """Return the keys of every chart on the page."""
    return [el.proto.id.rsplit("-", 1)[-1] for el in at.get("plotly_chart")]


def row_name(label: str) -> str:
    """Return the plain name from a chart's y-axis label ('<b>Name<br>n = 9</b>' -> 'Name')."""
    return re.sub(r"<[^>]+>", "", label.split("<br>")[0]).strip()


def trace(fig: dict, name: str) -> dict:
    """Return the first trace with this legend name."""
    return next(t for t in fig["data"] if t.get("name") == name)


def raw_answers(db, question_codes) -> pd.DataFrame:
    """Return respondent-level answer rows (test-only: pages never see these)."""
    marks = ", ".join("?" for _ in question_codes)
    return db.query(
        f"""SELECT a.respondent_id, a.question_code, a.option_code, w.wave_code, p.place_code,
                   pl.name AS place, r.role_code
            FROM answer a JOIN respondent r ON r.respondent_id = a.respondent_id
            JOIN wave w ON w.wave_id = r.wave_id JOIN pcn p ON p.pcn_code = r.pcn_code
            JOIN place pl ON pl.place_code = p.place_code
            WHERE a.question_code IN ({marks})""",
        list(question_codes),
    )


def share(raw: pd.DataFrame, options: set[str], exclude: set[str] = frozenset()) -> float:
    """Return the share of rows whose option is in options, among rows not in exclude."""
    rows = raw[~raw["option_code"].isin(exclude)]
    return float(rows["option_code"].isin(options).mean())


def assert_no_recovery(shown_n: dict[str, float | None], total_n: float, k: int = 5) -> None:
    """Assert the hidden groups can't be recovered: none hidden, or together at least k in two or
    more groups (so the total minus the shown groups reveals no single small group)."""
    hidden = [g for g, n in shown_n.items() if n is None or n != n]
    remainder = total_n - sum(n for n in shown_n.values() if n is not None and n == n)
    if hidden:
        assert remainder >= k, f"hidden groups {hidden} hold only {remainder} respondents"
        assert len(hidden) >= 2 or remainder == 0, f"a single hidden group {hidden} equals total - shown"
