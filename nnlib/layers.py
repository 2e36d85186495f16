"""The dense layer, the building block of every model: z = x W + b, a = f(z).

Shapes, with K replicas and a mini-batch of m examples:
  W: (K, n_in, n_out)    b: (K, n_out)
  x: (m, n_in) — the same input for every replica — or (K, m, n_in)
  z, a: (K, m, n_out)

A layer that reads the same input for every replica (the first layer of a model) keeps W in
memory as (n_in, K, n_out) — ``W`` is still a (K, n_in, n_out) view of it — so that all replicas
are computed by one matrix product x @ W_flat with W_flat of shape (n_in, K·n_out), forward and
backward, instead of K small ones.
"""
from __future__ import annotations

import numpy as np

from .activations import Activation, get_activation
from .initializers import init_bias, init_weights


class Dense:
    """A fully connected layer with its activation; it holds its parameters W and b."""

    def __init__(self, n_in: int, n_out: int, activation: str | dict | Activation = "linear",
                 init: str = "glorot", shared_input: bool = False, fan_in: int | None = None):
        if n_in < 1 or n_out < 1:
            raise ValueError(f"a dense layer needs n_in ≥ 1 and n_out ≥ 1, got {n_in} → {n_out}")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.activation = get_activation(activation)
        self.init = init
        self.shared_input = shared_input
        self.fan_in = n_in if fan_in is None else int(fan_in)  # the n in an initialiser's 1/√n
        self._W: np.ndarray | None = None  # owns the weights: (n_in, K·n_out) if shared_input
        self.b: np.ndarray | None = None

    def initialize(self, rngs: list[np.random.Generator], dtype: np.dtype) -> None:
        """Draw W and b for each replica, replica k from ``rngs[k]``."""
        W = np.stack([init_weights(self.init, r, self.n_in, self.n_out, self.fan_in) for r in rngs])
        if self.shared_input:
            self._W = np.ascontiguousarray(W.transpose(1, 0, 2), dtype=dtype).reshape(self.n_in, -1)
        else:
            self._W = W.astype(dtype)
        self.b = np.stack([init_bias(self.init, r, self.n_out, self.fan_in) for r in rngs]).astype(dtype)

    @property
    def W(self) -> np.ndarray:
        """The weights as (K, n_in, n_out), a view of the stored array (writes go through).
        Derived on access, so a copied layer never has a view and a buffer that drift apart."""
        if self.shared_input:
            return self._W.reshape(self.n_in, -1, self.n_out).transpose(1, 0, 2)
        return self._W

    @property
    def n_parameters(self) -> int:
        return self.n_in * self.n_out + self.n_out

    def linear(self, x: np.ndarray) -> np.ndarray:
        """z = x W + b, shape (K, m, n_out)."""
        if self.shared_input and x.ndim == 2:
            z = (x @ self._W).reshape(x.shape[0], -1, self.n_out).transpose(1, 0, 2)
        else:
            z = x @ self._W
        z += self.b[:, None, :]
        return z

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z, a) for input x."""
        z = self.linear(x)
        return z, self.activation.forward(z)

    def backward_linear(self, x: np.ndarray, dz: np.ndarray, need_dx: bool = True):
        """Given dL/dz (K, m, n_out), return (dW, db, dL/dx); dL/dx is None when not needed."""
        if self.shared_input and x.ndim == 2:
            K, m, _ = dz.shape
            dz_flat = dz.transpose(1, 0, 2).reshape(m, K * self.n_out)
            dW = (x.T @ dz_flat).reshape(self.n_in, K, self.n_out).transpose(1, 0, 2)
        else:
            dW = x.mT @ dz
        db = dz.sum(axis=-2)
        dx = dz @ self.W.mT if need_dx else None
        return dW, db, dx
