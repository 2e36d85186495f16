"""The book's networks written in PyTorch (CPU), for the speed comparisons of the benchmark
(:mod:`nnlib.book.bench`) and of study 003 (:mod:`nnlib.book.study003`).

PyTorch is optional (``pip install -e .[compare]``): this module imports it only inside its
functions; :func:`available` says whether it is installed.  Each ``*_epoch_seconds`` function
builds its network, then times one pass over the given examples (set-up not timed), in float32
with the examples as in-memory tensors sliced into mini-batches: what one would write to train
these small networks quickly, not a tuned program.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np


def available() -> bool:
    """Whether PyTorch can be imported."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def version() -> str | None:
    """PyTorch's version, or None when it is not installed."""
    if not available():
        return None
    import torch
    return torch.__version__


def set_threads(n: int) -> None:
    """PyTorch's intra-op threads (its BLAS and OpenMP pools)."""
    import torch
    torch.set_num_threads(int(n))


def _tensors(X: np.ndarray, y: np.ndarray):
    import torch
    return torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)), torch.from_numpy(np.asarray(y, dtype=np.int64))


def mlp(sizes: list[int], hidden: str) -> Any:
    """``nn.Sequential`` of Linear layers with ``hidden`` ("sigmoid", "tanh" or "relu") between
    them; the output activation belongs to the loss."""
    from torch import nn
    act = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}[hidden]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def rnn(n_in: int = 84, hidden: int = 64, n_out: int = 10) -> Any:
    """Study 001's network: ``nn.RNN`` (tanh, one layer) over the steps, read out from the last
    state by a Linear layer.  Input (m, T, n_in)."""
    from torch import nn

    class LastStateRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(n_in, hidden, batch_first=True)
            self.out = nn.Linear(hidden, n_out)

        def forward(self, x):
            states, _ = self.rnn(x)
            return self.out(states[:, -1])

    return LastStateRNN()


def recursive_net(n_in: int = 784, hidden: int = 88, depth: int = 4, n_out: int = 10) -> Any:
    """Study 000's RecursiveNet: ReLU input projection, the same ReLU layer applied ``depth``
    times, a Linear read-out."""
    from torch import nn

    class RecursiveNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(n_in, hidden)
            self.shared = nn.Linear(hidden, hidden)
            self.out = nn.Linear(hidden, n_out)

        def forward(self, x):
            h = self.inp(x).relu()
            for _ in range(depth):
                h = self.shared(h).relu()
            return self.out(h)

    return RecursiveNet()


def half_squared_error_on_sigmoid(logits, target_labels):
    """Study 002's c1 cost: ½‖σ(z) − t‖² per example, averaged over the batch (t one-hot)."""
    import torch
    t = torch.nn.functional.one_hot(target_labels, logits.shape[1]).to(logits.dtype)
    return 0.5 * ((torch.sigmoid(logits) - t) ** 2).sum(dim=1).mean()


def epoch_seconds(model, X: np.ndarray, y: np.ndarray, batch_size: int, optimizer: str, lr: float,
                  loss: str = "cross_entropy", clip_norm: float | None = None, shuffle: bool = True,
                  seed: int = 0) -> float:
    """Seconds of one training pass of ``model`` over (X, y) in mini-batches.

    optimizer: "sgd" or "adam"; loss: "cross_entropy" (softmax) or "half_squared_sigmoid" (c1);
    clip_norm: clip the gradient's global norm (``clip_grad_norm_``); shuffle: a new order (one
    ``randperm``) for the epoch."""
    import torch
    torch.manual_seed(seed)
    Xt, yt = _tensors(X, y)
    opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss() if loss == "cross_entropy" else half_squared_error_on_sigmoid
    params = list(model.parameters())
    t0 = time.perf_counter()
    order = torch.randperm(len(Xt)) if shuffle else None
    for start in range(0, len(Xt), batch_size):
        if order is None:
            xb, yb = Xt[start:start + batch_size], yt[start:start + batch_size]
        else:
            idx = order[start:start + batch_size]
            xb, yb = Xt[idx], yt[idx]
        value = loss_fn(model(xb), yb)
        opt.zero_grad()
        value.backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, clip_norm)
        opt.step()
    return time.perf_counter() - t0


# ---------------------------------------------------------------- study 003


