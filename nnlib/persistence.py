"""Saving and loading models without pickle: ``NAME.npz`` holds the parameter arrays (one per
name in ``model.parameters()``, each with the leading replica axis), ``NAME.json`` what the model
is (class, constructor arguments, seeds, dtype) and its training history."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from .model import MODEL_CLASSES, History, Model

FORMAT = "nnlib-model"
FORMAT_VERSION = 1


def save_model(model: Model, path: str | Path) -> Path:
    """Write ``path.npz`` (the arrays) and ``path.json`` (what the model is); returns the .npz path."""
    stem = Path(path)
    if stem.suffix in (".npz", ".json"):
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "class": type(model).__name__,
            "config": model.config(), "seeds": model.seeds, "dtype": model.dtype.name,
            "arrays": [name for name, _ in model.parameters()],
            "history": model.history_.to_dict() if model.history_ else None}
    np.savez(stem.with_suffix(".npz"), **dict(model.parameters()))
    stem.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return stem.with_suffix(".npz")


class ModelFileError(ValueError):
    """A saved-model file that is missing, corrupt, or not an nnlib model."""


def load_model(path: str | Path) -> Model:
    """Load a model written by :meth:`Model.save` (``path`` with or without .npz/.json).

    Arrays are read with ``allow_pickle=False``: a pickle, or anything else that is not an nnlib
    model, is refused with a ModelFileError.
    """
    stem = Path(path)
    if stem.suffix in (".npz", ".json"):
        stem = stem.with_suffix("")
    meta_path, npz_path = stem.with_suffix(".json"), stem.with_suffix(".npz")
    for p in (meta_path, npz_path):
        if not p.exists():
            raise ModelFileError(f"{p}: no such file; a saved model is a pair NAME.npz + NAME.json")
    try:
        meta = json.loads(meta_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{meta_path}: not valid JSON ({e}); is it an nnlib model?") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{meta_path}: not an nnlib model description (no \"format\": \"{FORMAT}\")")
    if meta.get("class") not in MODEL_CLASSES:
        raise ModelFileError(f"{meta_path}: unknown model class {meta.get('class')!r}; "
                             f"known: {', '.join(sorted(MODEL_CLASSES))}")
    try:
        with np.load(npz_path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except ValueError as e:
        raise ModelFileError(f"{npz_path}: refused: {e}. nnlib never loads pickled data, "
                             "which can run arbitrary code") from None
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ModelFileError(f"{npz_path}: not a readable .npz archive ({e}); the file may be "
                             "corrupt or truncated: save the model again") from None
    model = MODEL_CLASSES[meta["class"]](**meta["config"], random_state=meta["seeds"], dtype=meta["dtype"])
    for name, p in model.parameters():
        if name not in arrays:
            raise ModelFileError(f"{npz_path}: array {name!r} is missing")
        if arrays[name].shape != p.shape:
            raise ModelFileError(f"{npz_path}: array {name!r} has shape {arrays[name].shape}, "
                                 f"the model needs {p.shape}")
        p[...] = arrays[name]
    if meta.get("history"):
        model.history_ = History.from_dict(meta["history"])
    return model
