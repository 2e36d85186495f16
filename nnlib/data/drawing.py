"""A drawn digit turned into an MNIST-style 28×28 input, the way MNIST's images were made.

MNIST's authors took each NIST digit, scaled it so that its bounding box fits a 20×20 box
(keeping the aspect ratio; anti-aliasing gives grey levels), and placed it in a 28×28 field so that
its centre of mass falls on the field's centre.  MNIST's own test images have their centre of mass
at row 14.0 and column 14.0 on average (pixel indices 0…27) with a spread of ±0.29, which is what
whole-pixel placement gives: this module places by whole pixels, rounding half up.

:func:`mnist_style` does this for a raster of ink values (the drawing canvas of the book's
"draw a digit" page).  The page's JavaScript (``book/_extra/draw/draw.js``) implements the same
steps in the same order, in double precision, and the browser test compares the two.

Anti-aliasing is area averaging: each output pixel is the mean of the ink under its footprint in
the bounding box (:func:`area_matrix`), so a stroke's partly covered border pixels turn grey.
"""
from __future__ import annotations

import math

import numpy as np

FIELD = 28  # side of the output image
BOX = 20  # side of the box the digit's bounding box is scaled into


def area_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) weights of area-average resampling along one axis: output cell i covers the
    input interval [i·n_in/n_out, (i+1)·n_in/n_out), and A[i, j] is the length of its overlap with
    input cell [j, j+1) divided by the interval's length (each row sums to 1)."""
    if n_out < 1 or n_in < 1:
        raise ValueError(f"area_matrix needs sizes ≥ 1, got {n_out} × {n_in}")
    step = n_in / n_out
    A = np.zeros((n_out, n_in))
    for i in range(n_out):
        lo, hi = i * step, (i + 1) * step
        for j in range(int(math.floor(lo)), min(n_in, int(math.ceil(hi)))):
            A[i, j] = (min(hi, j + 1) - max(lo, j)) / step
    return A


def round_half_up(x: float) -> int:
    """⌊x + ½⌋ (JavaScript's Math.round), not Python's round-half-to-even."""
    return int(math.floor(x + 0.5))


def mnist_style(ink: np.ndarray, field: int = FIELD, box: int = BOX) -> np.ndarray:
    """The MNIST-style image of a drawing.

    ink: (H, W) ink values in [0, 1] (0 = paper), e.g. a canvas's alpha channel / 255.
    Returns (field, field) float64 in [0, 1]: the bounding box of the pixels with ink > 0 is
    area-averaged to (round(h·s), round(w·s)) with s = box / max(h, w) (the longer side becomes
    ``box``, the other keeps the aspect ratio to within half a pixel), then placed so that its centre
    of mass (ink-weighted mean row and column, pixel indices) lands on pixel (field/2, field/2),
    moved by whole pixels (rounding half up) and kept inside the field.  An empty drawing gives zeros.
    """
    ink = np.asarray(ink, dtype=np.float64)
    if ink.ndim != 2 or min(ink.shape) < 1:
        raise ValueError(f"ink must be a 2-D raster (H, W), got shape {ink.shape}")
    if not np.isfinite(ink).all() or ink.min() < 0 or ink.max() > 1:
        raise ValueError("ink values must be finite and lie in [0, 1] (divide 8-bit values by 255)")
    out = np.zeros((field, field))
    rows = np.flatnonzero((ink > 0).any(axis=1))
    if rows.size == 0:
        return out
    cols = np.flatnonzero((ink > 0).any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    oh, ow = max(1, round_half_up(h * scale)), max(1, round_half_up(w * scale))
    patch = area_matrix(oh, h) @ crop @ area_matrix(ow, w).T
    total = patch.sum()
    cy = float(patch.sum(axis=1) @ np.arange(oh)) / total
    cx = float(patch.sum(axis=0) @ np.arange(ow)) / total
    top = min(max(round_half_up(field / 2 - cy), 0), field - oh)
    left = min(max(round_half_up(field / 2 - cx), 0), field - ow)
    out[top:top + oh, left:left + ow] = patch
    return np.clip(out, 0.0, 1.0)
