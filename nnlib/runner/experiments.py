"""One trial of a sweep: build the data and the model a configuration describes, train every
seed of it as replicas in one pass, and return one JSON-ready record per seed.

A configuration is a dict (JSON-serialisable) with these keys; defaults in brackets:

model       "MLP" | "RecursiveNet" | "RNN" | "UntiedRNN"
model_args  constructor arguments of that class (not random_state / n_replicas / dtype)
optimizer   {"name": "sgd" | "adam", ...}                      [the model's default]
epochs      whole number ≥ 0;   batch_size  ≥ 1                [32]
shuffle     reshuffle every epoch [true]; shuffle_seed: the mini-batch order, the same for all
            seeds, so that seeds differ only in initialisation [0]
split       "official" (60k train / 10k test), "validation" (50k / 10k val / 10k test) or
            "all" (train on all 70k; test is then part of training)   ["official"]
train_subset  keep only the first N training examples            [all]
input       "pixels" | "patch_conv" (study 002's authors' six 4×4 kernels, then the pixels) |
            "patch_conv_book" (the book's six kernels) | "column_windows" | "row_windows" |
            "row_sequence"   ["pixels"]
augment     null or {"scheme": "rust-nn", "shifts": [lo, hi], "n_pixels": [lo, hi], "seed": s}:
            the training set as study 002's authors built it for c2_mod
            (nnlib.data.transforms.rust_nn_augment; shifts [3, 4], n_pixels [50, 150], seed 0 unless
            given); with split "all", the validation and test sets are added to it, each with a
            shifted-and-noisy copy appended, as for c2_mod2   [null]
eval        extra evaluation sets besides the split's own, made with a fixed seed by the authors'
            rules (shifts of 3–4 px, noise on 50–150 positions; nnlib.data.transforms):
            "test_shifted", "test_noisy", "test_shifted_noisy" (the 10,000 test images shifted,
            with noise, both), "val_ext" (the validation set with a shifted-and-noisy copy of
            every image appended; split "validation")   [[]]
eval_every  evaluate every set after every n-th epoch and after the last   [1]
target      null or [set, accuracy]: each seed stops after the epoch its accuracy exceeds it
keep_best   null or a set name: keep each seed's weights from its best epoch on that set
label       a short name for the book (part of the configuration's identity)

Every record carries two fingerprints, so that results made by other code or other data are
recognised: ``code_fingerprint`` follows the behaviour of the code that computes the trial's result
(a float64 miniature of the trial, see :mod:`nnlib.runner.probe` and :func:`config_fingerprint`), so a
refactor that changes no number keeps it and a change to the maths does not; ``data_fingerprint``
hashes the arrays the trial actually trained and evaluated on (after every transform), so that a
change to data preparation shows even where its source moved (:func:`current_data_fingerprint`).
"""
from __future__ import annotations

import functools
import hashlib
import json
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import data
from ..data import transforms
from . import probe
from ..model import MODEL_CLASSES, Model
from ..optimizers import get_optimizer

INPUTS = ("pixels", "patch_conv", "patch_conv_book", "column_windows", "row_windows", "row_sequence")
SPLITS = ("official", "validation", "all")
EXTRA_EVAL = ("test_shifted", "test_noisy", "test_shifted_noisy", "val_ext")
EVAL_SEED = 12345  # with the set's index in EXTRA_EVAL: the fixed seed of each extra set
AUGMENT_KEYS = ("scheme", "shifts", "n_pixels", "seed")


def check_config(config: dict, dataset: str) -> None:
    """Raise ValueError naming the problem if ``config`` cannot run on ``dataset``; builds the
    model once (cheaply) so that bad model arguments are caught before any work starts."""
    if dataset not in data.KNOWN_DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(data.KNOWN_DATASETS)}")
    if config.get("model") not in MODEL_CLASSES:
        raise ValueError(f"unknown model {config.get('model')!r}; known: {', '.join(sorted(MODEL_CLASSES))}")
    epochs = config.get("epochs")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 0:
        raise ValueError(f"epochs must be a whole number ≥ 0, got {epochs!r} (in {config.get('label', config)})")
    batch = config.get("batch_size", 32)
    if not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch_size must be a whole number ≥ 1, got {batch!r}")
    for key, allowed, default in (("input", INPUTS, "pixels"), ("split", SPLITS, "official")):
        if config.get(key, default) not in allowed:
            raise ValueError(f"{key} must be one of {', '.join(allowed)}, got {config.get(key)!r}")
    for name in config.get("eval", []):
        if name not in EXTRA_EVAL:
            raise ValueError(f"unknown evaluation set {name!r}; known: {', '.join(EXTRA_EVAL)}")
    if "val_ext" in config.get("eval", []) and config.get("split", "official") != "validation":
        raise ValueError('the evaluation set "val_ext" needs split "validation"')
    _check_augment(config.get("augment"))
    available = {"train", "test", *config.get("eval", [])}
    if config.get("split", "official") == "validation":
        available.add("val")
    target = config.get("target")
    for role, name in (("target", target[0] if target else None), ("keep_best", config.get("keep_best"))):
        if name is not None and name not in available:
            raise ValueError(f"{role} names the set {name!r}, which this configuration does not evaluate; "
                             f"it evaluates: {', '.join(sorted(available))}")
    every = config.get("eval_every", 1)
    if not isinstance(every, int) or isinstance(every, bool) or every < 1:
        raise ValueError(f"eval_every must be a whole number ≥ 1, got {every!r}")
    if every > 1 and (target or config.get("keep_best")):
        raise ValueError("target and keep_best need eval_every = 1 (they look at every epoch)")
    subset = config.get("train_subset")
    if subset is not None and (not isinstance(subset, int) or subset < 1):
        raise ValueError(f"train_subset must be a whole number ≥ 1, got {subset!r}")
    build_model(config, [0])


