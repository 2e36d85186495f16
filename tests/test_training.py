"""Training behaviour: learning real tasks, replicas, determinism, stopping rules, divergence."""
import numpy as np
import pytest

import nnlib
from nnlib import data

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0])


@pytest.fixture(scope="module")
def digits():
    return data.load("digits")


def xor_net(**kw):
    """Study 004's network: 2-3-1, tanh everywhere, MSE, uniform [−0.5, 0.5) init."""
    return nnlib.MLP([2, 3, 1], activation="tanh", output_activation="tanh", cost="mse", init="uniform", **kw)


def test_xor_study_004_reaches_100_percent():
    """Per-example SGD, no shuffle, η = 0.1, 1,000 epochs (study 004's protocol), 20 seeds at once."""
    model = xor_net(random_state=0, n_replicas=20)
    model.fit(XOR_X, XOR_Y, epochs=1000, batch_size=1, optimizer=nnlib.SGD(lr=0.1), shuffle=False)
    acc = model.history_["train_accuracy"][-1]
    assert acc[2] == 1.0
    assert (acc == 1.0).mean() >= 0.5, acc
    np.testing.assert_array_equal(model.replica(2).predict(XOR_X), XOR_Y)


def test_mlp_learns_digits(digits):
    model = nnlib.MLP([64, 64, 10], activation="relu", random_state=0)
    model.fit(digits.X_train, digits.y_train, epochs=30, batch_size=16, optimizer=nnlib.Adam(lr=3e-3))
    assert model.evaluate(digits.X_test, digits.y_test)["accuracy"] > 0.95


