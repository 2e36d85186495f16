"""Study 003: the Rust run's hidden activation, the hand-computed 3-2-3 example, the sweep and the
timed runs to a target accuracy."""
import json

import numpy as np
import pytest

import nnlib
from nnlib.runner import studies
from nnlib.book import study003
from nnlib.activations import LeakyReLU, ReLU, get_activation
from test_gradients import numeric_gradients


def test_relu_leaky_backward_is_relu_forward_and_leaky_derivative_backward():
    act = get_activation({"name": "relu_leaky_backward", "alpha": 0.01})
    z = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_array_equal(act.forward(z), ReLU().forward(z))
    g = np.ones_like(z)
    backward = act.backward(z, act.forward(z), g)
    np.testing.assert_array_equal(backward, LeakyReLU(0.01).backward(z, None, g))
    # Finite differences of its own forward map: 0 for z < 0, 1 for z > 0. The backward pass
    # agrees where z > 0 and passes α = 0.01 instead of 0 where z < 0: not the true gradient.
    eps = 1e-6
    numeric = (act.forward(z + eps) - act.forward(z - eps)) / (2 * eps)
    np.testing.assert_allclose(numeric, [0, 0, 1, 1], atol=1e-9)
    np.testing.assert_allclose(backward - numeric, [0.01, 0.01, 0, 0], atol=1e-9)
    assert act.config() == {"name": "relu_leaky_backward", "alpha": 0.01}
    with pytest.raises(ValueError, match="alpha"):
        get_activation({"name": "relu_leaky_backward", "alpha": 1.5})


