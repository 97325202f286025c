"""The protected tables: every survey number a user can see comes from here.

For each survey wave, question and ICS there is one table at the finest grain the product
publishes, place x role, with every margin (place, role and the ICS total): a "cell" is a
(place, role, band) triple in which any coordinate may be ALL. The band (years in role) is kept
as a dimension of one category: no view breaks a table down by it (see BANDS).
One suppression pattern per wave, ICS and audience (the questions answered by the same people in
every cell share it) is solved jointly over all those linked cells:

- primary: every cell with fewer than K respondents (empty ones too, so that the placeholder
  reads the same whatever the true n);
- secondary: the hypercube method (solve_pattern): each hidden group gets a cube of hidden
  cells across which it can move by K - 1 or more, its respondents keeping their answers.

The Attacker below bounds every hidden cell by linear programming over everything published;
the audit (pcn_data/audit.py) runs it on every table.

A hidden cell's numbers are not stored: no view can show them by mistake.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pcn_data.core import config
from pcn_data.core.db import Database

ALL = "*"
# The ICS code of a national figure: the sum of every ICS's cell, shown only where each is.
ALL_ICS = "**"
# The respondents of a cell (whoever answered anything): a table with a size and no answers.
RESPONDENTS = "__respondents__"
# The third dimension of a table. Years in role is not published at any grain: crossed with the
# place rows through the answers it pins down small groups (a fixture whose answers follow the
# band exactly let the audit derive a place's CDs of each band), so the band is one category.
BANDS = ("all",)
_EPS = 1e-6
_KEYS = ["wave_code", "ics_code", "question_code", "place_code", "role_code", "band"]


@dataclass
class Table:
    """One wave x ICS x question: interior counts (place x role x band [x option]) and labels."""

    wave: str
    ics: str
    question: str
    places: list[str]
    roles: list[str]
    bands: list[str]
    options: list[str]
    n: np.ndarray  # (P, R, B) respondents who answered
    x: np.ndarray  # (P, R, B, O) respondents who chose each option
    multi: bool = False  # several options may be chosen
    exclusive: int | None = None  # the option that excludes the others, if any

    @property
    def shape(self) -> tuple[int, int, int]:
        """Return (places, roles, bands)."""
        return self.n.shape

    def cells(self) -> list[tuple[int, int, int]]:
        """Return every cell as indices; an index equal to the dimension's size means ALL."""
        p, r, b = self.shape
        return list(itertools.product(range(p + 1), range(r + 1), range(b + 1)))

    def key(self, cell: tuple[int, int, int]) -> tuple[str, str, str]:
        """Return a cell's (place, role, band) codes, ALL for a margin."""
        ip, ir, ib = cell
        return (
            self.places[ip] if ip < len(self.places) else ALL,
            self.roles[ir] if ir < len(self.roles) else ALL,
            self.bands[ib] if ib < len(self.bands) else ALL,
        )

    def with_margins(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (n, x) over every cell: arrays one longer on each of the three dimensions."""
        n, x = self.n, self.x
        for axis in range(3):
            n = np.concatenate([n, n.sum(axis=axis, keepdims=True)], axis=axis)
            x = np.concatenate([x, x.sum(axis=axis, keepdims=True)], axis=axis)
        return n, x


def membership(shape: tuple[int, int, int]) -> np.ndarray:
    """Return a cells x interior-cells 0/1 matrix: which interior cells each cell sums."""
    p, r, b = shape
    interior = list(itertools.product(range(p), range(r), range(b)))
    cells = list(itertools.product(range(p + 1), range(r + 1), range(b + 1)))
    m = np.zeros((len(cells), len(interior)))
    for j, (ip, ir, ib) in enumerate(interior):
        for ci, (cp, cr, cb) in enumerate(cells):
            if cp in (ip, p) and cr in (ir, r) and cb in (ib, b):
                m[ci, j] = 1.0
    return m


_MEMBERSHIP: dict[tuple[int, int, int], np.ndarray] = {}


def _members(shape: tuple[int, int, int]) -> np.ndarray:
    """Return membership(shape), computed once per shape."""
    if shape not in _MEMBERSHIP:
        _MEMBERSHIP[shape] = membership(shape)
    return _MEMBERSHIP[shape]


# --- the attacker: bounds on hidden cells by linear programming --------------------------------


@dataclass
class Exposure:
    """A hidden cell bounded too tightly by what is published."""

    cell: tuple[int, int, int]
    what: str  # "size" or an option code
    low: float
    high: float
    true: float


class Attacker:
    """The linear programme of everything published about one table: variables are the interior
    cells' sizes and answer counts, constraints the published cells and how answers add up."""

    def __init__(self, table: Table, published: np.ndarray) -> None:
        self.table = table
        self.published = published
        p, r, b = table.shape
        self.ni = p * r * b
        self.no = len(table.options)
        self.nvars = self.ni * (1 + self.no)
        m = _members(table.shape)
        self.m = m
        n_all, x_all = table.with_margins()
        self.n_cells = n_all.reshape(-1)
        self.x_cells = x_all.reshape(len(self.n_cells), -1)[:, : self.no]
        rows, rhs = [], []
        pub = np.flatnonzero(published)
        for c in pub:
            row = np.zeros(self.nvars)
            row[: self.ni] = m[c]
            rows.append(row)
            rhs.append(self.n_cells[c])
            for o in range(self.no):
                row = np.zeros(self.nvars)
                row[self.ni * (1 + o) : self.ni * (2 + o)] = m[c]
                rows.append(row)
                rhs.append(self.x_cells[c, o])
        ub_rows, eq_struct = [], []
        for i in range(self.ni if self.no else 0):
            xs = [self.ni * (1 + o) + i for o in range(self.no)]
            if not table.multi:
                row = np.zeros(self.nvars)
                row[xs] = 1.0
                row[i] = -1.0
                eq_struct.append(row)
                continue
            row = np.zeros(self.nvars)  # everyone who answered chose at least one option
            row[i] = 1.0
            row[xs] = -1.0
            ub_rows.append(row)
            for o, xo in enumerate(xs):
                row = np.zeros(self.nvars)
                row[xo] = 1.0
                row[i] = -1.0
                if table.exclusive is not None and o != table.exclusive:
                    row[xs[table.exclusive]] = 1.0  # the exclusive option and any other: not both
                ub_rows.append(row)
        from scipy.sparse import csr_matrix

        eq = rows + eq_struct
        self.a_eq = csr_matrix(np.array(eq)) if eq else None
        self.b_eq = np.array(rhs + [0.0] * len(eq_struct)) if eq else None
        self.a_ub = csr_matrix(np.array(ub_rows)) if ub_rows else None
        self.b_ub = np.zeros(len(ub_rows)) if ub_rows else None

    def _solve(self, objective: np.ndarray):
        """Return linprog's result for minimising objective over what the attacker knows."""
        from scipy.optimize import linprog  # only the audit needs it: the import path stays light

        return linprog(
            objective,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=(0, None),
            method="highs",
        )

    def _functional(self, cell: int, what: int) -> np.ndarray:
        """Return the objective vector of a cell's size (what = -1) or an option's count."""
        vec = np.zeros(self.nvars)
        start = self.ni * (1 + what)
        vec[start : start + self.ni] = self.m[cell]
        return vec

    def bounds(self, cell: int, what: int) -> tuple[float, float]:
        """Return (low, high) of one quantity."""
        vec = self._functional(cell, what)
        lo_hi = []
        for sign in (1.0, -1.0):
            res = self._solve(sign * vec)
            if res.status == 3:  # unbounded: only above, every variable is at least 0
                lo_hi.append(np.inf)
                continue
            if res.status != 0:
                raise RuntimeError(f"attacker LP failed: {res.message}")
            lo_hi.append(sign * res.fun)
        return lo_hi[0], lo_hi[1]

    def vertices(self, seed: int = 0) -> list[np.ndarray]:
        """Return a few feasible points that push every variable up, or every one down, with
        random weights: most quantities move at one of them, and need no LP of their own."""
        rng = np.random.default_rng(seed)
        out = []
        for sign in (1.0, -1.0, 1.0, -1.0):
            res = self._solve(-sign * rng.uniform(0.5, 1.5, self.nvars))
            if res.status == 0:
                out.append(res.x)
        return out

    def exposures(self, min_group: int) -> list[Exposure]:
        """Return every hidden cell with respondents whose size is derived exactly or, for a group
        under K, to fewer than K values; and every answer count above 0 of a hidden group under
        K that is derived exactly ("exactly one of them chose this")."""
        hidden = np.flatnonzero(~self.published & (self.n_cells >= 1) & distinct(self.table.shape))
        if hidden.size == 0:
            return []
        points = self.vertices()
        found = []
        for c in hidden:
            true_n = self.n_cells[c]
            quantities = [-1]
            if true_n < min_group:
                quantities += [o for o in range(self.no) if self.x_cells[c, o] >= 1]
            for what in quantities:
                true = true_n if what < 0 else self.x_cells[c, what]
                vec = self._functional(c, what)
                need = min_group if (what < 0 and true_n < min_group) else 2  # values the range must span
                seen = [true, *(float(vec @ pt) for pt in points)]
                if np.floor(max(seen) + _EPS) - np.ceil(min(seen) - _EPS) + 1 >= need:
                    continue
                lo, hi = self.bounds(c, what)
                span = (np.floor(hi + _EPS) - np.ceil(lo - _EPS) + 1) if np.isfinite(hi) else np.inf
                if span < need:
                    label = "size" if what < 0 else self.table.options[what]
                    found.append(Exposure(tuple(self.table.cells()[c]), label, lo, hi, float(true)))
        return found


def distinct(shape: tuple[int, int, int]) -> np.ndarray:
    """Return, per cell, False where it is the same group as another: along a dimension of one
    category (the band), the category's cell and its ALL cell hold the same people."""
    cells = itertools.product(*(range(s + 1) for s in shape))
    return np.array([all(size != 1 or c[d] == size for d, size in enumerate(shape)) for c in cells])


def exposures(table: Table, published: np.ndarray, min_group: int) -> list[Exposure]:
    """Return the hidden cells of table that what is published bounds too tightly (see Attacker)."""
    return Attacker(table, published).exposures(min_group)


def offered(shape: tuple[int, int, int]) -> np.ndarray:
    """Return, per cell, whether any view offers it: the place x role table and its margins,
    never a breakdown by band (see BANDS)."""
    p, r, b = shape
    cells = itertools.product(range(p + 1), range(r + 1), range(b + 1))
    return np.array([ib == b for _, _, ib in cells])


# --- the suppression: one pattern per wave x ICS x audience -------------------------------------


def _templates(cell: tuple[int, int, int], shape: tuple[int, int, int]) -> Iterator[dict]:
    """Yield the hypercubes that can protect one offered cell: {cell index tuple: +1 or -1}.

    Moving every corner by its sign times e keeps every published cell and every relation of
    the cube, and the hidden interior (place x role x band) can always be filled in again: for
    each role it is a place x band table whose row and column sums stay consistent (a
    transportation problem), so the attacker cannot tell the cell's value from value + e.
    - a place row (place x role, band ALL): a rectangle over two places and the role with
      another role or ALL (places are paired among themselves, so the ICS's role totals, which
      the band breakdown shares, never move);
    - an ICS role total (ALL, role, ALL), shared by both: a cross over the role and another
      role (or ALL), one place and one band, moving each of the three together.
    """
    p_all, r_all, b_all = shape
    ip, ir, ib = cell
    role_pairs = [r for r in range(r_all + 1) if r != ir]

    def sign(a: int, total: int) -> int:
        """Return a paired index's sign: -1 against a category, +1 when paired with ALL."""
        return 1 if a == total else -1

    if ip < p_all and ib == b_all:
        for p2 in range(p_all):
            if p2 == ip:
                continue
            for r2 in role_pairs:
                s2 = sign(r2, r_all) if ir < r_all else 1
                yield {cell: 1, (p2, ir, b_all): -1, (ip, r2, b_all): s2, (p2, r2, b_all): -s2}
    elif ip == p_all and ib == b_all and ir < r_all:
        for r2 in role_pairs:
            s2 = sign(r2, r_all)
            for p in range(p_all):
                for b in range(b_all):
                    yield {
                        cell: 1,
                        (p_all, r2, b_all): s2,
                        (p, ir, b_all): 1,
                        (p, r2, b_all): s2,
                        (p_all, ir, b): 1,
                        (p_all, r2, b): s2,
                    }


def solve_pattern(tables: list[Table], min_group: int) -> np.ndarray:
    """Return the cells to publish (bool per cell) for tables sharing sizes in every cell.

    The hypercube method (as in GHMITER, the statistical offices' tool for linked tables):
    every cell under K is hidden, and each one with respondents is given the cheapest
    hypercube of hidden cells (see _templates) across which it can move by K - 1 or more
    without changing anything published, its respondents keeping their answers. Cells no
    view offers (a place by band, the interior) are hidden from the start and never need a
    cube of their own. An ICS whose
    total is under K, or a cell no cube can protect, hides the whole table.
    """
    first = tables[0]
    shape = first.shape
    n_all, _ = first.with_margins()
    cells = first.cells()
    index = {c: i for i, c in enumerate(cells)}
    n = n_all.reshape(-1)
    shown_anywhere = offered(shape)
    hidden = (n < min_group) | ~shown_anywhere
    total = index[shape]
    if n[total] < min_group:
        return np.zeros(len(cells), dtype=bool)
    # A respondent moved along a cube keeps their answer, so a cube moves a single-choice table's
    # option only as far as its corners hold it: the room is the sum over options of the least
    # any corner holds (per table; the group's room is its tightest table's).
    single = [t for t in tables if t.options and not t.multi]
    blocks = [t.with_margins()[1].reshape(len(cells), -1) for t in single]
    answers = np.hstack(blocks) if blocks else None
    starts = np.cumsum([0] + [b.shape[1] for b in blocks[:-1]]) if blocks else None

    def room(ids: list[int]) -> float:
        """Return how far a cube can move its cells of one sign (down for +, up for -)."""
        if not ids:
            return np.inf
        by_size = float(n[ids].min())
        if answers is None:
            return by_size
        return min(by_size, float(np.add.reduceat(answers[ids].min(axis=0), starts).min()))

    stars = np.array([sum(c[d] == shape[d] for d in range(3)) for c in cells])
    # Hiding a margin costs more than hiding its parts: the ICS total and place rows are what
    # people read first.
    cost = (n + 1.0) * (4.0**stars)
    for ci in sorted(np.flatnonzero((n >= 1) & (n < min_group)), key=lambda i: (-n[i], i)):
        cell = cells[ci]
        if not shown_anywhere[ci]:
            continue  # never offered: hidden from the start, and protected as the margins are
        best, best_cost = None, np.inf
        for cube in _templates(cell, shape):
            ids = {index[c]: s for c, s in cube.items()}
            down = room([i for i, s in ids.items() if s > 0])
            up = room([i for i, s in ids.items() if s < 0])
            if down + up + 1 < min_group:
                continue
            extra = sum(cost[i] for i in ids if not hidden[i])
            if extra < best_cost:
                best, best_cost = ids, extra
        if best is None:
            return np.zeros(len(cells), dtype=bool)
        hidden[list(best)] = True
    return ~hidden


# --- building every table from the database ----------------------------------------------------


def _frames(db: Database) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (sizes, choices, respondents, questions): interior counts from the raw rows.

    sizes grain: wave x ICS x place x role x band x question; choices adds the option;
    respondents: wave x ICS x place x role x band.
    """
    base = """
        FROM answer a JOIN respondent r ON r.respondent_id = a.respondent_id
        JOIN wave w ON w.wave_id = r.wave_id JOIN pcn pc ON pc.pcn_code = r.pcn_code
        JOIN place pl ON pl.place_code = pc.place_code
        WHERE a.option_code IS NOT NULL
    """
    keys = "w.wave_code, pl.ics_code, pl.place_code, r.role_code, 'all' AS band"
    sizes = db.query(
        f"SELECT {keys}, a.question_code, count(DISTINCT a.respondent_id) AS n {base} GROUP BY ALL"
    )
    choices = db.query(
        f"SELECT {keys}, a.question_code, a.option_code, count(DISTINCT a.respondent_id) AS n "
        f"{base} GROUP BY ALL"
    )
    respondents = db.query(
        f"""
        SELECT {keys}, count(*) AS n
        FROM respondent r JOIN wave w ON w.wave_id = r.wave_id JOIN pcn pc ON pc.pcn_code = r.pcn_code
        JOIN place pl ON pl.place_code = pc.place_code
        GROUP BY ALL
        """
    )
    options = db.query(
        "SELECT question_code, option_code, sort_order, is_exclusive FROM option "
        "ORDER BY question_code, sort_order, option_code"
    )
    return sizes, choices, respondents, options


@dataclass
class Protected:
    """Every protected table's cells: sizes and answer counts, NULL where hidden."""

    cells: pd.DataFrame  # wave, ics, question, place, role, band, n (NA if hidden), suppressed
    counts: pd.DataFrame  # wave, ics, question, place, role, band, option_code, count (published only)
    min_group: int  # K
    tables: dict[tuple[str, str, str], Table] = field(default_factory=dict, repr=False)
    patterns: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict, repr=False)
    options: pd.DataFrame | None = field(default=None, repr=False)  # the question bank's options
    labels: dict[str, str] = field(default_factory=dict, repr=False)  # place, role, ICS names

    def __post_init__(self) -> None:
        # Plain object columns and an index by table: views read a few tables of many, and a
        # boolean mask over every cell (in Arrow strings) cost tens of ms a read.
        by_table = ["question_code", "wave_code", "ics_code"]
        self.cells = self.cells.astype({c: object for c in _KEYS})
        self.indexed = self.cells.set_index(by_table, drop=False).sort_index()
        self.counts = self.counts.astype({c: object for c in [*_KEYS, "option_code"]})
        self.indexed_counts = self.counts.set_index(by_table, drop=False).sort_index()

    def table_cells(self, questions: list[str], wave: str | None, ics: str | None) -> pd.DataFrame:
        """Return the cells of the tables of these questions (of one wave and ICS, or all)."""
        idx = pd.IndexSlice[
            [q for q in questions if q in self.indexed.index.levels[0]],
            wave if wave is not None else slice(None),
            ics if ics is not None else slice(None),
        ]
        try:
            return self.indexed.loc[idx, :].reset_index(drop=True)
        except KeyError:
            return self.cells.iloc[0:0]


