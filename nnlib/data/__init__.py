"""The data layer of the library: the IDX reader, the datasets' sources and hashes, the
loaders and splits, and the input transforms (windows, patch features, shifts, noise)."""
from . import datasets, drawing, files, idx, sources, transforms  # noqa: F401
# every name of the former module nnlib/data.py, where code and notebooks look for it:
from .files import (  # noqa: F401
    KNOWN_DATASETS, IDX_FILES, SHA256, MIRRORS, NPM_PACKAGE, DEB_PACKAGE, DEB_FOLDER, DATA_DIR,
    DataError, IDXFormatError, ChecksumError, FetchError, data_dir, _check_name, _fix_hint,
    sha256_of_bytes, check_sha256, cache_path, missing_files, verify, write_atomic,
)
from .idx import (  # noqa: F401
    _IDX_TYPES, MAX_IDX_BYTES, IMAGE_SHAPE, N_CLASSES, _GZIP_MAGIC, _check_role, _read_idx,
    _read_idx_stream, _role_of, parse_idx, read_idx, check_counts,
)
from .sources import (  # noqa: F401
    Source, _mirror, _run, _need_tools, _apt_updated, _from_npm, _from_deb, _sources, _say,
    fetch,
)
from .datasets import (  # noqa: F401
    Dataset, _load_idx, _load_digits, _load_xor, load,
)
from .transforms import (  # noqa: F401
    _as_images, column_windows, row_windows, row_sequence,
)
from .cli import (  # noqa: F401
    main,
)
