"""Tests for nnlib.data.transforms (study 002: the authors' augmentation, patch features, confidence)."""
import numpy as np
import pytest

from nnlib.data.transforms import AUTHOR_KERNELS, BOOK_KERNELS, apply_set_noise, confidence, patch_conv_input, patch_features, rust_nn_augment, set_noise, shift_images, shifted_noisy, with_shifted_noisy_copy


def rolled(image: np.ndarray, direction: str, s: int) -> np.ndarray:
    """Reference shift of one (h, w) image: np.roll, then zero the wrapped rows/columns."""
    out = image.copy()
    if direction == "left":
        out = np.roll(out, -s, axis=1)
        out[:, out.shape[1] - s:] = 0
    elif direction == "right":
        out = np.roll(out, s, axis=1)
        out[:, :s] = 0
    elif direction == "up":
        out = np.roll(out, -s, axis=0)
        out[out.shape[0] - s:, :] = 0
    else:
        out = np.roll(out, s, axis=0)
        out[:s, :] = 0
    return out


def matching_shifts(before: np.ndarray, after: np.ndarray, amounts) -> list:
    return [(d, s) for d in ("left", "right", "up", "down") for s in amounts
            if np.array_equal(rolled(before, d, s), after)]


def test_single_bright_pixel_moves_by_the_drawn_amount_along_one_axis():
    image = np.zeros((1, 784))
    image[0, 14 * 28 + 14] = 1.0
    rng = np.random.default_rng(0)
    for _ in range(50):
        out = shift_images(image, rng).reshape(28, 28)
        (r,), (c,) = np.nonzero(out)
        dr, dc = r - 14, c - 14
        assert (dr == 0) != (dc == 0)
        assert abs(dr + dc) in (3, 4)
        assert out.sum() == 1.0


def test_no_wrap_around_near_the_border():
    image = np.zeros((28, 28))
    image[1, 1] = 1.0  # shifted left or up by >= 3 it leaves the image
    out = shift_images(np.tile(image.ravel(), (200, 1)), np.random.default_rng(1))
    sums = out.sum(axis=1)
    assert set(sums) == {0.0, 1.0}
    assert (sums == 0).any() and (sums == 1).any()


def test_shift_matches_roll_with_wrapped_part_zeroed_and_directions_cycle_like_the_authors():
    rng = np.random.default_rng(2)
    X = rng.random((400, 784))
    out = shift_images(X, rng, shifts=(3, 4))
    seen = set()
    for i, (before, after) in enumerate(zip(X, out)):
        matches = matching_shifts(before.reshape(28, 28), after.reshape(28, 28), range(1, 28))
        assert len(matches) == 1
        assert matches[0][0] == ("left", "down", "right", "up")[i % 4]  # manipulation.rs order
        seen.add(matches[0])
    assert seen == {(d, s) for d in ("left", "right", "up", "down") for s in (3, 4)}


def test_shift_other_ranges_shapes_and_dtype():
    rng = np.random.default_rng(3)
    X = rng.random((100, 6 * 10)).astype(np.float32)
    out = shift_images(X, rng, image_shape=(6, 10), shifts=(1, 5))
    assert out.shape == X.shape and out.dtype == np.float32 and out is not X
    amounts = set()
    for before, after in zip(X, out):
        (d, s), = matching_shifts(before.reshape(6, 10), after.reshape(6, 10), range(1, 6))
        amounts.add(s)
    assert amounts == {1, 2, 3, 4, 5}
    same = shift_images(X, rng, image_shape=(6, 10), shifts=(0, 0))
    np.testing.assert_array_equal(same, X)


def naive_set_noise(image: np.ndarray, positions) -> np.ndarray:
    """manipulation.rs add_noise, one position after another."""
    out = image.copy()
    for j in positions:
        out[j] = 0.0 if out[j] > 0.5 else 1.0
    return out


def test_apply_set_noise_matches_the_authors_loop_with_repeated_positions():
    rng = np.random.default_rng(4)
    X = rng.random((6, 20)).astype(np.float32)
    X[0, :4] = [0.5, 0.51, 0.0, 1.0]  # the 0.5 boundary: not above 0.5, so set to 1
    rows = np.repeat(np.arange(6), 30)
    cols = rng.integers(0, 20, size=rows.size)  # with replacement: many positions repeat
    out = apply_set_noise(X, rows, cols)
    assert out.dtype == np.float32
    for i in range(6):
        np.testing.assert_array_equal(out[i], naive_set_noise(X[i], cols[rows == i]))


def test_set_noise_counts_values_and_range():
    rng = np.random.default_rng(5)
    X = rng.random((300, 784)).astype(np.float32) * 0.4 + 0.05  # no pixel is 0 or 1 before
    out = set_noise(X, rng, n_pixels=(50, 150))
    assert out.shape == X.shape and out.dtype == np.float32
    changed = out != X
    np.testing.assert_array_equal(np.isin(out[changed], [0.0, 1.0]), True)
    counts = changed.sum(axis=1)  # distinct positions: at most the number drawn
    assert counts.min() >= 35 and counts.max() <= 150
    assert counts.max() > 130  # the whole range is used
    np.testing.assert_array_equal(set_noise(np.zeros((3, 784)), rng, n_pixels=(0, 0)), 0.0)


