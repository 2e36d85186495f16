"""Loading a dataset as arrays: the official train/test split, or train/validation/test."""
from __future__ import annotations

from dataclasses import dataclass, field
import numpy as np

from .files import IDX_FILES, SHA256, _check_name, cache_path, check_sha256, data_dir, missing_files
from .idx import check_counts, parse_idx
from .sources import fetch


# ---------------------------------------------------------------- loading
@dataclass(frozen=True, kw_only=True)
class Dataset:
    """A dataset split into train / (validation) / test.

    X arrays have shape (n, features) with values in [0, 1]; y arrays are int64 labels
    of shape (n,). ``X_val``/``y_val`` are None unless loaded with ``validation=True``.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    image_shape: tuple[int, ...]
    n_classes: int
    sha256: dict[str, str] = field(default_factory=dict)

    @property
    def splits(self) -> tuple[str, ...]:
        """Names of the splits present: ("train", "test") or ("train", "val", "test")."""
        return ("train", "val", "test") if self.X_val is not None else ("train", "test")

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """(X, y) of split ``which`` ("train", "val" or "test")."""
        if which not in self.splits:
            raise ValueError(f"no split {which!r} in {self.name}; splits: {', '.join(self.splits)}")
        return getattr(self, f"X_{which}"), getattr(self, f"y_{which}")


def _load_idx(name: str, validation: bool, dtype: np.dtype) -> Dataset:
    if missing_files(name):
        fetch(name)
    arrays, hashes = {}, {}
    for f in IDX_FILES:
        path = cache_path(name, f)
        raw = path.read_bytes()
        arrays[f] = parse_idx(raw, path, role=f)
        hashes[f] = check_sha256(raw, SHA256[name][f], path, name)
    check_counts(arrays, data_dir() / name)
    images, labels = arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]
    image_shape = tuple(images.shape[1:])

    def scale(a: np.ndarray) -> np.ndarray:
        return (a.reshape(len(a), -1).astype(dtype) / 255).astype(dtype, copy=False)

    X, y = scale(images), labels.astype(np.int64)
    X_test = scale(arrays["t10k-images-idx3-ubyte"])
    y_test = arrays["t10k-labels-idx1-ubyte"].astype(np.int64)
    X_val = y_val = None
    if validation:  # Nielsen's split: first 50,000 train, last 10,000 validation
        X, X_val, y, y_val = X[:50_000], X[50_000:], y[:50_000], y[50_000:]
    return Dataset(name=name, X_train=X, y_train=y, X_test=X_test, y_test=y_test, X_val=X_val,
                   y_val=y_val, image_shape=image_shape, n_classes=10, sha256=hashes)


def _load_digits(validation: bool, dtype: np.dtype) -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X, y = (X / 16).astype(dtype), y.astype(np.int64)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    X_val = y_val = None
    if validation:
        X_tr, X_val, y_tr, y_val = train_test_split(X_tr, y_tr, test_size=0.2, stratify=y_tr, random_state=0)
    return Dataset(name="digits", X_train=X_tr, y_train=y_tr, X_test=X_te, y_test=y_te,
                   X_val=X_val, y_val=y_val, image_shape=(8, 8), n_classes=10)


def _load_xor(validation: bool, dtype: np.dtype) -> Dataset:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    X_val, y_val = (X.copy(), y.copy()) if validation else (None, None)
    return Dataset(name="xor", X_train=X, y_train=y, X_test=X.copy(), y_test=y.copy(),
                   X_val=X_val, y_val=y_val, image_shape=(2,), n_classes=2)


def load(name: str, *, validation: bool = False, dtype: type | np.dtype = np.float32) -> Dataset:
    """Load dataset ``name`` (one of KNOWN_DATASETS), fetching MNIST/Fashion-MNIST if needed.

    mnist / fashion-mnist: X (60000, 784) / (10000, 784); with ``validation`` train is the
    first 50,000 and val the last 10,000 of the official training set. digits: X (n, 64),
    stratified 75/25 split (random_state=0), with ``validation`` 20 % of train becomes val.
    xor: the 4 points of X (4, 2) are train, test (and val).
    """
    _check_name(name)
    dt = np.dtype(dtype)
    if name == "digits":
        return _load_digits(validation, dt)
    if name == "xor":
        return _load_xor(validation, dt)
    return _load_idx(name, validation, dt)
