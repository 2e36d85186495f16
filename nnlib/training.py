"""The mini-batch training loop behind :meth:`nnlib.Model.fit`, one short function per step.

A run carries its state in a :class:`Run`: the parameters, the optimiser, the shuffling generator,
the history, which replicas are frozen (diverged or stopped) and the best weights kept so far.
:func:`fit` checks the arguments, makes the Run (or restores it from a checkpoint), and calls
:func:`run_epoch` for every epoch: :func:`train_batches` (each batch: :func:`train_batch`), then
:func:`record_epoch` (evaluation, history), :func:`keep_best_weights` and :func:`stop_early`, and
:func:`maybe_checkpoint`.  Shapes: K replicas, m training examples; every parameter array has the
leading replica axis K.
"""
from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .optimizers import Optimizer, get_optimizer


@dataclass
class History:
    """Per-epoch record of a ``fit``.

    ``metrics[key]`` is a list with one entry per epoch, each a list of K values (one per replica):
    ``batch_loss`` (mean training cost over the epoch's mini-batches), ``train_loss``,
    ``train_accuracy`` and ``<set>_loss``, ``<set>_accuracy`` for every evaluation set, evaluated after
    the epoch; ``seconds`` is the training time of each epoch (evaluation excluded), ``eval_seconds``
    the evaluation time.  Replicas that diverged or stopped have NaN after that epoch.
    ``stopped_epoch[k]``: the epoch (1-based) after which replica k reached the target, else None;
    ``diverged_epoch[k]``: the epoch in which its loss became NaN or infinite, else None;
    ``best_epoch[k]``: the epoch whose weights were kept (with ``keep_best``), else None;
    ``resumed_at``: the epochs at which training went on from a checkpoint (empty if it never
    stopped).
    """

    epoch: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    eval_seconds: list[float] = field(default_factory=list)
    metrics: dict[str, list[list[float]]] = field(default_factory=dict)
    stopped_epoch: list[int | None] = field(default_factory=list)
    diverged_epoch: list[int | None] = field(default_factory=list)
    best_epoch: list[int | None] = field(default_factory=list)
    resumed_at: list[int] = field(default_factory=list)

    def __getitem__(self, key: str) -> np.ndarray:
        """``history["test_accuracy"]`` → array (epochs, K)."""
        if key in ("epoch", "seconds", "eval_seconds"):
            return np.asarray(getattr(self, key), dtype=float)
        if key not in self.metrics:
            raise KeyError(f"no metric {key!r}; recorded: {', '.join(self.metrics)}")
        return np.asarray(self.metrics[key], dtype=float)

    def keys(self) -> list[str]:
        return list(self.metrics)

    def to_dict(self) -> dict:
        """JSON-serialisable (NaN written as null)."""
        clean = {k: [[None if v != v else v for v in row] for row in rows] for k, rows in self.metrics.items()}
        return {"epoch": self.epoch, "seconds": self.seconds, "eval_seconds": self.eval_seconds,
                "metrics": clean, "stopped_epoch": self.stopped_epoch,
                "diverged_epoch": self.diverged_epoch, "best_epoch": self.best_epoch,
                "resumed_at": self.resumed_at}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        metrics = {k: [[np.nan if v is None else v for v in row] for row in rows] for k, rows in d["metrics"].items()}
        return cls(d["epoch"], d["seconds"], d["eval_seconds"], metrics,
                   d["stopped_epoch"], d["diverged_epoch"], d["best_epoch"], d.get("resumed_at", []))


@dataclass
class Options:
    """What :meth:`nnlib.Model.fit` was asked to do (see its docstring)."""

    epochs: int
    batch_size: int
    shuffle: bool
    shuffle_seed: int | None
    target: tuple[str, float] | None
    keep_best: str | None
    eval_every: int
    checkpoint: str | Path | None
    checkpoint_seconds: float
    checkpoint_tag: Any
    progress: bool
    desc: str | None


@dataclass
class Run:
    """The state the loop carries from one epoch to the next (saved whole in a checkpoint)."""

    params: list[np.ndarray]
    is_weight: list[bool]
    opt: Optimizer
    rng: np.random.Generator
    hist: History
    frozen: np.ndarray             # (K,) bool: diverged or stopped replicas, which no longer move
    best_acc: np.ndarray           # (K,) best accuracy so far on the keep_best set
    best: list[np.ndarray] | None  # the weights of that epoch (keep_best only)
    sets: dict[str, tuple[np.ndarray, np.ndarray]]  # name → (X, Y) evaluated after the epochs
    identity: dict                 # what a checkpoint must match to be resumed

    @property
    def K(self) -> int:
        return len(self.frozen)


