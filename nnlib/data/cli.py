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
import sys

from .files import DataError, KNOWN_DATASETS, SHA256, _check_name, cache_path, verify
from .sources import fetch


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
