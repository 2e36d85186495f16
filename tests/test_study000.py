"""Study 000's analysis (nnlib.book.study000): per-grid-point comparisons with Holm's correction, the
budget verdicts, the study-like grid point, the gradient ratio under each initialisation, and the
committed CSV that the chapter writes beside the runs."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nnlib.runner import studies
from nnlib.book import report, study000

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT / "data" / "results" / "full"


def synthetic_runs(shifts: dict, seeds: int = 5, points=((0.01, 32, 8), (0.01, 32, 15), (0.02, 64, 15))) -> pd.DataFrame:
    """Runs of labels whose test accuracy at every point is 95 + shift(point) + a seed-dependent
    wiggle; shifts: {label: {point: shift}} or {label: shift}."""
    rng = np.random.default_rng(0)
    rows = []
    for label, shift in shifts.items():
        for lr, batch, epochs in points:
            s = shift[(lr, batch, epochs)] if isinstance(shift, dict) else shift
            for seed in range(seeds):
                rows.append({"label": label, "lr": lr, "batch": batch, "epochs": epochs, "seed": seed,
                             "test_acc": 95 + s + rng.normal(0, 0.1)})
    return pd.DataFrame(rows)


def test_compare_by_point_gives_welch_per_point_and_holm_over_the_family():
    pts = ((0.01, 32, 8), (0.01, 32, 15), (0.02, 64, 15))
    runs = synthetic_runs({"A": {pts[0]: 2.0, pts[1]: 0.0, pts[2]: -2.0}, "B": 0.0, "C": 1.0}, points=pts)
    out = study000.compare_by_point(runs, [("A", "B"), ("A", "C")], "x")
    assert len(out) == 6 and set(out["claim"]) == {"x"}
    row = out[(out["b"] == "B") & (out["epochs"] == 8)].iloc[0]
    a = runs[(runs["label"] == "A") & (runs["epochs"] == 8)]["test_acc"]
    b = runs[(runs["label"] == "B") & (runs["epochs"] == 8)]["test_acc"]
    d, lo, hi, p = report.welch_test(a, b)
    assert (row["difference"], row["ci_low"], row["ci_high"], row["p"]) == pytest.approx((d, lo, hi, p))
    np.testing.assert_allclose(out["p_holm"], report.holm(out["p"]))  # one family: all six tests
    assert (out["p_holm"] >= out["p"]).all()
    assert list(out[out["b"] == "B"]["outcome"]) == ["a ahead", "no significant difference", "b ahead"]
    t = study000.tally(out[out["b"] == "B"])
    assert t == {"points": 3, "a_ahead": int((out[out["b"] == "B"]["difference"] > 0).sum()),
                 "a_significant": 1, "b_significant": 1}


def test_compare_by_point_names_missing_architectures():
    runs = synthetic_runs({"A": 0.0, "B": 0.0})
    with pytest.raises(ValueError, match="no runs of Z"):
        study000.compare_by_point(runs, [("A", "Z")])


def test_holds_verdict_says_how_many_points_and_what_happens_at_the_chosen_one():
    pts = ((0.01, 32, 8), (0.01, 32, 15), (0.02, 64, 15))
    chosen = {"lr": 0.02, "batch": 64, "epochs": 15}
    everywhere = study000.compare_by_point(synthetic_runs({"A": 2.0, "B": 0.0}, points=pts), [("A", "B")])
    assert study000.holds_verdict(everywhere, chosen) == "reproduced at all 3 grid points (significant after Holm)"
    reverses = study000.compare_by_point(
        synthetic_runs({"A": {pts[0]: 2.0, pts[1]: 2.0, pts[2]: -2.0}, "B": 0.0}, points=pts), [("A", "B")])
    v = study000.holds_verdict(reverses, chosen, "A", "B")
    assert v.startswith("partly reproduced: holds at 2 of 3 grid points")
    assert "reversed at the validation-chosen point (B ahead by " in v
    none = study000.compare_by_point(synthetic_runs({"A": 0.0, "B": 0.0}, points=pts), [("A", "B")])
    assert study000.holds_verdict(none, chosen).startswith("not reproduced")
    reading = study000.budget_reading(reverses, "A", "B", chosen)
    assert reading.startswith("A ahead of B at 2 of 3 grid points (significantly at 2 after Holm; B significantly ahead at 1)")
    assert "at the chosen point -" in reading


def test_chosen_clause_names_a_reversal_that_holm_leaves_undecided():
    row = pd.Series({"difference": -0.36, "ci_low": -0.65, "ci_high": -0.07, "p": 0.012, "p_holm": 0.096,
                     "outcome": "no significant difference"})
    text = study000.chosen_clause(row, "D4", "Medium")
    assert text == ("reversed at the validation-chosen point (Medium ahead by 0.36 points [+0.07, +0.65], "
                    "p 0.012 uncorrected; not significant after Holm, p 0.096)")
    ahead = study000.chosen_clause(pd.Series({**row, "difference": 0.21, "ci_low": -0.01, "ci_high": 0.43, "p": 0.06}),
                                   "D2", "Medium")
    assert ahead.startswith("not significant after Holm at the validation-chosen point (D2 ahead by 0.21 points")


def test_at_point_needs_exactly_one_row():
    out = study000.compare_by_point(synthetic_runs({"A": 1.0, "B": 0.0}), [("A", "B")])
    assert study000.at_point(out, {"lr": 0.02, "batch": 64, "epochs": 15})["epochs"] == 15
    with pytest.raises(ValueError, match="expected one row"):
        study000.at_point(out, {"lr": 0.5, "batch": 64, "epochs": 15})


def test_study_like_points_rank_by_rms_distance_to_the_studys_numbers():
    pts = ((0.01, 32, 8), (0.02, 64, 15))
    study = {"A": 93.0, "B": 94.0}
    runs = synthetic_runs({"A": {pts[0]: -2.0, pts[1]: 2.0}, "B": {pts[0]: -1.0, pts[1]: 2.0}}, points=pts)
    ranked = study000.study_like_points(runs, study)
    assert tuple(ranked.loc[0, ["lr", "batch", "epochs"]]) == (0.01, 32, 8)
    means = runs[runs["epochs"] == 8].groupby("label")["test_acc"].mean()
    assert ranked.loc[0, "rms"] == pytest.approx(np.sqrt(((means["A"] - 93) ** 2 + (means["B"] - 94) ** 2) / 2))
    assert ranked["rms"].is_monotonic_increasing


def test_single_run_points_uses_the_prediction_interval():
    runs = synthetic_runs({"A": 0.0})
    out = study000.single_run_points(runs, "A", 95.0)
    assert out["inside"].all() and (out["verdict"] == "reproduced").all()
    out = study000.single_run_points(runs, "A", 90.0)
    assert not out["inside"].any()


def test_equal_parameter_pairs_keep_only_counts_within_the_tolerance():
    counts = {"D2": 109_930, "D4": 77_802, "D8": 51_370, "Small": 50_890, "Medium": 109_386}
    assert study000.equal_parameter_pairs(counts, ["D2", "D4", "D8"], ["Small", "Medium"]) == [("D2", "Medium"), ("D8", "Small")]
    assert study000.equal_parameter_pairs(counts, ["D8"], ["Small"], tolerance=0.005) == []


def test_gradient_ratio_at_initialisation_depends_on_the_scheme():
    """He keeps the gradient through eight ReLU applications; PyTorch's default uniform
    ±1/√fan_in shrinks it by orders of magnitude (the depth test's premise)."""
    rng = np.random.default_rng(1)
    X = rng.random((200, 784)).astype(np.float32)
    y = rng.integers(0, 10, 200)
    args = {init: {"n_in": 784, "hidden": 60, "depth": 8, "init": init} for init in ("he", "pytorch")}
    ratios = study000.gradient_ratios_at_init(args, X, y, [0, 1, 2])
    assert len(ratios) == 6 and set(ratios["depth"]) == {8}
    he = study000.geometric_mean_ci(ratios[ratios["init"] == "he"]["ratio"])[0]
    pt = study000.geometric_mean_ci(ratios[ratios["init"] == "pytorch"]["ratio"])[0]
    assert he > 0.3 and pt < 0.01


def test_gradient_ratio_history_reads_the_recorded_norms():
    record = {"config": {"label": "D2", "model_args": {"depth": 2, "init": "glorot"}}, "seed": 3,
              "history": {"epoch": [1, 2], "grad_norm_h0": [1.0, 4.0], "grad_norm_h1": [9.0, 9.0],
                          "grad_norm_h2": [2.0, 8.0], "test_accuracy": [0.5, 0.9]}}
    out = study000.gradient_ratio_history([record])
    assert list(out["ratio"]) == [0.5, 0.5] and list(out["test_acc"]) == [50.0, 90.0]
    assert set(out["init"]) == {"glorot"}
    del record["history"]["grad_norm_h2"]
    with pytest.raises(ValueError, match="record_gradient_norms"):
        study000.gradient_ratio_history([record])


def test_geometric_mean_ci_of_ratios():
    m, lo, hi = study000.geometric_mean_ci([0.01, 1.0, 100.0])
    assert m == pytest.approx(1.0) and lo < 1 < hi


# ---------------------------------------------------------------- the committed full results
def committed_runs() -> pd.DataFrame:
    path = FULL / "study000-runs.csv"
    if not path.exists():
        pytest.skip("no committed full-profile runs")
    return pd.read_csv(path)


def test_committed_comparisons_recompute_from_the_committed_runs():
    """study000-comparisons.csv is what compare_by_point gives on study000-runs.csv, claim by
    claim (Holm within each claim's family)."""
    runs = committed_runs()
    stored = pd.read_csv(FULL / "study000-comparisons.csv")
    for claim, part in stored.groupby("claim"):
        pairs = list(dict.fromkeys(zip(part["a"], part["b"])))
        again = study000.compare_by_point(runs, pairs, claim).sort_values(["a", "b", *study000.POINT])
        part = part.sort_values(["a", "b", *study000.POINT])
        assert len(again) == len(part) == 27 * len(pairs)
        for col in ("difference", "ci_low", "ci_high", "p", "p_holm"):
            np.testing.assert_allclose(again[col].to_numpy(float), part[col].to_numpy(float), rtol=1e-4, atol=1e-9)
        assert list(again["outcome"]) == list(part["outcome"])


def test_d4_against_medium_depends_on_the_grid_point():
    """The issue's finding, recomputed: D4 ahead at most grid points, not significantly at the
    validation-chosen corner, which the stored chosen points share."""
    runs = committed_runs()
    chosen = json.loads((FULL / "study000-chosen.json").read_text())
    corner = {(c["lr"], c["batch_size"], c["epochs"]) for c in chosen.values()}
    assert corner == {(studies.CHOSEN_000["lr"], studies.CHOSEN_000["batch_size"], 15)}
    out = study000.compare_by_point(runs, [("RecursiveNet D4", "StandardNet Medium")])
    t = study000.tally(out)
    assert t["points"] == 27 and t["a_ahead"] > 20 and t["a_significant"] > 20 and t["b_significant"] == 0
    at = study000.at_point(out, {"lr": 0.02, "batch": 32, "epochs": 15})
    assert at["difference"] < 0 and at["ci_high"] < 0 and at["outcome"] == "no significant difference"


def test_study_like_point_is_the_one_the_untied_sweep_uses():
    ranked = study000.study_like_points(committed_runs())
    best = ranked.iloc[0]
    assert (best["lr"], best["batch"]) == (studies.STUDY_LIKE_000["lr"], studies.STUDY_LIKE_000["batch_size"])
    assert best["rms"] < ranked["rms"].iloc[1]


# ---------------------------------------------------------------- the chapter, quick profile
@pytest.mark.realdata
def test_study_000_quick_writes_the_per_grid_point_comparisons(tmp_path, monkeypatch, require_dataset):
    papermill = pytest.importorskip("papermill")
    require_dataset("mnist")
    monkeypatch.setenv("NNLIB_RESULTS_DIR", str(tmp_path / "results"))
    out = tmp_path / "study_000.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "study_000.ipynb"), str(out), parameters={"profile": "quick"},
                               kernel_name="python3", progress_bar=False, cwd=str(ROOT))
    outputs = [o for c in json.loads(out.read_text())["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    folder = tmp_path / "results" / "quick"
    comparisons = pd.read_csv(folder / "study000-comparisons.csv")
    n_points = len(studies.GRID_000["quick"]["lr"]) * len(studies.GRID_000["quick"]["batch_size"]) * \
        studies.GRID_000["quick"]["epochs"]  # the quick chapter reads every epoch count
    assert set(comparisons["claim"]) == {"000-3", "000-4", "000-6", "000-8", "000-10"}
    assert (comparisons.groupby(["claim", "a", "b"]).size() == n_points).all()
    assert (comparisons["p_holm"] >= comparisons["p"] - 1e-12).all()
    claims = json.loads((folder / "study000-claims.json").read_text())["claims"]
    assert [r["id"] for r in claims] == [f"000-{i}" for i in range(1, 12)]
    by_id = {r["id"]: r for r in claims}
    assert f"{n_points} grid points" in by_id["000-4"]["verdict"]
    assert "initialisation" in by_id["000-7"]["depends on"]
    ratios = pd.read_csv(folder / "study000-gradient-ratios.csv")
    assert set(ratios["init"]) == {"he", "glorot", "pytorch"} and (ratios["epoch"] == 0).any()