def test_network_with_leaky_backward_departs_from_finite_differences_only_below_the_output():
    X = np.random.default_rng(0).normal(size=(6, 4))
    y = np.array([0, 1, 2, 0, 1, 2])
    kw = dict(output_activation="softmax", cost="categorical_cross_entropy", init="he", random_state=3, dtype="float64")
    leaky = nnlib.MLP([4, 8, 3], activation={"name": "relu_leaky_backward", "alpha": 0.01}, **kw)
    true = nnlib.MLP([4, 8, 3], activation="relu", **kw)
    loss_l, grads_l = leaky.loss_and_gradients(X, y)
    loss_t, grads_t = true.loss_and_gradients(X, y)
    assert loss_l == pytest.approx(loss_t)  # the same forward pass, so the same cost
    numeric = numeric_gradients(leaky, X, y)
    for k in (2, 3):  # the output layer: the true gradient, both ways
        np.testing.assert_allclose(grads_l[k], numeric[k], rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(grads_t[k], grads_l[k])
    np.testing.assert_allclose(grads_t[0], numeric[0], rtol=1e-5, atol=1e-8)  # true ReLU: exact
    assert np.abs(grads_l[0] - numeric[0]).max() > 1e-4  # the leak: not the cost's gradient


def test_hand_example_matches_the_authors_values():
    computed = study003.hand_example_nnlib()
    assert study003.largest_difference(computed) < 1e-6
    np.testing.assert_allclose(computed["a1"], [-0.025, 1.375])


def test_hand_example_by_autograd_matches_nnlib():
    pytest.importorskip("torch")
    mine, theirs = study003.hand_example_nnlib(), study003.hand_example_torch()
    for key in study003.HAND_EXPECTED:
        np.testing.assert_allclose(mine[key], theirs[key], atol=1e-12)


def test_hand_example_autograd_is_read_back_where_pytorch_is_absent(tmp_path, monkeypatch):
    stored = tmp_path / "study003-autograd.json"
    monkeypatch.setattr(study003.torch_baselines, "available", lambda: False)
    assert study003.hand_example_autograd(stored) is None  # nothing installed, nothing stored
    values = {k: np.asarray(v, float) + 1e-9 for k, v in study003.HAND_EXPECTED.items()}
    stored.write_text(json.dumps({"torch": "9.9", "values": {k: v.tolist() for k, v in values.items()}}))
    got, version = study003.hand_example_autograd(stored)
    assert version == "9.9"
    for k, v in values.items():
        np.testing.assert_array_equal(got[k], v)
    stored.write_text('{"values": ')
    with pytest.raises(ValueError, match="study003-autograd.json.*delete it"):
        study003.hand_example_autograd(stored)


def test_hand_example_autograd_is_stored_once_when_pytorch_is_installed(tmp_path):
    torch = pytest.importorskip("torch")
    stored = tmp_path / "study003-autograd.json"
    got, version = study003.hand_example_autograd(stored)
    assert version == torch.__version__ and stored.exists()
    first = stored.stat().st_mtime_ns
    again, _ = study003.hand_example_autograd(stored)
    assert stored.stat().st_mtime_ns == first  # the same values are not written again
    mine = study003.hand_example_nnlib()
    for key in study003.HAND_EXPECTED:
        np.testing.assert_allclose(again[key], mine[key], atol=1e-12)
        np.testing.assert_array_equal(again[key], got[key])


def test_study_003_sweep_definition():
    sweep, = studies.study_003("full")
    assert sweep.name == "study003" and len(sweep.seeds) >= 20 and sweep.dataset == "mnist"
    assert len(sweep.grid) == len(studies.PROTOCOLS_003) == 5
    by_label = {c["label"]: c for c in sweep.grid}
    leaky = {"name": "relu_leaky_backward", "alpha": 0.01}
    expected = {  # protocol: (layer sizes, hidden activation, η)
        "rust": ([784, 256, 10], leaky, 0.8),  # the 9.1 s run (e733a6b)
        "rust_true_relu": ([784, 256, 10], "relu", 0.8),
        "pytorch": ([784, 256, 10], "relu", 0.1),  # the author's PyTorch script
        "readme": ([784, 256, 10], leaky, 0.1),  # the README's reading of the 102.5 s and 44.3 s runs
        "commit": ([784, 256, 128, 128, 128, 10], leaky, 0.1),  # the code committed with them
    }
    for key, (layers, activation, lr) in expected.items():
        c = by_label[studies.PROTOCOLS_003[key]["label"]]
        assert c["model_args"]["layer_sizes"] == layers and c["model_args"]["activation"] == activation
        assert c["optimizer"] == {"name": "sgd", "lr": lr}
    for c in sweep.grid:
        assert c["batch_size"] == 512 and c["shuffle"] is False and c["target"] == ["test", 0.96]
        assert c["model_args"]["init"] == "he" and c["model_args"]["output_activation"] == "softmax"
        assert c["model_args"]["cost"] == "categorical_cross_entropy"
    assert studies.STUDIES["003"] is studies.study_003
    with pytest.raises(ValueError, match="unknown study 003 setting"):
        studies.settings_003("quick", epochs=3)
    assert studies.settings_003("quick", seeds=5, threads=2)["thread_counts"] == (1, 2)
    assert studies.settings_003("quick")["thread_counts"] == (1,)


def _tiny_mnist_like(m=600, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.random((10, 784)).astype(np.float32)
    y = rng.integers(0, 10, m)
    X = np.clip(centres[y] + 0.1 * rng.standard_normal((m, 784), dtype=np.float32), 0, 1)
    return X, y


def test_timed_run_stops_after_the_epoch_that_exceeds_the_target():
    X, y = _tiny_mnist_like()
    run = study003.time_to_target_nnlib("pytorch", 0, X, y, X[:200], y[:200], max_epochs=30, target=0.9)
    assert run["reached"] and run["epochs"] == len(run["train_seconds"]) == len(run["test_accuracy"])
    assert run["test_accuracy"][-1] > 0.9 and all(a <= 0.9 for a in run["test_accuracy"][:-1])
    assert run["seconds"] >= sum(run["train_seconds"])
    never = study003.time_to_target_nnlib("rust", 0, X, y, X[:200], y[:200], max_epochs=2, target=1.0)
    assert not never["reached"] and never["epochs"] == 2


def test_pytorch_timed_run_has_the_same_fields():
    pytest.importorskip("torch")
    from nnlib.book import torch_baselines
    X, y = _tiny_mnist_like()
    mine = study003.time_to_target_nnlib("pytorch", 0, X, y, X[:200], y[:200], max_epochs=30, target=0.9)
    theirs = torch_baselines.time_to_target(0, X, y, X[:200], y[:200], target=0.9, max_epochs=30)
    assert set(mine) == set(theirs) and theirs["reached"]


def test_stored_timings_are_checked(tmp_path):
    bad = tmp_path / "timings.json"
    bad.write_text('{"runs": []}')
    with pytest.raises(ValueError, match="lacks machine"):
        study003.read_timings(bad)


def test_timings_resume_after_a_deadline_and_keep_every_session(monkeypatch, tmp_path):
    from nnlib import data
    X, y = _tiny_mnist_like(300)
    fake = data.Dataset(name="mnist", X_train=X, y_train=y, X_test=X[:50], y_test=y[:50], image_shape=(28, 28),
                        n_classes=10)
    monkeypatch.setattr(data, "load", lambda name, **kw: fake)
    path = tmp_path / "timings.json"
    first = study003.measure_timings([0, 1], (1,), max_epochs=1, use_torch=False, progress=False,
                                     deadline_seconds=0, save_to=path)
    assert first["seeds"] == [] and study003.read_timings(path)["sessions"][0]["seeds"] == []
    done = study003.measure_timings([0, 1], (1,), max_epochs=1, use_torch=False, progress=False,
                                    previous=study003.read_timings(path), save_to=path, note="second")
    assert done["seeds"] == [0, 1] and len(done["sessions"]) == 2 and done["sessions"][1]["note"] == "second"
    assert len(done["runs"]) == 2 * len(studies.PROTOCOLS_003)
    assert {r["threads"] for r in done["runs"]} == {1}
    with pytest.raises(ValueError, match="other settings"):
        study003.measure_timings([0], (1, 2), max_epochs=1, use_torch=False, progress=False, previous=done)


# ---------------------------------------------------------------- per-epoch timings and the decomposition

def _synthetic_timing(seconds: dict, rounds: int = 4, noise: float = 0.0, n_train=60_000, n_test=10_000):
    """A measure_epoch_timings-shaped result: seconds {(implementation, program, threads): (train, eval)}."""
    rng = np.random.default_rng(0)
    runs = [{"round": r, "order": 0, "implementation": impl, "program": what, "threads": n,
             "train": train * (1 + noise * rng.standard_normal()), "eval": ev, "cpu": 0.0}
            for r in range(rounds) for (impl, what, n), (train, ev) in seconds.items()]
    return {"runs": runs, "n_train": n_train, "n_test": n_test}


# Seconds per (program, threads): train, eval; the DataLoader times training only.
SECONDS = {("nnlib", "readme", 1): (0.9, 0.1), ("nnlib", "readme", 2): (0.5, 0.1),
           ("nnlib", "commit", 1): (1.4, 0.1), ("nnlib", "commit", 2): (0.9, 0.1),
           ("nnlib", "rust", 1): (0.9, 0.1), ("nnlib", "rust", 2): (0.4, 0.1),
           ("nnlib", "pytorch", 1): (0.8, 0.1), ("nnlib", "pytorch", 2): (0.5, 0.1),
           ("PyTorch", "memory", 1): (0.9, 0.1), ("PyTorch", "memory", 2): (0.6, 0.05),
           ("PyTorch", "loader", 1): (6.9, None), ("PyTorch", "loader", 2): (5.4, None)}
EPOCHS = {"readme": np.full(5, 20.0), "commit": np.full(5, 8.0), "rust": np.full(5, 5.0), "torch": np.full(5, 21.0)}


def test_epoch_seconds_add_the_loaders_test_pass_at_its_cost_per_image():
    per = study003.epoch_seconds_frame(_synthetic_timing(SECONDS, rounds=2))
    loader = per[(per.program == "PyTorch loader") & (per.threads == 1)]
    # in-memory test pass 0.1 s + 10,000 images at (6.9 − 0.9) / 60,000 s each = 0.1 + 1.0
    np.testing.assert_allclose(loader["eval"], 1.1)
    np.testing.assert_allclose(loader["epoch"], 8.0)
    readme = per[(per.program == "nnlib readme") & (per.threads == 2)]
    np.testing.assert_allclose(readme["epoch"], 0.6)
    assert len(per) == 2 * len(SECONDS)


def test_decomposition_multiplies_the_measured_factors_and_leaves_the_rest_over():
    per = study003.epoch_seconds_frame(_synthetic_timing(SECONDS))
    d = study003.decompose(EPOCHS, per, n_boot=50)

    def get(ratio, reading, factor):
        return d[(d.ratio == ratio) & (d.reading == reading) & (d.factor == factor)].iloc[0]

    means = {r["run"]: r["mean"] for r in study003.AUTHOR_TIMINGS}
    # PyTorch script / Rust under the README's reading: 21/20 epochs, 1.0/1.0 s per epoch (in memory vs
    # nnlib (a)), loader 8.0/1.0, parallelism 6.4/8.0 (the loader on 2 threads: 5.4 + 0.05 + 10,000 × 4.8/60,000).
    expected = {"epochs needed": 21 / 20, "time per epoch": 1.0, "input pipeline": 8.0, "parallelism": 6.25 / 8.0}
    for factor, value in expected.items():
        row = get("PyTorch script / Rust", "README", factor)
        assert row["value"] == pytest.approx(value)
        assert row["lo"] == pytest.approx(value) and row["hi"] == pytest.approx(value)  # no spread, no interval
    product = np.prod(list(expected.values()))
    assert get("PyTorch script / Rust", "README", "measured here")["value"] == pytest.approx(product)
    assert get("PyTorch script / Rust", "README", "measured here, one thread")["value"] == pytest.approx(21 / 20 * 8.0)
    recorded = means["PyTorch script"] / means["Rust"]
    assert get("PyTorch script / Rust", "README", "not measured here")["value"] == pytest.approx(recorded / product)
    # The committed code's network: 21/8 epochs, 1.0/1.5 s per epoch.
    assert get("PyTorch script / Rust", "committed code", "epochs needed")["value"] == pytest.approx(21 / 8)
    assert get("PyTorch script / Rust", "committed code", "time per epoch")["value"] == pytest.approx(1.0 / 1.5)
    # Serial against parallel: the same network, so only parallelism (1.0 / 0.6 s for (a), 1.5 / 1.0 s for (b)).
    for reading, par in (("README", 1.0 / 0.6), ("committed code", 1.5 / 1.0)):
        for factor in ("epochs needed", "time per epoch", "input pipeline"):
            assert get("Rust / Rust parallel", reading, factor)["value"] == 1.0
        assert get("Rust / Rust parallel", reading, "parallelism")["value"] == pytest.approx(par)
    # Serial against the later run: epochs 20/5 or 8/5, time per epoch 1.0/1.0 or 1.5/1.0, parallelism 1.0/0.5.
    assert get("Rust / later parallel run", "README", "epochs needed")["value"] == pytest.approx(4.0)
    assert get("Rust / later parallel run", "committed code", "time per epoch")["value"] == pytest.approx(1.5)
    assert get("Rust / later parallel run", "README", "parallelism")["value"] == pytest.approx(2.0)
    # The shares of the four factors and of what is left over add up to the whole ratio.
    for (ratio, reading), part in d.groupby(["ratio", "reading"]):
        shares = part[part.factor.isin(study003.FACTORS + ("not measured here",))]["share"]
        assert shares.sum() == pytest.approx(1.0)
    assert study003.carrier(d, "Rust / later parallel run", "README") == "epochs needed"  # 4× of 11.2×
    assert study003.carrier(d, "PyTorch script / Rust", "README") == "input pipeline"


def test_decomposition_intervals_cover_the_noise_of_rounds_and_seeds():
    per = study003.epoch_seconds_frame(_synthetic_timing(SECONDS, rounds=12, noise=0.05))
    noisy = {k: v + np.random.default_rng(1).normal(0, 1, len(v)) for k, v in EPOCHS.items()}
    d = study003.decompose(noisy, per, n_boot=400)
    factors = d[d.factor.isin(study003.FACTORS) & (d.value != 1.0)]
    assert (factors.lo < factors.value).all() and (factors.value < factors.hi).all()
    with pytest.raises(ValueError, match="no round"):
        study003.decompose(EPOCHS, per.iloc[0:0].assign(epoch=[]), n_boot=10)
    lacking = per[per.program != "nnlib commit"]
    with pytest.raises(ValueError, match="nnlib commit"):
        study003.decompose(EPOCHS, lacking, n_boot=10)


def test_pytorch_epochs_are_one_value_per_seed():
    runs = [{"implementation": "PyTorch", "seed": s, "threads": n, "epochs": e, "reached": True}
            for s, by_threads in {0: (20, 21), 1: (22, 22)}.items() for n, e in zip((1, 2), by_threads)]
    runs.append({"implementation": "nnlib", "seed": 0, "threads": 1, "epochs": 5, "reached": True})
    np.testing.assert_array_equal(study003.torch_epochs({"runs": runs}), [20.5, 22.0])


def test_interleaved_epoch_timings_run_every_pair_once_per_round(tmp_path):
    from nnlib import data
    X, y = _tiny_mnist_like(512)
    tiny = data.Dataset(name="mnist", X_train=X, y_train=y, X_test=X[:128], y_test=y[:128], image_shape=(28, 28),
                        n_classes=10)
    programs = (("nnlib", "readme"), ("nnlib", "rust"))
    out = tmp_path / "per-epoch.json"
    result = study003.measure_epoch_timings(3, (1, 2), programs=programs, progress=False, dataset=tiny, save_to=out)
    assert study003.read_epoch_timings(out)["runs"] == result["runs"]
    by_round = {}
    for r in result["runs"]:
        by_round.setdefault(r["round"], []).append((r["implementation"], r["program"], r["threads"], r["order"]))
    assert sorted(by_round) == [0, 1, 2]
    for runs in by_round.values():
        assert sorted(x[:3] for x in runs) == sorted((i, p, n) for i, p in programs for n in (1, 2))
        assert sorted(x[3] for x in runs) == [0, 1, 2, 3]
    assert len({tuple(x[:3] for x in sorted(v, key=lambda x: x[3])) for v in by_round.values()}) > 1  # reshuffled
    once = study003.measure_epoch_timings(3, (1,), cpu_seconds=0.0, programs=programs, progress=False, dataset=tiny)
    assert {r["round"] for r in once["runs"]} == {0}  # the CPU budget stops it after the first round


def test_decomposition_without_parallelism_leaves_it_to_what_is_not_measured():
    per = study003.epoch_seconds_frame(_synthetic_timing(SECONDS))
    d = study003.decompose(EPOCHS, per, n_boot=20, parallelism=False)
    assert d[d.factor == "parallelism"]["value"].isna().all()  # every recorded ratio involves parallelism
    serial_parallel = d[(d.ratio == "Rust / Rust parallel") & (d.reading == "README")].set_index("factor")
    assert np.isnan(serial_parallel.loc["parallelism", "value"])
    assert serial_parallel.loc["measured here", "value"] == pytest.approx(1.0)
    means = {r["run"]: r["mean"] for r in study003.AUTHOR_TIMINGS}
    assert serial_parallel.loc["not measured here", "value"] == pytest.approx(means["Rust"] / means["Rust parallel"])
    assert study003.carrier(d, "Rust / Rust parallel", "README") == "not measured here"
    later = d[(d.ratio == "Rust / later parallel run") & (d.reading == "README")].set_index("factor")
    assert later.loc["measured here", "value"] == pytest.approx(4.0)  # epochs 20/5 × time per epoch 1.0/1.0
    shares = later.loc[list(study003.FACTORS) + ["not measured here"], "share"]
    assert np.nansum(shares) == pytest.approx(1.0)