def check_options(m: int, sets: dict, o: Options) -> None:
    """Raise ValueError naming the argument that cannot work."""
    if not isinstance(o.epochs, (int, np.integer)) or o.epochs < 0:
        raise ValueError(f"epochs must be a whole number ≥ 0, got {o.epochs!r}")
    if not isinstance(o.batch_size, (int, np.integer)) or not 1 <= o.batch_size:
        raise ValueError(f"batch_size must be a whole number ≥ 1, got {o.batch_size!r}")
    if m == 0:
        raise ValueError("cannot fit on an empty training set")
    for role, name in (("target", o.target[0] if o.target else None), ("keep_best", o.keep_best)):
        if name is not None and name not in sets:
            raise ValueError(f"{role} names the set {name!r}, which is not evaluated; "
                             f"evaluated sets: {', '.join(sets) or 'none'}")
    if o.target is not None and not 0 <= o.target[1] <= 1:
        raise ValueError(f"target accuracy must be a fraction in [0, 1], got {o.target[1]}")
    if not isinstance(o.eval_every, (int, np.integer)) or o.eval_every < 1:
        raise ValueError(f"eval_every must be a whole number ≥ 1, got {o.eval_every!r}")
    if o.eval_every > 1 and (o.target is not None or o.keep_best):
        raise ValueError("target and keep_best look at every epoch: they need eval_every=1")


def eval_sets(model, X: np.ndarray, Y: np.ndarray, given: dict | None, eval_train: bool) -> dict:
    """{name: (X, Y)}: the training set (if ``eval_train``) and every given set, checked."""
    sets = {"train": (X, Y)} if eval_train else {}
    for name, (Xs, ys) in (given or {}).items():
        Xs = model._check_X(Xs)
        sets[name] = (Xs, model._targets(ys, Xs.shape[0]))
    return sets


def new_run(model, optimizer: Any, m: int, sets: dict, o: Options) -> Run:
    """The state of a run at epoch 0."""
    opt = get_optimizer(model.default_optimizer if optimizer is None else optimizer)
    params = [p for _, p in model.parameters()]
    opt.start(params, m)
    K = model.n_replicas
    rng = np.random.default_rng(model.seeds[0] if o.shuffle_seed is None else o.shuffle_seed)
    hist = History(stopped_epoch=[None] * K, diverged_epoch=[None] * K, best_epoch=[None] * K)
    identity = {"class": type(model).__name__, "config": model.config(), "seeds": model.seeds,
                "dtype": model.dtype.name, "optimizer": opt.config(), "batch_size": int(o.batch_size),
                "shuffle": bool(o.shuffle), "shuffle_seed": o.shuffle_seed, "m": int(m), "sets": list(sets),
                "target": list(o.target) if o.target else None, "keep_best": o.keep_best,
                "eval_every": int(o.eval_every)}
    return Run(params, model._is_weight(), opt, rng, hist, np.zeros(K, dtype=bool), np.full(K, -np.inf),
               [p.copy() for p in params] if o.keep_best else None, sets, identity)


def fit(model, X: np.ndarray, y: np.ndarray, optimizer: Any, given_sets: dict | None, eval_train: bool,
        o: Options) -> History:
    """Train ``model`` in place (see :meth:`nnlib.Model.fit`); returns the history."""
    X = model._check_X(X)
    Y = model._targets(y, X.shape[0])
    m = X.shape[0]
    sets = eval_sets(model, X, Y, given_sets, eval_train)
    check_options(m, sets, o)
    run = new_run(model, optimizer, m, sets, o)
    first_epoch = resume_if_saved(run, o)
    last_saved = time.perf_counter()
    epochs = range(first_epoch, o.epochs + 1)
    if o.progress:
        from tqdm.auto import tqdm
        epochs = tqdm(epochs, desc=o.desc or f"training {type(model).__name__}", unit="epoch",
                      initial=first_epoch - 1, total=o.epochs)
    for epoch in epochs:
        if run.frozen.all():
            break
        record = run_epoch(model, run, X, Y, epoch, o)
        if o.progress:
            show_progress(epochs, record)
        last_saved = maybe_checkpoint(run, epoch, o, last_saved)
    restore_best(run)
    return run.hist


