"""What every nnlib model shares: input checks, the mini-batch training loop, evaluation,
per-epoch history, replicas, and saving/loading without pickle.

A model holds ``K = n_replicas`` independent copies of its parameters that differ only in their
initialisation seed; every parameter array has this leading axis (K = 1 is the ordinary case).
All replicas see the same mini-batches, so replica k of a K-replica model trained with
``shuffle_seed=s`` matches a single model with ``random_state=seeds[k]`` and the same shuffle seed.

A subclass builds its parameters in ``_build`` and defines ``_forward`` / ``_backward``; it gets
``fit``, ``predict``, ``predict_proba``, ``evaluate``, ``save`` and ``replica`` from here.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .activations import Activation
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .costs import Cost, get_cost
from .optimizers import Optimizer, get_optimizer

MODEL_CLASSES: dict[str, type["Model"]] = {}


def _seeds(random_state: int | Sequence[int], n_replicas: int | None) -> list[int]:
    """Initialisation seeds, one per replica: ``s, s+1, …`` from an int, or the given list."""
    if isinstance(random_state, (int, np.integer)):
        k = 1 if n_replicas is None else int(n_replicas)
        if k < 1:
            raise ValueError(f"n_replicas must be ≥ 1, got {n_replicas}")
        return [int(random_state) + i for i in range(k)]
    seeds = [int(s) for s in random_state]
    if not seeds or (n_replicas is not None and n_replicas != len(seeds)):
        raise ValueError(f"random_state lists {len(seeds)} seeds but n_replicas is {n_replicas}")
    return seeds


def _squeeze(x: np.ndarray, K: int):
    """Drop the replica axis of a result when there is one replica (floats for scalars)."""
    if K != 1:
        return x
    x = x[0]
    return float(x) if np.ndim(x) == 0 else x


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


class Model:
    """Base class of nnlib's models (see the module docstring)."""

    input_ndim = 2  # X is (m, n_features); sequence models use 3: (m, T, n_features)
    default_optimizer: dict = {"name": "sgd", "lr": 0.1}  # what fit uses when given none

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        MODEL_CLASSES[cls.__name__] = cls

    def __init__(self, *, n_out: int, output_activation: Activation, cost: str | dict | Cost,
                 random_state: int | Sequence[int] = 0, n_replicas: int | None = None,
                 dtype: str | np.dtype = "float32"):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.seeds = _seeds(random_state, n_replicas)
        self.n_out = int(n_out)
        self.output_activation = output_activation
        self.cost = get_cost(cost)
        self.cost.check_output(output_activation)
        self.history_: History | None = None
        self._build([np.random.default_rng(s) for s in self.seeds])

    # ---- what a subclass defines -------------------------------------------------------------
    def _build(self, rngs: list[np.random.Generator]) -> None:
        """Create the parameters, replica k drawn from ``rngs[k]``."""
        raise NotImplementedError

    def parameters(self) -> list[tuple[str, np.ndarray]]:
        """(name, array) pairs; arrays have the leading replica axis and are updated in place."""
        raise NotImplementedError

    def _forward(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
        """(z_out, a_out, cache): the output layer's pre-activation and output, (K, m, n_out)."""
        raise NotImplementedError

    def _backward(self, cache: Any, delta: np.ndarray) -> list[np.ndarray]:
        """Gradients of the parameters (in ``parameters()`` order) given δ = dL/dz_out."""
        raise NotImplementedError

    def config(self) -> dict:
        """Constructor arguments (JSON-serialisable) other than random_state/n_replicas/dtype."""
        raise NotImplementedError

    @property
    def n_features(self) -> int:
        raise NotImplementedError

    @property
    def multiply_adds(self) -> int:
        """Multiply-adds of one forward pass for one example (one replica)."""
        raise NotImplementedError

    # ---- shared ------------------------------------------------------------------------------
    @property
    def n_replicas(self) -> int:
        return len(self.seeds)

    @property
    def n_parameters(self) -> int:
        """Trainable parameters of one replica."""
        return sum(int(np.prod(p.shape[1:])) for _, p in self.parameters())

    def _is_weight(self) -> list[bool]:
        """Which arrays weight decay applies to: matrices, not bias vectors."""
        return [p.ndim > 2 for _, p in self.parameters()]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args}, n_replicas={self.n_replicas})"

    def _check_X(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != self.input_ndim or X.shape[-1] != self.n_features:
            want = "(m, n_features)" if self.input_ndim == 2 else "(m, steps, n_features)"
            raise ValueError(f"{type(self).__name__} expects X of shape {want} with n_features = "
                             f"{self.n_features}, got shape {X.shape}")
        if not np.issubdtype(X.dtype, np.number):
            raise ValueError(f"X must be numeric, got dtype {X.dtype}")
        return X.astype(self.dtype, copy=False)

    def _targets(self, y: np.ndarray, m: int) -> np.ndarray:
        """Targets Y of shape (m, n_out): one-hot from integer labels (m,), or y itself if 2-D.
        With one output unit, labels 0/1 become the target value itself."""
        y = np.asarray(y)
        if y.shape[0] != m:
            raise ValueError(f"X has {m} examples but y has {y.shape[0]}")
        if y.ndim == 2:
            if y.shape[1] != self.n_out:
                raise ValueError(f"y of shape {y.shape} does not match {self.n_out} outputs")
            return y.astype(self.dtype, copy=False)
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise ValueError("y must be integer class labels of shape (m,) or targets of shape (m, n_out)")
        n_classes = 2 if self.n_out == 1 else self.n_out
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"labels must lie in 0…{n_classes - 1}, got {y.min()}…{y.max()}")
        if self.n_out == 1:
            return y.astype(self.dtype)[:, None]
        return np.eye(self.n_out, dtype=self.dtype)[y]

    def _loss_and_grads(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Mean cost over the batch, (K,), and its gradients (checked inputs)."""
        z, a, cache = self._forward(X)
        m = X.shape[0]
        loss = np.add.reduce(self.cost.loss(z, a, Y), axis=-1) / m
        delta = self.cost.delta(z, a, Y, self.output_activation)
        delta *= 1 / m
        return loss, self._backward(cache, delta)

    def loss_and_gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Mean cost over (X, y), shape (K,), and its gradients, one array per parameter."""
        X = self._check_X(X)
        return self._loss_and_grads(X, self._targets(y, X.shape[0]))

    def _outputs(self, X: np.ndarray, chunk: int = 8192) -> tuple[np.ndarray, np.ndarray]:
        """(z, a) of the output layer for checked X, computed in chunks, each (K, m, n_out)."""
        zs, as_ = [], []
        for i in range(0, X.shape[0], chunk):
            z, a, _ = self._forward(X[i:i + chunk])
            zs.append(z)
            as_.append(a)
        return np.concatenate(zs, axis=1), np.concatenate(as_, axis=1)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Output activations, (m, n_out), or (K, m, n_out) with several replicas."""
        return _squeeze(self._outputs(self._check_X(X))[1], self.n_replicas)

    def _labels(self, a: np.ndarray) -> np.ndarray:
        return (a[..., 0] > 0.5).astype(np.int64) if self.n_out == 1 else a.argmax(axis=-1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class labels, (m,) or (K, m): the arg-max output, or output > 0.5 for one unit."""
        return _squeeze(self._labels(self._outputs(self._check_X(X))[1]), self.n_replicas)

    def _evaluate(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean loss, accuracy), each (K,), for checked X and targets Y."""
        z, a = self._outputs(X)
        loss = self.cost.loss(z, a, Y).mean(axis=-1)
        truth = self._labels(Y[None])
        return loss, (self._labels(a) == truth).mean(axis=-1)

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        """{"loss": mean cost, "accuracy": fraction correct}, floats or (K,) arrays."""
        X = self._check_X(X)
        loss, acc = self._evaluate(X, self._targets(y, X.shape[0]))
        K = self.n_replicas
        return {"loss": _squeeze(loss, K), "accuracy": _squeeze(acc, K)}

    # ---- training ----------------------------------------------------------------------------
    def fit(self, X: np.ndarray, y: np.ndarray, *, epochs: int = 1, batch_size: int = 32,
            optimizer: str | dict | Optimizer | None = None, eval_sets: dict[str, tuple] | None = None,
            eval_train: bool = True, target: tuple[str, float] | None = None,
            keep_best: str | None = None, shuffle: bool = True, shuffle_seed: int | None = None,
            eval_every: int = 1, checkpoint: str | Path | None = None, checkpoint_seconds: float = 120.0,
            progress: bool = False, desc: str | None = None) -> "Model":
        """Train by mini-batch gradient descent; the history lands in ``self.history_``.

        X: (m, n_features) (sequence models: (m, T, n_features)); y: labels (m,) or targets (m, n_out).
        optimizer: an Optimizer, a name or a config dict; None means ``default_optimizer``.
        eval_sets: {name: (X, y)} evaluated after every epoch, as is the training set if eval_train.
        target: (set name, accuracy) — a replica stops as soon as its accuracy on that set
            exceeds the value after an epoch (the others go on).
        keep_best: set name — at the end each replica gets back its weights from the epoch with
            the highest accuracy on that set.
        shuffle_seed: seed of the mini-batch order (default: the first replica's seed); every
            replica sees the same mini-batches.  ``shuffle=False`` keeps the given order.
        eval_every: evaluate the sets after every ``eval_every``-th epoch and after the last one
            (the history holds NaN for the others).
        checkpoint: a file path.  If it exists, training resumes from the state saved there (it
            must belong to this very run); while training, the state is saved there atomically
            after an epoch once ``checkpoint_seconds`` have passed since the last save.  A resumed
            run gives the same result as an uninterrupted one, bit for bit; the caller deletes
            the file when the result is safe.
        A replica whose batch loss becomes NaN or infinite stops and is marked diverged.
        """
        X = self._check_X(X)
        Y = self._targets(y, X.shape[0])
        m = X.shape[0]
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a whole number ≥ 0, got {epochs!r}")
        if not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size:
            raise ValueError(f"batch_size must be a whole number ≥ 1, got {batch_size!r}")
        if m == 0:
            raise ValueError("cannot fit on an empty training set")
        sets = {}
        if eval_train:
            sets["train"] = (X, Y)
        for name, (Xs, ys) in (eval_sets or {}).items():
            Xs = self._check_X(Xs)
            sets[name] = (Xs, self._targets(ys, Xs.shape[0]))
        for role, name in (("target", target[0] if target else None), ("keep_best", keep_best)):
            if name is not None and name not in sets:
                raise ValueError(f"{role} names the set {name!r}, which is not evaluated; "
                                 f"evaluated sets: {', '.join(sets) or 'none'}")
        if target is not None and not 0 <= target[1] <= 1:
            raise ValueError(f"target accuracy must be a fraction in [0, 1], got {target[1]}")

        if not isinstance(eval_every, (int, np.integer)) or eval_every < 1:
            raise ValueError(f"eval_every must be a whole number ≥ 1, got {eval_every!r}")
        if eval_every > 1 and (target is not None or keep_best):
            raise ValueError("target and keep_best look at every epoch: they need eval_every=1")

        opt = get_optimizer(self.default_optimizer if optimizer is None else optimizer)
        params = [p for _, p in self.parameters()]
        is_weight = self._is_weight()
        opt.start(params, m)
        K = self.n_replicas
        rng = np.random.default_rng(self.seeds[0] if shuffle_seed is None else shuffle_seed)
        hist = History(stopped_epoch=[None] * K, diverged_epoch=[None] * K, best_epoch=[None] * K)
        frozen = np.zeros(K, dtype=bool)
        best_acc = np.full(K, -np.inf)
        best = [p.copy() for p in params] if keep_best else None
        eval_keys = [f"{name}_{metric}" for name in sets for metric in ("loss", "accuracy")]

        # What a checkpoint must match to be resumed: this very run, epochs apart.
        run = {"class": type(self).__name__, "config": self.config(), "seeds": self.seeds,
               "dtype": self.dtype.name, "optimizer": opt.config(), "batch_size": int(batch_size),
               "shuffle": bool(shuffle), "shuffle_seed": shuffle_seed, "m": int(m), "sets": list(sets),
               "target": list(target) if target else None, "keep_best": keep_best,
               "eval_every": int(eval_every)}
        first_epoch = 1
        if checkpoint is not None and Path(checkpoint).exists():
            first_epoch = self._resume(checkpoint, run, params, opt, rng, best, hist, frozen, best_acc)
        last_saved = time.perf_counter()

        epoch_iter = range(first_epoch, epochs + 1)
        if progress:
            from tqdm.auto import tqdm
            epoch_iter = tqdm(epoch_iter, desc=desc or f"training {type(self).__name__}", unit="epoch",
                              initial=first_epoch - 1, total=epochs)
        for epoch in epoch_iter:
            if frozen.all():
                break
            t0 = time.perf_counter()
            order = rng.permutation(m) if shuffle else np.arange(m)
            loss_sum = np.zeros(K)
            any_frozen = bool(frozen.any())
            n_batches = 0
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for start in range(0, m, batch_size):
                    idx = order[start:start + batch_size]
                    loss, grads = self._loss_and_grads(X[idx], Y[idx])
                    if not np.isfinite(loss.sum()):  # one check for all replicas
                        bad = ~np.isfinite(loss) & ~frozen
                        for k in np.flatnonzero(bad):
                            hist.diverged_epoch[k] = epoch
                            for p in params:
                                p[k] = 0
                        frozen |= bad
                        any_frozen = True
                        if frozen.all():
                            break
                    if any_frozen:  # only replicas still training move
                        saved = [p[frozen].copy() for p in params]
                        opt.step(params, grads, is_weight)
                        for p, s in zip(params, saved):
                            p[frozen] = s
                        loss = np.where(frozen, 0.0, loss)
                    else:
                        opt.step(params, grads, is_weight)
                    loss_sum += loss
                    n_batches += 1
            seconds = time.perf_counter() - t0
            t1 = time.perf_counter()
            record = {"batch_loss": loss_sum / max(n_batches, 1)}
            if epoch % eval_every == 0 or epoch == epochs:
                for name, (Xs, Ys) in sets.items():
                    record[f"{name}_loss"], record[f"{name}_accuracy"] = self._evaluate(Xs, Ys)
            else:  # not evaluated this epoch: NaN in the history
                record.update({key: np.full(K, np.nan) for key in eval_keys})
            diverged = np.array([d is not None for d in hist.diverged_epoch])
            stopped = np.array([s is not None for s in hist.stopped_epoch])
            for key, values in record.items():
                values = np.where(diverged | stopped, np.nan, values)
                hist.metrics.setdefault(key, []).append([float(v) for v in values])
            for key, values in self._epoch_diagnostics().items():
                hist.metrics.setdefault(key, []).append(np.asarray(values, dtype=float).tolist())
            hist.epoch.append(epoch)
            hist.seconds.append(seconds)
            hist.eval_seconds.append(time.perf_counter() - t1)
            if keep_best:
                acc = np.where(diverged | stopped, -np.inf, record[f"{keep_best}_accuracy"])
                for k in np.flatnonzero(acc > best_acc):
                    best_acc[k] = acc[k]
                    hist.best_epoch[k] = epoch
                    for b, p in zip(best, params):
                        b[k] = p[k]
            if target is not None:
                reached = (record[f"{target[0]}_accuracy"] > target[1]) & ~frozen
                for k in np.flatnonzero(reached):
                    hist.stopped_epoch[k] = epoch
                frozen |= reached
            if progress:
                shown = record.get("val_accuracy", record.get("test_accuracy", record.get("train_accuracy")))
                if shown is not None and np.isfinite(shown).any():
                    epoch_iter.set_postfix(accuracy=f"{np.nanmean(shown):.4f}", loss=f"{np.nanmean(record['batch_loss']):.4f}")
            if checkpoint is not None and epoch < epochs and time.perf_counter() - last_saved >= checkpoint_seconds:
                self._save_checkpoint(checkpoint, run, epoch, params, opt, rng, best, hist, frozen, best_acc)
                last_saved = time.perf_counter()
        if keep_best:
            for k in range(K):
                if hist.best_epoch[k] is not None:
                    for b, p in zip(best, params):
                        p[k] = b[k]
        self.history_ = hist
        return self

    def _save_checkpoint(self, path, run, epoch, params, opt, rng, best, hist, frozen, best_acc) -> None:
        """Everything the training loop carries from one epoch to the next (see :meth:`fit`)."""
        arrays = {f"param{i}": p for i, p in enumerate(params)}
        arrays.update({f"best{i}": b for i, b in enumerate(best or [])})
        scalars = {}
        for key, value in opt.state().items():
            if isinstance(value, list):
                arrays.update({f"opt_{key}{i}": a for i, a in enumerate(value)})
            else:
                scalars[key] = value
        meta = {"run": run, "epoch": epoch, "history": hist.to_dict(), "rng": rng.bit_generator.state,
                "frozen": frozen.tolist(), "best_acc": best_acc.tolist(), "optimizer_scalars": scalars}
        save_checkpoint(path, arrays, meta)

    def _resume(self, path, run, params, opt, rng, best, hist, frozen, best_acc) -> int:
        """Restore the state :meth:`_save_checkpoint` wrote; returns the first epoch still to run."""
        arrays, meta = load_checkpoint(path)
        if json.loads(json.dumps(run)) != meta.get("run"):
            raise CheckpointError(f"{path}: this checkpoint belongs to another run (model, seeds, optimiser, "
                                  "batch size or data differ); delete it to start this run from epoch 0")
        for i, p in enumerate(params):
            p[...] = arrays[f"param{i}"]
        for i, b in enumerate(best or []):
            b[...] = arrays[f"best{i}"]
        state = dict(meta["optimizer_scalars"])
        for key, value in opt.state().items():
            if isinstance(value, list):
                state[key] = [arrays[f"opt_{key}{i}"] for i in range(len(value))]
        opt.load_state(state)
        rng.bit_generator.state = meta["rng"]
        saved = History.from_dict(meta["history"])
        for name in ("epoch", "seconds", "eval_seconds", "metrics", "stopped_epoch", "diverged_epoch",
                     "best_epoch", "resumed_at"):
            setattr(hist, name, getattr(saved, name))
        hist.resumed_at.append(meta["epoch"] + 1)
        frozen[...] = meta["frozen"]
        best_acc[...] = meta["best_acc"]
        return meta["epoch"] + 1

    def _epoch_diagnostics(self) -> dict[str, np.ndarray]:
        """Extra per-epoch records a model keeps (e.g. gradient norms); none by default."""
        return {}

    # ---- replicas and persistence ------------------------------------------------------------
    def _like(self, seeds: list[int]) -> "Model":
        return type(self)(**self.config(), random_state=seeds, dtype=self.dtype.name)

    def replica(self, k: int) -> "Model":
        """A single-replica copy of replica k."""
        if not 0 <= k < self.n_replicas:
            raise IndexError(f"replica {k} out of range 0…{self.n_replicas - 1}")
        new = self._like([self.seeds[k]])
        for (_, dst), (_, src) in zip(new.parameters(), self.parameters()):
            dst[...] = src[k:k + 1]
        return new

    def save(self, path: str | Path) -> Path:
        """Write ``path.npz`` (the arrays) and ``path.json`` (what the model is); returns the .npz
        path.  See :mod:`nnlib.persistence`."""
        from .persistence import save_model
        return save_model(self, path)
