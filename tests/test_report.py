"""The statistics behind the book's intervals and verdicts."""
import numpy as np
import pytest
from scipy import stats

from nnlib.book import report


def test_mean_ci_is_the_student_t_interval():
    v = [95.0, 95.2, 95.4, 94.9, 95.1]
    m, lo, hi = report.mean_ci(v)
    half = stats.t.ppf(0.975, 4) * np.std(v, ddof=1) / np.sqrt(5)
    assert m == pytest.approx(np.mean(v)) and hi - m == pytest.approx(half) and m - lo == pytest.approx(half)
    assert report.mean_ci([1.0, np.nan]) == (1.0, 1.0, 1.0)
    assert np.isnan(report.mean_ci([])[0])


@pytest.mark.parametrize("values,claim,verdict", [
    ([95.1, 95.2, 95.3, 95.2, 85.0], (95.0, 95.42), "reproduced"),           # 4 of 5 seeds inside
    ([96.1, 96.2, 96.15, 96.05, 96.12], (96.0, 97.0), "reproduced"),         # interval inside
    ([95.9, 96.1, 95.95, 96.2, 95.8], (96.0, 97.0), "partly reproduced: 2 of 5"),  # overlaps
    ([79.0, 80.0, 79.5, 78.9], (88.0, 92.0), "not reproduced: lower"),
    ([99.0, 99.1, 99.2], (96.0, 97.0), "not reproduced: higher"),
])
def test_range_claim_verdicts(values, claim, verdict):
    measured, got = report.range_claim(values, *claim)
    assert got.startswith(verdict), got
    inside = sum(claim[0] <= v <= claim[1] for v in values)
    assert f"{inside} of {len(values)} seeds in the range" in measured


def test_difference_ci_matches_welch():
    a, b = np.array([1.0, 1.2, 0.9, 1.1]), np.array([0.5, 0.7, 0.4, 0.6, 0.55])
    d, lo, hi = report.difference_ci(a, b)
    t = stats.ttest_ind(a, b, equal_var=False)
    ci = t.confidence_interval(0.95)
    assert d == pytest.approx(a.mean() - b.mean())
    assert (lo, hi) == pytest.approx((ci.low, ci.high))


@pytest.mark.parametrize("d,positive,verdict", [
    ((1.0, 0.5, 1.5), True, "reproduced"),
    ((0.2, -0.1, 0.5), True, "not reproduced: no significant difference"),
    ((-1.0, -1.5, -0.5), True, "not reproduced: the opposite holds"),
    ((0.1, -0.2, 0.4), False, "reproduced"),
    ((1.0, 0.5, 1.5), False, "not reproduced: a significant gain"),
    ((1.0, np.nan, np.nan), True, "not enough data"),
])
def test_difference_verdicts(d, positive, verdict):
    assert report.difference_verdict(d, positive).startswith(verdict)


def test_too_few_seeds_is_not_a_verdict():
    assert report.range_claim([95.2], 95.0, 95.42)[1].startswith("not enough data")
    assert report.range_claim([np.nan, np.nan], 95.0, 95.42)[1].startswith("not enough data")


def test_plot_helpers_draw_means_and_t_intervals():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    df = pd.DataFrame({"set": ["a"] * 4 + ["b"] * 4, "version": ["x", "x", "y", "y"] * 2,
                       "acc": [90.0, 92.0, 80.0, 84.0, 70.0, 71.0, 60.0, 64.0]})
    fig, ax = plt.subplots()
    report.plot_grouped_bars(ax, df, "set", "version", "acc", ["a", "b"], ["x", "y"])
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == [62.0, 70.5, 82.0, 91.0]
    plt.close("all")


def test_proportion_ci_is_the_exact_binomial_interval():
    p, lo, hi = report.proportion_ci(72, 100)
    assert p == 0.72 and lo == pytest.approx(0.6213, abs=1e-4) and hi == pytest.approx(0.8052, abs=1e-4)
    assert report.proportion_ci(10, 10)[2] == 1.0 and report.proportion_ci(0, 10)[1] == 0.0
    assert np.isnan(report.proportion_ci(0, 0)[0])


def test_holm_matches_the_step_down_rule_by_hand():
    # p sorted: 0.01 (×4), 0.02 (×3), 0.03 (×2), 0.5 (×1) → 0.04, 0.06, 0.06, 0.5
    got = report.holm([0.03, 0.5, 0.01, 0.02])
    np.testing.assert_allclose(got, [0.06, 0.5, 0.04, 0.06])
    assert np.isnan(report.holm([np.nan, 0.2])[0]) and report.holm([np.nan, 0.2])[1] == 0.2
    assert report.holm([0.6, 0.7]).max() == 1.0


def test_welch_test_agrees_with_its_interval():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 1.0, 12), rng.normal(0.0, 2.0, 9)
    d, lo, hi, p = report.welch_test(a, b)
    assert lo < d < hi and np.isclose(d, a.mean() - b.mean())
    assert (p < 0.05) == (lo > 0 or hi < 0)
    assert np.isnan(report.welch_test([1.0], b)[3])
