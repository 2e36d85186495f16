"""The draw page's Python side: MNIST-style preprocessing (nnlib.data.drawing) and the export of
stored runs into static files (nnlib.book.export)."""
from __future__ import annotations

import numpy as np
import pytest

import nnlib
from nnlib.data import drawing
from nnlib.runner import sweep
from nnlib.book import export
from nnlib.runner.experiments import _model_input

SAMPLES = export.PAGE_DIR / "samples.js"


# ---------------------------------------------------------------- preprocessing
def test_mnist_images_drawn_ten_times_larger_come_back_unchanged():
    """MNIST's own recipe applied to an MNIST digit scaled up gives the digit back: its bounding
    box already fills 20 pixels and its centre of mass already sits at (14, 14) to a pixel."""
    _, images, _ = export.read_samples(SAMPLES)
    back = [drawing.mnist_style(np.kron(img.reshape(28, 28), np.ones((10, 10)))) for img in images[:60]]
    same = [np.abs(b - img.reshape(28, 28)).max() < 1e-6 for b, img in zip(back, images[:60])]
    assert np.mean(same) > 0.9


def test_bounding_box_scaled_into_20_keeping_aspect_and_centred_by_mass():
    ink = np.zeros((300, 200))
    ink[50:250, 80:130] = 1.0  # a 200 × 50 bar
    out = drawing.mnist_style(ink)
    rows, cols = np.nonzero(out > 0)
    assert np.ptp(rows) + 1 == 20 and np.ptp(cols) + 1 == 5
    r = np.arange(28)
    assert abs((out.sum(1) @ r) / out.sum() - 14) <= 0.5 + 1e-9  # whole-pixel moves
    assert abs((out.sum(0) @ r) / out.sum() - 14) <= 0.5 + 1e-9
    assert np.isclose(out.max(), 1.0)


def test_partly_covered_pixels_turn_grey_and_empty_drawings_give_zeros():
    ink = np.zeros((100, 100))
    ink[10:73, 10:40] = 1.0  # 63 rows → 20: each output row covers 3.15 input rows
    out = drawing.mnist_style(ink)
    assert 0 < out[out > 0].min() < 1
    assert not drawing.mnist_style(np.zeros((50, 60))).any()
    small = np.zeros((40, 40))
    small[5, 7] = 0.5  # one faint pixel becomes a 20 × 20 block of the same grey
    assert np.isclose(drawing.mnist_style(small).sum(), 0.5 * 400)


@pytest.mark.parametrize("bad", [np.ones(5), np.full((3, 3), 2.0), np.full((3, 3), np.nan)])
def test_mnist_style_refuses_bad_rasters(bad):
    with pytest.raises(ValueError, match="ink"):
        drawing.mnist_style(bad)


def test_area_matrix_rows_are_averages():
    A = drawing.area_matrix(3, 7)
    np.testing.assert_allclose(A.sum(axis=1), 1)
    np.testing.assert_allclose(A.sum(axis=0), 3 / 7)  # every input cell counted once, in total


# ---------------------------------------------------------------- static files
@pytest.mark.parametrize("kind", ["pixels", "column_windows", "row_windows", *export.PATCH_INPUTS])
def test_page_input_equals_the_training_input(kind):
    if kind in export.PATCH_INPUTS and not any(hasattr(nnlib.data.transforms, n) for n in export.PATCH_INPUTS[kind]):
        pytest.skip(f"nnlib.data.transforms has no kernels for {kind}")
    X = np.random.default_rng(1).random((4, 784), dtype=np.float32)
    np.testing.assert_array_equal(export.model_input(X, export.input_spec(kind)), _model_input(X, kind, (28, 28)))


