"""Checkpoints of a training run in progress, so that a killed run resumes from its last
finished epoch instead of epoch 0.

A checkpoint is one ``.npz`` file, written atomically (readers see the previous checkpoint or the
whole new one): named arrays (parameters, optimiser state, kept best weights) plus a ``meta``
entry holding a JSON text (epoch reached, history, shuffle-generator state, and the description
of the run it belongs to).  It is read with ``allow_pickle=False``.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from .atomic import write_atomic


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file."""


def save_checkpoint(path: str | Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Write ``arrays`` and the JSON-serialisable ``meta`` to ``path`` atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta, allow_nan=True)), **arrays)
    write_atomic(Path(path), buffer.getvalue())


def load_checkpoint(path: str | Path) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays, meta) of a checkpoint written by :func:`save_checkpoint`."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(str(arrays.pop("meta")))
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise CheckpointError(f"{path}: unreadable checkpoint ({type(e).__name__}: {e}); delete it "
                              "to start that run from epoch 0") from None
    return arrays, meta
