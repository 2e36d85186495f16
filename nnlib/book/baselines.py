"""What nnlib's speed is compared with, written without nnlib (see :mod:`nnlib.book.bench`).

* *Naive per-example* implementations, structured like the studies' original Python (Nielsen's
  ``network.py``): float64 weights of shape (n_out × n_in), every example a column vector,
  ``backprop`` returns one example's gradients and the mini-batch update sums them in lists.
  One each for the multilayer perceptron (sigmoid or tanh hidden units; a sigmoid output with the
  quadratic cost, or softmax with cross-entropy; SGD or Adam), study 001's vanilla RNN and study
  000's RecursiveNet.  They train (the weights change as they should) but exist to be timed.
* A *bare NumPy loop* of study 002's batch-10 network: the essential NumPy calls and nothing
  else, the per-call floor of any NumPy implementation at that batch size.
* scikit-learn's ``MLPClassifier`` for one epoch, where it can express the network.

Every ``*_epoch`` function trains one pass over the examples it is given and returns nothing;
the caller times it.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.special import expit

# ---------------------------------------------------------------- data in the original's layout


def column_vector_examples(X: np.ndarray, y: np.ndarray, n_classes: int = 10) -> list[tuple[np.ndarray, np.ndarray]]:
    """The original's data layout: a list of (x, t) pairs, x (n_features, 1) float64 and one-hot
    t (n_classes, 1).  X may be (m, n_features) or a sequence batch (m, T, d): then x is (T, d, 1)."""
    eye = np.eye(n_classes)
    if X.ndim == 3:
        return [(X[i][:, :, None].astype(np.float64), eye[y[i]].reshape(-1, 1)) for i in range(len(X))]
    return [(X[i].reshape(-1, 1).astype(np.float64), eye[y[i]].reshape(-1, 1)) for i in range(len(X))]


# ---------------------------------------------------------------- update rules on lists of arrays


def _sgd_update(params: list[np.ndarray], sums: list[np.ndarray], eta: float, m: int,
                clip_norm: float | None = None) -> None:
    """p ← p − η · (mean gradient), after scaling the mean gradient to ``clip_norm`` if longer."""
    scale = eta / m
    if clip_norm is not None:
        norm = np.sqrt(sum(float(np.sum(s * s)) for s in sums)) / m
        if norm > clip_norm:
            scale *= clip_norm / norm
    for p, s in zip(params, sums):
        p -= scale * s


class _NaiveAdam:
    """Adam on lists of arrays, one step per mini-batch, the textbook form with bias correction."""

    def __init__(self, params: list[np.ndarray], eta: float, b1: float = 0.9, b2: float = 0.999,
                 eps: float = 1e-8):
        self.eta, self.b1, self.b2, self.eps, self.t = eta, b1, b2, eps, 0
        self.m = [np.zeros(p.shape) for p in params]
        self.v = [np.zeros(p.shape) for p in params]

    def update(self, params: list[np.ndarray], sums: list[np.ndarray], m: int) -> None:
        self.t += 1
        for p, s, mo, ve in zip(params, sums, self.m, self.v):
            g = s / m
            mo[...] = self.b1 * mo + (1 - self.b1) * g
            ve[...] = self.b2 * ve + (1 - self.b2) * g * g
            m_hat = mo / (1 - self.b1 ** self.t)
            v_hat = ve / (1 - self.b2 ** self.t)
            p -= self.eta * m_hat / (np.sqrt(v_hat) + self.eps)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def _softmax_readout(W_out: np.ndarray, b_out: np.ndarray, h: np.ndarray, t: np.ndarray):
    """Backpropagation through a softmax read-out with cross-entropy for one example: returns
    (dW_out, db_out, dL/dh) for the state column vector h and one-hot target t."""
    delta = _softmax(np.dot(W_out, h) + b_out) - t
    return np.dot(delta, h.transpose()), delta, np.dot(W_out.transpose(), delta)


def _minibatches(examples: list, batch_size: int, seed: int) -> list[list]:
    """The epoch's mini-batches, after one shuffle of the list (as Nielsen's SGD does)."""
    order = np.random.default_rng(seed).permutation(len(examples))
    shuffled = [examples[i] for i in order]
    return [shuffled[k:k + batch_size] for k in range(0, len(shuffled), batch_size)]


def _summed_gradients(batch: list, backprop, params: list[np.ndarray]) -> list[np.ndarray]:
    """The mini-batch's gradients summed example by example, in lists as the original does."""
    sums = [np.zeros(p.shape) for p in params]
    for x, t in batch:
        sums = [s + g for s, g in zip(sums, backprop(x, t))]
    return sums


