"""Finite-difference checks, in float64, of every gradient nnlib computes by hand."""
import itertools

import numpy as np
import pytest

import nnlib
from nnlib.optimizers import SGD

HIDDEN = ["sigmoid", "tanh", "relu", {"name": "leaky_relu", "alpha": 0.2}, "softmax", "linear"]
OUTPUT_COST = ([(a, "quadratic") for a in HIDDEN] + [(a, {"name": "quadratic", "half": False}) for a in HIDDEN]
               + [(a, "mse") for a in HIDDEN] + [("sigmoid", "cross_entropy"), ("softmax", "categorical_cross_entropy")])


def numeric_gradients(model, X, y, eps=1e-6):
    """Central differences of the mean cost with respect to every parameter entry."""
    grads = []
    for _, p in model.parameters():
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = model.loss_and_gradients(X, y)[0]
            p[idx] = old - eps
            down = model.loss_and_gradients(X, y)[0]
            p[idx] = old
            g[idx] = (np.sum(up) - np.sum(down)) / (2 * eps)
        grads.append(g)
    return grads


def assert_gradients_match(model, X, y, rtol=1e-5, atol=1e-7):
    _, analytic = model.loss_and_gradients(X, y)
    numeric = numeric_gradients(model, X, y)
    for (name, _), a, n in zip(model.parameters(), analytic, numeric):
        np.testing.assert_allclose(a, n, rtol=rtol, atol=atol, err_msg=name)


def small_problem(n_in=4, n_out=3, m=5, seed=0, onehot_soft=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n_in))
    y = rng.integers(0, n_out, size=m)
    return X, y


@pytest.mark.parametrize("hidden,output_cost", list(itertools.product(HIDDEN, OUTPUT_COST)),
                         ids=lambda v: str(v))
@pytest.mark.parametrize("depth", [0, 2])
def test_mlp_gradients(hidden, output_cost, depth):
    output, cost = output_cost
    sizes = [4] + [5] * depth + [3]
    model = nnlib.MLP(sizes, activation=hidden, output_activation=output, cost=cost,
                      init="glorot", random_state=1, dtype="float64")
    X, y = small_problem()
    assert_gradients_match(model, X, y)


def test_gradients_with_replicas_are_per_replica():
    model = nnlib.MLP([4, 5, 3], activation="tanh", random_state=[3, 4], dtype="float64")
    X, y = small_problem()
    assert_gradients_match(model, X, y)


def test_gradients_with_real_valued_targets():
    model = nnlib.MLP([2, 3, 1], activation="tanh", output_activation="tanh", cost="mse",
                      init="uniform", dtype="float64")
    X = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]])
    assert_gradients_match(model, X, np.array([[0.0], [1], [1], [0]]))


def _sgd_step(model, grads, opt):
    params = [p.copy() for _, p in model.parameters()]
    opt.start(params, n_train=50)
    opt.step(params, [g.copy() for g in grads], model._is_weight())
    return params


def test_l2_decay_step_is_gradient_step_on_regularised_cost():
    """Nielsen's w ← (1 − ηλ/n) w − η∇C equals a plain step on C + (λ/2n)‖w‖² (weights only)."""
    model = nnlib.MLP([4, 5, 3], activation="sigmoid", output_activation="sigmoid",
                      cost="cross_entropy", init="scaled_normal", dtype="float64")
    X, y = small_problem()
    lam, n, eta = 5.0, 50, 0.5
    numeric = numeric_gradients(model, X, y)
    regularised = [g + (lam / n) * p if w else g
                   for g, (_, p), w in zip(numeric, model.parameters(), model._is_weight())]
    want = _sgd_step(model, regularised, SGD(lr=eta))
    _, analytic = model.loss_and_gradients(X, y)
    got = _sgd_step(model, analytic, SGD(lr=eta, weight_decay=lam))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("optimizer", [SGD, nnlib.Adam])
def test_clipping_rescales_to_global_norm(optimizer):
    """A clipped step equals an unclipped step on the numeric gradient rescaled to norm c."""
    model = nnlib.MLP([4, 5, 3], activation="relu", init="normal", dtype="float64")
    X, y = small_problem()
    numeric = numeric_gradients(model, X, y)
    norm = np.sqrt(sum((g ** 2).sum() for g in numeric))
    c = norm / 3
    assert norm > c
    want = _sgd_step(model, [g * (c / norm) for g in numeric], optimizer(lr=0.1))
    _, analytic = model.loss_and_gradients(X, y)
    got = _sgd_step(model, analytic, optimizer(lr=0.1, clip_norm=c))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


def test_clipping_leaves_small_gradients_alone():
    model = nnlib.MLP([4, 5, 3], activation="relu", dtype="float64")
    X, y = small_problem()
    _, grads = model.loss_and_gradients(X, y)
    a = _sgd_step(model, grads, SGD(lr=0.1))
    b = _sgd_step(model, grads, SGD(lr=0.1, clip_norm=1e6))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_study_003_hand_computed_example():
    """The 3-2-3 network of study 003 (EXPERIMENTS.md): leaky ReLU α = 0.2, sigmoid output,
    C = Σ(a − y)²; published weights are (out × in), nnlib's are (in × out)."""
    model = nnlib.MLP([3, 2, 3], activation={"name": "leaky_relu", "alpha": 0.2},
                      output_activation="sigmoid", cost={"name": "quadratic", "half": False},
                      dtype="float64")
    W1 = np.array([[-0.75, 0.5, -0.25], [0.25, -0.5, 0.75]])
    W2 = np.array([[-0.75, 0.75], [0.5, -0.5], [-0.25, 0.25]])
    l1, l2 = model.layers
    l1.W[0], l1.b[0] = W1.T, [0, 1]
    l2.W[0], l2.b[0] = W2.T, [0.75, 0.5, 0.25]
    x = np.array([[0.25, 0.5, 0.75]])
    y = np.array([[0.0, 1, 0]])
    z1, a1 = l1.forward(x)
    z2, a2 = l2.forward(a1)
    np.testing.assert_allclose(z1[0, 0], [-0.125, 1.375], atol=1e-12)
    np.testing.assert_allclose(a1[0, 0], [-0.025, 1.375], atol=1e-12)
    np.testing.assert_allclose(z2[0, 0], [1.8, -0.2, 0.6], atol=1e-12)
    delta2 = model.cost.delta(z2, a2, y, l2.activation)[0, 0]
    np.testing.assert_allclose(delta2, [0.208924, -0.272186, 0.295432], atol=1e-6)
    _, (dW1, db1, dW2, db2) = model.loss_and_gradients(x, y)
    np.testing.assert_allclose(db1[0], [-0.0733288, 0.366644], atol=1e-6)
    np.testing.assert_allclose(dW2[0].T, [[-0.0052231, 0.287271], [0.00680465, -0.374256],
                                          [-0.0073858, 0.406219]], atol=1e-6)
    np.testing.assert_allclose(dW1[0].T, [[-0.0183322, -0.0366644, -0.0549966],
                                          [0.091661, 0.183322, 0.274983]], atol=1e-6)
