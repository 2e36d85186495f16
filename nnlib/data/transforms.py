"""Input transforms for study 002 (Nielsen's network, ported to Rust by its authors): the authors'
augmentation, the patch "convolution" and the confidence of a prediction.

Images arrive flattened: ``X`` of shape ``(n, h·w)`` (MNIST: ``(n, 784)``, ``image_shape = (28, 28)``),
floating point with values in [0, 1].  Every function returns a new array of the input's dtype
(float32 stays float32) and takes an explicit ``np.random.Generator`` where it draws random numbers.

The rules follow the authors' code (YJDoc2/Rust-NN: ``src/util/manipulation.rs``, ``data_ext.rs``,
``data_all.rs`` and ``kernels.rs``).  Their random numbers came from an unseeded generator, so the
exact images cannot be reproduced; the rules can, with a seeded generator here.

* :func:`shift_images` — a shift by 3 or 4 pixels (drawn per image), the direction cycling left,
  down, right, up with the image's index; pixels shifted in are 0.
* :func:`set_noise` — 50–150 pixel positions drawn *with replacement*, each set to 0 if its value
  is above 0.5 and to 1 otherwise (a position drawn twice is set twice).
* :func:`shifted_noisy`, :func:`with_shifted_noisy_copy` — a shift followed by noise, and a set
  with such a copy of every image appended (the authors' extended validation and test sets).
* :func:`rust_nn_augment` — c2_mod's training set: every image once, plus a shifted copy of the
  first 30 %, a noisy copy of the next 30 % and a shifted-and-noisy copy of the last 40 % (for
  50,000 images: 0–15k, 15k–30k and 30k–50k, 100,000 images in all).
* :data:`AUTHOR_KERNELS`, :data:`BOOK_KERNELS`, :func:`patch_features`, :func:`patch_conv_input` —
  c2_conv's six 4×4 kernels summed over the 49 disjoint 4×4 blocks, fed to the dense network
  together with the raw pixels.
* :func:`confidence` — c2_mod's confidence of a prediction.
"""
from __future__ import annotations

import numpy as np

#: Shift directions of :func:`shift_images`; image ``i`` of a set moves ``DIRECTIONS[i % 4]``.
DIRECTIONS = ("left", "down", "right", "up")

def _check_pair(name: str, value: object, low: int, high: int) -> tuple[int, int]:
    """Validate ``value`` as integers ``(a, b)`` with ``low <= a <= b <= high``."""
    ok = (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value))
    if not ok or not low <= value[0] <= value[1] <= high:
        raise ValueError(f"{name} must be a pair (a, b) of integers with {low} <= a <= b <= {high}; "
                         f"got {value!r}")
    return int(value[0]), int(value[1])


def _check_images(X: np.ndarray, image_shape: tuple[int, int]) -> tuple[np.ndarray, int, int]:
    """Validate ``X`` of shape ``(n, h·w)`` (floating point) against ``image_shape = (h, w)``."""
    ok = (isinstance(image_shape, (tuple, list)) and len(image_shape) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
                  for v in image_shape))
    if not ok:
        raise ValueError(f"image_shape must be a pair (h, w) of positive integers; got {image_shape!r}")
    h, w = int(image_shape[0]), int(image_shape[1])
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != h * w:
        raise ValueError(f"X must have shape (n, {h * w}) for images of shape {(h, w)}; got {X.shape}")
    if not np.issubdtype(X.dtype, np.floating):
        raise ValueError(f"X must be a floating-point array; got dtype {X.dtype}")
    return X, h, w


def _check_rng(rng: object) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a np.random.Generator (np.random.default_rng(seed)); "
                         f"got {type(rng).__name__}")


