"""``python -m nnlib.data fetch|verify NAME…`` (see :mod:`nnlib.data.cli`)."""
from .cli import main

raise SystemExit(main())