def _check_augment(aug: Any) -> None:
    if aug is None:
        return
    if not isinstance(aug, dict) or aug.get("scheme") != "rust-nn" or set(aug) - set(AUGMENT_KEYS):
        raise ValueError(f'augment must be null or {{"scheme": "rust-nn", optional "shifts", "n_pixels", '
                         f'"seed"}}; got {aug!r}')
    for key in ("shifts", "n_pixels"):
        pair = aug.get(key, [0, 0])
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, int) and v >= 0 for v in pair)):
            raise ValueError(f"augment {key} must be a list [low, high] of whole numbers; got {pair!r}")


def build_model(config: dict, seeds: list[int], dtype: str | None = None) -> Model:
    """The configuration's model with one replica per seed (in ``dtype``, default the model's)."""
    cls = MODEL_CLASSES[config["model"]]
    return cls(**config.get("model_args", {}), random_state=list(seeds), **({"dtype": dtype} if dtype else {}))


def _model_input(X: np.ndarray, kind: str, image_shape: tuple[int, ...]) -> np.ndarray:
    if kind == "patch_conv":
        return transforms.patch_conv_input(X, image_shape, transforms.AUTHOR_KERNELS)
    if kind == "patch_conv_book":
        return transforms.patch_conv_input(X, image_shape, transforms.BOOK_KERNELS)
    if kind == "column_windows":
        return data.column_windows(X, image_shape)
    if kind == "row_windows":
        return data.row_windows(X, image_shape)
    if kind == "row_sequence":
        return data.row_sequence(X, image_shape)
    return X


def _extra_set(name: str, X: np.ndarray, y: np.ndarray, image_shape: tuple[int, int],
               shifts: tuple[int, int] = (3, 4), n_pixels: tuple[int, int] = (50, 150)) -> tuple:
    """The extra set ``name`` (see EXTRA_EVAL) made from (X, y) with its own fixed seed, so that it
    is the same images whichever other sets a configuration asks for."""
    rng = np.random.default_rng([EVAL_SEED, EXTRA_EVAL.index(name)])
    if name == "test_shifted":
        return transforms.shift_images(X, rng, image_shape, shifts), y
    if name == "test_noisy":
        return transforms.set_noise(X, rng, n_pixels), y
    if name == "test_shifted_noisy":
        return transforms.shifted_noisy(X, rng, image_shape, shifts, n_pixels), y
    return transforms.with_shifted_noisy_copy(X, y, rng, image_shape, shifts, n_pixels)


DATA_KEYS = ("split", "augment", "train_subset", "eval", "input")  # all prepare_data reads


def data_part(config: dict) -> dict:
    """The entries of ``config`` that decide a trial's data."""
    return {key: config[key] for key in DATA_KEYS if key in config}


