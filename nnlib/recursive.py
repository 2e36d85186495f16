"""RecursiveNet (study 000): one hidden layer applied D times with shared weights."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .activations import Softmax
from .layers import Dense
from .model import Model


class RecursiveNet(Model):
    """x → h₀ = ReLU(W_in x + b_in) → h_t = ReLU(W_r h_{t−1} + b_r) for t = 1…D (the same W_r, b_r
    each time) → softmax(W_out h_D + b_out).  With ``residual=True`` the update is
    h_t = h_{t−1} + ReLU(W_r h_{t−1} + b_r).  ``depth=0`` is a one-hidden-layer ReLU MLP.

    Trained with categorical cross-entropy by backpropagation through time: the gradient of the
    shared W_r, b_r is the sum of its D per-application gradients.  Parameters per replica:
    n_in·h + h + h² + h + h·n_out + n_out (h² + 796h + 10 for MNIST: 77,802 for h = 88).

    Study 000 does not give its initialisation or its clipping value: ``init="he"`` (ReLU layers)
    and the default optimiser, SGD with η = 0.01 and clipping of the gradient's global norm at
    5.0, are this library's choices.

    With ``record_gradient_norms=True`` the history gets, per epoch, ``grad_norm_h{t}`` for
    t = 0…D: the mean over the epoch's mini-batches of ‖∂L/∂h_t‖ (Frobenius norm over the batch,
    L the batch-mean cost), i.e. the gradient that reaches the output of application t
    (t = 0: the input projection).  Vanishing gradients show as norms shrinking towards t = 0.

    X: (m, n_in); outputs (m, n_out) or (K, m, n_out) with K replicas.
    """

    default_optimizer = {"name": "sgd", "lr": 0.01, "clip_norm": 5.0}

    def __init__(self, n_in: int = 784, hidden: int = 88, depth: int = 4, n_out: int = 10,
                 residual: bool = False, init: str = "he", record_gradient_norms: bool = False,
                 random_state: int | Sequence[int] = 0, n_replicas: int | None = None,
                 dtype: str = "float32"):
        if depth < 0 or hidden < 1:
            raise ValueError(f"RecursiveNet needs depth ≥ 0 and hidden ≥ 1, got depth={depth}, hidden={hidden}")
        self.hidden, self.depth, self.residual = int(hidden), int(depth), bool(residual)
        self.init, self.record_gradient_norms = init, bool(record_gradient_norms)
        self.input_layer = Dense(n_in, hidden, "relu", init, shared_input=True)
        self.recurrent = Dense(hidden, hidden, "relu", init)
        self.output_layer = Dense(hidden, n_out, "softmax", init)
        self._norm_sum: np.ndarray | None = None
        self._norm_batches = 0
        super().__init__(n_out=n_out, output_activation=Softmax(), cost="categorical_cross_entropy",
                         random_state=random_state, n_replicas=n_replicas, dtype=dtype)

    def _build(self, rngs):
        for layer in (self.input_layer, self.recurrent, self.output_layer):
            layer.initialize(rngs, self.dtype)

    def parameters(self):
        return [("W_in", self.input_layer.W), ("b_in", self.input_layer.b),
                ("W_r", self.recurrent.W), ("b_r", self.recurrent.b),
                ("W_out", self.output_layer.W), ("b_out", self.output_layer.b)]

    def config(self):
        return {"n_in": self.input_layer.n_in, "hidden": self.hidden, "depth": self.depth,
                "n_out": self.n_out, "residual": self.residual, "init": self.init,
                "record_gradient_norms": self.record_gradient_norms}

    @property
    def n_features(self):
        return self.input_layer.n_in

    @property
    def multiply_adds(self):
        h = self.hidden
        return self.input_layer.n_in * h + self.depth * h * h + h * self.n_out

    def _forward(self, X):
        """Returns (z_out, a_out, cache) with cache = (X, [z_0…z_D], [h_0…h_D])."""
        z, h = self.input_layer.forward(X)
        zs, hs = [z], [h]
        for _ in range(self.depth):
            z = self.recurrent.linear(h)
            a = np.maximum(z, 0)
            h = h + a if self.residual else a
            zs.append(z)
            hs.append(h)
        z_out, a_out = self.output_layer.forward(h)
        return z_out, a_out, (X, zs, hs)

    def _backward(self, cache, delta):
        """Backpropagation through time over the D applications of the shared layer."""
        X, zs, hs = cache
        dW_out, db_out, dh = self.output_layer.backward_linear(hs[-1], delta)
        norms = [None] * (self.depth + 1)
        dW_r = np.zeros_like(self.recurrent.W)
        db_r = np.zeros_like(self.recurrent.b)
        for t in range(self.depth, 0, -1):  # dh = ∂L/∂h_t
            if self.record_gradient_norms:
                norms[t] = np.sqrt(np.square(dh).sum(axis=(1, 2)))
            dz = dh * (zs[t] > 0)
            dW, db, dh_prev = self.recurrent.backward_linear(hs[t - 1], dz)
            dW_r += dW
            db_r += db
            dh = dh_prev + dh if self.residual else dh_prev
        if self.record_gradient_norms:
            norms[0] = np.sqrt(np.square(dh).sum(axis=(1, 2)))
            norms = np.stack(norms)  # (D+1, K)
            self._norm_sum = norms if self._norm_sum is None else self._norm_sum + norms
            self._norm_batches += 1
        dW_in, db_in, _ = self.input_layer.backward_linear(X, dh * (zs[0] > 0), need_dx=False)
        return [dW_in, db_in, dW_r, db_r, dW_out, db_out]

    def _epoch_diagnostics(self):
        if self._norm_sum is None:
            return {}
        mean = self._norm_sum / self._norm_batches
        self._norm_sum, self._norm_batches = None, 0
        return {f"grad_norm_h{t}": mean[t] for t in range(self.depth + 1)}