def run_epoch(model, run: Run, X: np.ndarray, Y: np.ndarray, epoch: int, o: Options) -> dict:
    """One epoch: the batches, then evaluation, history, best weights and early stopping;
    returns the epoch's metrics {key: (K,)}."""
    t0 = time.perf_counter()
    mean_loss = train_batches(model, run, X, Y, epoch, o)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    record = record_epoch(model, run, mean_loss, epoch, o)
    run.hist.epoch.append(epoch)
    run.hist.seconds.append(seconds)
    run.hist.eval_seconds.append(time.perf_counter() - t1)
    if o.keep_best:
        keep_best_weights(run, record[f"{o.keep_best}_accuracy"], epoch)
    if o.target is not None:
        stop_early(run, record[f"{o.target[0]}_accuracy"], o.target[1], epoch)
    return record


def train_batches(model, run: Run, X: np.ndarray, Y: np.ndarray, epoch: int, o: Options) -> np.ndarray:
    """One pass over the mini-batches (reshuffled if ``shuffle``); the mean batch loss, (K,)."""
    m = X.shape[0]
    order = run.rng.permutation(m) if o.shuffle else np.arange(m)
    loss_sum = np.zeros(run.K)
    n_batches = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, m, o.batch_size):
            idx = order[start:start + o.batch_size]
            loss = train_batch(model, run, X[idx], Y[idx], epoch)
            if loss is None:  # every replica has diverged
                break
            loss_sum += loss
            n_batches += 1
    return loss_sum / max(n_batches, 1)


def train_batch(model, run: Run, Xb: np.ndarray, Yb: np.ndarray, epoch: int) -> np.ndarray | None:
    """One gradient step of every replica still training on the batch (Xb, Yb); returns its
    losses (K,), 0 for frozen replicas, or None once every replica has diverged.  A replica whose
    loss is NaN or infinite is zeroed, frozen and marked diverged in this epoch."""
    loss, grads = model._loss_and_grads(Xb, Yb)
    if not np.isfinite(loss.sum()):  # one check for all replicas
        bad = ~np.isfinite(loss) & ~run.frozen
        for k in np.flatnonzero(bad):
            run.hist.diverged_epoch[k] = epoch
            for p in run.params:
                p[k] = 0
        run.frozen |= bad
        if run.frozen.all():
            return None
    if not run.frozen.any():
        run.opt.step(run.params, grads, run.is_weight)
        return loss
    saved = [p[run.frozen].copy() for p in run.params]  # only replicas still training move
    run.opt.step(run.params, grads, run.is_weight)
    for p, s in zip(run.params, saved):
        p[run.frozen] = s
    return np.where(run.frozen, 0.0, loss)


def record_epoch(model, run: Run, mean_loss: np.ndarray, epoch: int, o: Options) -> dict:
    """Evaluate every set (after every ``eval_every``-th epoch and the last; NaN otherwise) and
    append the epoch's metrics, NaN for replicas that diverged or stopped, and the model's
    diagnostics to the history; returns the metrics {key: (K,)}."""
    record = {"batch_loss": mean_loss}
    if epoch % o.eval_every == 0 or epoch == o.epochs:
        for name, (Xs, Ys) in run.sets.items():
            record[f"{name}_loss"], record[f"{name}_accuracy"] = model._evaluate(Xs, Ys)
    else:
        record.update({f"{name}_{metric}": np.full(run.K, np.nan)
                       for name in run.sets for metric in ("loss", "accuracy")})
    done = np.array([d is not None or s is not None
                     for d, s in zip(run.hist.diverged_epoch, run.hist.stopped_epoch)])
    for key, values in record.items():
        values = np.where(done, np.nan, values)
        run.hist.metrics.setdefault(key, []).append([float(v) for v in values])
    for key, values in model._epoch_diagnostics().items():
        run.hist.metrics.setdefault(key, []).append(np.asarray(values, dtype=float).tolist())
    return record


def keep_best_weights(run: Run, accuracy: np.ndarray, epoch: int) -> None:
    """Keep the weights of each replica whose accuracy on the keep_best set is its best so far
    (replicas that diverged or stopped are out)."""
    done = np.array([d is not None or s is not None
                     for d, s in zip(run.hist.diverged_epoch, run.hist.stopped_epoch)])
    acc = np.where(done, -np.inf, accuracy)
    for k in np.flatnonzero(acc > run.best_acc):
        run.best_acc[k] = acc[k]
        run.hist.best_epoch[k] = epoch
        for b, p in zip(run.best, run.params):
            b[k] = p[k]


