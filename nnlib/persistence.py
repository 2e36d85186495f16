"""Saving and loading models without pickle: ``NAME.npz`` holds the parameter arrays (one per
name in ``model.parameters()``, each with the leading replica axis), ``NAME.json`` what the model
is (class, constructor arguments, seeds, dtype) and its training history.

Loading trusts nothing in either file: every field of the JSON and every array of the archive is
checked against what the described model needs (names, shapes, dtypes, finite values), and any
problem is one :class:`ModelFileError` whose one-line message names the file and the problem.
"""
from __future__ import annotations

import inspect
import io
import json
import math
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import write_atomic
from .training import History

# The classes a saved model may name: every subclass of nnlib.Model registers itself here when it
# is defined (Model.__init_subclass__), so this module needs nothing from nnlib.model.
MODEL_CLASSES: dict[str, type] = {}
Model = Any  # an nnlib.Model (not imported: nnlib.model imports this module)

FORMAT = "nnlib-model"
FORMAT_VERSION = 1
_META_KEYS = ("format", "version", "class", "config", "seeds", "dtype", "arrays", "history")
_HISTORY_KEYS = ("epoch", "seconds", "eval_seconds", "metrics", "stopped_epoch", "diverged_epoch",
                 "best_epoch", "resumed_at")
_NOT_CONFIG = ("self", "random_state", "n_replicas", "dtype")  # constructor arguments kept elsewhere
_ZIP_MAGIC = b"PK\x03\x04"


class ModelFileError(ValueError):
    """A saved-model file that is missing, corrupt, or not an nnlib model; the message names the
    file and the problem in one line."""


_AGAIN = "save the model again (Model.save) to write a valid pair"


def _bad(path: Path, problem: str, fix: str = _AGAIN) -> ModelFileError:
    return ModelFileError(f"{path}: {problem}; {fix}")


def _first_line(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e).splitlines()[0]}" if str(e).strip() else type(e).__name__


def _paths(path: str | Path) -> tuple[Path, Path]:
    """(NAME.json, NAME.npz) for ``path`` given with or without either suffix."""
    stem = Path(path)
    if stem.suffix in (".npz", ".json"):
        stem = stem.with_suffix("")
    return stem.with_suffix(".json"), stem.with_suffix(".npz")


def save_model(model: Model, path: str | Path) -> Path:
    """Write ``path.npz`` (the arrays) and ``path.json`` (what the model is), each atomically;
    returns the .npz path."""
    meta_path, npz_path = _paths(path)
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "class": type(model).__name__,
            "config": model.config(), "seeds": model.seeds, "dtype": model.dtype.name,
            "arrays": [name for name, _ in model.parameters()],
            "history": model.history_.to_dict() if model.history_ else None}
    buffer = io.BytesIO()
    np.savez(buffer, **dict(model.parameters()))
    write_atomic(npz_path, buffer.getvalue())
    write_atomic(meta_path, json.dumps(meta, indent=1).encode())
    return npz_path


def load_model(path: str | Path) -> Model:
    """Load a model written by :meth:`Model.save` (``path`` with or without .npz/.json).

    Nothing is unpickled. Raises ModelFileError, naming the file, for anything that is not
    exactly a model this version of nnlib wrote: a missing file, bad JSON, an unknown class,
    missing or unknown config entries, a config the class refuses, a malformed history, an
    archive that is not a plain .npz of the model's arrays, or arrays with the wrong names,
    shapes or dtypes or with NaN or infinite values.
    """
    meta_path, npz_path = _paths(path)
    for p in (meta_path, npz_path):
        if not p.is_file():
            raise ModelFileError(f"{p}: no such file; a saved model is a pair NAME.npz + NAME.json")
    meta = _read_meta(meta_path)
    model = _build(meta, meta_path)
    _fill(model, _read_arrays(npz_path), npz_path, meta_path)
    if meta["history"] is not None:
        model.history_ = _history(meta["history"], model.n_replicas, meta_path)
    return model