def shift_images(X: np.ndarray, rng: np.random.Generator, image_shape: tuple[int, int] = (28, 28),
                 shifts: tuple[int, int] = (3, 4)) -> np.ndarray:
    """Move each image by a few pixels, as the authors' code did.

    Image ``i`` moves in the direction ``DIRECTIONS[i % 4]`` (left, down, right, up, left, …) by an
    amount drawn uniformly from the integers ``shifts[0]..shifts[1]`` (inclusive,
    ``0 <= shifts[0] <= shifts[1] < min(h, w)``; the authors' ``gen_range(3, 5)`` is ``(3, 4)``).
    Pixels shifted in from outside the image are 0 (no wrap-around); pixels shifted out are lost.
    ``X``: ``(n, h·w)``; returns ``(n, h·w)``, same dtype.
    """
    X, h, w = _check_images(X, image_shape)
    _check_rng(rng)
    lo, hi = _check_pair("shifts", shifts, 0, min(h, w) - 1)
    n = X.shape[0]
    amounts = rng.integers(lo, hi + 1, size=n)
    directions = np.arange(n) % len(DIRECTIONS)
    images = X.reshape(n, h, w)
    out = np.zeros_like(images)
    # One slice assignment per (direction, amount) group: at most 4 · (hi − lo + 1) groups.
    # (s = 0 copies the images unchanged: the slices then cover the whole side.)
    for d, name in enumerate(DIRECTIONS):
        for s in range(lo, hi + 1):
            idx = np.flatnonzero((directions == d) & (amounts == s))
            if idx.size == 0:
                continue
            if name == "left":
                out[idx, :, :w - s] = images[idx, :, s:]
            elif name == "right":
                out[idx, :, s:] = images[idx, :, :w - s]
            elif name == "up":
                out[idx, :h - s, :] = images[idx, s:, :]
            else:  # down
                out[idx, s:, :] = images[idx, :h - s, :]
    return out.reshape(n, h * w)


