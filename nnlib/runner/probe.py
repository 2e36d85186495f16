"""The behaviour probe behind every record's code fingerprint: a trial in miniature.

A configuration's code fingerprint must change when the numbers its trials compute would change,
and only then: moving a module, renaming a variable or splitting a function must leave it alone.
So it is taken from behaviour, not from source text.  The probe runs the trial itself — the
configuration's model (its real layer sizes, activations, cost, initialiser and seed 0), its
optimiser, batch size, shuffling, target, keep_best and evaluation schedule, the training loop and
the final scoring of :func:`nnlib.runner.experiments.trial_records` — for at most ``PROBE_EPOCHS`` epochs
on a fixed synthetic data set (``PROBE_BATCHES`` mini-batches of the configuration's batch size
of small uniform inputs with fixed labels, ``PROBE_EVAL`` examples in each evaluation set the
configuration names), in float64: a dozen gradient steps, each on other examples, so that an
optimiser's memory (momentum, Adam's moment averages) is exercised.
The fingerprint hashes the numbers of the probe's record (history, final losses, accuracies and
confidences, stopping and divergence epochs, parameter and multiply-add counts) rounded to
``DIGITS`` significant digits, and the dtype the real trial trains in.

Why float64 and 9 digits: a BLAS kernel (OPENBLAS_CORETYPE) changes the order of a dot product's
additions, which moves a float64 result by about 1e-16 relative; after a few steps the probe's
numbers still agree to some 14 digits across kernels, five orders below the rounding, so the
fingerprint is the same on every machine (a value this close to a rounding boundary has a chance
of about 1e-6 per number; the probe hashes a few dozen).  A real change — a constant in an
activation, a cost, an optimiser or an initialiser, a step of the loop — moves them by far more
than 1e-9.  What the probe does not run it cannot see: code paths that a configuration's trial
takes only on its real data (a clipping threshold its probe gradients never reach) and float32
rounding details; the data side is checked by the data fingerprint.

This module imports nothing from nnlib, so that the migration (:mod:`nnlib.runner.restamp`) can run the
very same probe on an older nnlib.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

PROBE_VERSION = 1
PROBE_EPOCHS = 3
PROBE_BATCHES = 4    # mini-batches per epoch (each of the configuration's batch size) …
PROBE_MAX_TRAIN = 2048  # … with at most this many training examples
PROBE_EVAL = 16
PROBE_STEPS = 3      # sequence length of a sequence model's probe inputs
PROBE_SEED = 20241   # the probe data's generator
DIGITS = 9
HASHED = ("history", "final", "stopped_epoch", "diverged_epoch", "best_epoch", "resumed_at",
          "n_train", "n_parameters", "multiply_adds")


def probe_config(config: dict) -> dict:
    """The configuration the probe trains: ``config`` with at most PROBE_EPOCHS epochs."""
    return {**config, "epochs": min(int(config["epochs"]), PROBE_EPOCHS)}


def set_names(config: dict) -> list[str]:
    """The evaluation sets a trial of ``config`` has besides training (see
    :func:`nnlib.runner.experiments.prepare_data`): test, val with the validation split, the extra ones."""
    names = ["test"] + (["val"] if config.get("split", "official") == "validation" else [])
    return names + [n for n in config.get("eval", []) if n not in names]


def probe_data(n_features: int, input_ndim: int, n_out: int, names: list[str], batch_size: int,
               steps: int = PROBE_STEPS) -> tuple[tuple, dict]:
    """((X, y), {name: (X, y)}): fixed float64 inputs of shape (m, n_features), or
    (m, steps, n_features) for a sequence model, and labels 0 … n_classes − 1.  The training set
    has PROBE_BATCHES · batch_size examples (at most PROBE_MAX_TRAIN), so every epoch of the probe
    takes PROBE_BATCHES gradient steps, each on other examples, whatever the batch size.  Inputs are uniform in [0, 2/√n_features) (at most
    [0, 1)): like MNIST's mostly dark images, they keep a first layer's pre-activations of order
    one, where its numbers do not hang on the last bits of a sum (saturated units compute
    1 − a², which cancels)."""
    rng = np.random.default_rng(PROBE_SEED)
    n_classes = 2 if n_out == 1 else n_out
    scale = min(1.0, 2.0 / np.sqrt(n_features))

    def draw(m: int) -> tuple[np.ndarray, np.ndarray]:
        shape = (m, n_features) if input_ndim == 2 else (m, steps, n_features)
        return scale * rng.random(shape), rng.integers(0, n_classes, m)

    train = draw(min(PROBE_MAX_TRAIN, PROBE_BATCHES * int(batch_size)))
    return train, {name: draw(PROBE_EVAL) for name in names}


def probe_inputs(model: Any, config: dict) -> tuple[tuple, dict]:
    """:func:`probe_data` for ``model`` (an nnlib model of ``config``; a model built for a fixed
    number of steps, like the untied RNN, gets sequences of that length)."""
    return probe_data(model.n_features, model.input_ndim, model.n_out, set_names(config),
                      config.get("batch_size", 32), getattr(model, "steps", PROBE_STEPS))


def _rounded(x: Any) -> Any:
    """``x`` with every float written to DIGITS significant digits (a string), recursively."""
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_rounded(v) for v in x]
    if isinstance(x, float):
        return f"{x:.{DIGITS}g}"
    return x


def probe_numbers(record: dict) -> dict:
    """The numbers of a probe's record that the fingerprint hashes (wall times left out)."""
    picked = {key: record[key] for key in HASHED}
    picked["history"] = {k: v for k, v in record["history"].items() if k != "seconds"}
    return picked


def digest(record: dict, dtype: str) -> str:
    """16 hex digits: SHA-256 of the probe's numbers, rounded, and the real trial's dtype."""
    text = json.dumps({"probe": PROBE_VERSION, "dtype": dtype, **_rounded(probe_numbers(record))},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