def stop_early(run: Run, accuracy: np.ndarray, target: float, epoch: int) -> None:
    """Freeze every replica still training whose accuracy on the target set exceeds ``target``."""
    reached = (accuracy > target) & ~run.frozen
    for k in np.flatnonzero(reached):
        run.hist.stopped_epoch[k] = epoch
    run.frozen |= reached


def restore_best(run: Run) -> None:
    """With keep_best: give each replica back the weights of its best epoch."""
    if run.best is None:
        return
    for k in range(run.K):
        if run.hist.best_epoch[k] is not None:
            for b, p in zip(run.best, run.params):
                p[k] = b[k]


def show_progress(bar, record: dict) -> None:
    shown = record.get("val_accuracy", record.get("test_accuracy", record.get("train_accuracy")))
    if shown is not None and np.isfinite(shown).any():
        bar.set_postfix(accuracy=f"{np.nanmean(shown):.4f}", loss=f"{np.nanmean(record['batch_loss']):.4f}")


# ---------------------------------------------------------------- checkpoints
def maybe_checkpoint(run: Run, epoch: int, o: Options, last_saved: float) -> float:
    """Save the run after ``epoch`` if ``checkpoint_seconds`` have passed since the last save and
    epochs remain; returns the time of the last save."""
    if o.checkpoint is None or epoch >= o.epochs or time.perf_counter() - last_saved < o.checkpoint_seconds:
        return last_saved
    save_run(run, o.checkpoint, epoch, o.checkpoint_tag)
    return time.perf_counter()


def save_run(run: Run, path: str | Path, epoch: int, tag: Any = None) -> None:
    """Everything the loop carries from one epoch to the next, with the caller's ``tag``."""
    arrays = {f"param{i}": p for i, p in enumerate(run.params)}
    arrays.update({f"best{i}": b for i, b in enumerate(run.best or [])})
    scalars = {}
    for key, value in run.opt.state().items():
        if isinstance(value, list):
            arrays.update({f"opt_{key}{i}": a for i, a in enumerate(value)})
        else:
            scalars[key] = value
    meta = {"run": run.identity, "epoch": epoch, "history": run.hist.to_dict(), "rng": run.rng.bit_generator.state,
            "frozen": run.frozen.tolist(), "best_acc": run.best_acc.tolist(), "optimizer_scalars": scalars,
            "tag": tag}
    save_checkpoint(path, arrays, meta)


def resume_if_saved(run: Run, o: Options) -> int:
    """The first epoch to run: 1, or the epoch after the one ``o.checkpoint`` holds.  A checkpoint
    of another run is refused; one of this run whose tag differs from ``o.checkpoint_tag`` (made
    under other code or data) is set aside with a warning, and the run starts afresh."""
    if o.checkpoint is None or not Path(o.checkpoint).exists():
        return 1
    arrays, meta = load_checkpoint(o.checkpoint)
    if json.loads(json.dumps(run.identity)) != meta.get("run"):
        raise CheckpointError(f"{o.checkpoint}: this checkpoint belongs to another run (model, seeds, optimiser, "
                              "batch size or data differ); delete it to start this run from epoch 0")
    tag = json.loads(json.dumps(o.checkpoint_tag))
    if meta.get("tag") != tag:
        warnings.warn(f"{o.checkpoint}: made under {meta.get('tag')}, this run is {tag}; starting this "
                      "run afresh from epoch 1 (the checkpoint is replaced at the next save)", stacklevel=2)
        return 1
    restore_run(run, arrays, meta)
    return meta["epoch"] + 1


def restore_run(run: Run, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Put the state :func:`save_run` wrote back into ``run``."""
    for i, p in enumerate(run.params):
        p[...] = arrays[f"param{i}"]
    for i, b in enumerate(run.best or []):
        b[...] = arrays[f"best{i}"]
    state = dict(meta["optimizer_scalars"])
    for key, value in run.opt.state().items():
        if isinstance(value, list):
            state[key] = [arrays[f"opt_{key}{i}"] for i in range(len(value))]
    run.opt.load_state(state)
    run.rng.bit_generator.state = meta["rng"]
    run.hist = History.from_dict(meta["history"])
    run.hist.resumed_at.append(meta["epoch"] + 1)
    run.frozen[...] = meta["frozen"]
    run.best_acc[...] = meta["best_acc"]
