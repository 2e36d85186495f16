"""Input transforms for study 002 (Nielsen's network, ported): augmentation, patch features, confidence.

Images arrive flattened: ``X`` of shape ``(n, h·w)`` (MNIST: ``(n, 784)``, ``image_shape = (28, 28)``),
floating point with values in [0, 1].  Every function returns a new array of the input's dtype
(float32 stays float32) and takes an explicit ``np.random.Generator`` where it draws random numbers.

* :func:`shift_images`, :func:`flip_noise`, :func:`augment` — c2_mod's augmentation "so that
  off-centre digits are recognised": shifts of 3–4 px left/right/up/down, pixel-flip noise on 50–250
  pixels, no rotation.
* :data:`PATCH_KERNELS`, :func:`patch_features`, :func:`patch_conv_input` — c2_conv's six fixed 4×4
  kernels applied to disjoint 4×4 blocks, fed to the dense network together with the raw pixels.
* :func:`confidence` — c2_mod's confidence of a prediction.
"""
from __future__ import annotations

import numpy as np

#: Shift directions of :func:`shift_images`, indexed by the drawn direction code 0..3.
DIRECTIONS = ("left", "right", "up", "down")


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
    """Move each image by a random number of pixels in a random direction.

    Per image the amount is drawn uniformly from the integers ``shifts[0]..shifts[1]`` (inclusive,
    ``0 <= shifts[0] <= shifts[1] < min(h, w)``) and the direction uniformly from left, right, up,
    down.  Pixels shifted in from outside the image are 0 (no wrap-around); pixels shifted out are
    lost.  ``X``: ``(n, h·w)``; returns ``(n, h·w)``, same dtype.
    """
    X, h, w = _check_images(X, image_shape)
    _check_rng(rng)
    lo, hi = _check_pair("shifts", shifts, 0, min(h, w) - 1)
    n = X.shape[0]
    amounts = rng.integers(lo, hi + 1, size=n)
    directions = rng.integers(0, len(DIRECTIONS), size=n)
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