# ---------------------------------------------------------------- multilayer perceptron


def naive_mlp_epoch(sizes: list[int], examples: list[tuple[np.ndarray, np.ndarray]], eta: float,
                    batch_size: int, hidden: str = "sigmoid", output: str = "sigmoid",
                    optimizer: str = "sgd", seed: int = 0) -> None:
    """One epoch of a multilayer perceptron trained one example at a time.

    hidden: "sigmoid" or "tanh"; output: "sigmoid" (quadratic cost ½‖a − t‖², δ = (a − t) σ'(z))
    or "softmax" (cross-entropy, δ = a − t); optimizer: "sgd" or "adam" (one step per mini-batch).
    """
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((o, i)) / np.sqrt(i) for i, o in zip(sizes[:-1], sizes[1:])]
    biases = [rng.standard_normal((o, 1)) for o in sizes[1:]]
    adam = _NaiveAdam(weights + biases, eta) if optimizer == "adam" else None

    def act(z):
        return expit(z) if hidden == "sigmoid" else np.tanh(z)

    def act_prime(a):  # from the activation, as the original's sigmoid_prime
        return a * (1 - a) if hidden == "sigmoid" else 1 - a * a

    def backprop(x, t):
        grad_b = [np.zeros(b.shape) for b in biases]
        grad_w = [np.zeros(w.shape) for w in weights]
        activation, activations = x, [x]
        for layer, (w, b) in enumerate(zip(weights, biases)):
            z = np.dot(w, activation) + b
            last = layer == len(weights) - 1
            if last:
                activation = expit(z) if output == "sigmoid" else _softmax(z)
            else:
                activation = act(z)
            activations.append(activation)
        a = activations[-1]
        delta = (a - t) * a * (1 - a) if output == "sigmoid" else a - t
        grad_b[-1] = delta
        grad_w[-1] = np.dot(delta, activations[-2].transpose())
        for layer in range(2, len(sizes)):
            delta = np.dot(weights[-layer + 1].transpose(), delta) * act_prime(activations[-layer])
            grad_b[-layer] = delta
            grad_w[-layer] = np.dot(delta, activations[-layer - 1].transpose())
        return grad_w + grad_b

    params = weights + biases
    for batch in _minibatches(examples, batch_size, seed):
        sums = _summed_gradients(batch, backprop, params)
        if adam is None:
            _sgd_update(params, sums, eta, len(batch))
        else:
            adam.update(params, sums, len(batch))


# ---------------------------------------------------------------- study 001's RNN


def naive_rnn_epoch(n_in: int, hidden: int, examples: list[tuple[np.ndarray, np.ndarray]], eta: float,
                    batch_size: int, n_out: int = 10, seed: int = 0) -> None:
    """One epoch of a one-layer tanh RNN read out from its last state through softmax, trained
    with Adam by backpropagation through time, one example at a time.  Each example's x is
    (T, n_in, 1): T column vectors."""
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(hidden)
    W_ih = rng.uniform(-bound, bound, (hidden, n_in))
    W_hh = rng.uniform(-bound, bound, (hidden, hidden))
    b_h = rng.uniform(-bound, bound, (hidden, 1))
    W_out = rng.uniform(-bound, bound, (n_out, hidden))
    b_out = rng.uniform(-bound, bound, (n_out, 1))
    params = [W_ih, W_hh, b_h, W_out, b_out]
    adam = _NaiveAdam(params, eta)

    def backprop(xs, t):
        states = [np.zeros((hidden, 1))]
        for x in xs:
            states.append(np.tanh(np.dot(W_ih, x) + np.dot(W_hh, states[-1]) + b_h))
        grads = [np.zeros(p.shape) for p in params]
        grads[3], grads[4], dh = _softmax_readout(W_out, b_out, states[-1], t)
        for step in range(len(xs), 0, -1):
            dz = dh * (1 - states[step] ** 2)
            grads[0] += np.dot(dz, xs[step - 1].transpose())
            grads[1] += np.dot(dz, states[step - 1].transpose())
            grads[2] += dz
            dh = np.dot(W_hh.transpose(), dz)
        return grads

    for batch in _minibatches(examples, batch_size, seed):
        adam.update(params, _summed_gradients(batch, backprop, params), len(batch))


# ---------------------------------------------------------------- study 000's RecursiveNet