def tables(db: Database) -> list[Table]:
    """Return every wave x ICS x question table (and each wave x ICS respondents table) at
    full grain, from the raw rows."""
    sizes, choices, respondents, options = _frames(db)
    places = db.query("SELECT place_code, ics_code FROM place ORDER BY ics_code, sort_order, name")
    role_order = db.query("SELECT role_code FROM role ORDER BY sort_order")["role_code"].tolist()
    place_lists = places.groupby("ics_code", sort=False)["place_code"].agg(list).to_dict()
    opts = options.groupby("question_code", sort=False)["option_code"].agg(list).to_dict()
    exclusive = options[options["is_exclusive"].astype(bool)].set_index("question_code")["option_code"]
    out = []

    def categories(frame: pd.DataFrame) -> dict[str, tuple[list[str], list[str]]]:
        """Return per wave: the roles and bands anyone answered in (in any ICS)."""
        got = {}
        for wave, part in frame.groupby("wave_code", sort=True):
            roles = [r for r in role_order if r in set(part["role_code"])]
            bands = [b for b in BANDS if b in set(part["band"])]
            got[wave] = (roles, bands)
        return got

    def fill(frame, wave, ics, plist, roles, bands, extra=None, olist=()):
        """Return the interior array of one table from long rows."""
        shape = (len(plist), len(roles), len(bands)) + ((len(olist),) if extra else ())
        arr = np.zeros(shape)
        pi = {p: i for i, p in enumerate(plist)}
        ri = {r: i for i, r in enumerate(roles)}
        bi = {b: i for i, b in enumerate(bands)}
        oi = {o: i for i, o in enumerate(olist)}
        cols = [frame[c].to_numpy() for c in ("place_code", "role_code", "band", "n")]
        if extra:
            cols.insert(3, frame[extra].to_numpy())
        for row in zip(*cols, strict=True):
            idx = (pi[row[0]], ri[row[1]], bi[row[2]]) + ((oi[row[3]],) if extra else ())
            arr[idx] += row[-1]
        return arr

    resp_cats = categories(respondents)
    for (wave, ics), part in respondents.groupby(["wave_code", "ics_code"], sort=True):
        roles, bands = resp_cats[wave]
        plist = place_lists.get(ics, [])
        n = fill(part, wave, ics, plist, roles, bands)
        out.append(Table(wave, ics, RESPONDENTS, plist, roles, bands, [], n, np.zeros((*n.shape, 0))))
    question_cats = {q: categories(part) for q, part in sizes.groupby("question_code", sort=True)}
    choice_groups = dict(list(choices.groupby(["wave_code", "ics_code", "question_code"], sort=False)))
    for (wave, ics, question), part in sizes.groupby(["wave_code", "ics_code", "question_code"], sort=True):
        roles, bands = question_cats[question][wave]
        plist = place_lists.get(ics, [])
        olist = opts.get(question, [])
        n = fill(part, wave, ics, plist, roles, bands)
        ch = choice_groups.get((wave, ics, question))
        x = (
            fill(ch, wave, ics, plist, roles, bands, "option_code", olist)
            if ch is not None
            else np.zeros((*n.shape, len(olist)))
        )
        excl = exclusive.get(question)
        out.append(
            Table(
                wave,
                ics,
                question,
                plist,
                roles,
                bands,
                olist,
                n,
                x,
                multi=excl is not None,
                exclusive=olist.index(excl) if excl in olist else None,
            )
        )
    return out


