"""The data layer of the library: the IDX reader, the datasets' sources and hashes, the
loaders and splits, and the input transforms (windows, patch features, shifts, noise)."""
from . import datasets, drawing, files, idx, sources, transforms  # noqa: F401
# the public names of the former module nnlib/data.py, where code and notebooks look for them:
from .files import (  # noqa: F401
    KNOWN_DATASETS, IDX_FILES, SHA256, MIRRORS, NPM_PACKAGE, DEB_PACKAGE, DEB_FOLDER, DATA_DIR,
    DataError, IDXFormatError, ChecksumError, FetchError, data_dir, sha256_of_bytes, check_sha256,
    cache_path, missing_files, verify, write_atomic,
)
from .idx import MAX_IDX_BYTES, IMAGE_SHAPE, N_CLASSES, parse_idx, read_idx, check_counts  # noqa: F401
from .sources import Source, fetch  # noqa: F401
from .datasets import Dataset, load  # noqa: F401
from .transforms import column_windows, row_windows, row_sequence  # noqa: F401
from .cli import main  # noqa: F401
