"""`python -m nnlib.runner.sweep SPEC.json`: a bad or incomplete spec gets one line naming the file and
the problem, and nothing is written into the committed full results unless asked for."""
import json

import pytest

from nnlib.runner import sweep

XOR = {"model": "MLP", "epochs": 1, "batch_size": 1, "model_args": {"layer_sizes": [2, 3, 1]}}


def spec_file(tmp_path, body):
    path = tmp_path / "spec.json"
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    return path


@pytest.mark.parametrize("body,message", [
    ("{nope", "not valid JSON"),
    ([1, 2], "must hold a JSON object"),
    ({"name": "x", "dataset": "xor", "grid": [XOR]}, "missing seeds"),
    ({"name": "x", "dataset": "xor", "seeds": [0], "grid": [XOR], "sedes": 1}, "unknown key sedes"),
    ({"name": "x", "dataset": "xor", "seeds": 0, "grid": [XOR]}, "seeds must be a JSON list"),
    ({"name": "x", "dataset": "xor", "seeds": [0], "grid": [{**XOR, "model": "MLPX"}], "profile": "quick"},
     "unknown model 'MLPX'"),
    ({"name": "x", "dataset": "xor", "seeds": [-1], "grid": [XOR], "profile": "quick"}, "seeds must be distinct"),
    ({"name": "x", "dataset": "xor", "seeds": [0], "grid": [XOR]}, "no profile: give --profile quick"),
])
def test_bad_specs_get_one_line(tmp_path, monkeypatch, capsys, body, message):
    monkeypatch.setenv("NNLIB_RESULTS_DIR", str(tmp_path / "results"))
    path = spec_file(tmp_path, body)
    assert sweep.main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: ") and message in err, err
    assert not (tmp_path / "results" / "full").exists()


def test_a_missing_file_and_a_conflicting_profile(tmp_path, capsys):
    assert sweep.main([str(tmp_path / "none.json")]) == 2
    assert "cannot be read" in capsys.readouterr().err
    path = spec_file(tmp_path, {"name": "x", "dataset": "xor", "seeds": [0], "grid": [XOR], "profile": "full"})
    assert sweep.main([str(path), "--profile", "quick"]) == 2
    assert "says profile 'full', but --profile quick" in capsys.readouterr().err


def test_the_profile_given_decides_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLIB_RESULTS_DIR", str(tmp_path / "results"))
    path = spec_file(tmp_path, {"name": "x", "dataset": "xor", "seeds": [0], "grid": [XOR]})
    assert sweep.main([str(path), "--profile", "quick", "--workers", "0"]) == 0
    assert len(list((tmp_path / "results" / "quick" / "x").glob("*.json"))) == 1
    assert not (tmp_path / "results" / "full").exists()
