"""Activation functions, each with its forward map and the backward (vector-Jacobian) product.

Every activation works on arrays of any shape ``(..., n)``; the last axis holds the units of a
layer (softmax normalises over it, the others act element-wise).  ``backward(z, a, grad_a)`` returns
``dL/dz`` given ``dL/da`` and both the pre-activation ``z`` and the output ``a = forward(z)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ._spec import from_spec


class Activation:
    """Base class: ``name`` identifies it in saved models and error messages."""

    name = "activation"

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def config(self) -> dict:
        """JSON-serialisable description, inverse of :func:`get_activation`."""
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^{−z}); σ'(z) = σ(z)(1 − σ(z))."""

    name = "sigmoid"

    def forward(self, z):
        return expit(z)  # SciPy's ufunc: one pass, no overflow for large |z|

    def backward(self, z, a, grad_a):
        return grad_a * a * (1 - a)


class Tanh(Activation):
    """tanh(z); derivative 1 − tanh²(z)."""

    name = "tanh"

    def forward(self, z):
        return np.tanh(z)

    def backward(self, z, a, grad_a):
        return grad_a * (1 - a * a)


class ReLU(Activation):
    """max(0, z); derivative 1 for z > 0, else 0."""

    name = "relu"

    def forward(self, z):
        return np.maximum(z, 0)

    def backward(self, z, a, grad_a):
        return grad_a * (z > 0)


@dataclass(repr=False)
class LeakyReLU(Activation):
    """z for z > 0, αz otherwise; derivative 1 or α."""

    alpha: float = 0.01
    name = "leaky_relu"

    def __post_init__(self):
        if not 0 <= self.alpha < 1:
            raise ValueError(f"leaky ReLU slope alpha must be in [0, 1), got {self.alpha}")

    def forward(self, z):
        return np.where(z > 0, z, z * z.dtype.type(self.alpha))

    def backward(self, z, a, grad_a):
        return np.where(z > 0, grad_a, grad_a * grad_a.dtype.type(self.alpha))

    def config(self):
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Softmax(Activation):
    """softmax(z)_i = e^{z_i − max z} / Σ_j e^{z_j − max z} over the last axis (shifted: stable).

    Backward: dL/dz = a ⊙ (g − Σ_j g_j a_j) with g = dL/da.
    """

    name = "softmax"

    def forward(self, z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def backward(self, z, a, grad_a):
        return a * (grad_a - (grad_a * a).sum(axis=-1, keepdims=True))


class Identity(Activation):
    """The identity (a linear layer)."""

    name = "linear"

    def forward(self, z):
        return z

    def backward(self, z, a, grad_a):
        return grad_a


class ReLULeakyBackward(LeakyReLU):
    """ReLU in the forward pass, the leaky-ReLU derivative (1 or α) in the backward pass.

    This is *not* the gradient of its forward map: a unit with z ≤ 0 outputs 0 yet passes α times
    its incoming gradient back.  Study 003's Rust run trained its hidden layer this way
    (α = 0.01); the class exists to reproduce that run, beside the true :class:`ReLU`.  It keeps
    :class:`LeakyReLU`'s backward pass and replaces only the forward one.
    """

    name = "relu_leaky_backward"

    def forward(self, z):
        return np.maximum(z, 0)

    def __repr__(self):
        return f"ReLULeakyBackward(alpha={self.alpha})"


_ACTIVATIONS = {cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Identity)}
_ACTIVATIONS[ReLULeakyBackward.name] = ReLULeakyBackward


def get_activation(spec: str | dict | Activation) -> Activation:
    """Turn a name (``"relu"``), a config dict (``{"name": "leaky_relu", "alpha": 0.2}``) or an
    :class:`Activation` into an :class:`Activation`; unknown names list the known ones."""
    return from_spec(spec, _ACTIVATIONS, Activation, "activation")