def prepare_data(config: dict, dataset: str) -> tuple[tuple, dict[str, tuple], dict[str, str]]:
    """((X_train, y_train), {set name: (X, y)}, sha256 of the files used), inputs transformed."""
    config = data_part(config)
    split = config.get("split", "official")
    aug = config.get("augment")
    ds = data.load(dataset, validation=(split == "validation" or bool(aug and split == "all")))
    X, y = ds.X_train, ds.y_train
    sets = {"test": (ds.X_test, ds.y_test)}
    if split == "validation":
        sets["val"] = (ds.X_val, ds.y_val)
    if config.get("train_subset"):  # a subset of the training images; with "all" the test images are still added
        X, y = X[:config["train_subset"]], y[:config["train_subset"]]
    if aug:  # study 002's authors' scheme (see the module docstring)
        shifts, n_pixels = tuple(aug.get("shifts", (3, 4))), tuple(aug.get("n_pixels", (50, 150)))
        X, y = transforms.rust_nn_augment(X, y, np.random.default_rng(aug.get("seed", 0)), ds.image_shape,
                                          shifts, n_pixels)
        if split == "all":  # c2_mod2 (main.rs): training + test + validation, each extended
            copy = _extra_set("test_shifted_noisy", ds.X_test, ds.y_test, ds.image_shape, shifts, n_pixels)
            val = _extra_set("val_ext", ds.X_val, ds.y_val, ds.image_shape, shifts, n_pixels)
            X = np.concatenate([X, ds.X_test, copy[0], val[0]])
            y = np.concatenate([y, ds.y_test, copy[1], val[1]])
    elif split == "all":
        X, y = np.concatenate([X, ds.X_test]), np.concatenate([y, ds.y_test])
    for name in config.get("eval", []):
        source = (ds.X_val, ds.y_val) if name == "val_ext" else (ds.X_test, ds.y_test)
        sets[name] = _extra_set(name, *source, ds.image_shape)
    kind = config.get("input", "pixels")
    X = _model_input(X, kind, ds.image_shape)
    sets = {k: (_model_input(Xs, kind, ds.image_shape), ys) for k, (Xs, ys) in sets.items()}
    return (X, y), sets, dict(ds.sha256)


def config_fingerprint(config: dict) -> str:
    """16 hex digits: the code fingerprint a trial of ``config`` gets from the code loaded now, a
    hash of the numbers of its probe, a float64 miniature of the trial (see :mod:`nnlib.runner.probe`)."""
    return _fingerprint(json.dumps(config, sort_keys=True))


def forget_fingerprints() -> None:
    """Forget the code and data fingerprints computed so far in this process (they are computed
    once per configuration: the code loaded does not change; a test that changes it calls this)."""
    _fingerprint.cache_clear()
    _data_fingerprint.cache_clear()


@functools.lru_cache(maxsize=None)
def _fingerprint(config_json: str) -> str:
    config = json.loads(config_json)
    real = build_model(config, [0])
    train, sets = probe.probe_inputs(real, config)
    with np.errstate(all="ignore"):
        records = trial_records(probe.probe_config(config), [0], "probe", train, sets, {}, dtype="float64")
    return probe.digest(records[0], real.dtype.name)


def data_fingerprint(train: tuple[np.ndarray, np.ndarray], sets: dict[str, tuple]) -> str:
    """16 hex digits: SHA-256 of the prepared training arrays and of every evaluation set."""
    digest = hashlib.sha256()
    for name, (X, y) in [("train", train)] + sorted(sets.items()):
        for array in (X, y):
            array = np.ascontiguousarray(array)
            digest.update(f"{name}{array.dtype}{array.shape}".encode())
            digest.update(array.data)
    return digest.hexdigest()[:16]


def inference_seconds(model: Model, X: np.ndarray, repeats: int = 3) -> float:
    """Best of ``repeats`` wall times of one replica predicting all of X (seconds)."""
    single = model.replica(0) if model.n_replicas > 1 else model
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        single.predict(X)
        best = min(best, time.perf_counter() - t0)
    return float(best)


def current_data_fingerprint(config: dict, dataset: str) -> str:
    """The data fingerprint a trial of ``config`` on ``dataset`` gets from the data preparation
    loaded now (computed once per process for each data description)."""
    return _data_fingerprint(json.dumps(data_part(config), sort_keys=True), dataset)


@functools.lru_cache(maxsize=None)
def _data_fingerprint(part_json: str, dataset: str) -> str:
    train, sets, _ = prepare_data(json.loads(part_json), dataset)
    return data_fingerprint(train, sets)


def fit_config(model: Model, config: dict, train: tuple, sets: dict[str, tuple], **fit_args: Any) -> Model:
    """Train ``model`` on ``train`` = (X, y) as ``config`` says (epochs, batch size, optimiser,
    shuffling, target, keep_best, evaluation schedule), evaluating ``sets`` {name: (X, y)};
    ``fit_args``: further arguments of :meth:`nnlib.Model.fit` (checkpoint, progress, …)."""
    target = config.get("target")
    return model.fit(*train, epochs=config["epochs"], batch_size=config.get("batch_size", 32),
                     optimizer=config.get("optimizer"), eval_sets=sets,
                     target=tuple(target) if target else None, keep_best=config.get("keep_best"),
                     shuffle=config.get("shuffle", True), shuffle_seed=config.get("shuffle_seed", 0),
                     eval_every=config.get("eval_every", 1), **fit_args)


