"""Saving and loading models: .npz + JSON, never pickle; every damaged file gives a
ModelFileError naming it (by hand-made cases and by random damage)."""
import inspect
import json
import pickle
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------- damaged files: one error type
def saved(tmp_path, name: str = "net", fit: bool = True) -> tuple[Path, dict]:
    """A small fitted MLP saved as tmp_path/name; returns (stem, its JSON description)."""
    rng = np.random.default_rng(1)
    model = nnlib.MLP([5, 4, 3], random_state=[2, 3])
    if fit:
        model.fit(rng.normal(size=(12, 5)), rng.integers(0, 3, 12), epochs=2)
    model.save(tmp_path / name)
    return tmp_path / name, json.loads((tmp_path / f"{name}.json").read_text())


def refused(stem: Path, suffix: str, *words: str) -> str:
    with pytest.raises(nnlib.ModelFileError) as info:
        nnlib.load_model(stem)
    message = str(info.value)
    assert message.startswith(f"{stem.with_suffix(suffix)}: ") and "\n" not in message, message
    for word in words:
        assert word in message, message
    return message


def edit(path: Path, change) -> None:
    meta = json.loads(path.read_text())
    change(meta)
    path.write_text(json.dumps(meta))


JSON_DAMAGE = {
    "unknown config key": (lambda m: m["config"].update(colour="red"), "config of MLP has unknown 'colour'"),
    "missing config key": (lambda m: m["config"].pop("init"), "config of MLP lacks init"),
    "config the class refuses": (lambda m: m["config"].update(layer_sizes=[5]), "does not make a MLP (ValueError"),
    "config of the wrong type": (lambda m: m["config"].update(layer_sizes="abc"), "does not make a MLP"),
    "unknown activation": (lambda m: m["config"].update(activation="swish"), "does not make a MLP"),
    "config value changed by the class": (lambda m: m["config"].update(layer_sizes=[5, 4.5, 3]),
                                          "config entry 'layer_sizes' is [5, 4.5, 3]"),
    "config not an object": (lambda m: m.update(config=[5, 4, 3]), "\"config\" must be an object"),
    "unknown class": (lambda m: m.update({"class": "Pickler"}), "unknown model class 'Pickler'"),
    "newer format": (lambda m: m.update(version=2), "format version 2; this nnlib reads version 1"),
    "missing entry": (lambda m: m.pop("dtype"), "lacks the entries dtype"),
    "unknown entry": (lambda m: m.update(extra=1), "unknown entries 'extra'"),
    "seeds not a list": (lambda m: m.update(seeds="2"), "\"seeds\" must be a non-empty list"),
    "negative seed": (lambda m: m.update(seeds=[2, -3]), "\"seeds\" must be"),
    "boolean seed": (lambda m: m.update(seeds=[True, 3]), "\"seeds\" must be"),
    "integer dtype": (lambda m: m.update(dtype="int8"), "\"dtype\" must be"),
    "wrong array list": (lambda m: m.update(arrays=["layer0.W"]), "lists the arrays 'layer0.W', a MLP has"),
    "history not an object": (lambda m: m.update(history=[1, 2]), "malformed history: an object is needed"),
    "history lacks epochs": (lambda m: m["history"].pop("epoch"), "malformed history: lacks epoch"),
    "history unknown entry": (lambda m: m["history"].update(note="x"), "malformed history: has unknown entries 'note'"),
    "history times": (lambda m: m["history"].update(seconds=["fast", 1]), "\"seconds\" must list 2 finite times"),
    "history epoch count": (lambda m: m["history"]["metrics"]["train_loss"].pop(), "metric 'train_loss' must hold 2 rows"),
    "history replica count": (lambda m: m["history"]["metrics"]["train_loss"][0].pop(), "of 2 numbers or nulls"),
    "history metric text": (lambda m: m["history"]["metrics"]["train_loss"][0].__setitem__(0, "x"), "metric 'train_loss'"),
    "history per replica": (lambda m: m["history"].update(best_epoch=[None]), "\"best_epoch\" must list 2 epoch"),
}


@pytest.mark.parametrize("case", list(JSON_DAMAGE))
def test_damaged_description_is_refused_naming_the_file(tmp_path, case):
    change, words = JSON_DAMAGE[case]
    stem, _ = saved(tmp_path)
    edit(stem.with_suffix(".json"), change)
    refused(stem, ".json", words)