def study003_model(seed: int, sizes: tuple[int, ...] = (784, 256, 10)):
    """The author's PyTorch network: Linear-ReLU-Linear, Kaiming-normal weights (fan_in, ReLU
    gain: N(0, 2/n_in)), zero biases, drawn from ``torch.manual_seed(seed)``."""
    import torch
    torch.manual_seed(seed)
    model = mlp(list(sizes), "relu")
    for layer in model:
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
            torch.nn.init.zeros_(layer.bias)
    return model


def time_to_target(seed: int, X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                   lr: float = 0.1, batch_size: int = 512, target: float = 0.96, max_epochs: int = 100) -> dict:
    """Train the author's PyTorch protocol (SGD, cross-entropy, batches in data order, no
    shuffling) until test accuracy after an epoch exceeds ``target``, or ``max_epochs``.

    Returns {"epochs": epochs run, "reached": bool, "seconds": wall time of the whole loop
    (training and the test evaluations), "train_seconds": [per epoch], "eval_seconds": [per epoch],
    "test_accuracy": [per epoch]}."""
    import torch
    model = study003_model(seed)
    Xt, yt = _tensors(X, y)
    Xe, ye = _tensors(X_test, y_test)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    out = {"train_seconds": [], "eval_seconds": [], "test_accuracy": []}
    t_start = time.perf_counter()
    for _ in range(max_epochs):
        t0 = time.perf_counter()
        for start in range(0, len(Xt), batch_size):
            value = loss_fn(model(Xt[start:start + batch_size]), yt[start:start + batch_size])
            opt.zero_grad()
            value.backward()
            opt.step()
        t1 = time.perf_counter()
        with torch.no_grad():
            accuracy = float((model(Xe).argmax(dim=1) == ye).float().mean())
        out["train_seconds"].append(t1 - t0)
        out["eval_seconds"].append(time.perf_counter() - t1)
        out["test_accuracy"].append(accuracy)
        if accuracy > target:
            break
    out["seconds"] = time.perf_counter() - t_start
    out["epochs"] = len(out["test_accuracy"])
    out["reached"] = out["test_accuracy"][-1] > target
    return out


def per_image_loader_epoch_seconds(images: np.ndarray, labels: np.ndarray, seed: int = 0,
                                   lr: float = 0.1, batch_size: int = 512) -> float:
    """Seconds of one training epoch of the same network fed the way the author's script feeds
    it: a ``DataLoader`` over a dataset that turns each uint8 28 × 28 image into a float tensor
    when asked for it (a PIL image, then ToTensor's conversion: what torchvision's MNIST with
    ``ToTensor()`` does; written out here, torchvision is not needed).  images: (m, 28, 28) uint8."""
    import torch
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset

    class PerImage(Dataset):
        def __len__(self):
            return len(images)

        def __getitem__(self, i):
            picture = Image.fromarray(images[i], mode="L")
            x = torch.from_numpy(np.array(picture, np.uint8, copy=True))
            return x.view(1, 28, 28).float().div(255), int(labels[i])

    model = study003_model(seed)
    flat = torch.nn.Flatten()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for xb, yb in DataLoader(PerImage(), batch_size=batch_size):
        value = loss_fn(model(flat(xb)), yb)
        value.backward()
        opt.step()
        opt.zero_grad()
    return time.perf_counter() - t0


def hand_example(W1, b1, W2, b2, x, t, alpha: float) -> dict[str, np.ndarray]:
    """Study 003's 3-2-3 check by autograd, float64: leaky-ReLU(α) hidden layer, sigmoid output,
    cost Σ(a − t)².  Weights (out × in) as the author writes them; returns z1, a1, z2, the
    gradients dW1, dW2 (out × in) and δ1, δ2 (= the bias gradients)."""
    import torch
    P = {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)
         for k, v in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))}
    xv = torch.tensor(np.asarray(x, dtype=np.float64))
    z1 = P["W1"] @ xv + P["b1"]
    a1 = torch.nn.functional.leaky_relu(z1, alpha)
    z2 = P["W2"] @ a1 + P["b2"]
    cost = ((torch.sigmoid(z2) - torch.tensor(np.asarray(t, dtype=np.float64))) ** 2).sum()
    cost.backward()
    return {"z1": z1.detach().numpy(), "a1": a1.detach().numpy(), "z2": z2.detach().numpy(),
            "delta2": P["b2"].grad.numpy(), "delta1": P["b1"].grad.numpy(),
            "dW2": P["W2"].grad.numpy(), "dW1": P["W1"].grad.numpy()}