def test_replicas_equal_single_runs(digits):
    kw = dict(activation="sigmoid", output_activation="sigmoid", cost="cross_entropy", init="scaled_normal")
    fit = dict(epochs=3, batch_size=10, optimizer=nnlib.SGD(lr=0.5, weight_decay=5.0), shuffle_seed=7,
               eval_sets={"test": (digits.X_test, digits.y_test)})
    multi = nnlib.MLP([64, 20, 10], random_state=[0, 1, 2], **kw).fit(digits.X_train, digits.y_train, **fit)
    for k in range(3):
        single = nnlib.MLP([64, 20, 10], random_state=k, **kw).fit(digits.X_train, digits.y_train, **fit)
        for (name, a), (_, b) in zip(multi.parameters(), single.parameters()):
            np.testing.assert_allclose(a[k], b[0], rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(multi.history_["test_accuracy"][:, k], single.history_["test_accuracy"][:, 0])


def test_same_seed_same_result_and_float32_default(digits):
    runs = [nnlib.MLP([64, 16, 10], random_state=5).fit(digits.X_train, digits.y_train, epochs=2,
                                                        optimizer=nnlib.Adam()) for _ in range(2)]
    for (_, a), (_, b) in zip(runs[0].parameters(), runs[1].parameters()):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    m64 = nnlib.MLP([64, 16, 10], dtype="float64")
    assert all(p.dtype == np.float64 for _, p in m64.parameters())


def test_history_records_every_epoch_and_set(digits):
    model = nnlib.MLP([64, 16, 10], n_replicas=2)
    model.fit(digits.X_train, digits.y_train, epochs=3, eval_sets={"test": (digits.X_test, digits.y_test)})
    h = model.history_
    assert h.epoch == [1, 2, 3] and len(h.seconds) == 3
    for key in ("batch_loss", "train_loss", "train_accuracy", "test_loss", "test_accuracy"):
        assert h[key].shape == (3, 2)
    assert np.all(h["train_loss"][-1] < h["train_loss"][0])
    assert nnlib.History.from_dict(h.to_dict()).metrics == h.metrics


def test_target_accuracy_stops_each_replica(digits):
    model = nnlib.MLP([64, 32, 10], random_state=0, n_replicas=3)
    model.fit(digits.X_train, digits.y_train, epochs=50, batch_size=32, optimizer=nnlib.SGD(lr=0.5),
              eval_sets={"test": (digits.X_test, digits.y_test)}, target=("test", 0.9))
    h = model.history_
    acc = h["test_accuracy"]
    for k, stop in enumerate(h.stopped_epoch):
        assert stop is not None
        assert acc[stop - 1, k] > 0.9 and np.all(acc[:stop - 1, k] <= 0.9)
        assert np.all(np.isnan(acc[stop:, k]))
    assert len(h.epoch) == max(h.stopped_epoch) < 50


def test_keep_best_restores_best_validation_weights(digits):
    model = nnlib.MLP([64, 32, 10], random_state=0, n_replicas=2)
    val = (digits.X_test, digits.y_test)
    model.fit(digits.X_train, digits.y_train, epochs=8, batch_size=10, optimizer=nnlib.SGD(lr=2.0),
              eval_sets={"val": val}, keep_best="val")
    best = np.nanmax(model.history_["val_accuracy"], axis=0)
    np.testing.assert_allclose(model.evaluate(*val)["accuracy"], best)
    assert model.history_.best_epoch == list(np.nanargmax(model.history_["val_accuracy"], axis=0) + 1)


def test_divergence_is_recorded_not_raised(digits):
    """A linear network with a far too large step blows up to inf/NaN: recorded, not raised."""
    model = nnlib.MLP([64, 32, 10], activation="linear", output_activation="linear", cost="mse",
                      random_state=0, n_replicas=2)
    model.fit(digits.X_train, digits.y_train, epochs=3, batch_size=32, optimizer=nnlib.SGD(lr=50.0))
    h = model.history_
    assert all(d is not None for d in h.diverged_epoch)
    assert np.all(np.isnan(h["train_accuracy"][-1]))


@pytest.mark.parametrize("kwargs,message", [
    (dict(epochs=-1), "epochs"), (dict(batch_size=0), "batch_size"),
    (dict(target=("val", 0.5)), "not evaluated"), (dict(optimizer="rmsprop"), "known: adam, sgd"),
])
def test_bad_fit_arguments_are_refused(digits, kwargs, message):
    with pytest.raises(ValueError, match=message):
        nnlib.MLP([64, 10]).fit(digits.X_train, digits.y_train, **kwargs)


def test_bad_model_arguments_are_refused(digits):
    with pytest.raises(ValueError, match="known:"):
        nnlib.MLP([64, 10], activation="swish", output_activation="swish")
    with pytest.raises(ValueError, match="needs a softmax output"):
        nnlib.MLP([64, 10], output_activation="sigmoid", cost="categorical_cross_entropy")
    with pytest.raises(ValueError, match="n_features = 64"):
        nnlib.MLP([64, 10]).predict(np.zeros((2, 63)))
    with pytest.raises(ValueError, match="labels must lie in"):
        nnlib.MLP([64, 10]).fit(digits.X_train, digits.y_train + 5)
    with pytest.raises(ValueError, match="alpha"):
        nnlib.LeakyReLU(alpha=2)


def test_counts():
    model = nnlib.MLP([784, 30, 10])
    assert model.n_parameters == 784 * 30 + 30 + 30 * 10 + 10
    assert model.multiply_adds == 784 * 30 + 30 * 10
    assert nnlib.MLP([784, 128, 64, 10]).n_parameters == 109_386  # study 000's "Medium"
    assert nnlib.MLP([784, 256, 128, 64, 10]).n_parameters == 242_762  # study 000's "Large"


def test_a_deep_copied_model_trains_like_the_original(digits):
    """The first layer stores its weights in a replica-interleaved buffer; a copy must not end up
    with a weight view and a buffer that no longer share memory."""
    import copy

    fit = dict(epochs=2, batch_size=32, optimizer=nnlib.SGD(lr=0.5))
    model = nnlib.MLP([64, 16, 10], random_state=[0, 1])
    twin = copy.deepcopy(model)
    model.fit(digits.X_train, digits.y_train, **fit)
    twin.fit(digits.X_train, digits.y_train, **fit)
    for (_, a), (_, b) in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(a, b)
    assert np.shares_memory(twin.layers[0].W, twin.layers[0]._W)