def flip_noise(X: np.ndarray, rng: np.random.Generator,
               n_pixels: tuple[int, int] = (50, 250)) -> np.ndarray:
    """Flip ``k`` distinct random pixels of each image, ``v → 1 − v``.

    Per image ``k`` is drawn uniformly from the integers ``n_pixels[0]..n_pixels[1]`` (inclusive,
    ``0 <= n_pixels[0] <= n_pixels[1] <= d``).  ``X``: ``(n, d)`` with values in [0, 1]; returns
    ``(n, d)``, same dtype.
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
    out = X.copy()
    for i in range(n):
        cols = rng.choice(d, size=counts[i], replace=False)
        out[i, cols] = 1 - out[i, cols]
    return out


def augment(X: np.ndarray, y: np.ndarray, rng: np.random.Generator,
            image_shape: tuple[int, int] = (28, 28), copies: int = 1,
            shifts: tuple[int, int] = (3, 4),
            n_pixels: tuple[int, int] = (50, 250)) -> tuple[np.ndarray, np.ndarray]:
    """Original data plus, per copy, one shifted and one noisy version of every image.

    Order of the ``n · (1 + 2·copies)`` rows: the ``n`` originals, then for copy 1 the ``n`` shifted
    images (:func:`shift_images`) followed by the ``n`` noisy images (:func:`flip_noise` of the
    originals), then copy 2's shifted and noisy blocks, and so on; within each block the images keep
    their original order.  ``y`` (``(n,)`` class labels or ``(n, c)`` one-hot rows) is repeated
    block by block to match.  ``X``: ``(n, h·w)``; returns ``X_aug`` ``(n·(1 + 2·copies), h·w)`` and
    ``y_aug`` ``(n·(1 + 2·copies), ...)``, dtypes kept.
    """
    X, _, _ = _check_images(X, image_shape)
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one row per image ({X.shape[0]}); got shape {y.shape}")
    if not isinstance(copies, (int, np.integer)) or isinstance(copies, bool) or copies < 0:
        raise ValueError(f"copies must be an integer >= 0; got {copies!r}")
    _check_rng(rng)
    blocks = [X]
    for _ in range(copies):
        blocks.append(shift_images(X, rng, image_shape, shifts))
        blocks.append(flip_noise(X, rng, n_pixels))
    return np.concatenate(blocks, axis=0), np.concatenate([y] * len(blocks), axis=0)


def _make_patch_kernels() -> np.ndarray:
    ring = np.full((4, 4), -1 / 12)
    ring[1:3, 1:3] = 1 / 4
    kernels = np.stack([
        # 0 mean: box filter, all entries 1/16
        np.full((4, 4), 1 / 16),
        # 1 horizontal edge: top two rows +1/8, bottom two rows −1/8
        np.repeat([[1 / 8], [1 / 8], [-1 / 8], [-1 / 8]], 4, axis=1),
        # 2 vertical edge: left two columns +1/8, right two columns −1/8
        np.repeat([[1 / 8, 1 / 8, -1 / 8, -1 / 8]], 4, axis=0),
        # 3 main diagonal (identity-like): +1/4 on the diagonal, 0 elsewhere
        np.eye(4) / 4,
        # 4 anti-diagonal: +1/4 on the anti-diagonal, 0 elsewhere
        np.fliplr(np.eye(4)) / 4,
        # 5 centre-surround: inner 2×2 +1/4, outer ring of 12 pixels −1/12
        ring,
    ])
    kernels.setflags(write=False)
    return kernels


#: Six fixed 4×4 kernels for c2_conv, shape (6, 4, 4); our choice, the study does not publish them.
#: Kernels 0, 3, 4 sum to 1 (block mean, diagonal means); kernels 1, 2, 5 sum to 0 (contrast detectors).
PATCH_KERNELS: np.ndarray = _make_patch_kernels()


def patch_features(X: np.ndarray, image_shape: tuple[int, int] = (28, 28),
                   kernels: np.ndarray = PATCH_KERNELS) -> np.ndarray:
    """Apply every kernel to every disjoint block of the image (stride = kernel size).

    ``X``: ``(n, h·w)``; ``kernels``: ``(k, kh, kw)`` with ``h % kh == 0`` and ``w % kw == 0``.
    The response of kernel ``j`` to block ``(r, c)`` is ``Σ kernels[j] * block``.  Returns
    ``(n, k · (h/kh) · (w/kw))`` ordered kernel-major: kernel 0's block responses row by row, then
    kernel 1's, …  For MNIST and :data:`PATCH_KERNELS`: ``(n, 6 · 7 · 7) = (n, 294)``.  Same dtype as X.
    """
    X, h, w = _check_images(X, image_shape)
    kernels = np.asarray(kernels)
    if kernels.ndim != 3 or 0 in kernels.shape:
        raise ValueError(f"kernels must have shape (k, kh, kw) with all sizes >= 1; got {kernels.shape}")
    k, kh, kw = kernels.shape
    if h % kh or w % kw:
        raise ValueError(f"image sides {(h, w)} must be divisible by the kernel size {(kh, kw)}")
    blocks = X.reshape(X.shape[0], h // kh, kh, w // kw, kw)      # (n, rows, kh, cols, kw)
    out = np.einsum("nrico,kio->nkrc", blocks, kernels.astype(X.dtype), optimize=True)
    return np.ascontiguousarray(out).reshape(X.shape[0], k * (h // kh) * (w // kw))


def patch_conv_input(X: np.ndarray, image_shape: tuple[int, int] = (28, 28)) -> np.ndarray:
    """c2_conv's network input: the raw pixels followed by the :data:`PATCH_KERNELS` features.

    Our reading of "fed with the raw pixels": ``np.concatenate([X, patch_features(X)], axis=1)``.
    ``X``: ``(n, 784)``; returns ``(n, 784 + 6·49) = (n, 1078)`` (generally ``(n, h·w + 6·(h/4)·(w/4))``).
    """
    X, _, _ = _check_images(X, image_shape)
    return np.concatenate([X, patch_features(X, image_shape)], axis=1)


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
