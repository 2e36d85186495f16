"""`python -m nnlib.data` runs without Python's warning that the module was imported twice."""
import subprocess
import sys


def test_data_command_is_not_imported_before_it_runs():
    done = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-m", "nnlib.data", "--help"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "RuntimeWarning" not in done.stderr
