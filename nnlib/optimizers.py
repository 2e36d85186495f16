"""Optimisers: SGD (momentum, Nielsen-style L2 decay) and Adam, both with optional clipping of the
gradient by its global norm.

Every parameter array has a leading replica axis ``K``; the global norm used for clipping is taken
per replica (over all of that replica's arrays), so replicas never influence each other.
Gradients given to :meth:`Optimizer.step` are those of the *mean* cost over the mini-batch.
"""
from __future__ import annotations

import numpy as np

from ._spec import from_spec


def clip_scales(grads: list[np.ndarray], max_norm: float) -> np.ndarray:
    """Per-replica factors min(1, max_norm / ‖g_k‖), shape ``(K,)``, where ‖g_k‖ is the L2 norm of
    all gradient arrays of replica k together."""
    K = grads[0].shape[0]
    sq = np.zeros(K, dtype=np.float64)
    for g in grads:
        sq += np.square(g.reshape(K, -1), dtype=np.float64).sum(axis=1)
    norm = np.sqrt(sq)
    return np.minimum(1.0, max_norm / np.maximum(norm, 1e-12))


class Optimizer:
    """Base class.  ``start`` is called by ``fit`` with the parameters and the training-set size."""

    name = "optimizer"

    def __init__(self, lr: float, clip_norm: float | None = None):
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        if clip_norm is not None and not clip_norm > 0:
            raise ValueError(f"clip_norm must be positive or None, got {clip_norm}")
        self.lr = float(lr)
        self.clip_norm = None if clip_norm is None else float(clip_norm)

    def start(self, params: list[np.ndarray], n_train: int) -> None:
        self.n_train = int(n_train)

    def _clipped(self, grads: list[np.ndarray]) -> list[np.ndarray]:
        if self.clip_norm is None:
            return grads
        scale = clip_scales(grads, self.clip_norm)
        if np.all(scale == 1.0):
            return grads
        return [g * scale.astype(g.dtype).reshape((-1,) + (1,) * (g.ndim - 1)) for g in grads]

    def step(self, params: list[np.ndarray], grads: list[np.ndarray], is_weight: list[bool]) -> None:
        """Update ``params`` in place from ``grads`` (same shapes; they may be overwritten);
        ``is_weight`` marks the arrays that weight decay applies to (weights, not biases)."""
        raise NotImplementedError

    def config(self) -> dict:
        return {"name": self.name, "lr": self.lr, "clip_norm": self.clip_norm}

    def state(self) -> dict[str, list[np.ndarray] | int]:
        """What a resumed run needs to continue exactly (arrays are the optimiser's own; copy them
        before changing anything): e.g. Adam's step count and moments."""
        return {}

    def load_state(self, state: dict) -> None:
        """Restore a :meth:`state` after :meth:`start` (arrays are copied in place)."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent.

    Without momentum: w ← (1 − ηλ/n) w − η ∇, Nielsen's L2-regularised rule, where ∇ is the
    mini-batch mean gradient, λ = ``weight_decay`` and n the training-set size.
    With momentum μ: v ← μ v − η(∇ + (λ/n) w); w ← w + v.  Biases are never decayed.
    """

    name = "sgd"

    def __init__(self, lr: float = 0.1, momentum: float = 0.0, weight_decay: float = 0.0,
                 clip_norm: float | None = None):
        super().__init__(lr, clip_norm)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be ≥ 0, got {weight_decay}")
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)

    def start(self, params, n_train):
        super().start(params, n_train)
        self.velocity = [np.zeros_like(p) for p in params] if self.momentum else None

    def step(self, params, grads, is_weight):
        grads = self._clipped(grads)
        decay = self.lr * self.weight_decay / self.n_train
        for i, (p, g, w) in enumerate(zip(params, grads, is_weight)):
            if self.velocity is None:
                if decay and w:
                    p *= 1 - decay
                g *= self.lr  # the gradient arrays are the caller's scratch space
                p -= g
            else:
                v = self.velocity[i]
                v *= self.momentum
                v -= self.lr * g
                if decay and w:
                    v -= decay * p
                p += v

    def config(self):
        return {**super().config(), "momentum": self.momentum, "weight_decay": self.weight_decay}

    def state(self):
        return {"velocity": self.velocity} if self.velocity is not None else {}

    def load_state(self, state):
        for v, saved in zip(self.velocity or [], state.get("velocity", [])):
            v[...] = saved


class Adam(Optimizer):
    """Adam (Kingma & Ba): m ← β₁m + (1−β₁)∇, v ← β₂v + (1−β₂)∇², 
    w ← w − η m̂ / (√v̂ + ε) with bias corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ) (PyTorch's form)."""

    name = "adam"

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 clip_norm: float | None = None):
        super().__init__(lr, clip_norm)
        for label, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= b < 1:
                raise ValueError(f"{label} must be in [0, 1), got {b}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def start(self, params, n_train):
        super().start(params, n_train)
        self.t = 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, params, grads, is_weight):
        grads = self._clipped(grads)
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # η m̂/(√v̂ + ε) = (η√(1−β₂ᵗ)/(1−β₁ᵗ)) · m/(√v + ε√(1−β₂ᵗ)); g is reused as scratch.
        root_bc2 = np.sqrt(1 - b2 ** self.t)
        step_size = self.lr * root_bc2 / (1 - b1 ** self.t)
        eps = self.eps * root_bc2
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            g *= g
            g *= 1 - b2
            v *= b2
            v += g
            np.sqrt(v, out=g)
            g += eps
            np.divide(m, g, out=g)
            g *= step_size
            p -= g

    def config(self):
        return {**super().config(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def state(self):
        return {"t": self.t, "m": self.m, "v": self.v}

    def load_state(self, state):
        self.t = int(state["t"])
        for mine, saved in zip(self.m + self.v, list(state["m"]) + list(state["v"])):
            mine[...] = saved


_OPTIMIZERS = {cls.name: cls for cls in (SGD, Adam)}


def get_optimizer(spec: str | dict | Optimizer) -> Optimizer:
    """An optimiser from its name, config dict or instance; unknown names list the known ones."""
    return from_spec(spec, _OPTIMIZERS, Optimizer, "optimiser")
