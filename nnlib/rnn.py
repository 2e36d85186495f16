"""A vanilla tanh RNN over a sequence of input vectors (study 001), read out from its last state."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .activations import Softmax
from .layers import Dense
from .model import Model


class RNN(Model):
    """Vanilla RNN: per layer l, h_t = tanh(x_t W_ih + b_ih + h_{t−1} W_hh + b_hh), h_{−1} = 0;
    layer l + 1 reads the hidden states of layer l; the top layer's last state goes through a
    linear layer and softmax.  Trained with categorical cross-entropy by backpropagation through
    time.

    Parameters are counted as PyTorch's ``nn.RNN`` + ``nn.Linear`` count them: per layer W_ih, W_hh,
    b_ih and b_hh (two bias vectors, both trained), d·h + h² + 2h, plus h·n_out + n_out for the
    read-out.  Initialisation ``"pytorch"`` (default) draws every RNN weight and bias from
    U(−1/√h, 1/√h) like ``nn.RNN``, and the read-out from U(−1/√h, 1/√h) like ``nn.Linear``.

    X: (m, T, n_in) — T steps of n_in values (study 001: 9 steps × 84, see
    :func:`nnlib.data.column_windows`).  Outputs (m, n_out), or (K, m, n_out) with K replicas.
    ``multiply_adds`` counts all T steps of every layer plus the read-out.
    """

    input_ndim = 3
    default_optimizer = {"name": "adam", "lr": 1e-3}

    def __init__(self, n_in: int, hidden: int, n_layers: int = 1, n_out: int = 10,
                 init: str = "pytorch", random_state: int | Sequence[int] = 0,
                 n_replicas: int | None = None, dtype: str = "float32"):
        if hidden < 1 or n_layers < 1 or n_in < 1:
            raise ValueError(f"RNN needs n_in, hidden and n_layers ≥ 1, got {n_in}, {hidden}, {n_layers}")
        self.hidden, self.n_layers, self.init = int(hidden), int(n_layers), init
        h = self.hidden
        self.input_proj = [Dense(n_in if l == 0 else h, h, "linear", init, shared_input=(l == 0), fan_in=h)
                           for l in range(n_layers)]
        self.recurrent = [Dense(h, h, "tanh", init, fan_in=h) for _ in range(n_layers)]
        self.readout = Dense(h, n_out, "softmax", init)
        super().__init__(n_out=n_out, output_activation=Softmax(), cost="categorical_cross_entropy",
                         random_state=random_state, n_replicas=n_replicas, dtype=dtype)

    def _build(self, rngs):
        for inp, rec in zip(self.input_proj, self.recurrent):
            inp.initialize(rngs, self.dtype)  # W_ih, b_ih
            rec.initialize(rngs, self.dtype)  # W_hh, b_hh
        self.readout.initialize(rngs, self.dtype)

    def parameters(self):
        out = []
        for l, (inp, rec) in enumerate(zip(self.input_proj, self.recurrent)):
            out += [(f"W_ih{l}", inp.W), (f"b_ih{l}", inp.b), (f"W_hh{l}", rec.W), (f"b_hh{l}", rec.b)]
        return out + [("W_out", self.readout.W), ("b_out", self.readout.b)]

    def config(self):
        return {"n_in": self.input_proj[0].n_in, "hidden": self.hidden, "n_layers": self.n_layers,
                "n_out": self.n_out, "init": self.init}

    @property
    def n_features(self):
        return self.input_proj[0].n_in

    def steps_multiply_adds(self, T: int) -> int:
        """Forward multiply-adds per example for a sequence of T steps."""
        h = self.hidden
        per_step = sum(inp.n_in * h + h * h for inp in self.input_proj)
        return T * per_step + h * self.n_out

    @property
    def multiply_adds(self):
        """Forward multiply-adds per example for study 001's T = 9 steps (see steps_multiply_adds)."""
        return self.steps_multiply_adds(9)

    def _layer_forward(self, l: int, x: np.ndarray, m: int, T: int) -> np.ndarray:
        """Hidden states (K, m, T, h) of layer l; x is (m·T, d) for l = 0, else (K, m·T, d)."""
        inp, rec = self.input_proj[l], self.recurrent[l]
        K, h = self.n_replicas, self.hidden
        P = inp.linear(x).reshape(K, m, T, h)  # the input projection of all steps in one product
        P += rec.b[:, None, None, :]
        H = np.empty((K, m, T, h), dtype=self.dtype)
        state = np.tanh(P[:, :, 0])
        H[:, :, 0] = state
        W_hh = rec.W
        for t in range(1, T):
            z = state @ W_hh
            z += P[:, :, t]
            state = np.tanh(z)
            H[:, :, t] = state
        return H

    def _forward(self, X):
        m, T, d = X.shape
        x = X.reshape(m * T, d)
        inputs, states = [], []
        for l in range(self.n_layers):
            H = self._layer_forward(l, x, m, T)
            inputs.append(x)
            states.append(H)
            x = H.reshape(self.n_replicas, m * T, self.hidden)
        z_out, a_out = self.readout.forward(states[-1][:, :, -1])
        return z_out, a_out, (inputs, states)

    def _layer_backward(self, l: int, x: np.ndarray, H: np.ndarray, dH: np.ndarray):
        """BPTT through layer l given dL/dH (K, m, T, h) from above; returns the layer's four
        gradients and dL/dx of its input (None for the first layer)."""
        inp, rec = self.input_proj[l], self.recurrent[l]
        K, m, T, h = H.shape
        dZ = np.empty_like(H)
        carry = np.zeros((K, m, h), dtype=H.dtype)  # dL/dh_t arriving from step t + 1
        W_hh_T = rec.W.mT
        for t in range(T - 1, -1, -1):
            dh = dH[:, :, t] + carry
            dz = dh * (1 - H[:, :, t] ** 2)
            dZ[:, :, t] = dz
            carry = dz @ W_hh_T
        # h_{t−1} for every step (zero before the first) against dz_t: dW_hh in one product.
        H_prev = np.zeros_like(H)
        H_prev[:, :, 1:] = H[:, :, :-1]
        dZ_flat = dZ.reshape(K, m * T, h)
        dW_hh = H_prev.reshape(K, m * T, h).mT @ dZ_flat
        dW_ih, db_ih, dx = inp.backward_linear(x, dZ_flat, need_dx=l > 0)
        return [dW_ih, db_ih, dW_hh, db_ih.copy()], dx  # b_ih and b_hh get the same gradient

    def _backward(self, cache, delta):
        inputs, states = cache
        K, m, T, h = states[-1].shape
        dW_out, db_out, dh_last = self.readout.backward_linear(states[-1][:, :, -1], delta)
        dH = np.zeros((K, m, T, h), dtype=delta.dtype)
        dH[:, :, -1] = dh_last
        grads: list[np.ndarray] = []
        for l in range(self.n_layers - 1, -1, -1):
            layer_grads, dx = self._layer_backward(l, inputs[l], states[l], dH)
            grads = layer_grads + grads
            if dx is not None:
                dH = dx.reshape(K, m, T, h)
        return grads + [dW_out, db_out]
