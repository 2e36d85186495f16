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

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import persistence, training
from .activations import Activation
from .costs import Cost, get_cost
from .optimizers import Optimizer
from .persistence import MODEL_CLASSES
from .training import History

__all__ = ["Model", "History", "MODEL_CLASSES"]


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
            checkpoint_tag: Any = None, progress: bool = False, desc: str | None = None) -> "Model":
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
        checkpoint_tag: JSON data stored in the checkpoint (e.g. the fingerprints of the code and
            data the run is made with); a checkpoint whose tag differs is set aside with a warning
            and the run starts afresh.
        The steps are in :mod:`nnlib.training`.
        A replica whose batch loss becomes NaN or infinite stops and is marked diverged.
        """
        options = training.Options(epochs, batch_size, shuffle, shuffle_seed, target, keep_best, eval_every,
                                   checkpoint, checkpoint_seconds, checkpoint_tag, progress, desc)
        self.history_ = training.fit(self, X, y, optimizer, eval_sets, eval_train, options)
        return self

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
        return persistence.save_model(self, path)
