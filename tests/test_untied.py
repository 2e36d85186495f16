"""The untied-twin chapter: the twins' models (gradients, counts, equivalence with the tied
network), the pairing of every tied network with its twins, the Welch/Holm comparison, the
summary the synthesis reads, and the chapter itself with the quick profile."""
import json

import numpy as np
import pytest

import nnlib
from nnlib.runner import studies, sweep
from nnlib.book import chapter, report, study000, untied
from test_gradients import assert_gradients_match


# ---------------------------------------------------------------- the models
def twin_mlp(n_in, width, depth, n_out=3, random_state=1, dtype="float64"):
    """The untied twin of a RecursiveNet of depth ``depth``, as untied_000_architectures builds it."""
    return nnlib.MLP([n_in] + [width] * (depth + 1) + [n_out], activation="relu", output_activation="softmax",
                     cost="categorical_cross_entropy", init="he", random_state=random_state, dtype=dtype)


@pytest.mark.parametrize("depth", [1, 2, 4, 8])
def test_recursive_twin_gradients_match_finite_differences(depth):
    """float64 central differences through D + 1 ReLU layers (the deepest twin of the chapter).
    The biases are moved off He's zeros: a layer whose units are all off for an example would
    otherwise hand the next layer pre-activations of exactly 0, the ReLU's kink, where a central
    difference sees half the slope."""
    rng = np.random.default_rng(depth)
    X, y = rng.normal(size=(6, 5)), rng.integers(0, 3, size=6)
    for model in (twin_mlp(5, 4, depth), twin_mlp(5, 4, depth, random_state=[2, 3])):  # one replica, two
        for layer in model.layers:
            layer.b[...] = rng.normal(0, 0.1, size=layer.b.shape)
        assert_gradients_match(model, X, y)