# ---------------------------------------------------------------- the JSON description
def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _read_meta(meta_path: Path) -> dict:
    """The checked top level of NAME.json (the config and history are checked later)."""
    def bad(problem: str) -> ModelFileError:
        return _bad(meta_path, problem)

    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except OSError as e:
        raise _bad(meta_path, f"cannot be read ({e.strerror or e})", "check the path and permissions") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise bad(f"not valid JSON ({_first_line(e)}); is it an nnlib model?") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise bad(f"not an nnlib model description (no \"format\": \"{FORMAT}\")")
    if not _is_int(meta.get("version")) or meta["version"] != FORMAT_VERSION:
        raise bad(f"format version {meta.get('version')!r}; this nnlib reads version {FORMAT_VERSION}")
    if missing := [k for k in _META_KEYS if k not in meta]:
        raise bad(f"lacks the entries {', '.join(missing)}")
    if unknown := [k for k in meta if k not in _META_KEYS]:
        raise bad(f"has unknown entries {', '.join(map(repr, unknown))}")
    if not isinstance(meta["class"], str) or meta["class"] not in MODEL_CLASSES:
        raise bad(f"unknown model class {meta['class']!r}; known: {', '.join(sorted(MODEL_CLASSES))}")
    if not isinstance(meta["config"], dict):
        raise bad(f"\"config\" must be an object, got {type(meta['config']).__name__}")
    seeds = meta["seeds"]
    if not isinstance(seeds, list) or not seeds or not all(_is_int(s) and s >= 0 for s in seeds):
        raise bad(f"\"seeds\" must be a non-empty list of whole numbers ≥ 0, got {seeds!r:.80}")
    if meta["dtype"] not in ("float32", "float64"):
        raise bad(f"\"dtype\" must be \"float32\" or \"float64\", got {meta['dtype']!r:.40}")
    if not isinstance(meta["arrays"], list) or not all(isinstance(a, str) for a in meta["arrays"]):
        raise bad(f"\"arrays\" must be a list of names, got {meta['arrays']!r:.80}")
    return meta


def _build(meta: dict, meta_path: Path) -> Model:
    """A fresh model of the described class, config, seeds and dtype (parameters not yet read)."""
    name, config = meta["class"], meta["config"]
    cls = MODEL_CLASSES[name]
    wanted = [p for p in inspect.signature(cls.__init__).parameters if p not in _NOT_CONFIG]
    missing = [k for k in wanted if k not in config]
    unknown = [k for k in config if k not in wanted]
    if missing or unknown:
        problems = ([f"lacks {', '.join(missing)}"] if missing else []) + \
                   ([f"has unknown {', '.join(map(repr, unknown))}"] if unknown else [])
        raise _bad(meta_path, f"the config of {name} {' and '.join(problems)} (a {name} takes {', '.join(wanted)})")
    try:
        model = cls(**config, random_state=meta["seeds"], dtype=meta["dtype"])
    except Exception as e:  # noqa: BLE001 - any refusal by the class means the file is wrong
        raise _bad(meta_path, f"its config does not make a {name} ({_first_line(e)})") from None
    if (made := json.loads(json.dumps(model.config()))) != config:
        diff = next(k for k in config if made.get(k) != config[k])
        raise _bad(meta_path, f"config entry {diff!r} is {config[diff]!r:.60}, which a {name} takes as "
                              f"{made.get(diff)!r:.60}: the file was edited or not written by nnlib")
    names = [n for n, _ in model.parameters()]
    if meta["arrays"] != names:
        raise _bad(meta_path, f"lists the arrays {', '.join(map(repr, meta['arrays']))}, a {name} has "
                              f"{', '.join(map(repr, names))}")
    return model