def test_description_that_is_not_json(tmp_path):
    stem, _ = saved(tmp_path)
    stem.with_suffix(".json").write_bytes(bytes(range(256)))
    refused(stem, ".json", "not valid JSON")
    stem.with_suffix(".json").write_text("[" * 100_000)
    refused(stem, ".json", "not valid JSON")


def test_history_of_older_files_without_resumed_at_loads(tmp_path):
    stem, _ = saved(tmp_path)
    edit(stem.with_suffix(".json"), lambda m: m["history"].pop("resumed_at"))
    assert nnlib.load_model(stem).history_.resumed_at == []


def rewrite_arrays(stem: Path, change) -> None:
    with np.load(stem.with_suffix(".npz")) as npz:
        arrays = dict(npz)
    change(arrays)
    np.savez(stem.with_suffix(".npz"), **arrays)


ARRAY_DAMAGE = {
    "complex": (lambda a: a.update({"layer0.W": a["layer0.W"] + 1j}), "'layer0.W' has dtype complex64, the model net.json describes needs float32"),
    "integers": (lambda a: a.update({"layer0.b": a["layer0.b"].astype(np.int32)}), "'layer0.b' has dtype int32"),
    "float64": (lambda a: a.update({"layer0.b": a["layer0.b"].astype(np.float64)}), "'layer0.b' has dtype float64"),
    "shape": (lambda a: a.update({"layer1.W": a["layer1.W"][:1]}), "'layer1.W' has shape (1, 4, 3), the model net.json describes needs (2, 4, 3)"),
    "NaN": (lambda a: a["layer1.b"].__setitem__((0, 1), np.nan), "'layer1.b' holds 1 NaN or infinite values"),
    "infinity": (lambda a: a["layer1.W"].__setitem__((1, 0, 0), -np.inf), "'layer1.W' holds 1 NaN"),
    "missing": (lambda a: a.pop("layer1.b"), "array 'layer1.b' is missing"),
    "extra": (lambda a: a.update(extra=np.zeros(2)), "holds arrays that the model net.json describes does not have: 'extra'"),
    "text": (lambda a: a.update({"layer0.W": np.array(["a"])}), "'layer0.W' has dtype <U1"),
}


@pytest.mark.parametrize("case", list(ARRAY_DAMAGE))
def test_wrong_arrays_are_refused_naming_the_file(tmp_path, case):
    change, words = ARRAY_DAMAGE[case]
    stem, _ = saved(tmp_path)
    rewrite_arrays(stem, change)
    refused(stem, ".npz", words)


def test_big_endian_arrays_load_exactly(tmp_path):
    stem, _ = saved(tmp_path)
    model = nnlib.load_model(stem)
    rewrite_arrays(stem, lambda a: a.update({k: v.astype(v.dtype.newbyteorder(">")) for k, v in a.items()}))
    for (_, a), (_, b) in zip(nnlib.load_model(stem).parameters(), model.parameters()):
        np.testing.assert_array_equal(a, b)


def test_archives_that_are_not_plain_arrays(tmp_path):
    stem, _ = saved(tmp_path)
    npz = stem.with_suffix(".npz")
    with zipfile.ZipFile(npz, "a") as zf:
        zf.writestr("readme.txt", "hello")
    refused(stem, ".npz", "member 'readme.txt' is not one of the model's arrays")
    stem, _ = saved(tmp_path)
    with zipfile.ZipFile(npz, "w") as zf:
        zf.writestr("layer0.W.npy", "not an array")
    refused(stem, ".npz", "member 'layer0.W.npy' is not a valid .npy array")
    stem, _ = saved(tmp_path)
    with np.load(npz) as arrays:
        np.savez_compressed(npz, **arrays)
    refused(stem, ".npz", "is compressed or encrypted")


def test_random_bytes_are_not_called_a_pickle(tmp_path):
    stem, _ = saved(tmp_path)
    npz = stem.with_suffix(".npz")
    npz.write_bytes(np.random.default_rng(0).bytes(1000))
    message = refused(stem, ".npz", "not an .npz archive (it starts with bytes")
    assert "pickle" not in message
    npz.write_bytes(b"")
    refused(stem, ".npz", "starts with bytes none")
    npz.write_bytes(pickle.dumps([1, 2]))
    refused(stem, ".npz", "holds pickled data, refused")


