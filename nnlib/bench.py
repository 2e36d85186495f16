"""Speed benchmark: ``python -m nnlib.bench``.

In one run it measures this machine's float32 GEMM speed and trains, each for one MNIST epoch
(or the stated fraction of one, timings scaled to a whole epoch of 60,000 examples):

* study 002's 784-30-10 sigmoid network, quadratic cost, SGD η = 3.0, batch 10;
* a 784-64-64-10 tanh network, softmax cross-entropy, Adam, batch 128;
* the first network again as a bare NumPy loop (no library), a reference for the per-call floor;
* 10 replicas of the first network in one vectorised pass;
* study 001's RNN: hidden 64, one layer, 9 steps × 84 inputs (column windows), Adam, batch 128;
* study 000's RecursiveNet: depth 4, hidden 88, SGD with clipping, batch 64.

Per configuration it prints seconds per epoch, the FLOP lower bound (training FLOPs divided by the
measured GEMM speed) and the ratio to it, and the speed-up over its baseline: for the batch-10
network a naive implementation written like the original Python (Nielsen's ``network.py``:
column vectors, backpropagation one example at a time inside each mini-batch, float64); for the
replicas, 10 single runs one after another.
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np
from scipy.special import expit

from .mlp import MLP
from .optimizers import SGD, Adam
from .recursive import RecursiveNet
from .rnn import RNN

EPOCH = 60_000


def gemm_flops_per_second(n: int = 1024, repeats: int = 5) -> float:
    """Best float32 (n × n) @ (n × n) speed over ``repeats`` runs, in FLOP/s (2n³ per product)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b  # warm up
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best


def training_flops(model) -> int:
    """FLOPs to train one replica on one example: each multiply-add of the forward pass (2 FLOPs)
    comes back twice in the backward pass (dW = xᵀδ and dx = δWᵀ), except that no gradient is
    needed for the raw input, so the products that read it come back once."""
    if isinstance(model, RNN):
        reads_input = 9 * model.n_features * model.hidden
    elif isinstance(model, RecursiveNet):
        reads_input = model.n_features * model.hidden
    else:
        reads_input = model.layers[0].n_in * model.layers[0].n_out
    return 2 * (3 * model.multiply_adds - reads_input)


