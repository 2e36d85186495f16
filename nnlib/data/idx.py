"""The IDX reader: parses MNIST-style IDX files (gzipped or not) and checks what each must hold."""
from __future__ import annotations

import gzip
import io
import math
import struct
import zlib
from pathlib import Path
from typing import BinaryIO, Callable, Iterator
import numpy as np

from .files import IDXFormatError, IDX_FILES, _fix_hint


# IDX type code -> big-endian dtype
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


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
