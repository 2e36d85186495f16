"""RecursiveNet (study 000) and RNN (study 001): gradients, equivalences, learning, replicas."""
import numpy as np
import pytest

import nnlib
from nnlib import data
from test_gradients import assert_gradients_match


@pytest.fixture(scope="module")
def digits():
    return data.load("digits")


def problem(shape, n_out=3, m=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, *shape)), rng.integers(0, n_out, size=m)


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_recursive_net_gradients(depth, residual):
    model = nnlib.RecursiveNet(n_in=5, hidden=4, depth=depth, n_out=3, residual=residual,
                               random_state=2, dtype="float64")
    X, y = problem((5,))
    assert_gradients_match(model, X, y)


@pytest.mark.parametrize("n_layers", [1, 2])
@pytest.mark.parametrize("T", [1, 2, 3, 4, 5])
def test_rnn_gradients(n_layers, T):
    model = nnlib.RNN(n_in=3, hidden=4, n_layers=n_layers, n_out=3, random_state=1, dtype="float64")
    X, y = problem((T, 3))
    assert_gradients_match(model, X, y)


def test_gradients_with_replicas():
    X, y = problem((3, 3))
    assert_gradients_match(nnlib.RNN(3, 4, n_layers=2, n_out=3, random_state=[1, 2], dtype="float64"), X, y)
    X, y = problem((5,))
    assert_gradients_match(nnlib.RecursiveNet(5, 4, 3, 3, random_state=[1, 2], dtype="float64"), X, y)


def test_recursive_depth_zero_is_a_one_hidden_layer_mlp():
    rec = nnlib.RecursiveNet(n_in=6, hidden=5, depth=0, n_out=4, dtype="float64")
    mlp = nnlib.MLP([6, 5, 4], activation="relu", dtype="float64")
    mlp.layers[0].W[...], mlp.layers[0].b[...] = rec.input_layer.W, rec.input_layer.b
    mlp.layers[1].W[...], mlp.layers[1].b[...] = rec.output_layer.W, rec.output_layer.b
    X, _ = problem((6,), m=7)
    np.testing.assert_allclose(rec.predict_proba(X), mlp.predict_proba(X), rtol=1e-12)


def test_rnn_with_one_step_is_a_one_hidden_layer_tanh_mlp():
    rnn = nnlib.RNN(n_in=6, hidden=5, n_out=4, dtype="float64")
    mlp = nnlib.MLP([6, 5, 4], activation="tanh", dtype="float64")
    mlp.layers[0].W[...] = rnn.input_proj[0].W
    mlp.layers[0].b[...] = rnn.input_proj[0].b + rnn.recurrent[0].b  # b_ih + b_hh
    mlp.layers[1].W[...], mlp.layers[1].b[...] = rnn.readout.W, rnn.readout.b
    X, _ = problem((1, 6), m=7)
    np.testing.assert_allclose(rnn.predict_proba(X), mlp.predict_proba(X[:, 0]), rtol=1e-12)


def test_parameter_and_compute_counts():
    assert nnlib.RecursiveNet(784, 88, 4, 10).n_parameters == 77_802  # study 000 claims 78,802
    for h in (60, 70, 88, 120):
        assert nnlib.RecursiveNet(784, h, 2, 10).n_parameters == h * h + 796 * h + 10
    assert nnlib.RecursiveNet(784, 120, 2, 10).n_parameters == 109_930
    assert nnlib.RecursiveNet(784, 88, 4, 10).multiply_adds == 784 * 88 + 4 * 88 * 88 + 88 * 10
    # PyTorch: nn.RNN(84, h, num_layers=L) has 84h + h² + 2h, then (h² + h² + 2h) per extra layer.
    for h, L in ((2, 1), (64, 1), (16, 2)):
        rnn = nnlib.RNN(84, h, n_layers=L, n_out=10)
        torch_count = (84 * h + h * h + 2 * h) + (L - 1) * (2 * h * h + 2 * h) + h * 10 + 10
        assert rnn.n_parameters == torch_count
        assert rnn.multiply_adds == 9 * (84 * h + h * h + (L - 1) * 2 * h * h) + h * 10


def test_recursive_net_learns_digits_and_records_gradient_norms(digits):
    model = nnlib.RecursiveNet(64, 64, depth=3, n_out=10, record_gradient_norms=True, random_state=0)
    model.fit(digits.X_train, digits.y_train, epochs=30, batch_size=16, optimizer=nnlib.SGD(lr=0.05, clip_norm=5.0))
    assert model.evaluate(digits.X_test, digits.y_test)["accuracy"] > 0.9
    norms = np.stack([model.history_[f"grad_norm_h{t}"] for t in range(4)])  # (D+1, epochs, K)
    assert norms.shape == (4, 30, 1) and np.all(norms > 0) and np.all(np.isfinite(norms))


def test_rnn_learns_digits_row_by_row(digits):
    X_train = data.row_sequence(digits.X_train, (8, 8))  # 8 steps of one 8-pixel row
    X_test = data.row_sequence(digits.X_test, (8, 8))
    model = nnlib.RNN(8, 64, random_state=0).fit(X_train, digits.y_train, epochs=30, batch_size=16,
                                                 optimizer=nnlib.Adam(lr=3e-3))
    assert model.evaluate(X_test, digits.y_test)["accuracy"] > 0.9