def column_vector_examples(X: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The original's data layout: a list of (x, t) pairs, x (784, 1) and one-hot t (10, 1), float64."""
    eye = np.eye(10)
    return [(X[i].reshape(-1, 1).astype(np.float64), eye[y[i]].reshape(-1, 1)) for i in range(len(X))]


def naive_sgd_epoch(sizes: list[int], examples: list[tuple[np.ndarray, np.ndarray]], eta: float,
                    batch_size: int, seed: int = 0) -> None:
    """One epoch of sigmoid / quadratic-cost SGD structured like the original Python code
    (Nielsen's ``network.py``): float64 weights (n_out × n_in), examples as column vectors,
    ``backprop`` returns one example's gradients, which the mini-batch update sums in lists."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
    biases = [rng.standard_normal((o, 1)) for o in sizes[1:]]

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    def sigmoid_prime(z):
        return sigmoid(z) * (1 - sigmoid(z))

    def backprop(x, t):
        grad_b = [np.zeros(b.shape) for b in biases]
        grad_w = [np.zeros(w.shape) for w in weights]
        activation, activations, zs = x, [x], []
        for w, b in zip(weights, biases):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = (activations[-1] - t) * sigmoid_prime(zs[-1])
        grad_b[-1] = delta
        grad_w[-1] = np.dot(delta, activations[-2].transpose())
        for layer in range(2, len(sizes)):
            delta = np.dot(weights[-layer + 1].transpose(), delta) * sigmoid_prime(zs[-layer])
            grad_b[-layer] = delta
            grad_w[-layer] = np.dot(delta, activations[-layer - 1].transpose())
        return grad_b, grad_w

    for start in range(0, len(examples), batch_size):
        batch = examples[start:start + batch_size]
        sum_b = [np.zeros(b.shape) for b in biases]
        sum_w = [np.zeros(w.shape) for w in weights]
        for x, t in batch:
            grad_b, grad_w = backprop(x, t)
            sum_b = [s + g for s, g in zip(sum_b, grad_b)]
            sum_w = [s + g for s, g in zip(sum_w, grad_w)]
        weights = [w - (eta / len(batch)) * s for w, s in zip(weights, sum_w)]
        biases = [b - (eta / len(batch)) * s for b, s in zip(biases, sum_b)]


def bare_numpy_epoch(X: np.ndarray, y: np.ndarray, eta: float = 3.0, batch_size: int = 10) -> None:
    """The same training as c1 with nothing but the essential NumPy calls (2-D float32 arrays, no
    library, no loss bookkeeping): the floor that any NumPy implementation of batch-10 SGD pays in
    per-call overhead and small-matrix BLAS time."""
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


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def c1_model(**kw) -> MLP:
    """Study 002's c1: 784-30-10, sigmoid everywhere, quadratic cost, N(0, 1) init."""
    return MLP([784, 30, 10], activation="sigmoid", output_activation="sigmoid", cost="quadratic",
               init="normal", **kw)


def fit_seconds(model, X, y, batch_size, optimizer) -> float:
    """Training seconds of one pass over (X, y), evaluation excluded."""
    model.fit(X, y, epochs=1, batch_size=batch_size, optimizer=optimizer, eval_train=False)
    return model.history_.seconds[0]


def run(examples: int, naive_examples: int) -> list[dict]:
    """Run every configuration; returns rows of the table :func:`main` prints."""
    from . import data

    ds = data.load("mnist")
    X, y = ds.X_train[:examples], ds.y_train[:examples]
    scale = EPOCH / len(X)
    gemm = gemm_flops_per_second()
    from threadpoolctl import threadpool_info
    blas = ", ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture')} kernel, {i['num_threads']} threads"
                     for i in threadpool_info() if i.get("user_api") == "blas")
    print(f"float32 GEMM speed on this machine: {gemm / 1e9:.1f} GFLOP/s "
          f"({platform.machine()}, numpy {np.__version__}, {blas})")
    print(f"timing {len(X):,} examples per configuration, scaled to a {EPOCH:,}-example epoch\n")
    rows = []

    def row(name, seconds, flops_per_example, baseline_name=None, baseline_seconds=None):
        bound = flops_per_example * EPOCH / gemm
        rows.append({"config": name, "s/epoch": seconds, "bound s": bound, "× bound": seconds / bound,
                     "baseline": baseline_name, "speed-up": None if baseline_seconds is None else baseline_seconds / seconds})
        print(f"  {name}: {seconds:.2f} s/epoch", flush=True)

    c1_flops = training_flops(c1_model())
    t_c1 = fit_seconds(c1_model(random_state=0), X, y, 10, SGD(lr=3.0)) * scale
    Xn, yn = X[:naive_examples], y[:naive_examples]
    examples = column_vector_examples(Xn, yn)  # data preparation is not timed
    t_naive = timed(lambda: naive_sgd_epoch([784, 30, 10], examples, 3.0, 10)) * EPOCH / len(Xn)
    row("784-30-10 sigmoid SGD batch 10", t_c1, c1_flops, f"naive per-example Python ({len(Xn):,} ex.)", t_naive)
    t_bare = timed(lambda: bare_numpy_epoch(X, y)) * scale
    row("  the same, bare NumPy loop (reference)", t_bare, c1_flops, f"naive per-example Python ({len(Xn):,} ex.)", t_naive)

    adam = MLP([784, 64, 64, 10], activation="tanh", random_state=0)
    t_adam = fit_seconds(adam, X, y, 128, Adam(lr=1e-3)) * scale
    row("784-64-64-10 tanh Adam batch 128", t_adam, training_flops(adam))

    t_rep = fit_seconds(c1_model(random_state=0, n_replicas=10), X, y, 10, SGD(lr=3.0)) * scale
    t_seq = sum(fit_seconds(c1_model(random_state=k), Xn, yn, 10, SGD(lr=3.0)) for k in range(10))
    t_seq *= EPOCH / len(Xn)
    row("10 replicas of 784-30-10 in one pass", t_rep, 10 * c1_flops,
        f"10 single runs one after another ({len(Xn):,} ex. each)", t_seq)

    rnn = RNN(84, 64, n_layers=1, random_state=0)
    t_rnn = fit_seconds(rnn, data.column_windows(X), y, 128, Adam(lr=1e-3)) * scale
    row("RNN h=64, 9×84 steps, Adam batch 128", t_rnn, training_flops(rnn))

    rec = RecursiveNet(784, 88, depth=4, random_state=0)
    t_rec = fit_seconds(rec, X, y, 64, SGD(lr=0.01, clip_norm=5.0)) * scale
    row("RecursiveNet D=4 h=88, SGD batch 64", t_rec, training_flops(rec))
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"\n{'configuration':40} {'s/epoch':>8} {'bound s':>8} {'× bound':>8} {'speed-up':>9}  baseline")
    for r in rows:
        speed = "" if r["speed-up"] is None else f"{r['speed-up']:.1f}×"
        print(f"{r['config']:40} {r['s/epoch']:8.2f} {r['bound s']:8.3f} {r['× bound']:8.1f} {speed:>9}  {r['baseline'] or ''}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nnlib.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=EPOCH,
                        help="training examples timed per configuration (default: a whole epoch, 60000)")
    parser.add_argument("--naive-examples", type=int, default=10_000,
                        help="examples timed for the slow baselines (default 10000)")
    args = parser.parse_args(argv)
    for label, n in (("--examples", args.examples), ("--naive-examples", args.naive_examples)):
        if not 100 <= n <= EPOCH:
            parser.error(f"{label} must be between 100 and {EPOCH}, got {n}")
    print_table(run(args.examples, min(args.naive_examples, args.examples)))


if __name__ == "__main__":
    main()
