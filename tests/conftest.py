"""Shared pytest helpers."""
import os

import pytest


@pytest.fixture
def require_dataset():
    """Return ``need(name)``: skip the test unless dataset ``name`` is in the data cache.

    It never fetches. Under CI (env CI == "true") a missing file fails the test instead,
    since .ci/run fetches the data before running the tests.
    """
    def need(name: str) -> None:
        from nnlib import data

        missing = data.missing_files(name)
        if not missing:
            return
        message = (f"{name} is not in the data cache {data.data_dir() / name} "
                   f"(missing {', '.join(missing)}); run `python -m nnlib.data fetch {name}`")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    return need