def test_network_file_holds_the_model_exactly(tmp_path):
    model = nnlib.RNN(n_in=84, hidden=6, n_layers=2, random_state=3)
    about = {"study": "t"}
    export.write_network(tmp_path / "net-x.js", export.network_payload(model, "column_windows", "x", "X", about))
    back, payload = export.read_network(tmp_path / "net-x.js")
    assert payload["about"] == about and payload["class"] == "RNN"
    for (name, a), (_, b) in zip(model.parameters(), back.parameters()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    with pytest.raises(export.ExportError, match="one replica"):
        export.network_payload(nnlib.MLP([784, 10], n_replicas=2), "pixels", "y", "Y", about)


def test_samples_round_trip(tmp_path):
    X = np.random.default_rng(0).integers(0, 256, (5, 784)).astype(np.float32) / 255
    export.write_samples(tmp_path / "s.js", np.arange(5), X, np.arange(5))
    idx, back, labels = export.read_samples(tmp_path / "s.js")
    np.testing.assert_array_equal(back, X)
    assert list(labels) == list(range(5))


def test_read_network_refuses_other_files(tmp_path):
    (tmp_path / "f.js").write_text("alert(1)")
    with pytest.raises(export.ExportError, match="not a file written by nnlib.book.export"):
        export.read_network(tmp_path / "f.js")


# ---------------------------------------------------------------- choosing and retraining runs
def _record(label, seed, acc, lr=0.1, **extra):
    config = {"label": label, "model": "MLP", "model_args": {"layer_sizes": [4, 2]}, "epochs": 1,
              "optimizer": {"name": "sgd", "lr": lr}, **extra}
    return {"config": config, "seed": seed, "dataset": "mnist",
            "final": {"test": {"accuracy": acc}, "val": {"accuracy": acc}}}


def test_best_of_waits_for_every_configuration_and_picks_the_best_mean():
    grid = [_record("A", 0, 0)["config"], _record("A", 0, 0, lr=0.2)["config"]]
    choose = export.best_of(grid, n_seeds=2, split="val", what="A")
    partial = [_record("A", s, 0.9) for s in (0, 1)] + [_record("A", 0, 0.95, lr=0.2)]
    group, why, _ = choose(partial)
    assert group is None and "1 of the 2" in why
    group, why, epochs = choose(partial + [_record("A", 1, 0.93, lr=0.2)])
    assert group[0]["config"]["optimizer"]["lr"] == 0.2 and "94.00 %" in why and epochs is None


def test_best_of_can_choose_an_epoch_count_from_the_history():
    records = [_record("A", s, 0.90) for s in (0, 1)]
    for r, h in zip(records, ([0.95, 0.90], [0.93, 0.90])):
        r["config"]["epochs"] = 2
        r["history"] = {"val_accuracy": h, "test_accuracy": h}
    grid = [records[0]["config"]]
    group, why, epochs = export.best_of(grid, 2, "val", "A", epoch_counts=(1, 2))(records)
    assert epochs == 1 and "94.00 %" in why and "2 grid points" in why
    assert export.accuracy_at(records[0], "val", 1) == 0.95 and export.accuracy_at(records[0], "val", 2) == 0.90


def test_labelled_picks_the_augmented_configuration():
    records = [_record("c2_mod", 0, 0.9), _record("c2_aug", 0, 0.9, augment={"scheme": "x"})]
    group, _, _ = export.labelled("c2_aug", "c2_mod", augmented=True)(records)
    assert group[0]["config"]["label"] == "c2_aug"
    group, _, _ = export.labelled("c2_aug", "c2_mod", augmented=True)(records[:1])
    assert group is None


def test_a_stored_trial_is_trained_again_to_the_same_accuracy(tmp_path):
    config = {"label": "tiny", "model": "MLP", "epochs": 2, "batch_size": 16,
              "model_args": {"layer_sizes": [64, 12, 10], "activation": "tanh"},
              "optimizer": {"name": "sgd", "lr": 0.2}}
    records = sweep.run_sweep("tiny", [config], [0, 1, 2], "digits", root=tmp_path, workers=0, progress=False)
    record = next(r for r in records if r["seed"] == 1)
    assert export.replica_group(record, records) == [0, 1, 2]
    export.check_record(record)
    model, how = export.cached_retrain(record, records, tmp_path / "models", progress=False)
    assert model.n_replicas == 1 and model.seeds == [1]
    assert model.history_ is not None
    again, how_again = export.cached_retrain(record, records, tmp_path / "models", progress=False)
    assert how_again == how  # from the saved model, not trained a third time
    for (_, a), (_, b) in zip(model.parameters(), again.parameters()):
        np.testing.assert_array_equal(a, b)
    shorter, how_shorter = export.cached_retrain(record, records, tmp_path / "models", progress=False, epochs=1)
    assert shorter.history_["epoch"].tolist() == [1]
    assert float(shorter.history_["test_accuracy"][0, 0]) == pytest.approx(record["history"]["test_accuracy"][0], abs=1e-6)
    forged = {**record, "final": {**record["final"], "test": {**record["final"]["test"], "accuracy": 0.5}}}
    with pytest.raises(export.ExportError, match="cannot be reproduced"):
        export.retrain(forged, [forged if r is record else r for r in records], progress=False)


def test_the_page_networks_are_those_of_the_stored_records():
    """Each network the committed page shows reproduces a stored record of this repository: the
    record exists, and its accuracy and code fingerprint are the ones the page states."""
    manifest = export._read_js_call(export.PAGE_DIR / "networks.js", "setManifest")
    keys = [n.key for n in export.page_networks()]
    assert sorted(n["key"] for n in manifest["networks"] + manifest["missing"]) == sorted(keys)
    for entry in manifest["networks"]:
        _, payload = export.read_network(export.PAGE_DIR / entry["file"])
        about = payload["about"]
        path = export.ROOT / about["record"]
        assert path.exists(), f"{entry['key']}: its record {about['record']} is gone; run make draw-export"
        record = sweep.read_record(path)
        assert record["seed"] == about["seed"]
        assert export.accuracy_at(record, "test", about["epochs"]) == about["test_accuracy"], (
            f"{entry['key']}: its record changed since the export; run make draw-export")
        assert record["code_fingerprint"] == about["code_fingerprint"]