def _history(h: Any, K: int, meta_path: Path) -> History:
    """The checked training history: every list as long as the epochs or the K replicas."""
    def bad(problem: str) -> ModelFileError:
        return _bad(meta_path, f"malformed history: {problem}")

    if not isinstance(h, dict):
        raise bad(f"an object is needed, got {type(h).__name__}")
    h = {"resumed_at": [], **h}  # files written before resumption was recorded lack it
    if missing := [k for k in _HISTORY_KEYS if k not in h]:
        raise bad(f"lacks {', '.join(missing)}")
    if unknown := [k for k in h if k not in _HISTORY_KEYS]:
        raise bad(f"has unknown entries {', '.join(map(repr, unknown))}")
    epochs = h["epoch"]
    if not isinstance(epochs, list) or not all(_is_int(e) and e >= 1 for e in epochs):
        raise bad("\"epoch\" must be a list of epoch numbers ≥ 1")
    n = len(epochs)
    for key in ("seconds", "eval_seconds"):
        v = h[key]
        if not (isinstance(v, list) and len(v) == n and all(_is_number(s) and 0 <= s < math.inf for s in v)):
            raise bad(f"\"{key}\" must list {n} finite times ≥ 0, one per epoch")
    for key in ("stopped_epoch", "diverged_epoch", "best_epoch"):
        v = h[key]
        if not (isinstance(v, list) and len(v) == K and all(e is None or _is_int(e) and e >= 1 for e in v)):
            raise bad(f"\"{key}\" must list {K} epoch numbers or nulls, one per replica")
    if not isinstance(h["resumed_at"], list) or not all(_is_int(e) and e >= 1 for e in h["resumed_at"]):
        raise bad("\"resumed_at\" must be a list of epoch numbers ≥ 1")
    if not isinstance(h["metrics"], dict):
        raise bad("\"metrics\" must be an object")
    for key, rows in h["metrics"].items():
        if not (isinstance(rows, list) and len(rows) == n and all(
                isinstance(row, list) and len(row) == K and all(v is None or _is_number(v) for v in row)
                for row in rows)):
            raise bad(f"metric {key!r:.40} must hold {n} rows (epochs) of {K} numbers or nulls (replicas)")
    return History.from_dict(h)


# ---------------------------------------------------------------- the arrays
def _read_arrays(npz_path: Path) -> dict[str, np.ndarray]:
    """The arrays of NAME.npz, read without pickle from an uncompressed zip of .npy members."""
    def bad(problem: str) -> ModelFileError:
        return _bad(npz_path, problem)

    try:
        with open(npz_path, "rb") as fh:
            start = fh.read(4)
    except OSError as e:
        raise _bad(npz_path, f"cannot be read ({e.strerror or e})", "check the path and permissions") from None
    if start[:1] == b"\x80":  # how pickle protocols 2 to 5 start
        raise bad("holds pickled data, refused: nnlib never loads pickled data, which can run arbitrary "
                  "code (a saved model's arrays are an .npz archive)")
    if start != _ZIP_MAGIC:
        raise bad(f"not an .npz archive (it starts with bytes {start.hex(' ') or 'none'}): the file is "
                  "corrupt or not a saved model")
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(npz_path) as zf:
            for info in zf.infolist():
                name = info.filename.removesuffix(".npy")
                if name == info.filename or name in arrays:
                    raise bad(f"member {info.filename!r:.60} is not one of the model's arrays "
                              "(an archive of NAME.npy members, each once)")
                if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
                    raise bad(f"member {info.filename!r:.60} is compressed or encrypted; "
                              "nnlib writes its arrays uncompressed (numpy.savez)")
                with zf.open(info) as member:
                    try:
                        arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
                    except ValueError as e:
                        if "pickle" in str(e):
                            raise bad(f"array {name!r:.60} holds Python objects, refused: nnlib never loads "
                                      "pickled data, which can run arbitrary code") from None
                        raise bad(f"member {info.filename!r:.60} is not a valid .npy array "
                                  f"({_first_line(e)})") from None
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, MemoryError,
            ValueError, NotImplementedError, RuntimeError) as e:  # what zipfile raises for damage
        raise bad(f"not a readable .npz archive ({_first_line(e)}): the file may be corrupt or truncated") from None
    return arrays


def _fill(model: Model, arrays: dict[str, np.ndarray], npz_path: Path, meta_path: Path) -> None:
    """Copy ``arrays`` into the model's parameters after checking name, shape, dtype and values."""
    needs = f"the model {meta_path.name} describes needs"
    for name, p in model.parameters():
        if name not in arrays:
            raise _bad(npz_path, f"array {name!r} is missing; {needs} {', '.join(n for n, _ in model.parameters())}")
        a = arrays.pop(name)
        if a.dtype.kind != "f" or a.dtype.itemsize != p.dtype.itemsize:
            raise _bad(npz_path, f"array {name!r} has dtype {a.dtype}, {needs} {p.dtype}")
        if a.shape != p.shape:
            raise _bad(npz_path, f"array {name!r} has shape {a.shape}, {needs} {p.shape}")
        if not np.isfinite(a).all():
            raise _bad(npz_path, f"array {name!r} holds {int((~np.isfinite(a)).sum())} NaN or infinite values")
        p[...] = a
    if arrays:
        raise _bad(npz_path, f"holds arrays that the model {meta_path.name} describes does not have: "
                             f"{', '.join(map(repr, arrays))}")