def naive_recursive_epoch(n_in: int, hidden: int, depth: int, examples: list[tuple[np.ndarray, np.ndarray]],
                          eta: float, batch_size: int, clip_norm: float = 5.0, n_out: int = 10,
                          seed: int = 0) -> None:
    """One epoch of the RecursiveNet (ReLU input projection, one shared ReLU layer applied
    ``depth`` times, softmax read-out), SGD with the mean gradient clipped to ``clip_norm``,
    backpropagation through time one example at a time."""
    rng = np.random.default_rng(seed)
    W_in = rng.standard_normal((hidden, n_in)) * np.sqrt(2 / n_in)
    W_r = rng.standard_normal((hidden, hidden)) * np.sqrt(2 / hidden)
    W_out = rng.standard_normal((n_out, hidden)) * np.sqrt(2 / hidden)
    b_in, b_r, b_out = np.zeros((hidden, 1)), np.zeros((hidden, 1)), np.zeros((n_out, 1))
    params = [W_in, b_in, W_r, b_r, W_out, b_out]

    def backprop(x, t):
        zs = [np.dot(W_in, x) + b_in]
        hs = [np.maximum(zs[0], 0)]
        for _ in range(depth):
            zs.append(np.dot(W_r, hs[-1]) + b_r)
            hs.append(np.maximum(zs[-1], 0))
        grads = [np.zeros(p.shape) for p in params]
        grads[4], grads[5], dh = _softmax_readout(W_out, b_out, hs[-1], t)
        for step in range(depth, 0, -1):
            dz = dh * (zs[step] > 0)
            grads[2] += np.dot(dz, hs[step - 1].transpose())
            grads[3] += dz
            dh = np.dot(W_r.transpose(), dz)
        dz = dh * (zs[0] > 0)
        grads[0] = np.dot(dz, x.transpose())
        grads[1] = dz
        return grads

    for batch in _minibatches(examples, batch_size, seed):
        _sgd_update(params, _summed_gradients(batch, backprop, params), eta, len(batch), clip_norm)


# ---------------------------------------------------------------- the bare NumPy loop


def bare_numpy_epoch(X: np.ndarray, y: np.ndarray, eta: float = 3.0, batch_size: int = 10) -> None:
    """Study 002's c1 (784-30-10 sigmoid, quadratic cost, SGD) with nothing but the essential
    NumPy calls (2-D float32 arrays, no library, no loss bookkeeping): the floor that any NumPy
    implementation of batch-10 SGD pays in per-call overhead and small-matrix BLAS time.
    X: (m, 784) float32; y: (m,) labels."""
    rng = np.random.default_rng(0)
    W1, b1 = rng.standard_normal((784, 30), dtype=np.float32), rng.standard_normal(30, dtype=np.float32)
    W2, b2 = rng.standard_normal((30, 10), dtype=np.float32), rng.standard_normal(10, dtype=np.float32)
    Y = np.eye(10, dtype=np.float32)[y]
    order = rng.permutation(len(X))
    step = eta / batch_size
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        x, t = X[idx], Y[idx]
        a1 = expit(x @ W1 + b1)
        a2 = expit(a1 @ W2 + b2)
        d2 = (a2 - t) * a2 * (1 - a2)
        d1 = (d2 @ W2.T) * a1 * (1 - a1)
        W2 -= step * (a1.T @ d2)
        b2 -= step * d2.sum(axis=0)
        W1 -= step * (x.T @ d1)
        b1 -= step * d1.sum(axis=0)


# ---------------------------------------------------------------- scikit-learn


def sklearn_mlp(hidden: tuple[int, ...], activation: str, solver: str, lr: float, batch_size: int):
    """An ``MLPClassifier`` set up like one of the benchmark's networks: no L2 penalty, no
    momentum, constant learning rate; its output layer is always softmax with cross-entropy."""
    from sklearn.neural_network import MLPClassifier
    return MLPClassifier(hidden_layer_sizes=hidden, activation=activation, solver=solver, alpha=0.0,
                         batch_size=batch_size, learning_rate_init=lr, momentum=0.0,
                         nesterovs_momentum=False, shuffle=True, random_state=0)


def sklearn_epoch(model, X: np.ndarray, y: np.ndarray, classes: np.ndarray | None = None) -> None:
    """One epoch of ``model.partial_fit`` over (X, y).  Call it once on a few examples first (not
    timed) so that the timed call does not include setting the network up."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.partial_fit(X, y, classes=np.arange(10) if classes is None else classes)
