"""Saving and loading models: .npz + JSON, never pickle."""
import pickle

import numpy as np
import pytest

import nnlib


def test_round_trip_keeps_everything(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 5)).astype(np.float32), rng.integers(0, 3, 20)
    model = nnlib.MLP([5, 4, 3], activation={"name": "leaky_relu", "alpha": 0.1}, random_state=[4, 9])
    model.fit(X, y, epochs=2, optimizer=nnlib.Adam())
    path = model.save(tmp_path / "net")
    assert path.suffix == ".npz" and (tmp_path / "net.json").exists()
    again = nnlib.load_model(tmp_path / "net")
    assert type(again) is nnlib.MLP and again.seeds == [4, 9] and again.config() == model.config()
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    assert again.history_.metrics == model.history_.metrics


def test_pickle_is_refused(tmp_path):
    model = nnlib.MLP([5, 3])
    model.save(tmp_path / "net")
    with open(tmp_path / "net.npz", "wb") as f:
        pickle.dump({"layer0.W": model.layers[0].W}, f)
    with pytest.raises(nnlib.ModelFileError, match="pickle"):
        nnlib.load_model(tmp_path / "net.npz")


def test_object_array_in_npz_is_refused(tmp_path):
    model = nnlib.MLP([5, 3])
    model.save(tmp_path / "net")
    np.savez(tmp_path / "net.npz", **{"layer0.W": np.array([object()], dtype=object)})
    with pytest.raises(nnlib.ModelFileError, match="pickle"):
        nnlib.load_model(tmp_path / "net")


def test_other_files_are_refused_clearly(tmp_path):
    nnlib.MLP([5, 3]).save(tmp_path / "net")
    (tmp_path / "net.json").write_text('{"hello": 1}')
    with pytest.raises(nnlib.ModelFileError, match="not an nnlib model"):
        nnlib.load_model(tmp_path / "net")
    with pytest.raises(nnlib.ModelFileError, match="no such file"):
        nnlib.load_model(tmp_path / "missing")
    nnlib.MLP([5, 3]).save(tmp_path / "cut")
    raw = (tmp_path / "cut.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(nnlib.ModelFileError, match="corrupt or truncated"):
        nnlib.load_model(tmp_path / "cut")