def test_shifted_noisy_and_extended_sets():
    rng = np.random.default_rng(6)
    X = rng.random((8, 784)).astype(np.float32)
    y = np.arange(8)
    X2, y2 = with_shifted_noisy_copy(X, y, np.random.default_rng(1))
    assert X2.shape == (16, 784) and X2.dtype == np.float32
    np.testing.assert_array_equal(X2[:8], X)
    np.testing.assert_array_equal(y2, np.tile(y, 2))
    np.testing.assert_array_equal(X2[8:], shifted_noisy(X, np.random.default_rng(1)))


def test_rust_nn_augment_blocks_follow_data_ext():
    rng = np.random.default_rng(7)
    X = rng.random((20, 784)).astype(np.float32) * 0.4 + 0.05
    y = np.arange(20) % 10
    X_aug, y_aug = rust_nn_augment(X, y, rng)
    assert X_aug.shape == (40, 784) and X_aug.dtype == np.float32
    np.testing.assert_array_equal(X_aug[:20], X)
    np.testing.assert_array_equal(y_aug, np.concatenate([y, y]))  # blocks keep the images' order
    shifted, noisy, both = X_aug[20:26], X_aug[26:32], X_aug[32:40]  # 0–30 %, 30–60 %, 60–100 %
    for i, (before, after) in enumerate(zip(X[:6], shifted)):
        (d, _), = matching_shifts(before.reshape(28, 28), after.reshape(28, 28), (3, 4))
        assert d == ("left", "down", "right", "up")[i % 4]
    assert (noisy != X[6:12]).sum(axis=1).min() >= 1
    np.testing.assert_array_equal(np.isin(noisy[noisy != X[6:12]], [0, 1]), True)
    assert all(not matching_shifts(b.reshape(28, 28), a.reshape(28, 28), (3, 4)) for b, a in zip(X[12:], both))
    onehot = np.eye(10)[y]
    assert rust_nn_augment(X, onehot, rng)[1].shape == (40, 10)


def test_determinism_for_the_same_seed():
    X = np.random.default_rng(7).random((30, 784))
    y = np.arange(30) % 10
    a = rust_nn_augment(X, y, np.random.default_rng(123))
    b = rust_nn_augment(X, y, np.random.default_rng(123))
    c = rust_nn_augment(X, y, np.random.default_rng(124))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_author_kernels_are_the_published_ones():
    assert AUTHOR_KERNELS.shape == (6, 4, 4)
    np.testing.assert_array_equal(AUTHOR_KERNELS[0], [[-1, 1, 1, -1]] * 4)
    np.testing.assert_array_equal(AUTHOR_KERNELS[1][:, 0], [-1, 1, 1, -1])
    np.testing.assert_array_equal(AUTHOR_KERNELS[2][0], [-1, 0, .5, 1])
    np.testing.assert_array_equal(AUTHOR_KERNELS[3], AUTHOR_KERNELS[2][::-1])
    np.testing.assert_array_equal(AUTHOR_KERNELS[4][1], [1, -1, -1, 1])
    np.testing.assert_array_equal(AUTHOR_KERNELS[5][0], [.5, 1, 1, .5])
    # kernels.rs test_kernel_apply: the horizontal kernel on a 4×4 band image gives 8
    band = np.array([[0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]], dtype=float)
    assert patch_features(band, (4, 4), AUTHOR_KERNELS[1:2])[0, 0] == 8.0
    with pytest.raises(ValueError):
        AUTHOR_KERNELS[0, 0, 0] = 5.0  # read-only


def test_book_kernels():
    assert BOOK_KERNELS.shape == (6, 4, 4)
    np.testing.assert_allclose(BOOK_KERNELS.sum(axis=(1, 2)), [1, 0, 0, 1, 1, 0], atol=1e-12)
    np.testing.assert_allclose(BOOK_KERNELS[0], 1 / 16)
    np.testing.assert_allclose(BOOK_KERNELS[3], np.eye(4) / 4)
    np.testing.assert_allclose(BOOK_KERNELS[4], np.eye(4)[::-1] / 4)
    assert BOOK_KERNELS[1][0, 0] == 1 / 8 and BOOK_KERNELS[1][3, 0] == -1 / 8
    assert BOOK_KERNELS[2][0, 0] == 1 / 8 and BOOK_KERNELS[2][0, 3] == -1 / 8
    assert BOOK_KERNELS[5][1, 1] == 1 / 4 and BOOK_KERNELS[5][0, 0] == -1 / 12
    with pytest.raises(ValueError):
        BOOK_KERNELS[0, 0, 0] = 5.0  # read-only


