"""Shared pytest helpers, and Hypothesis's profiles.

Under CI (env CI == "true") the property tests run with the profile ``ci``: derandomised (the
same examples on every run, so that a red CI always means a defect, not an unlucky draw) and with
no example database carried between runs.  Elsewhere the default profile draws new examples each
run; ``--hypothesis-seed=N`` replays one draw.
"""
import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


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
