"""The untied twin of a one-layer RNN: the same unrolled computation, its own weights at every step.

This is the control the book adds to study 001: it reads the image in the same nine column
windows, is as many steps deep and does the same multiply-adds as :class:`nnlib.RNN`, but nothing
is reused from one step to the next.  Comparing the two isolates weight reuse itself.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .activations import Softmax
from .initializers import init_bias, init_weights
from .layers import Dense
from .model import Model


class UntiedRNN(Model):
    """h_t = tanh(x_t U_t + h_{t−1} V_t + c_t) for t = 0…T−1 with h_{−1} = 0 (so step 0 has no
    recurrent matrix), read out from the last state: softmax(h_{T−1} W_out + b_out).  Each step
    has its own input matrix U_t (n_in × h), bias c_t and, after the first, recurrent matrix V_t
    (h × h).  Trained with categorical cross-entropy by backpropagation through the T steps.

    Parameters: T·(n_in·h + h) + (T − 1)·h² + h·n_out + n_out, one bias vector per step (a tied
    RNN's b_ih + b_hh is one bias as well, written twice).  ``multiply_adds`` is counted as
    :class:`nnlib.RNN` counts it, T·(n_in·h + h²) + h·n_out, so a twin of the same width has
    exactly the tied network's count.  Initialisation ``"pytorch"`` (default) draws every step's
    matrices and biases from U(−1/√h, 1/√h) like ``nn.RNN``, and the read-out like ``nn.Linear``.

    X: (m, T, n_in) with T = ``steps``.  Outputs (m, n_out), or (K, m, n_out) with K replicas.
    """

    input_ndim = 3
    default_optimizer = {"name": "adam", "lr": 1e-3}

    def __init__(self, n_in: int, hidden: int, steps: int = 9, n_out: int = 10, init: str = "pytorch",
                 random_state: int | Sequence[int] = 0, n_replicas: int | None = None,
                 dtype: str = "float32"):
        if min(n_in, hidden, steps, n_out) < 1:
            raise ValueError(f"UntiedRNN needs n_in, hidden, steps and n_out ≥ 1, got "
                             f"{n_in}, {hidden}, {steps}, {n_out}")
        self.n_in, self.hidden, self.steps, self.init = int(n_in), int(hidden), int(steps), init
        self.readout = Dense(hidden, n_out, "softmax", init)
        super().__init__(n_out=n_out, output_activation=Softmax(), cost="categorical_cross_entropy",
                         random_state=random_state, n_replicas=n_replicas, dtype=dtype)

    def _build(self, rngs):
        """Per replica, in this order: every step's U_t and c_t, every V_t, then the read-out."""
        d, h, T, init = self.n_in, self.hidden, self.steps, self.init
        self.U = np.stack([[init_weights(init, r, d, h, fan_in=h) for _ in range(T)] for r in rngs]).astype(self.dtype)
        self.c = np.stack([[init_bias(init, r, h, fan_in=h) for _ in range(T)] for r in rngs]).astype(self.dtype)
        V = [[init_weights(init, r, h, h, fan_in=h) for _ in range(T - 1)] for r in rngs]
        self.V = np.asarray(V, dtype=self.dtype).reshape(len(rngs), T - 1, h, h)
        self.readout.initialize(rngs, self.dtype)

    def parameters(self):
        """U (K, T, n_in, h), c (K, T, h), V (K, T−1, h, h), W_out (K, h, n_out), b_out (K, n_out)."""
        return [("U", self.U), ("c", self.c), ("V", self.V), ("W_out", self.readout.W), ("b_out", self.readout.b)]

    def _is_weight(self):
        return [True, False, True, True, False]

    def config(self):
        return {"n_in": self.n_in, "hidden": self.hidden, "steps": self.steps, "n_out": self.n_out,
                "init": self.init}

    @property
    def n_features(self):
        return self.n_in

    @property
    def multiply_adds(self):
        h = self.hidden
        return self.steps * (self.n_in * h + h * h) + h * self.n_out

    def _check_X(self, X):
        X = super()._check_X(X)
        if X.shape[1] != self.steps:
            raise ValueError(f"UntiedRNN was built for {self.steps} steps (one weight set per step), "
                             f"got sequences of {X.shape[1]}")
        return X

    def _forward(self, X):
        """(z_out, a_out, H) with H the hidden states, (K, m, T, h)."""
        m, T, _ = X.shape
        H = np.empty((self.n_replicas, m, T, self.hidden), dtype=self.dtype)
        for t in range(T):
            z = X[:, t] @ self.U[:, t]  # (m, d) @ (K, d, h) → (K, m, h)
            z += self.c[:, t, None, :]
            if t > 0:
                z += H[:, :, t - 1] @ self.V[:, t - 1]
            H[:, :, t] = np.tanh(z)
        z_out, a_out = self.readout.forward(H[:, :, -1])
        return z_out, a_out, (X, H)

    def _backward(self, cache, delta):
        """Backpropagation through the T steps, each step's gradients kept apart."""
        X, H = cache
        dW_out, db_out, dh = self.readout.backward_linear(H[:, :, -1], delta)
        dU, dc, dV = np.zeros_like(self.U), np.zeros_like(self.c), np.zeros_like(self.V)
        for t in range(X.shape[1] - 1, -1, -1):  # dh = ∂L/∂h_t
            dz = dh * (1 - H[:, :, t] ** 2)
            dU[:, t] = X[:, t].T @ dz
            dc[:, t] = dz.sum(axis=1)
            if t > 0:
                dV[:, t - 1] = H[:, :, t - 1].mT @ dz
                dh = dz @ self.V[:, t - 1].mT
        return [dU, dc, dV, dW_out, db_out]