@pytest.mark.parametrize("kernels", [AUTHOR_KERNELS, BOOK_KERNELS], ids=["author", "book"])
def test_patch_features_against_naive_loop(kernels):
    rng = np.random.default_rng(8)
    X = rng.random((5, 784))
    out = patch_features(X, kernels=kernels)
    assert out.shape == (5, 294)
    expected = np.zeros((5, 6, 7, 7))
    for i in range(5):
        image = X[i].reshape(28, 28)
        for k in range(6):
            for r in range(7):
                for c in range(7):
                    expected[i, k, r, c] = np.sum(kernels[k] * image[4 * r:4 * r + 4, 4 * c:4 * c + 4])
    np.testing.assert_allclose(out, expected.reshape(5, 294), atol=1e-12)
    out32 = patch_features(X.astype(np.float32), kernels=kernels)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out, atol=1e-5)


def test_patch_features_order_is_kernel_major():
    image = np.zeros((28, 28))
    image[4:8, 8:12] = 1.0  # block row 1, block column 2 → index 1·7 + 2 = 9 within each kernel
    out = patch_features(image.reshape(1, 784), kernels=BOOK_KERNELS)[0]
    expected = np.zeros(294)
    expected[[0 * 49 + 9, 3 * 49 + 9, 4 * 49 + 9]] = 1.0  # mean and the two diagonals give 1
    np.testing.assert_allclose(out, expected, atol=1e-12)
    kernels = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 2.0)])
    small = np.arange(16.0).reshape(1, 16)  # 4×4 image, 2×2 blocks
    np.testing.assert_allclose(patch_features(small, (4, 4), kernels),
                               [[10, 18, 42, 50, 20, 36, 84, 100]])


def test_patch_conv_input_shape():
    X = np.random.default_rng(9).random((3, 784)).astype(np.float32)
    out = patch_conv_input(X)
    assert out.shape == (3, 1078) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, :294], patch_features(X, kernels=AUTHOR_KERNELS))  # c2_conv.rs order
    np.testing.assert_array_equal(out[:, 294:], X)
    np.testing.assert_array_equal(patch_conv_input(X, kernels=BOOK_KERNELS)[:, :294],
                                  patch_features(X, kernels=BOOK_KERNELS))


def test_confidence():
    assert confidence(np.array([[0.1, 0.7, 0.2]])) == pytest.approx([55.0])
    out = np.random.default_rng(10).random((2, 5, 10)).astype(np.float32)
    c = confidence(out)
    assert c.shape == (2, 5) and c.dtype == np.float32
    best = out.max(axis=-1)
    np.testing.assert_allclose(c, 100 * (best - (out.sum(axis=-1) - best) / 9), rtol=1e-5)
    assert confidence([0.25, 0.25, 0.25, 0.25]) == pytest.approx(0.0)


@pytest.mark.parametrize("call", [
    lambda X, rng: shift_images(X, rng, shifts=(-1, 3)),
    lambda X, rng: shift_images(X, rng, shifts=(3, 28)),
    lambda X, rng: shift_images(X, rng, shifts=(4, 3)),
    lambda X, rng: shift_images(X, rng, shifts=(3.0, 4)),
    lambda X, rng: shift_images(X, rng, image_shape=(28, 27)),
    lambda X, rng: shift_images(X[:, :700], rng),
    lambda X, rng: shift_images(X.ravel(), rng),
    lambda X, rng: shift_images(X, 0),
    lambda X, rng: shift_images((X > 0.5).astype(int), rng),
    lambda X, rng: set_noise(X, rng, n_pixels=(50, 785)),
    lambda X, rng: set_noise(X, rng, n_pixels=(-1, 5)),
    lambda X, rng: set_noise(X * 2, rng),
    lambda X, rng: set_noise(X.ravel(), rng),
    lambda X, rng: rust_nn_augment(X, np.arange(3), rng),
    lambda X, rng: with_shifted_noisy_copy(X, np.arange(3), rng),
    lambda X, rng: patch_features(np.zeros((2, 30 * 30)), image_shape=(30, 30)),
    lambda X, rng: patch_features(X, kernels=np.ones((4, 4))),
    lambda X, rng: patch_conv_input(X[:, :783]),
    lambda X, rng: confidence(np.array([[1.0]])),
])
def test_argument_validation(call):
    X = np.random.default_rng(11).random((4, 784))
    with pytest.raises(ValueError):
        call(X, np.random.default_rng(0))


def test_error_messages_state_the_allowed_range():
    X = np.zeros((2, 784))
    with pytest.raises(ValueError, match=r"0 <= a <= b <= 27"):
        shift_images(X, np.random.default_rng(0), shifts=(3, 30))
    with pytest.raises(ValueError, match=r"0 <= a <= b <= 784"):
        set_noise(X, np.random.default_rng(0), n_pixels=(50, 1000))
    with pytest.raises(ValueError, match=r"divisible"):
        patch_features(np.zeros((1, 30 * 30)), image_shape=(30, 30))
    with pytest.raises(ValueError, match=r"\(n, 784\)"):
        patch_conv_input(np.zeros((1, 100)))