@pytest.mark.parametrize("make,sequence", [
    (lambda seeds: nnlib.RecursiveNet(64, 16, depth=3, n_out=10, residual=True, random_state=seeds), False),
    (lambda seeds: nnlib.RNN(8, 16, n_layers=2, random_state=seeds), True),
])
def test_replicas_equal_single_runs(digits, make, sequence):
    X = data.row_sequence(digits.X_train, (8, 8)) if sequence else digits.X_train
    fit = dict(epochs=2, batch_size=32, optimizer=nnlib.Adam(lr=1e-3, clip_norm=1.0), shuffle_seed=3)
    multi = make([0, 1, 2]).fit(X, digits.y_train, **fit)
    for k in range(3):
        single = make(k).fit(X, digits.y_train, **fit)
        for (name, a), (_, b) in zip(multi.parameters(), single.parameters()):
            np.testing.assert_allclose(a[k], b[0], rtol=1e-4, atol=1e-5, err_msg=name)


def test_save_and_load_sequence_models(tmp_path):
    X, _ = problem((4, 3), m=5)
    rnn = nnlib.RNN(3, 4, n_layers=2, n_out=3, random_state=[5, 6])
    rnn.save(tmp_path / "rnn")
    np.testing.assert_array_equal(nnlib.load_model(tmp_path / "rnn").predict_proba(X), rnn.predict_proba(X))
    rec = nnlib.RecursiveNet(3, 4, 2, 3, residual=True)
    rec.save(tmp_path / "rec")
    again = nnlib.load_model(tmp_path / "rec")
    assert again.residual and again.depth == 2
    np.testing.assert_array_equal(again.predict_proba(X[:, 0]), rec.predict_proba(X[:, 0]))


def test_bad_arguments():
    with pytest.raises(ValueError, match="depth"):
        nnlib.RecursiveNet(depth=-1)
    with pytest.raises(ValueError, match=r"\(m, steps, n_features\)"):
        nnlib.RNN(84, 8).predict(np.zeros((3, 84)))


# ---------------------------------------------------------------- the untied twin (the book's control)
@pytest.mark.parametrize("T", [1, 2, 3, 5])
def test_untied_rnn_gradients(T):
    model = nnlib.UntiedRNN(n_in=3, hidden=4, steps=T, n_out=3, random_state=1, dtype="float64")
    X, y = problem((T, 3))
    assert_gradients_match(model, X, y)


def test_untied_rnn_gradients_with_replicas():
    X, y = problem((3, 3))
    assert_gradients_match(nnlib.UntiedRNN(3, 4, steps=3, n_out=3, random_state=[1, 2], dtype="float64"), X, y)


def test_untied_rnn_with_every_step_set_to_the_tied_weights_is_the_tied_rnn():
    """The untied twin computes the same function as the RNN when its steps share one weight set."""
    rnn = nnlib.RNN(n_in=5, hidden=4, n_out=3, random_state=[3, 4], dtype="float64")
    twin = nnlib.UntiedRNN(n_in=5, hidden=4, steps=6, n_out=3, random_state=[0, 1], dtype="float64")
    twin.U[...] = rnn.input_proj[0].W[:, None]
    twin.c[...] = (rnn.input_proj[0].b + rnn.recurrent[0].b)[:, None]
    twin.V[...] = rnn.recurrent[0].W[:, None]
    twin.readout.W[...], twin.readout.b[...] = rnn.readout.W, rnn.readout.b
    X, _ = problem((6, 5), m=7)
    np.testing.assert_allclose(twin.predict_proba(X), rnn.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize("h", [1, 8, 64])
def test_untied_rnn_counts(h):
    """Same multiply-adds as the tied RNN of the same width; T·(84h + h) + (T − 1)h² + 10h + 10 parameters."""
    from nnlib.runner import studies
    twin = nnlib.UntiedRNN(84, h, steps=9)
    assert twin.multiply_adds == nnlib.RNN(84, h).multiply_adds
    assert twin.n_parameters == 9 * (84 * h + h) + 8 * h * h + 10 * h + 10 == studies.untied_rnn_params(h)


def test_untied_rnn_refuses_another_sequence_length():
    with pytest.raises(ValueError, match="built for 9 steps"):
        nnlib.UntiedRNN(84, 8).predict(np.zeros((3, 8, 84)))


def test_untied_rnn_replicas_match_single_runs(digits):
    X = data.row_sequence(digits.X_train[:64], digits.image_shape)
    y = digits.y_train[:64]
    group = nnlib.UntiedRNN(X.shape[2], 6, steps=X.shape[1], random_state=[4, 5], dtype="float64")
    group.fit(X, y, epochs=2, batch_size=16, shuffle_seed=0)
    alone = nnlib.UntiedRNN(X.shape[2], 6, steps=X.shape[1], random_state=5, dtype="float64")
    alone.fit(X, y, epochs=2, batch_size=16, shuffle_seed=0)
    np.testing.assert_allclose(group.predict_proba(X)[1], alone.predict_proba(X), rtol=1e-9)


def test_untied_rnn_saves_and_loads(tmp_path):
    X, y = problem((4, 3), m=12)
    model = nnlib.UntiedRNN(3, 5, steps=4, n_out=3, n_replicas=2).fit(X.astype(np.float32), y, epochs=2)
    model.save(tmp_path / "twin")
    again = nnlib.load_model(tmp_path / "twin")
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