def _with_national(cells: pd.DataFrame, counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return cells and counts with the national cells added (ics ALL_ICS): each the sum of the
    ICSs' cells of the same question, wave, role and band (place ALL), published only where
    every ICS's is, so a national figure is a sum of published figures and reveals nothing."""
    keys = ["wave_code", "question_code", "place_code", "role_code", "band"]
    whole = cells[cells["place_code"] == ALL]
    if whole.empty:
        return cells, counts
    nat = (
        whole.assign(n0=whole["n"].fillna(0))
        .groupby(keys, sort=False)
        .agg(n=("n0", "sum"), suppressed=("suppressed", "any"))
        .reset_index()
    )
    nat["n"] = nat["n"].astype("Float64").mask(nat["suppressed"])
    shown = nat.loc[~nat["suppressed"], keys]
    nat_counts = (
        counts.merge(shown, on=keys, how="inner").groupby([*keys, "option_code"], sort=False)["count"].sum()
    ).reset_index()
    nat["ics_code"] = ALL_ICS
    nat_counts["ics_code"] = ALL_ICS
    return (
        pd.concat([cells, nat[cells.columns]], ignore_index=True),
        pd.concat([counts, nat_counts[counts.columns]], ignore_index=True),
    )


def protect(db: Database, min_group: int | None = None) -> Protected:
    """Return the protected tables of every survey question, solved jointly per wave x ICS x
    audience (questions whose every cell holds the same respondents share one pattern)."""
    min_group = config.min_group() if min_group is None else min_group
    all_tables = tables(db)
    groups: dict[tuple, list[Table]] = {}
    for t in all_tables:
        sig = (t.wave, t.ics, tuple(t.roles), tuple(t.bands), t.shape, t.n.tobytes())
        groups.setdefault(sig, []).append(t)
    cell_rows, count_rows = [], []
    patterns = {}
    for group in groups.values():
        published = solve_pattern(group, min_group)
        for t in group:
            patterns[(t.wave, t.ics, t.question)] = published
            n_all, x_all = t.with_margins()
            n_flat = n_all.reshape(-1)
            x_flat = x_all.reshape(len(n_flat), len(t.options))
            for ci, cell in enumerate(t.cells()):
                place, role, band = t.key(cell)
                shown = bool(published[ci])
                cell_rows.append(
                    (t.wave, t.ics, t.question, place, role, band, n_flat[ci] if shown else None, not shown)
                )
                if shown:
                    for o, option in enumerate(t.options):
                        count_rows.append(
                            (t.wave, t.ics, t.question, place, role, band, option, x_flat[ci, o])
                        )
    cols = ["wave_code", "ics_code", "question_code", "place_code", "role_code", "band"]
    cells = pd.DataFrame(cell_rows, columns=[*cols, "n", "suppressed"])
    cells["n"] = cells["n"].astype("Float64")
    counts = pd.DataFrame(count_rows, columns=[*cols, "option_code", "count"])
    cells, counts = _with_national(cells, counts)
    names = db.query(
        "SELECT place_code AS code, name FROM place UNION ALL SELECT role_code, label FROM role "
        "UNION ALL SELECT ics_code, name FROM ics"
    )
    return Protected(
        cells,
        counts,
        min_group,
        {(t.wave, t.ics, t.question): t for t in all_tables},
        patterns,
        db.query("SELECT question_code, option_code, label, sort_order, polarity, is_exclusive FROM option"),
        dict(zip(names["code"], names["name"], strict=True)),
    )


# --- the one read path: cells for views, recorded for the audit --------------------------------

_cache: dict[tuple[str, int, int], Protected] = {}
_cache_lock = threading.Lock()
_recorders: list[list[pd.DataFrame]] = []


def current(db: Database) -> Protected:
    """Return the protected tables of the database as it is now (computed once per data version)."""
    key = (str(db.path), db.data_version(), config.min_group())
    with _cache_lock:
        got = _cache.get(key)
        if got is None:
            got = protect(db)
            _cache.clear()  # one file's current version is all a process needs
            _cache[key] = got
        return got


@contextmanager
def recording() -> Iterator[list[pd.DataFrame]]:
    """Yield a list that collects every block of cells read while it is open (for the audit)."""
    seen: list[pd.DataFrame] = []
    _recorders.append(seen)
    try:
        yield seen
    finally:
        _recorders.remove(seen)


def record(cells: pd.DataFrame) -> pd.DataFrame:
    """Return cells read from current(db).cells, noting them for any audit recording."""
    for seen in _recorders:
        seen.append(cells[[*_KEYS, "n", "suppressed"]].copy())
    return cells


def lookup(db: Database, cells: pd.DataFrame) -> pd.DataFrame:
    """Return the requested cells (columns wave_code, ics_code, question_code, place_code,
    role_code, band, plus any the caller carries) with n and suppressed from the protected
    tables. A cell no table holds (a role not asked, a place with no table) is dropped."""
    return record(cells.merge(current(db).cells, on=_KEYS, how="inner"))


def counts_of(db: Database, cells: pd.DataFrame) -> pd.DataFrame:
    """Return the published answer counts of the given cells: one row per cell x option."""
    prot = current(db)
    wanted = cells[_KEYS].drop_duplicates()
    tables = list(
        dict.fromkeys(zip(wanted["question_code"], wanted["wave_code"], wanted["ics_code"], strict=True))
    )
    index = prot.indexed_counts.index
    some = [t for t in tables if t in index]
    if not some:
        return prot.counts.iloc[0:0]
    part = prot.indexed_counts.loc[some].reset_index(drop=True)
    return wanted.merge(part, on=_KEYS, how="inner")