def test_config_keys_are_the_constructor_arguments():
    """The loader checks configs against the constructors: the two must name the same things."""
    models = [nnlib.MLP([3, 2]), nnlib.RecursiveNet(3, 4, 1, 2), nnlib.RNN(3, 4), nnlib.UntiedRNN(3, 4)]
    assert {type(m).__name__ for m in models} == set(nnlib.model.MODEL_CLASSES)
    for model in models:
        arguments = set(inspect.signature(type(model).__init__).parameters) - {"self", "random_state", "n_replicas", "dtype"}
        assert set(model.config()) == arguments


def test_fitted_sequence_models_round_trip_with_history(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)).astype(np.float32), rng.integers(0, 3, 12)
    model = nnlib.RecursiveNet(3, 4, 2, 3, record_gradient_norms=True, n_replicas=2).fit(X, y, epochs=2)
    model.save(tmp_path / "rec")
    again = nnlib.load_model(tmp_path / "rec")
    assert again.history_.to_dict() == model.history_.to_dict()
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


def test_save_replaces_files_atomically(tmp_path):
    stem, _ = saved(tmp_path)
    saved(tmp_path, fit=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json", "net.npz"]  # no temporary files left
    assert nnlib.load_model(stem).history_ is None


# ---------------------------------------------------------------- random damage (hypothesis)
@pytest.fixture(scope="module")
def valid_files(tmp_path_factory) -> tuple[bytes, bytes]:
    stem, _ = saved(tmp_path_factory.mktemp("valid"))
    return stem.with_suffix(".json").read_bytes(), stem.with_suffix(".npz").read_bytes()


def load_outcome(json_bytes: bytes, npz_bytes: bytes) -> tuple[Path, str | None]:
    """Write the pair to a fresh folder and load it: (stem, error message or None)."""
    with tempfile.TemporaryDirectory() as folder:
        stem = Path(folder) / "m"
        stem.with_suffix(".json").write_bytes(json_bytes)
        stem.with_suffix(".npz").write_bytes(npz_bytes)
        try:
            model = nnlib.load_model(stem)
        except nnlib.ModelFileError as exc:
            return stem, str(exc)
        for _, p in model.parameters():
            assert np.isfinite(p).all() and p.dtype == model.dtype
        return stem, None


def damage(draw, blob: bytes) -> bytes:
    blob = bytearray(blob)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(blob)))
        kind = draw(st.sampled_from(["flip", "cut", "insert"]))
        if kind == "flip" and at < len(blob):
            blob[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del blob[at:]
        else:
            blob[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(blob)


def one_line_naming(message: str | None, *paths: Path) -> bool:
    return message is None or message.startswith(tuple(f"{p}: " for p in paths)) and "\n" not in message


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_damage_to_the_archive_gives_one_error_type(valid_files, data):
    json_bytes, npz_bytes = valid_files
    stem, message = load_outcome(json_bytes, damage(data.draw, npz_bytes))
    assert one_line_naming(message, stem.with_suffix(".npz")), message


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)  # integers stay small: a config may describe a model of any size, which is built


def _places(node, path=()):
    """Every (path) to a value inside a JSON tree."""
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield from _places(child, path + (key,))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_damage_to_the_description_gives_one_error_type(valid_files, data):
    """Any value of the JSON tree replaced by random JSON, or removed, or random bytes damage."""
    json_bytes, npz_bytes = valid_files
    meta = json.loads(json_bytes)
    places = list(_places(meta))[1:]
    for _ in range(data.draw(st.integers(1, 2))):
        place = data.draw(st.sampled_from(places))
        parent = meta
        try:
            for key in place[:-1]:
                parent = parent[key]
            if data.draw(st.booleans()):
                parent[place[-1]] = data.draw(JSON_VALUES)
            else:
                del parent[place[-1]]
        except (KeyError, IndexError, TypeError):
            pass  # an earlier edit removed or replaced this place
    text = json.dumps(meta).encode()
    if data.draw(st.booleans()):
        text = damage(data.draw, text)
    stem, message = load_outcome(text, npz_bytes)
    assert one_line_naming(message, stem.with_suffix(".json"), stem.with_suffix(".npz")), message
