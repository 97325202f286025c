"""Wilson intervals, net agreement and the suppression rule."""

import math

import pandas as pd
import pytest

from pcn_data.core.config import min_group
from pcn_data.core.errors import ConfigError
from pcn_data.survey.stats import net_agreement, suppress, wilson


def test_wilson_four_of_eight_matches_the_textbook_interval():
    lo, hi = wilson(4, 8)
    assert lo == pytest.approx(0.2152, abs=5e-4)
    assert hi == pytest.approx(0.7848, abs=5e-4)


def test_wilson_stays_inside_zero_and_one_at_the_extremes():
    lo, hi = wilson(0, 10)
    assert lo == 0 and 0.25 < hi < 0.32  # 0/10 -> 0% to 27.8%
    lo, hi = wilson(10, 10)
    assert 0.68 < lo < 0.75 and hi == pytest.approx(1)


def test_wilson_of_an_empty_group_is_missing():
    lo, hi = wilson(0, 0)
    assert math.isnan(lo) and math.isnan(hi)


def test_net_agreement_interval_contains_the_estimate_and_is_bounded():
    for pos, neg, n in [(6, 2, 10), (9, 0, 9), (0, 9, 9), (50, 20, 100), (1, 1, 3)]:
        net, lo, hi = net_agreement(pos, neg, n)
        assert net == pytest.approx((pos - neg) / n)
        assert -1 <= lo <= net <= hi <= 1


def test_net_agreement_interval_is_close_to_wald_for_a_large_sample():
    net, lo, hi = net_agreement(500, 200, 1000)
    p1, p2 = 0.5, 0.2
    half = 1.96 * math.sqrt((p1 + p2 - (p1 - p2) ** 2) / 1000)
    assert lo == pytest.approx(net - half, abs=0.005)
    assert hi == pytest.approx(net + half, abs=0.005)