@pytest.mark.parametrize("depth", [1, 3, 6])
def test_recursive_twin_with_every_layer_set_to_the_shared_one_is_the_recursive_net(depth):
    """The twin computes the RecursiveNet's function when its D hidden-to-hidden layers all hold
    the shared W_r, b_r: the two differ in nothing but reuse."""
    tied = nnlib.RecursiveNet(n_in=5, hidden=4, depth=depth, n_out=3, random_state=[3, 4], dtype="float64")
    twin = twin_mlp(5, 4, depth, random_state=[0, 1])
    twin.layers[0].W[...], twin.layers[0].b[...] = tied.input_layer.W, tied.input_layer.b
    for layer in twin.layers[1:-1]:
        layer.W[...], layer.b[...] = tied.recurrent.W, tied.recurrent.b
    twin.layers[-1].W[...], twin.layers[-1].b[...] = tied.output_layer.W, tied.output_layer.b
    X = np.random.default_rng(0).normal(size=(7, 5))
    np.testing.assert_allclose(twin.predict_proba(X), tied.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize("depth,h", list(studies.RECURSIVE_NETS.items()))
def test_recursive_twin_counts(depth, h):
    """Same width: the tied network's multiply-adds and (D − 1)·(h² + h) more parameters; the
    studies' count functions agree with the models."""
    tied = nnlib.RecursiveNet(784, h, depth)
    twin = twin_mlp(784, h, depth, n_out=10, dtype="float32")
    assert twin.multiply_adds == tied.multiply_adds
    assert twin.n_parameters - tied.n_parameters == (depth - 1) * (h * h + h)
    assert tied.n_parameters == studies.tied_recursive_params(h)
    assert twin.n_parameters == studies.untied_recursive_params(h, depth)
    for label, arch in studies.untied_000_architectures().items():
        if label.startswith(f"untied D{depth},"):
            model = nnlib.MLP(**arch["model_args"])
            assert model.n_parameters == studies.untied_recursive_params(int(label.split("h ")[1]), depth)


def test_untied_rnn_narrow_twin_counts_are_the_sweeps():
    for label, arch in studies.untied_001_architectures("full").items():
        model = nnlib.UntiedRNN(**arch["model_args"])
        assert model.n_parameters == studies.untied_rnn_params(arch["model_args"]["hidden"])
        assert model.multiply_adds == nnlib.RNN(84, arch["model_args"]["hidden"]).multiply_adds


@pytest.mark.parametrize("target", [1, 793, 1802, 4106, 10250, 51370, 109930])
def test_closest_width_is_the_closest(target):
    count = studies.untied_rnn_params
    w = studies.closest_width(target, count)
    assert all(abs(count(w) - target) <= abs(count(v) - target) for v in range(1, 200))


# ---------------------------------------------------------------- the pairing
def test_every_tied_network_has_a_same_width_and_an_equal_parameter_twin():
    pairs = untied.pairs("full")
    assert len(pairs) == 2 * (4 * 2 + 4 * 2)  # 000: 4 depths × 2 grid points; 001: 4 widths × 2 datasets
    keys = {(p.study, p.network, p.setting) for p in pairs}
    for key in keys:
        mine = {p.comparison: p for p in pairs if (p.study, p.network, p.setting) == key}
        assert set(mine) == set(untied.COMPARISONS)
        assert mine["equal compute"].twin_width == mine["equal compute"].width
        assert mine["equal parameters"].twin_width < mine["equal parameters"].width
    assert {p.setting for p in pairs if p.study == "000"} == {"validation-chosen", "study-like"}
    assert {(p.lr, p.batch_size) for p in pairs if p.setting == "study-like"} == {
        (studies.STUDY_LIKE_000["lr"], studies.STUDY_LIKE_000["batch_size"])}


@pytest.mark.parametrize("profile", studies.PROFILES)
def test_pairs_name_configurations_the_sweeps_train(profile):
    """Every pair's twin is in a twin sweep, and its tied network in the study's own sweep at the
    pair's grid point: the chapter reads the records the sweeps write."""
    by_name = {s.name: s for s in untied.sweeps(profile)}
    for p in untied.pairs(profile):
        for name, label in ((p.tied_sweep, p.network), (p.untied_sweep, p.twin)):
            grid = by_name[name].grid
            assert any(untied._matches(c, label, p.lr, p.batch_size) for c in grid), (name, label)
    # the tied sweeps are cut to the networks that have twins, with their configurations unchanged
    full = {s.name: s for s in studies.study_000(profile) + studies.study_001(profile)}
    for name in ("study000", *(f"study001-{d}" for d in studies.DATASETS_001)):
        assert by_name[name].grid and all(c in full[name].grid for c in by_name[name].grid)
        assert {c["label"] for c in by_name[name].grid} <= {p.network for p in untied.pairs(profile)}


def test_equal_parameter_twins_are_within_ten_percent_except_rnn_1x16():
    """The one pair outside ±10 % is the one the chapter names: RNN 1×16's twin of width 2."""
    outside = set()
    for p in untied.pairs("full"):
        if p.comparison != "equal parameters":
            continue
        tied = (studies.tied_recursive_params(p.width) if p.study == "000" else studies.rnn_params(p.width))
        twin = (studies.untied_recursive_params(p.twin_width, int(p.network.split("D")[1])) if p.study == "000"
                else studies.untied_rnn_params(p.twin_width))
        if abs(twin / tied - 1) > 0.10:
            outside.add((p.network, p.twin_width, round(100 * (twin / tied - 1), 1)))
    assert outside == {("RNN 1×16", 2, -11.7)}


# ---------------------------------------------------------------- the comparison
def fake_records(profile, shift=0.0, seeds=5, nan_twin=None):
    """{sweep name: records} with a final test accuracy per seed for every network of the pairs:
    tied networks at 0.90 + 0.002·seed, twins at the same + ``shift``; ``nan_twin``: a twin label
    whose seed 0 diverged."""
    out = {}
    for p in untied.pairs(profile):
        for name, label, extra in ((p.tied_sweep, p.network, 0.0), (p.untied_sweep, p.twin, shift)):
            recs = out.setdefault(name, [])
            if any(r["config"]["label"] == label and r["config"]["optimizer"]["lr"] == p.lr
                   and r["config"]["batch_size"] == p.batch_size for r in recs):
                continue
            for k in range(seeds):
                acc = None if (label == nan_twin and k == 0) else 0.9 + 0.002 * k + extra
                recs.append({"config": {"label": label, "optimizer": {"lr": p.lr}, "batch_size": p.batch_size},
                             "seed": k, "final": {"test": {"accuracy": acc}}, "n_parameters": 1000 + len(label),
                             "multiply_adds": 2000, "wall_seconds": 60.0 + len(label),
                             "history": {"epoch": [1, 2, 3]}})
    return out


def test_compare_is_welch_per_pair_and_holm_over_all():
    records = fake_records("quick", shift=-0.01, nan_twin="untied RNN 1×8")
    df = untied.compare(records, "quick")
    assert len(df) == len(untied.pairs("quick"))
    for _, row in df.iterrows():
        tied = [100 * r["final"]["test"]["accuracy"] for r in records[row["tied_sweep"]]
                if r["config"]["label"] == row["network"] and r["config"]["optimizer"]["lr"] == row["lr"]]
        twin = [np.nan if r["final"]["test"]["accuracy"] is None else 100 * r["final"]["test"]["accuracy"]
                for r in records[row["untied_sweep"]]
                if r["config"]["label"] == row["twin"] and r["config"]["optimizer"]["lr"] == row["lr"]]
        assert (row["difference"], row["ci_low"], row["ci_high"], row["p"]) == pytest.approx(report.welch_test(tied, twin))
        diverged = row["twin"] == "untied RNN 1×8"  # its seed 0 (the lowest accuracy) is left out
        assert row["difference"] == pytest.approx(0.9 if diverged else 1.0)  # tied − untied, in points
        assert row["n_untied"] == (4 if diverged else 5)
    np.testing.assert_allclose(df["p_holm"], report.holm(df["p"]))
    assert (df["p_holm"] >= df["p"]).all()
    assert set(df["outcome"]) == {"tied better"}
    assert (df["diverged"] > 0).sum() == 2  # the 1×8 twin on both datasets


def test_outcomes_with_and_without_the_correction():
    assert untied.outcome(0.5, 0.01) == "tied better"
    assert untied.outcome(-0.5, 0.01) == "untied better"
    assert untied.outcome(-0.5, 0.2) == "no significant difference"
    assert untied.outcome(0.5, np.nan) == "not enough data"
    df = untied.compare(fake_records("quick", shift=0.0), "quick")  # identical accuracies: no difference
    assert set(df["outcome"]) == set(df["outcome_uncorrected"]) == {"no significant difference"}
    assert "significantly more accurate than its tied network in 0 of" in untied.answer(df)


def test_compare_names_a_missing_network():
    records = fake_records("quick")
    records["untied-000"] = [r for r in records["untied-000"] if r["config"]["label"] != "untied D4, h 72"]
    with pytest.raises(ValueError, match="no records of untied D4, h 72"):
        untied.compare(records, "quick")


def test_summary_json_has_a_row_per_pair_and_no_nan(tmp_path):
    df = untied.compare(fake_records("quick", shift=0.02), "quick")
    df.loc[0, "p"] = np.nan
    path = untied.write_summary(df, "quick", tmp_path / "untied-summary.json")
    body = json.loads(path.read_text())  # strict JSON: NaN would not parse in other readers either
    assert body["n_tests"] == len(body["comparisons"]) == len(untied.pairs("quick"))
    assert body["comparisons"][0]["p"] is None
    row = body["comparisons"][1]
    assert {"comparison", "network", "dataset", "difference", "ci_low", "ci_high", "p", "p_holm", "outcome",
            "outcome_uncorrected"} <= set(row)
    assert row["outcome"] == "untied better" and row["difference"] < 0
    assert sum(body["tally"]["equal compute"].values()) == len(df) // 2


def test_study_like_point_only_among_the_grids_epochs():
    def rec(label, lr, batch, accs):
        return {"config": {"label": label, "optimizer": {"lr": lr}, "batch_size": batch},
                "history": {"epoch": list(range(1, len(accs) + 1)), "test_accuracy": accs}}
    target = {k: v / 100 for k, v in study000.STUDY_ACCURACY.items()}
    far = [0.5] * 15
    records = [rec(label, 0.01, 64, [target[label]] + far[1:]) for label in target]  # exact, but at epoch 1
    records += [rec(label, 0.02, 32, far[:9] + [target[label] + 0.001] + far[10:]) for label in target]
    point, rms = untied.study_like_point(records)
    assert point == {"lr": 0.02, "batch_size": 32, "epochs": 10}
    assert rms == pytest.approx(0.1)


def test_cost_estimates_a_twin_from_its_partner_per_multiply_add():
    records = fake_records("quick")
    costs = untied.cost(records, "quick")
    twins = costs[costs["role"] == "untied"]
    assert len(twins) == len(untied.pairs("quick"))
    row = twins.iloc[0]
    tied = costs[(costs["role"] == "tied") & (costs["network"] == row["network"]) & (costs["setting"] == row["setting"])]
    assert row["estimated_hours"] == pytest.approx(tied["hours"].iloc[0])  # same multiply-adds in the fakes
    assert row["hours"] == pytest.approx((60 + len(row["label"])) / 3600)  # one group of seeds


# ---------------------------------------------------------------- the chapter
@pytest.mark.realdata
def test_untied_chapter_runs_quick(tmp_path, monkeypatch, require_dataset):
    """The quick profile trains small tied networks and twins and renders the page: no error, the
    answer and the figure glued, and a summary with one row per pair."""
    require_dataset("mnist")
    require_dataset("fashion-mnist")
    monkeypatch.setenv("NNLIB_RESULTS_DIR", str(tmp_path / "results"))
    dest = chapter.run_chapter("untied", "quick", {"workers": 1}, into=tmp_path / "book", progress=False)
    outputs = [o for c in json.loads(dest.read_text())["cells"] for o in c.get("outputs", [])]
    glued = {o["metadata"]["scrapbook"]["name"] for o in outputs if "scrapbook" in o.get("metadata", {})}
    assert {"answer", "profile", "fig_twins", "holm_text", "cost_text", "provenance", "rerun"} <= glued
    summary = json.loads((tmp_path / "results" / "quick" / "untied-summary.json").read_text())
    assert summary["profile"] == "quick" and summary["n_tests"] == len(untied.pairs("quick"))
    assert all(r["outcome"] for r in summary["comparisons"])
    assert sweep.record_files(tmp_path / "results" / "quick" / "untied-000")


def test_as_stored_rounds_the_points_as_the_summary_keeps_them(tmp_path):
    """The chapter formats the values the synthesis reads back: after :func:`untied.as_stored`,
    every accuracy column equals the summary's number, so both pages print the same digits."""
    df = untied.compare(fake_records("quick", shift=0.02), "quick")
    df.loc[0, "difference"] = 55.4250000001  # prints +55.43 raw, +55.42 as stored
    stored = untied.as_stored(df)
    body = json.loads(untied.write_summary(df, "quick", tmp_path / "s.json").read_text())
    for col in untied.POINT_COLUMNS:
        kept = np.array([np.nan if r[col] is None else r[col] for r in body["comparisons"]], float)
        assert np.array_equal(stored[col].to_numpy(float), kept, equal_nan=True), col
    assert f"{stored.loc[0, 'difference']:+.2f}" == f"{body['comparisons'][0]['difference']:+.2f}" == "+55.42"
    assert stored["p"].equals(df["p"])  # p values keep their precision
