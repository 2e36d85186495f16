"""nnlib.book.evidence on small made-up networks whose pairings, corrections and counts are known."""
import numpy as np
import pandas as pd
import pytest

from nnlib.book import evidence, report


def net(study, dataset, label, sequential, params, values):
    return {"study": study, "dataset": dataset, "label": label, "sequential": sequential,
            "n_parameters": params, "multiply_adds": params * (9 if sequential else 1),
            "values": np.asarray(values, float)}


GOOD, BAD, SAME = [90.0, 90.2, 89.9, 90.1], [80.0, 80.3, 79.8, 80.1], [80.05, 80.2, 79.9, 80.0]


@pytest.fixture
def models():
    rows = []
    for d in ("mnist", "fashion-mnist"):  # one architecture pair on two datasets: one distinct pair, two tests
        rows += [net("001", d, "RNN a", True, 1000, GOOD), net("001", d, "MLP a", False, 1050, BAD)]
    rows += [net("000", "mnist", "Rec", True, 2000, GOOD),
             net("000", "mnist", "Std small", False, 2100, SAME),   # 5 % apart: paired at every tolerance
             net("000", "mnist", "Std mid", False, 2800, GOOD),     # 40 % apart: paired only at 50 %
             net("000", "mnist", "Std big", False, 9000, SAME)]     # never paired
    return pd.DataFrame(rows)


def test_within_is_symmetric_and_inclusive():
    assert evidence.within(100, 125, 0.25) and evidence.within(125, 100, 0.25)
    assert evidence.within(100, 80, 0.25) and not evidence.within(100, 79, 0.25)
    assert not evidence.within(100, 111, 0.10)
    with pytest.raises(ValueError, match="positive"):
        evidence.within(0, 1, 0.1)


def test_pairing_keeps_study_and_dataset_apart(models):
    p = evidence.pair_networks(models, "n_parameters", 0.25)
    assert sorted(zip(p["study"], p["dataset"], p["sequential"], p["parallel"])) == [
        ("000", "mnist", "Rec", "Std small"), ("001", "fashion-mnist", "RNN a", "MLP a"), ("001", "mnist", "RNN a", "MLP a")]
    wide = evidence.pair_networks(models, "n_parameters", 0.50)
    assert set(wide["parallel"]) == {"Std small", "Std mid", "MLP a"}
    row = p[p["parallel"] == "Std small"].iloc[0]
    d, lo, hi, pv = report.welch_test(GOOD, SAME)
    assert (row["d"], row["lo"], row["hi"], row["p"]) == pytest.approx((d, lo, hi, pv))
    assert row["ratio"] == pytest.approx(2000 / 2100)


def test_one_holm_over_tables_counts_a_shared_test_once():
    a = pd.DataFrame({"study": ["s"] * 3, "dataset": ["d"] * 3, "sequential": ["x", "y", "z"],
                      "parallel": ["u"] * 3, "d": [1.0, 1.0, -1.0], "p": [0.01, 0.02, 0.04]})
    b = a.iloc[[0]].copy()  # the same test shown in a second table
    (ca, cb), m = evidence.correct([a, b])
    assert m == 3
    assert ca["p_holm"].tolist() == pytest.approx([0.03, 0.04, 0.04])
    assert cb["p_holm"].tolist() == pytest.approx([0.03])
    assert ca["outcome"].tolist() == [evidence.REUSE, evidence.REUSE, evidence.ORDINARY]
    # with a fourth, unrelated test the same p-values no longer survive
    c = a.iloc[[0]].assign(sequential="w", p=0.5)
    (ca, _), m = evidence.correct([a, c])
    assert m == 4 and ca["outcome"].tolist() == [evidence.REUSE, evidence.NEITHER, evidence.NEITHER]
    assert ca["outcome_uncorrected"].tolist() == [evidence.REUSE, evidence.REUSE, evidence.ORDINARY]


def test_outcome_reads_the_direction_and_missing_p():
    assert evidence.outcome(0.5, 0.01) == evidence.REUSE
    assert evidence.outcome(-0.5, 0.01) == evidence.ORDINARY
    assert evidence.outcome(-0.5, 0.2) == evidence.NEITHER
    assert evidence.outcome(0.5, np.nan) == evidence.TOO_FEW


def test_distinct_pairs_treat_datasets_as_replications(models):
    (p,), _ = evidence.correct([evidence.pair_networks(models, "n_parameters", 0.25)])
    distinct = evidence.distinct_pairs(p)
    assert len(p) == 3 and len(distinct) == 2
    rnn = distinct[distinct["sequential"] == "RNN a"].iloc[0]
    assert rnn["datasets"] == 2 and rnn["outcome"] == evidence.REUSE
    assert rnn["per_dataset"] == {"fashion-mnist": evidence.REUSE, "mnist": evidence.REUSE}
    assert evidence.combined([evidence.REUSE, evidence.NEITHER]) == "mixed"


def test_carriers_and_leave_one_out():
    distinct = pd.DataFrame({"study": ["s"] * 4, "sequential": ["R1", "R1", "R1", "R2"],
                             "parallel": ["M1", "M2", "M3", "M4"],
                             "outcome": [evidence.REUSE] * 3 + [evidence.NEITHER]})
    n, most, who = evidence.carriers(distinct, evidence.REUSE)
    assert (n, most, who) == (4, 3, "R1")  # R1, M1, M2, M3; R1 is in all three
    left, of, dropped = evidence.without_any_one(distinct, evidence.REUSE)
    assert (left, of, dropped) == (0, 1, "R1")  # without R1 nothing favours reuse: one network carries it
    assert evidence.carriers(distinct, evidence.ORDINARY) == (0, 0, "")


def test_tolerance_sweep_counts_at_each_tolerance(models):
    widest = evidence.pair_networks(models, "n_parameters", 0.50)
    (widest,), _ = evidence.correct([widest])
    sweep = evidence.tolerance_sweep(models, "n_parameters", holm_over=widest).set_index("tolerance")
    assert sweep.loc[0.10, "pairs"] == 3 and sweep.loc[0.50, "pairs"] == 4
    assert sweep.loc[0.50, "distinct"] == 3
    assert sweep.loc[0.10, f"{evidence.REUSE} (distinct)"] == 2  # the RNN pair (both datasets) and Rec vs Std small
    assert sweep.loc[0.50, f"{evidence.REUSE}"] == 3  # Rec vs Std mid: the same accuracies, no difference
    narrow = evidence.pair_networks(models, "n_parameters", 0.10)
    (narrow,), _ = evidence.correct([narrow])
    with pytest.raises(ValueError, match="largest tolerance"):
        evidence.tolerance_sweep(models, "n_parameters", holm_over=narrow)


def test_pooled_holm_multiplies_by_the_size_of_both_families():
    # Alone, 0.02 and 0.03 in a family of two adjust to 0.04 and 0.04 (both below 5 %); pooled with
    # three more tests, the smallest of five p is multiplied by 5 (0.10) and nothing survives.
    own, other = evidence.pooled_holm([0.02, 0.03], [0.5, np.nan, 0.9, 0.04])
    assert report.holm([0.02, 0.03]).tolist() == pytest.approx([0.04, 0.04])
    assert own.tolist() == pytest.approx([0.10, 0.12])
    assert np.isnan(other[1]) and other[[0, 2, 3]].tolist() == pytest.approx([1.0, 1.0, 0.12])
