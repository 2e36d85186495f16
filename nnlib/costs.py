"""Cost functions C(a, y) of one example, with the error δ = dC/dz at the output layer.

Arrays: ``z`` and ``a`` (the output layer's pre-activation and activation) and the target ``y``
have shape ``(..., m, n_out)``; :meth:`Cost.loss` returns the per-example cost, shape ``(..., m)``;
:meth:`Cost.delta` returns dC/dz per example, shape ``(..., m, n_out)``.  Models average both
over the mini-batch, so SGD's step is (η/m) Σ_x ∇C_x as in Nielsen's book.

The two cross-entropies are *fused* with their output activation: the loss is computed from z
(log-sum-exp / softplus, so it never takes log 0) and δ = a − y exactly.
"""
from __future__ import annotations

import numpy as np

from ._spec import from_spec

from .activations import Activation, Sigmoid, Softmax


class Cost:
    name = "cost"
    requires: type[Activation] | None = None  # output activation a fused cost needs

    def check_output(self, activation: Activation) -> None:
        """Refuse an output activation this cost is not defined for."""
        if self.requires is not None and not isinstance(activation, self.requires):
            raise ValueError(
                f"the {self.name} cost needs a {self.requires.name} output layer, got "
                f"{activation.name}; choose output activation {self.requires.name!r} or another cost"
            )

    def loss(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, activation: Activation) -> np.ndarray:
        raise NotImplementedError

    def config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Quadratic(Cost):
    """Quadratic cost. ``half=True`` (default): C = ½‖a − y‖², Nielsen's convention, dC/da = a − y.
    ``half=False``: C = Σ (a − y)², study 003's convention, dC/da = 2(a − y)."""

    name = "quadratic"

    def __init__(self, half: bool = True):
        self.half = bool(half)

    def loss(self, z, a, y):
        s = np.add.reduce(np.square(a - y), axis=-1)
        return 0.5 * s if self.half else s

    def delta(self, z, a, y, activation):
        grad_a = (a - y) if self.half else 2 * (a - y)
        return activation.backward(z, a, grad_a)

    def config(self):
        return {"name": self.name, "half": self.half}

    def __repr__(self):
        return f"Quadratic(half={self.half})"


class MeanSquaredError(Cost):
    """C = (1/n_out) Σ (a − y)² (study 004's ``mse``); dC/da = 2(a − y)/n_out."""

    name = "mse"

    def loss(self, z, a, y):
        return ((a - y) ** 2).mean(axis=-1)

    def delta(self, z, a, y, activation):
        return activation.backward(z, a, 2 * (a - y) / a.shape[-1])


class BinaryCrossEntropy(Cost):
    """Nielsen's cross-entropy on sigmoid outputs: C = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)].

    Computed from z as Σ_j softplus(z_j) − y_j z_j; δ = a − y."""

    name = "cross_entropy"
    requires = Sigmoid

    def loss(self, z, a, y):
        return (np.logaddexp(0, z) - y * z).sum(axis=-1)

    def delta(self, z, a, y, activation):
        return a - y


class CategoricalCrossEntropy(Cost):
    """Cross-entropy on softmax outputs: C = −Σ_j y_j ln a_j = logsumexp(z) − Σ_j y_j z_j; δ = a − y
    (for targets that sum to one)."""

    name = "categorical_cross_entropy"
    requires = Softmax

    def loss(self, z, a, y):
        zmax = z.max(axis=-1, keepdims=True)
        lse = np.log(np.exp(z - zmax).sum(axis=-1)) + zmax[..., 0]
        return lse - (y * z).sum(axis=-1)

    def delta(self, z, a, y, activation):
        return a - y


_COSTS = {cls.name: cls for cls in (Quadratic, MeanSquaredError, BinaryCrossEntropy, CategoricalCrossEntropy)}


def get_cost(spec: str | dict | Cost) -> Cost:
    """A cost from its name, config dict or instance; unknown names list the known ones."""
    return from_spec(spec, _COSTS, Cost, "cost")