def _groups(ns, counts=None, partition="ICS"):
    counts = counts or [n // 2 for n in ns]
    return pd.DataFrame(
        {"parent": partition, "grp": [f"g{i}" for i in range(len(ns))], "n": ns, "count": counts}
    )


def test_a_group_under_k_is_blanked_with_its_n():
    out = suppress(_groups([3, 8, 9]), group_cols=["parent", "grp"], partition_by=["parent"], min_group=5)
    small = out[out["grp"] == "g0"].iloc[0]
    assert small["suppressed"]
    assert pd.isna(small["n"]) and pd.isna(small["count"])


def test_complementary_suppression_hides_the_next_smallest_group():
    # A place with PCNs of 1, 6 and 7 respondents and its total shown: the 1 could be
    # recovered as total - 6 - 7, so the 6 is hidden too; the 7 stays.
    out = suppress(_groups([1, 6, 7]), group_cols=["parent", "grp"], partition_by=["parent"], min_group=5)
    assert list(out["suppressed"]) == [True, True, False]
    assert out.loc[2, "n"] == 7


def test_two_small_groups_whose_sum_is_still_under_k_pull_in_a_third():
    out = suppress(_groups([1, 2, 9, 12]), group_cols=["parent", "grp"], partition_by=["parent"], min_group=5)
    assert list(out["suppressed"]) == [True, True, True, False]


def test_small_groups_that_together_reach_k_need_no_complement():
    out = suppress(_groups([2, 4, 9]), group_cols=["parent", "grp"], partition_by=["parent"], min_group=5)
    assert list(out["suppressed"]) == [True, True, False]


def test_an_empty_group_needs_no_protection():
    out = suppress(_groups([0, 6, 7]), group_cols=["parent", "grp"], partition_by=["parent"], min_group=5)
    assert list(out["suppressed"]) == [True, False, False]


def test_partitions_are_protected_separately():
    df = pd.concat([_groups([1, 6, 7], partition="A"), _groups([6, 7, 8], partition="B")])
    out = suppress(df, group_cols=["parent", "grp"], partition_by=["parent"], min_group=5)
    assert list(out["suppressed"]) == [True, True, False, False, False, False]


def test_rows_of_one_group_are_suppressed_together():
    df = pd.DataFrame(
        {
            "grp": ["a", "a", "b", "b", "c", "c"],
            "option": ["x", "y"] * 3,
            "n": [3, 3, 9, 9, 20, 20],
            "count": [1, 2, 4, 5, 10, 10],
        }
    )
    out = suppress(df, group_cols=["grp"], min_group=5)
    assert list(out["suppressed"]) == [True, True, True, True, False, False]
    assert out["option"].tolist() == ["x", "y"] * 3  # labels survive, numbers do not
    assert out.loc[out["grp"] == "a", "count"].isna().all()


def test_placeholder_is_identical_whatever_the_true_n():
    one = suppress(_groups([1, 9, 9]), group_cols=["parent", "grp"], partition_by=["parent"], min_group=5)
    four = suppress(_groups([4, 9, 9]), group_cols=["parent", "grp"], partition_by=["parent"], min_group=5)
    cols = ["n", "count", "suppressed"]
    pd.testing.assert_frame_equal(one.loc[[0], cols], four.loc[[0], cols])


def test_also_suppresses_groups_decided_elsewhere():
    df = _groups([9, 9, 9])
    also = df["grp"] == "g1"
    out = suppress(df, group_cols=["parent", "grp"], partition_by=["parent"], min_group=5, also=also)
    # g1 forced; alone it would be total minus the rest, so the next smallest (g0) goes too.
    assert list(out["suppressed"]) == [True, True, False]


def test_threshold_may_never_be_below_three(monkeypatch):
    with pytest.raises(ConfigError, match="never be below 3"):
        suppress(_groups([1, 2]), group_cols=["parent", "grp"], min_group=2)
    monkeypatch.setenv("PCN_MIN_GROUP", "2")
    with pytest.raises(ConfigError, match="never be below 3"):
        min_group()


def test_threshold_comes_from_config(monkeypatch):
    monkeypatch.delenv("PCN_MIN_GROUP", raising=False)
    assert min_group() == 5
    monkeypatch.setenv("PCN_MIN_GROUP", "10")
    out = suppress(_groups([8, 12, 20]), group_cols=["parent", "grp"], partition_by=["parent"])
    assert list(out["suppressed"]) == [True, True, False]
    monkeypatch.setenv("PCN_MIN_GROUP", "ten")
    with pytest.raises(ConfigError, match="whole number"):
        min_group()


def _suppress_by_loop(df, group_cols, partition_by, also, k):
    """The suppression rule as a plain loop over siblings: what `suppress` computes in bulk."""
    n = df.groupby(group_cols, dropna=False, sort=True)["n"].first()
    forced = (
        also.groupby([df[c] for c in group_cols], dropna=False, sort=True).any() if also is not None else None
    )
    hidden = {g: (0 if v != v else v) < k or bool(forced is not None and forced[g]) for g, v in n.items()}
    index = {g: i for i, g in enumerate(n.index)}
    parts = {}
    for g in n.index:
        parts.setdefault(tuple(g[group_cols.index(c)] for c in partition_by), []).append(g)
    for siblings in parts.values():
        hidden_n = sum(0 if n[g] != n[g] else n[g] for g in siblings if hidden[g])
        hidden_groups = sum(1 for g in siblings if hidden[g] and n[g] == n[g] and n[g] > 0)
        # The shown siblings, smallest first (ties by the group itself).
        for g in sorted((g for g in siblings if not hidden[g]), key=lambda g: (n[g], index[g])):
            if not (0 < hidden_n < k or hidden_groups == 1):
                break
            hidden[g], hidden_n, hidden_groups = True, hidden_n + n[g], hidden_groups + 1
    return [hidden[g] for g in zip(*(df[c] for c in group_cols), strict=True)]


def test_suppress_matches_the_rule_written_as_a_loop_on_random_tables():
    import numpy as np

    rng = np.random.default_rng(7)
    for case in range(200):
        rows = [
            {
                "q": f"q{q}",
                "parent": f"p{p}",
                "grp": f"g{g}",
                "opt": o,
                "n": n,
                "count": int(rng.integers(0, 5)),
            }
            for q in range(int(rng.integers(1, 3)))
            for p in range(int(rng.integers(1, 4)))
            for g, n in enumerate(
                rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 12, 20, np.nan], size=int(rng.integers(1, 7)))
            )
            for o in range(2)
        ]
        df = pd.DataFrame(rows).sample(frac=1, random_state=case).reset_index(drop=True)
        also = pd.Series(rng.random(len(df)) < 0.05, index=df.index) if case % 3 == 0 else None
        k = int(rng.choice([3, 5]))
        partition = ["q", "parent"] if case % 4 else []
        out = suppress(df, group_cols=["q", "parent", "grp"], partition_by=partition, also=also, min_group=k)
        assert list(out["suppressed"]) == _suppress_by_loop(df, ["q", "parent", "grp"], partition, also, k)
        assert out.loc[out["suppressed"], ["n", "count"]].isna().all().all()
        assert (out.loc[~out["suppressed"], "n"].fillna(0) >= k).all()
