"""The resumable sweep runner: storage, resumption after SIGKILL, errors, dask."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnlib.runner import sweep

GRID = [{"label": f"h{h}", "model": "MLP", "epochs": 3, "batch_size": 32,
         "model_args": {"layer_sizes": [64, h, 10], "activation": "tanh"},
         "optimizer": {"name": "adam", "lr": 0.003}} for h in (4, 8, 12, 16, 20, 24)]
SEEDS = [0, 1]
ROOT = Path(__file__).resolve().parents[1]


def deterministic(records):
    """What must be identical between two runs (wall-clock times excluded)."""
    out = {}
    for r in records:
        h = {k: v for k, v in r["history"].items() if k != "seconds"}
        out[(json.dumps(r["config"], sort_keys=True), r["seed"])] = (h, r["final"], r["n_parameters"])
    return out


def test_records_are_complete_and_rerun_skips_them(tmp_path):
    records = sweep.run_sweep("t", GRID[:2], SEEDS, "digits", root=tmp_path, workers=0, progress=False)
    assert len(records) == 4
    r = records[0]
    for key in ("config", "seed", "dataset", "data_sha256", "history", "final", "n_parameters",
                "multiply_adds", "wall_seconds", "versions", "machine"):
        assert key in r
    assert len(r["history"]["test_accuracy"]) == 3 and 0 < r["final"]["test"]["accuracy"] <= 1
    files = sweep.record_files(tmp_path / "quick" / "t")
    stamps = [f.stat().st_mtime_ns for f in files]
    again = sweep.run_sweep("t", GRID[:2], SEEDS, "digits", root=tmp_path, workers=0, progress=False)
    assert [f.stat().st_mtime_ns for f in files] == stamps  # nothing recomputed
    assert deterministic(again) == deterministic(records)


def test_sigkill_then_rerun_loses_and_duplicates_nothing(tmp_path):
    """Kill a running sweep (its whole process group) with SIGKILL, run it again: the store equals
    an uninterrupted run's."""
    script = (f"import sys, json; sys.path.insert(0, {str(ROOT)!r}); from nnlib.runner import sweep; "
              f"sweep.run_sweep('k', json.loads(sys.argv[1]), [0, 1], 'digits', root=sys.argv[2], progress=False)")
    killed = tmp_path / "killed"
    folder = killed / "quick" / "k"
    proc = subprocess.Popen([sys.executable, "-c", script, json.dumps(GRID), str(killed)],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and len(sweep.record_files(folder)) < 2:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    n_before = len(sweep.record_files(folder))
    assert 2 <= n_before < len(GRID) * 2, "the kill should land mid-sweep"
    assert len(sweep.load_records("k", "quick", killed)) == n_before  # only whole records
    resumed = sweep.run_sweep("k", GRID, [0, 1], "digits", root=killed, progress=False)
    assert len(sweep.record_files(folder)) == len(GRID) * 2 == len(resumed)
    clean = sweep.run_sweep("k", GRID, [0, 1], "digits", root=tmp_path / "clean", progress=False)
    assert deterministic(resumed) == deterministic(clean)


@pytest.mark.parametrize("grid,seeds,dataset,message", [
    (GRID[:1], [0], "cifar", "unknown dataset 'cifar'; known: mnist"),
    ([{**GRID[0], "model": "Transformer"}], [0], "digits", "unknown model 'Transformer'"),
    ([{**GRID[0], "epochs": -2}], [0], "digits", "epochs must be a whole number"),
    ([], [0], "digits", "the grid is empty"),
    (GRID[:1], [], "digits", "seeds must be"),
    ([{**GRID[0], "model_args": {"layer_sizes": [64, 10], "activation": "swish"}}], [0], "digits", "unknown activation"),
    ([{**GRID[0], "input": "fourier"}], [0], "digits", "input must be one of"),
])
def test_bad_parameters_are_refused_before_any_work(tmp_path, grid, seeds, dataset, message):
    with pytest.raises(ValueError, match=message):
        sweep.run_sweep("bad", grid, seeds, dataset, root=tmp_path, workers=0, progress=False)
    assert not (tmp_path / "quick" / "bad").exists()


def test_corrupt_record_is_reported_with_its_location(tmp_path):
    sweep.run_sweep("c", GRID[:1], [0], "digits", root=tmp_path, workers=0, progress=False)
    path = sweep.record_files(tmp_path / "quick" / "c")[0]
    path.write_text(path.read_text()[:100])
    with pytest.raises(sweep.ResultsError, match=str(path)):
        sweep.load_records("c", "quick", tmp_path)
    path.write_text('{"seed": 0}')
    with pytest.raises(sweep.ResultsError, match="lacks config"):
        sweep.run_sweep("c", GRID[:1], [0], "digits", root=tmp_path, workers=0, progress=False)


def test_runs_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = sweep.run_sweep("d", GRID[:2], SEEDS, "digits", root=tmp_path / "dask",
                                  scheduler=client, progress=False)
    local = sweep.run_sweep("d", GRID[:2], SEEDS, "digits", root=tmp_path / "local", workers=0, progress=False)
    assert deterministic(on_dask) == deterministic(local)


def test_a_half_written_temporary_file_is_not_a_record(tmp_path):
    sweep.run_sweep("p", GRID[:1], [0], "digits", root=tmp_path, workers=0, progress=False)
    folder = tmp_path / "quick" / "p"
    (folder / ".tmp-abc123.part").write_text('{"config": {"label": "h4"')  # a writer killed mid-write
    assert len(sweep.load_records("p", "quick", tmp_path)) == 1


def test_one_failing_group_does_not_lose_the_others(tmp_path, monkeypatch):
    """A group that raises is reported; every other group's records are stored."""
    from nnlib.runner import experiments

    real = experiments.run_trial

    def flaky(config, seeds, dataset, **kwargs):
        if config["label"] == "h8":
            raise FloatingPointError("simulated failure")
        return real(config, seeds, dataset, **kwargs)

    monkeypatch.setattr(sweep, "run_trial", flaky)
    with pytest.raises(RuntimeError, match=r"(?s)1 of 3 trial groups failed.*h8 seeds \[0, 1\].*simulated"):
        sweep.run_sweep("f", GRID[:3], SEEDS, "digits", root=tmp_path, workers=0, progress=False)
    assert {r["config"]["label"] for r in sweep.load_records("f", "quick", tmp_path)} == {"h4", "h12"}


def test_unknown_set_names_are_refused_up_front(tmp_path):
    with pytest.raises(ValueError, match="keep_best names the set 'val'"):
        sweep.run_sweep("v", [{**GRID[0], "keep_best": "val"}], [0], "digits", root=tmp_path, progress=False)
    with pytest.raises(ValueError, match="target names the set 'shifted'"):
        sweep.run_sweep("v", [{**GRID[0], "target": ["shifted", 0.9]}], [0], "digits", root=tmp_path, progress=False)


def test_a_diverged_seed_has_no_final_metrics(tmp_path):
    config = {"label": "blow-up", "model": "MLP", "epochs": 2, "batch_size": 32,
              "model_args": {"layer_sizes": [64, 16, 10], "activation": "linear", "output_activation": "linear",
                             "cost": "mse"}, "optimizer": {"name": "sgd", "lr": 50.0}}
    records = sweep.run_sweep("x", [config], [0, 1], "digits", root=tmp_path, workers=0, progress=False)
    for r in records:
        assert r["diverged_epoch"] == 1
        assert r["final"]["test"]["accuracy"] is None and r["final"]["train"]["loss"] is None
    from nnlib.book import report
    df = report.final_frame(records)
    assert df["diverged"].all() and df["test_accuracy"].isna().all()
    assert report.range_claim(df["test_accuracy"] * 100, 90, 95)[1].startswith("not enough data")


def test_results_do_not_depend_on_the_schedule(tmp_path):
    """In this process or on two worker processes: the same numbers, bit for bit."""
    here = sweep.run_sweep("s", GRID[:3], SEEDS, "digits", root=tmp_path / "a", workers=0, progress=False)
    pool = sweep.run_sweep("s", GRID[:3], SEEDS, "digits", root=tmp_path / "b", workers=2, progress=False)
    assert deterministic(here) == deterministic(pool)


def test_the_largest_groups_start_first(tmp_path, monkeypatch):
    """Groups are handed out by estimated work, largest first (more seeds or more multiply-adds
    first), so a pool does not end with one long group running alone."""
    from nnlib.runner import experiments

    sweep.run_sweep("o", GRID[:1], SEEDS[:1], "digits", root=tmp_path, workers=0, progress=False)
    started = []

    def noting(config, seeds, dataset, **kwargs):
        started.append((config["label"], len(seeds)))
        return experiments.run_trial(config, seeds, dataset, **kwargs)

    monkeypatch.setattr(sweep, "run_trial", noting)
    sweep.run_sweep("o", [GRID[0], GRID[2], GRID[1]], SEEDS, "digits", root=tmp_path, workers=0, progress=False)
    assert started == [("h12", 2), ("h8", 2), ("h4", 1)]  # h4's seed 0 was already stored
    assert sweep.estimated_work(GRID[2], 2) > sweep.estimated_work(GRID[1], 2) > sweep.estimated_work(GRID[1], 1)