def final_scores(model: Model, train: tuple, sets: dict[str, tuple]) -> dict[str, dict[str, np.ndarray]]:
    """{set: {"accuracy", "loss"[, "confidence"]: (K,)}} of the trained model on the training set
    and every evaluation set (confidence: study 002's, for models with several outputs)."""
    final = {}
    for name, (Xs, ys) in [("train", train)] + list(sets.items()):
        scores = model.evaluate(Xs, ys)
        final[name] = {"accuracy": np.atleast_1d(scores["accuracy"]), "loss": np.atleast_1d(scores["loss"])}
        if model.n_out > 1:  # study 002's confidence needs several output units
            outputs = np.asarray(model.predict_proba(Xs)).reshape(model.n_replicas, len(ys), -1)
            final[name]["confidence"] = transforms.confidence(outputs).mean(axis=-1)
    return final


def trial_records(config: dict, seeds: list[int], dataset: str, train: tuple, sets: dict[str, tuple],
                  sha: dict[str, str], *, dtype: str | None = None, fingerprints: dict | None = None,
                  started: float | None = None, **fit_args: Any) -> list[dict]:
    """Train ``config`` for every seed (as replicas of one model) on prepared data and return one
    record per seed (see :func:`run_trial`); ``fingerprints`` are added to every record and
    given to a checkpoint as its tag; ``started``: when the trial began (for its wall time)."""
    t0 = time.perf_counter() if started is None else started
    model = build_model(config, seeds, dtype)
    fit_config(model, config, train, sets, checkpoint_tag=fingerprints, **fit_args)
    final = final_scores(model, train, sets)
    wall = time.perf_counter() - t0
    infer = inference_seconds(model, sets["test"][0])
    hist = model.history_.to_dict()
    # A seed that diverged (and had no best epoch to go back to) has no final metrics.
    dead = [d is not None and b is None for d, b in zip(hist["diverged_epoch"], hist["best_epoch"])]
    records = []
    for k, seed in enumerate(seeds):
        records.append({
            "config": config, "seed": int(seed), "dataset": dataset, "data_sha256": sha,
            "history": {"epoch": hist["epoch"], "seconds": [_short(v) for v in hist["seconds"]],
                        **{key: [_short(row[k]) for row in rows] for key, rows in hist["metrics"].items()}},
            "stopped_epoch": hist["stopped_epoch"][k], "diverged_epoch": hist["diverged_epoch"][k],
            "best_epoch": hist["best_epoch"][k], "resumed_at": hist["resumed_at"],
            "final": {name: {m: None if dead[k] else _number(v[k]) for m, v in scores.items()}
                      for name, scores in final.items()},
            "n_train": int(len(train[1])),
            "n_parameters": model.n_parameters, "multiply_adds": model.multiply_adds,
            "wall_seconds": wall, "replicas_in_pass": len(seeds),
            "inference_seconds_test": infer, **(fingerprints or {}),
            "versions": _versions(), "machine": _machine(),
        })
    return records


def run_trial(config: dict, seeds: list[int], dataset: str, checkpoint: str | Path | None = None,
              checkpoint_seconds: float = 120.0) -> list[dict]:
    """Train ``config`` for every seed (as replicas of one model) and return one record per seed:
    configuration, seed, dataset, data hashes, per-epoch history, final metrics on every set
    (accuracy, loss, mean confidence), parameters, multiply-adds, wall and inference time, and the
    code and data fingerprints.  ``checkpoint``: a file to resume from and save progress to
    (see :meth:`nnlib.Model.fit`); one made under other code or data (other fingerprints) is set
    aside and the trial starts afresh.  Deleting it is the caller's job once the records are safe."""
    t0 = time.perf_counter()
    train, sets, sha = prepare_data(config, dataset)
    fingerprints = {"code_fingerprint": config_fingerprint(config), "data_fingerprint": data_fingerprint(train, sets)}
    return trial_records(config, seeds, dataset, train, sets, sha, fingerprints=fingerprints, started=t0,
                         checkpoint=checkpoint, checkpoint_seconds=checkpoint_seconds)


def _short(x: float | None) -> float | None:
    """A history value to 7 significant digits (float32 carries no more); None stays None."""
    return None if x is None else float(f"{x:.7g}")


def _number(x: float) -> float | None:
    """A float for JSON; NaN (a diverged seed) becomes None."""
    return float(x) if np.isfinite(x) else None


def _versions() -> dict[str, str]:
    import numpy
    import scipy

    from .. import __version__
    return {"nnlib": __version__, "numpy": numpy.__version__, "scipy": scipy.__version__,
            "python": platform.python_version()}


def _machine() -> dict[str, Any]:
    import os
    return {"system": platform.system(), "machine": platform.machine(), "cpus": os.cpu_count()}

