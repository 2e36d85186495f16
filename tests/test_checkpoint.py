"""Checkpoints: a trial killed mid-run resumes from its last saved epoch, with the same result."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nnlib
from nnlib import data, training
from nnlib.runner import sweep
from nnlib.checkpoint import CheckpointError, load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
CONFIG = {"label": "long", "model": "MLP", "epochs": 60, "batch_size": 8,
          "model_args": {"layer_sizes": [64, 24, 10], "activation": "tanh"},
          "optimizer": {"name": "adam", "lr": 0.001}, "eval_every": 4}


def same_numbers(records):
    """Everything in the records that does not measure time."""
    out = {}
    for r in records:
        hist = {k: v for k, v in r["history"].items() if k != "seconds"}
        out[r["seed"]] = (hist, r["final"], r["data_fingerprint"], r["code_fingerprint"])
    return out


@pytest.mark.parametrize("optimizer", [{"name": "adam", "lr": 0.003},
                                       {"name": "sgd", "lr": 0.05, "momentum": 0.9}])
def test_resumed_fit_equals_uninterrupted_bit_for_bit(tmp_path, optimizer):
    """Stop a fit after epoch 3 (the checkpoint of that epoch kept), resume it: same weights and history."""
    ds = data.load("digits")
    args = dict(batch_size=16, optimizer=optimizer, eval_sets={"test": (ds.X_test, ds.y_test)}, shuffle_seed=3)
    full = nnlib.MLP([64, 12, 10], random_state=[0, 1]).fit(ds.X_train, ds.y_train, epochs=6, **args)

    ckpt = tmp_path / "run.npz"
    last = nnlib.MLP([64, 12, 10], random_state=[0, 1])
    last.fit(ds.X_train, ds.y_train, epochs=6, checkpoint=ckpt, checkpoint_seconds=0, **args)
    assert load_checkpoint(ckpt)[1]["epoch"] == 5  # the last epoch is never checkpointed
    ckpt.unlink()
    _fit_until(ds, ckpt, args, stop_after=3)
    assert load_checkpoint(ckpt)[1]["epoch"] == 3
    resumed = nnlib.MLP([64, 12, 10], random_state=[0, 1])
    resumed.fit(ds.X_train, ds.y_train, epochs=6, checkpoint=ckpt, **args)
    for (_, a), (_, b) in zip(full.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a, b)
    assert resumed.history_.metrics == full.history_.metrics
    assert resumed.history_.resumed_at == [4] and full.history_.resumed_at == []


def _fit_until(ds, ckpt, args, stop_after, model=None, fit=None):
    """A fit that is interrupted (by an exception, like a crash) after epoch ``stop_after``;
    ``fit(model)`` runs it (default: ``model.fit`` on the digits with ``args``)."""
    class Stop(Exception):
        pass

    model = model or nnlib.MLP([64, 12, 10], random_state=[0, 1])
    original = training.save_run

    def save_then_maybe_crash(run, path, epoch, *rest):
        original(run, path, epoch, *rest)
        if epoch == stop_after:
            raise Stop

    training.save_run = save_then_maybe_crash
    try:
        with pytest.raises(Stop):
            if fit is None:
                model.fit(ds.X_train, ds.y_train, epochs=6, checkpoint=ckpt, checkpoint_seconds=0, **args)
            else:
                fit(model)
    finally:
        training.save_run = original


def test_a_checkpoint_of_another_run_is_refused(tmp_path):
    ds = data.load("digits")
    ckpt = tmp_path / "run.npz"
    _fit_until(ds, ckpt, dict(batch_size=16, optimizer={"name": "adam", "lr": 0.003}), stop_after=2)
    other = nnlib.MLP([64, 12, 10], random_state=[0, 1])
    with pytest.raises(CheckpointError, match="another run"):
        other.fit(ds.X_train, ds.y_train, epochs=6, batch_size=32, checkpoint=ckpt,
                  optimizer={"name": "adam", "lr": 0.003})
    ckpt.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="run.npz: unreadable checkpoint"):
        other.fit(ds.X_train, ds.y_train, epochs=6, batch_size=16, checkpoint=ckpt)


def test_sweep_killed_mid_trial_resumes_from_its_checkpoint(tmp_path):
    """SIGKILL a sweep in the middle of a 60-epoch trial (after a checkpoint), run it again: it
    goes on from the saved epoch, and its records equal an uninterrupted run's, bit for bit
    (wall-clock times apart)."""
    script = (f"import sys, json; sys.path.insert(0, {str(ROOT)!r}); from nnlib.runner import sweep; "
              "sweep.run_sweep('m', [json.loads(sys.argv[1])], [0, 1], 'digits', root=sys.argv[2], "
              "workers=0, progress=False, checkpoint_seconds=0)")
    killed = tmp_path / "killed"
    folder = killed / "quick" / "m"
    ckpt = sweep.checkpoint_path(folder, CONFIG, "digits", [0, 1])
    proc = subprocess.Popen([sys.executable, "-c", script, json.dumps(CONFIG), str(killed)],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and not (ckpt.exists() and load_checkpoint(ckpt)[1]["epoch"] >= 10):
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    saved_epoch = load_checkpoint(ckpt)[1]["epoch"]
    assert 10 <= saved_epoch < CONFIG["epochs"] and not sweep.record_files(folder)
    resumed = sweep.run_sweep("m", [CONFIG], [0, 1], "digits", root=killed, workers=0, progress=False)
    assert not ckpt.exists()  # deleted once the records are stored
    assert all(r["resumed_at"] == [saved_epoch + 1] for r in resumed)
    clean = sweep.run_sweep("m", [CONFIG], [0, 1], "digits", root=tmp_path / "clean", workers=0, progress=False)
    assert clean[0]["resumed_at"] == []
    assert same_numbers(resumed) == same_numbers(clean)
    acc = resumed[0]["history"]["test_accuracy"]
    assert acc[0] is None and acc[3] is not None and acc[-1] is not None  # evaluated every 4th epoch and at the end


def test_records_of_other_code_are_refused_unless_allowed(tmp_path):
    sweep.run_sweep("f", [{**CONFIG, "epochs": 2}], [0, 1], "digits", root=tmp_path, workers=0, progress=False)
    path = sweep.record_files(tmp_path / "quick" / "f")[0]
    record = json.loads(path.read_text())
    record["code_fingerprint"] = "0123456789abcdef"
    path.write_text(json.dumps(record))
    with pytest.raises(sweep.ResultsError, match=r"1 of 2 records \(long\) were made by other code .*0123456789abcdef"):
        sweep.load_records("f", "quick", tmp_path)
    assert len(sweep.load_records("f", "quick", tmp_path, allow_stale=True)) == 2