def apply_set_noise(X: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The authors' noise at given positions: for each pair ``(rows[j], cols[j])`` in turn, the
    pixel is set to 0 if its current value is above 0.5 and to 1 otherwise.

    Applied one after another, a pixel hit an odd number of times ends at ``v <= 0.5`` (as 0 or 1)
    and one hit an even number of times (≥ 2) at ``v > 0.5``; untouched pixels keep their value.
    ``X``: ``(n, d)``; ``rows``, ``cols``: equal-length integer arrays; returns ``(n, d)``, same dtype.
    """
    X = np.asarray(X)
    hits = np.zeros(X.shape, dtype=np.int32)
    np.add.at(hits, (np.asarray(rows), np.asarray(cols)), 1)
    once = (X <= 0.5).astype(X.dtype)
    return np.where(hits == 0, X, np.where(hits % 2 == 1, once, 1 - once))


def set_noise(X: np.ndarray, rng: np.random.Generator,
              n_pixels: tuple[int, int] = (50, 150)) -> np.ndarray:
    """The authors' pixel noise: per image ``k`` positions drawn uniformly *with replacement*, ``k``
    drawn from the integers ``n_pixels[0]..n_pixels[1]`` (inclusive; their ``gen_range(50, 151)``
    is ``(50, 150)``, and ``(50, 250)`` for the data of c2_mod2), each position set to 0 if its
    value is above 0.5, else to 1, in turn (:func:`apply_set_noise`).

    ``X``: ``(n, d)`` with values in [0, 1]; returns ``(n, d)``, same dtype.
    """
    X = np.asarray(X)
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.floating):
        raise ValueError(f"X must be a 2-D floating-point array (n, d); got shape {X.shape}, "
                         f"dtype {X.dtype}")
    _check_rng(rng)
    n, d = X.shape
    lo, hi = _check_pair("n_pixels", n_pixels, 0, d)
    if X.size and (X.min() < 0 or X.max() > 1):
        raise ValueError(f"X values must lie in [0, 1]; got range [{X.min()}, {X.max()}]")
    counts = rng.integers(lo, hi + 1, size=n)
    rows = np.repeat(np.arange(n), counts)
    cols = rng.integers(0, d, size=rows.size)
    return apply_set_noise(X, rows, cols)


def shifted_noisy(X: np.ndarray, rng: np.random.Generator, image_shape: tuple[int, int] = (28, 28),
                  shifts: tuple[int, int] = (3, 4), n_pixels: tuple[int, int] = (50, 150)) -> np.ndarray:
    """:func:`shift_images` followed by :func:`set_noise`.  ``X``: ``(n, h·w)``; returns ``(n, h·w)``."""
    return set_noise(shift_images(X, rng, image_shape, shifts), rng, n_pixels)


def _check_labels(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one row per image ({X.shape[0]}); got shape {y.shape}")
    return y


def with_shifted_noisy_copy(X: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                            image_shape: tuple[int, int] = (28, 28), shifts: tuple[int, int] = (3, 4),
                            n_pixels: tuple[int, int] = (50, 150)) -> tuple[np.ndarray, np.ndarray]:
    """The set followed by a :func:`shifted_noisy` copy of every image, as the authors extended
    their validation and test sets.  ``X``: ``(n, h·w)``, ``y``: ``(n, ...)``; returns
    ``(2n, h·w)`` and ``(2n, ...)``."""
    X, _, _ = _check_images(X, image_shape)
    y = _check_labels(X, y)
    return (np.concatenate([X, shifted_noisy(X, rng, image_shape, shifts, n_pixels)]),
            np.concatenate([y, y]))


def rust_nn_augment(X: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                    image_shape: tuple[int, int] = (28, 28), shifts: tuple[int, int] = (3, 4),
                    n_pixels: tuple[int, int] = (50, 150)) -> tuple[np.ndarray, np.ndarray]:
    """c2_mod's training set as the authors built it from ``n`` images.

    Rows: the ``n`` images; then a shifted copy (:func:`shift_images`) of images ``0 .. a``, a
    noisy copy (:func:`set_noise`) of images ``a .. b`` and a shifted-and-noisy copy
    (:func:`shifted_noisy`) of images ``b .. n``, with ``a = ⌊3n/10⌋`` and ``b = ⌊6n/10⌋`` (for the
    50,000 training images: 0–15,000, 15,000–30,000 and 30,000–50,000).  The shift directions
    cycle from "left" again in each copied block.  ``X``: ``(n, h·w)``, ``y``: ``(n,)`` labels or
    ``(n, c)`` one-hot rows; returns ``(2n, h·w)`` and ``(2n, ...)``, dtypes kept.
    """
    X, _, _ = _check_images(X, image_shape)
    y = _check_labels(X, y)
    _check_rng(rng)
    n = X.shape[0]
    a, b = 3 * n // 10, 6 * n // 10
    blocks = [X, shift_images(X[:a], rng, image_shape, shifts), set_noise(X[a:b], rng, n_pixels),
              shifted_noisy(X[b:], rng, image_shape, shifts, n_pixels)]
    return np.concatenate(blocks), np.concatenate([y, y[:a], y[a:b], y[b:]])


def _readonly(kernels: np.ndarray) -> np.ndarray:
    kernels = np.asarray(kernels, dtype=np.float64)
    kernels.setflags(write=False)
    return kernels


#: The six 4×4 kernels of the authors' c2_conv (``kernels.rs``), shape (6, 4, 4), rows top to
#: bottom: vertical, horizontal, two diagonals, two "circles".  Unnormalised.
AUTHOR_KERNELS: np.ndarray = _readonly([
    [[-1, 1, 1, -1]] * 4,                                                              # vertical
    [[-1, -1, -1, -1], [1, 1, 1, 1], [1, 1, 1, 1], [-1, -1, -1, -1]],                  # horizontal
    [[-1, 0, .5, 1], [0, .5, 1, .5], [.5, 1, .5, 0], [1, .5, 0, -1]],                  # diag1
    [[1, .5, 0, -1], [.5, 1, .5, 0], [0, .5, 1, .5], [-1, 0, .5, 1]],                  # diag2
    [[-1, 1, 1, -1], [1, -1, -1, 1], [1, -1, -1, 1], [-1, 1, 1, -1]],                  # circle1
    [[.5, 1, 1, .5], [1, .5, .5, 1], [1, .5, .5, 1], [.5, 1, 1, .5]],                  # circle2
])


def _book_kernels() -> np.ndarray:
    ring = np.full((4, 4), -1 / 12)
    ring[1:3, 1:3] = 1 / 4
    return _readonly([
        np.full((4, 4), 1 / 16),                                     # 0 mean: box filter
        np.repeat([[1 / 8], [1 / 8], [-1 / 8], [-1 / 8]], 4, axis=1),  # 1 horizontal edge
        np.repeat([[1 / 8, 1 / 8, -1 / 8, -1 / 8]], 4, axis=0),        # 2 vertical edge
        np.eye(4) / 4,                                               # 3 main diagonal
        np.fliplr(np.eye(4)) / 4,                                    # 4 anti-diagonal
        ring,                                                        # 5 centre-surround
    ])


#: Six 4×4 kernels the book chose before the authors' were found (an extra, labelled as the
#: book's): box mean, horizontal and vertical edges, the two diagonals, centre-surround.
#: Kernels 0, 3, 4 sum to 1; kernels 1, 2, 5 sum to 0.
BOOK_KERNELS: np.ndarray = _book_kernels()


def patch_features(X: np.ndarray, image_shape: tuple[int, int] = (28, 28),
                   kernels: np.ndarray = AUTHOR_KERNELS) -> np.ndarray:
    """Apply every kernel to every disjoint block of the image (stride = kernel size).

    ``X``: ``(n, h·w)``; ``kernels``: ``(k, kh, kw)`` with ``h % kh == 0`` and ``w % kw == 0``.
    The response of kernel ``j`` to block ``(r, c)`` is ``Σ kernels[j] * block``.  Returns
    ``(n, k · (h/kh) · (w/kw))`` ordered kernel-major: kernel 0's block responses row by row, then
    kernel 1's, …  For MNIST and six kernels: ``(n, 6 · 7 · 7) = (n, 294)``.  Same dtype as X
    (summed in float64, then rounded once).
    """
    X, h, w = _check_images(X, image_shape)
    kernels = np.asarray(kernels)
    if kernels.ndim != 3 or 0 in kernels.shape:
        raise ValueError(f"kernels must have shape (k, kh, kw) with all sizes >= 1; got {kernels.shape}")
    k, kh, kw = kernels.shape
    if h % kh or w % kw:
        raise ValueError(f"image sides {(h, w)} must be divisible by the kernel size {(kh, kw)}")
    blocks = X.reshape(X.shape[0], h // kh, kh, w // kw, kw)      # (n, rows, kh, cols, kw)
    weights = kernels.astype(X.dtype).astype(np.float64)
    # Σ over the block in a fixed order, in float64, by element-wise products (no BLAS): the result
    # is the same on every machine, so a data fingerprint does not depend on the BLAS kernel.
    out = np.zeros((X.shape[0], k, h // kh, w // kw))
    for i in range(kh):
        for o in range(kw):
            out += blocks[:, None, :, i, :, o] * weights[None, :, i, o, None, None]
    return out.astype(X.dtype).reshape(X.shape[0], k * (h // kh) * (w // kw))


def patch_conv_input(X: np.ndarray, image_shape: tuple[int, int] = (28, 28),
                     kernels: np.ndarray = AUTHOR_KERNELS) -> np.ndarray:
    """c2_conv's network input, in the authors' order: the kernel responses
    (:func:`patch_features`) followed by the raw pixels.

    ``X``: ``(n, 784)``; returns ``(n, 6·49 + 784) = (n, 1078)`` for six 4×4 kernels (generally
    ``(n, k·(h/kh)·(w/kw) + h·w)``).
    """
    X, _, _ = _check_images(X, image_shape)
    return np.concatenate([patch_features(X, image_shape, kernels), X], axis=1)


def confidence(outputs: np.ndarray) -> np.ndarray:
    """Study 002's confidence: 100 × (winning output − mean of the other outputs).

    ``outputs``: ``(..., m, n_classes)`` network outputs, ``n_classes >= 2``; the winner is the
    arg-max of the last axis.  Returns ``(..., m)``; floating dtypes are kept, others become float64.
    Example: ``[0.1, 0.7, 0.2]`` → ``100 · (0.7 − (0.1 + 0.2)/2) = 55``.
    """
    outputs = np.asarray(outputs)
    if outputs.ndim < 1 or outputs.shape[-1] < 2:
        raise ValueError(f"outputs must have shape (..., n_classes) with n_classes >= 2; "
                         f"got {outputs.shape}")
    if not np.issubdtype(outputs.dtype, np.floating):
        outputs = outputs.astype(np.float64)
    n_classes = outputs.shape[-1]
    best = outputs.max(axis=-1)
    others = (outputs.sum(axis=-1) - best) / (n_classes - 1)
    return (100 * (best - others)).astype(outputs.dtype, copy=False)


# ---------------------------------------------------------------- windows of images, for sequence models (from nnlib.data)
# ---------------------------------------------------------------- sequences
def _as_images(X: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    X = np.asarray(X)
    if len(image_shape) != 2 or min(image_shape) < 1:
        raise ValueError(f"image_shape must be (rows, cols) with positive sizes, got {image_shape}")
    rows, cols = image_shape
    if X.ndim == 2 and X.shape[1] == rows * cols or X.ndim == 3 and X.shape[1:] == (rows, cols):
        return X.reshape(len(X), rows, cols)
    raise ValueError(f"X of shape {X.shape} does not hold {rows}×{cols} images: "
                     f"expected (n, {rows * cols}) or (n, {rows}, {cols})")


def column_windows(X: np.ndarray, image_shape: tuple[int, int] = (28, 28), width: int = 3) -> np.ndarray:
    """Cut images into left-to-right windows of ``width`` columns (study 001's sequences).

    X (n, rows*cols) -> (n, cols // width, rows*width); (n, 784) -> (n, 9, 84) by default.
    Step t holds columns width*t … width*t + width-1; leftover columns at the right edge are
    dropped (28 = 9·3 + 1: column 27 is dropped). Within a step the values go row by row:
    (row 0: cols 3t, 3t+1, 3t+2), (row 1: …), … i.e. ``image[:, 3t:3t+3].reshape(-1)`` in C order.
    """
    images = _as_images(X, image_shape)
    n, rows, cols = images.shape
    if not 1 <= width <= cols:
        raise ValueError(f"width must be between 1 and the number of columns {cols}, got {width}")
    steps = cols // width
    windows = images[:, :, : steps * width].reshape(n, rows, steps, width)
    return np.ascontiguousarray(windows.transpose(0, 2, 1, 3)).reshape(n, steps, rows * width)


def row_windows(X: np.ndarray, image_shape: tuple[int, int] = (28, 28), height: int = 3) -> np.ndarray:
    """Cut images into top-to-bottom windows of ``height`` rows (the other reading of study 001's
    "3 horizontal columns at a time"): X (n, rows*cols) -> (n, rows // height, height*cols),
    (n, 784) -> (n, 9, 84); the leftover bottom row is dropped.  Within a step the values go row
    by row, i.e. ``image[3t:3t+3, :].reshape(-1)``."""
    images = _as_images(X, image_shape)
    n, rows, cols = images.shape
    if not 1 <= height <= rows:
        raise ValueError(f"height must be between 1 and the number of rows {rows}, got {height}")
    steps = rows // height
    return np.ascontiguousarray(images[:, : steps * height]).reshape(n, steps, height * cols)


def row_sequence(X: np.ndarray, image_shape: tuple[int, int]) -> np.ndarray:
    """One image row per step: X (n, rows*cols) -> (n, rows, cols), e.g. digits -> (n, 8, 8)."""
    return _as_images(X, image_shape).copy()
