"""Weight initialisers.  Each takes a generator and a shape ``(n_in, n_out)`` and returns float64
weights; biases use the scheme's bias rule (see :func:`init_bias`)."""
from __future__ import annotations

import numpy as np

INITIALIZERS = {
    # name: what it draws
    "normal": "N(0, 1) weights and biases (Nielsen's chapter 1 network)",
    "scaled_normal": "N(0, 1/n_in) weights, N(0, 1) biases (Nielsen's chapter 3 network)",
    "glorot": "Glorot/Xavier uniform ±√(6/(n_in+n_out)) weights, zero biases",
    "he": "He/Kaiming normal N(0, 2/n_in) weights, zero biases",
    "uniform": "uniform [−0.5, 0.5) weights and biases (study 004)",
    "pytorch": "uniform ±1/√n_in weights and biases (PyTorch's nn.Linear / nn.RNN default)",
}


def _check(name: str) -> None:
    if name not in INITIALIZERS:
        raise ValueError(f"unknown initialiser {name!r}; known: {', '.join(INITIALIZERS)}")


def init_weights(name: str, rng: np.random.Generator, n_in: int, n_out: int, fan_in: int | None = None) -> np.ndarray:
    """Weights of shape ``(n_in, n_out)`` (y = x W + b).  ``fan_in`` overrides n_in in the scale
    (an RNN's hidden-to-hidden matrix scales by the hidden size like PyTorch)."""
    _check(name)
    fan = n_in if fan_in is None else fan_in
    shape = (n_in, n_out)
    if name == "normal":
        return rng.standard_normal(shape)
    if name == "scaled_normal":
        return rng.standard_normal(shape) / np.sqrt(fan)
    if name == "glorot":
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, shape)
    if name == "he":
        return rng.standard_normal(shape) * np.sqrt(2.0 / fan)
    if name == "uniform":
        return rng.uniform(-0.5, 0.5, shape)
    bound = 1.0 / np.sqrt(fan)  # pytorch
    return rng.uniform(-bound, bound, shape)


def init_bias(name: str, rng: np.random.Generator, n_out: int, fan_in: int) -> np.ndarray:
    """Biases of shape ``(n_out,)`` under scheme ``name``."""
    _check(name)
    if name in ("normal", "scaled_normal"):
        return rng.standard_normal(n_out)
    if name == "uniform":
        return rng.uniform(-0.5, 0.5, n_out)
    if name == "pytorch":
        bound = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, n_out)
    return np.zeros(n_out)
