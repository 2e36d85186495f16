"""The code fingerprint follows behaviour (nnlib.runner.probe): every committed record is current; a pure
refactor keeps every fingerprint; a changed constant in an activation, cost, optimiser or
initialiser changes exactly the fingerprints of the configurations that use it; other BLAS kernels
give the same fingerprints.  And the two gaps of the stale guard: records and checkpoints from
other data or other code are refused, or set aside."""
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nnlib
from nnlib import activations, costs, data, optimizers
from nnlib.runner import experiments, restamp, sweep
from nnlib.layers import Dense

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT / "data" / "results" / "full"


def committed_records() -> list[dict]:
    return [sweep.read_record(p) for folder in sorted(FULL.iterdir()) if folder.is_dir()
            for p in sweep.record_files(folder)]


def committed_configs() -> dict[str, dict]:
    return {json.dumps(r["config"], sort_keys=True): r["config"] for r in committed_records()}


SCRIPT = """
import json, sys
import nnlib
from nnlib.runner import experiments
assert nnlib.__file__.startswith(sys.argv[2]), nnlib.__file__
configs = json.load(open(sys.argv[1]))
json.dump({k: experiments.config_fingerprint(c) for k, c in configs.items()}, sys.stdout)
"""


def fingerprints_in(tmp_path: Path, edits=(), env: dict | None = None) -> dict[str, str]:
    """The fingerprints of every committed configuration computed in a fresh process, by a copy
    of nnlib with ``edits`` [(file, old text, new text)] applied (old text found exactly once)."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "nnlib", tree / "nnlib", ignore=shutil.ignore_patterns("__pycache__"))
    for name, old, new in edits:
        path = tree / "nnlib" / name
        text = path.read_text()
        assert text.count(old) == 1, f"{name}: {old!r} found {text.count(old)} times"
        path.write_text(text.replace(old, new))
    configs = tmp_path / "configs.json"
    configs.write_text(json.dumps(committed_configs()))
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(configs), str(tree)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(tree), **(env or {})}, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def today() -> dict[str, str]:
    return {k: experiments.config_fingerprint(c) for k, c in committed_configs().items()}


# ---------------------------------------------------------------- what a configuration uses
def activation_classes(model) -> set[type]:
    """The activation classes of a model's Dense layers and of its output."""
    parts = list(vars(model).values())
    parts += [x for v in parts if isinstance(v, (list, tuple)) for x in v]
    return {type(model.output_activation)} | {type(p.activation) for p in parts if isinstance(p, Dense)}


def calls(cls: type, method: str):
    """A predicate: does the probe of a configuration call ``cls.method``?  (The RNN, for one,
    has a Tanh layer but differentiates tanh itself, so a change to Tanh.backward is not its.)"""
    def predicate(config: dict) -> bool:
        original, called = getattr(cls, method), []

        def spy(*args, **kwargs):
            called.append(True)
            return original(*args, **kwargs)

        setattr(cls, method, spy)
        experiments.forget_fingerprints()
        try:
            experiments.config_fingerprint(config)
        finally:
            setattr(cls, method, original)
            experiments.forget_fingerprints()
        return bool(called)
    return predicate


def uses_tanh(config: dict) -> bool:
    return activations.Tanh in activation_classes(experiments.build_model(config, [0])) and \
        calls(activations.Tanh, "backward")(config)


def uses_half_quadratic(config: dict) -> bool:
    cost = experiments.build_model(config, [0]).cost
    return isinstance(cost, costs.Quadratic) and cost.half


def uses_default_beta2(config: dict) -> bool:
    spec = config.get("optimizer") or experiments.build_model(config, [0]).default_optimizer
    return isinstance(optimizers.get_optimizer(spec), optimizers.Adam) and "beta2" not in spec


def uses_glorot(config: dict) -> bool:
    return config.get("model_args", {}).get("init") == "glorot"


def uses_default_leaky_slope(config: dict) -> bool:
    model = experiments.build_model(config, [0])
    leaky = [c for c in activation_classes(model) if issubclass(c, activations.LeakyReLU)]
    args = json.dumps(config.get("model_args", {}))
    return bool(leaky) and '"alpha"' not in args


CHANGES = {  # one constant each: (file, old, new), which configurations it must change
    "tanh derivative": (("activations.py", "return grad_a * (1 - a * a)", "return grad_a * (1.001 - a * a)"),
                        uses_tanh),
    "quadratic cost's ½": (("costs.py", "return 0.5 * s if self.half else s", "return 0.55 * s if self.half else s"),
                           uses_half_quadratic),
    "Adam's default β₂": (("optimizers.py", "beta2: float = 0.999", "beta2: float = 0.998"), uses_default_beta2),
    "Glorot's 6": (("initializers.py", "limit = np.sqrt(6.0 / (n_in + n_out))", "limit = np.sqrt(5.0 / (n_in + n_out))"),
                   uses_glorot),
    "leaky ReLU's default slope": (("activations.py", "alpha: float = 0.01", "alpha: float = 0.02"),
                                   uses_default_leaky_slope),
}


# ---------------------------------------------------------------- the three properties
def test_every_committed_record_is_current():
    """Code and data fingerprints of all committed records match the code loaded now."""
    records = committed_records()
    assert len(records) > 1000
    stale = [(r["config"].get("label"), sweep.stale_reason(r)) for r in sweep.stale_records(records)]
    assert not stale, stale[:10]


def test_a_pure_refactor_keeps_every_fingerprint(tmp_path, today):
    """Renamed variables, an equivalent expression, a comment: no fingerprint moves (the
    source-text fingerprint changed with each of them; moving modules is shown by the restructure
    itself, after which every committed record still validates)."""
    edits = [("training.py", "loss_sum = np.zeros(run.K)", "running = np.zeros(run.K)"),
             ("training.py", "            loss_sum += loss\n", "            running += loss\n"),
             ("training.py", "return loss_sum / max(n_batches, 1)", "return running / max(n_batches, 1)"),
             ("activations.py", "return grad_a * (1 - a * a)", "return grad_a * (1 - np.square(a))  # same"),
             ("optimizers.py", "    norm = np.sqrt(sq)\n", "    norm = np.sqrt(sq)  # the global norm, per replica\n")]
    assert fingerprints_in(tmp_path, edits) == today


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_changed_constant_changes_exactly_the_configurations_that_use_it(tmp_path, today, change):
    edit, uses = CHANGES[change]
    configs = committed_configs()
    changed = fingerprints_in(tmp_path, [edit])
    moved = {k for k in configs if changed[k] != today[k]}
    expected = {k for k, c in configs.items() if uses(c)}
    assert moved == expected, (f"{change}: moved but unused: {[configs[k]['label'] for k in moved - expected][:5]}; "
                               f"used but unmoved: {[configs[k]['label'] for k in expected - moved][:5]}")
    if change != "leaky ReLU's default slope":  # no committed configuration relies on that default
        assert expected, f"{change}: no committed configuration uses it; the test would prove nothing"


@pytest.mark.parametrize("kernel", ["Haswell", "Sandybridge", "Prescott"])
def test_the_same_fingerprints_under_another_blas_kernel(tmp_path, today, kernel):
    """OPENBLAS_CORETYPE switches OpenBLAS's kernel (it changes the last bits of float64 dot
    products, and float32 results by far more); the fingerprints stay the same."""
    check = subprocess.run([sys.executable, "-c", "import numpy, threadpoolctl; print(sorted({i.get('architecture') "
                            "for i in threadpoolctl.threadpool_info() if i.get('internal_api') == 'openblas'}))"],
                           capture_output=True, text=True, env={**os.environ, "OPENBLAS_CORETYPE": kernel})
    if "openblas" not in subprocess.run([sys.executable, "-c", "import numpy; numpy.show_config()"],
                                        capture_output=True, text=True).stdout.lower():
        pytest.skip("numpy is not linked to OpenBLAS here")
    assert check.returncode == 0 and check.stdout.strip() not in ("", "[]"), check.stderr
    assert fingerprints_in(tmp_path, env={"OPENBLAS_CORETYPE": kernel}) == today


# ---------------------------------------------------------------- the stale guard's two gaps
CONFIG = {"label": "small", "model": "MLP", "epochs": 6, "batch_size": 16,
          "model_args": {"layer_sizes": [64, 12, 10], "activation": "tanh"},
          "optimizer": {"name": "adam", "lr": 0.003}}


@pytest.fixture
def changed_data(monkeypatch):
    """A one-line change to data preparation: every image scaled by 0.99 when loaded."""
    def change():
        load = data.load
        monkeypatch.setattr(data, "load", lambda *a, **k: _scaled(load(*a, **k)))
        experiments.forget_fingerprints()
    yield change
    experiments.forget_fingerprints()


def _scaled(ds):
    return dataclasses.replace(ds, **{name: getattr(ds, name) * np.float32(0.99)
                                      for name in ("X_train", "X_val", "X_test") if getattr(ds, name) is not None})


@pytest.fixture
def changed_code(monkeypatch):
    """A change to the maths: the tanh derivative's 1 becomes 1.001."""
    def change():
        monkeypatch.setattr(activations.Tanh, "backward", lambda self, z, a, g: g * (1.001 - a * a))
        experiments.forget_fingerprints()
    yield change
    experiments.forget_fingerprints()


def test_records_from_other_data_are_refused_and_never_mixed(tmp_path, changed_data):
    sweep.run_sweep("d", [CONFIG], [0], "digits", root=tmp_path, workers=0, progress=False)
    changed_data()
    assert sweep.stale_reason(sweep.load_records("d", "quick", tmp_path, allow_stale=True)[0]) == "data"
    with pytest.raises(sweep.ResultsError, match=r"1 of 1 records \(small\) were made from other data"):
        sweep.load_records("d", "quick", tmp_path)
    # the sweep resumed with a second seed computes it from the new data, and refuses the mix
    with pytest.raises(sweep.ResultsError, match=r"1 of 2 records \(small\) were made from other data"):
        sweep.run_sweep("d", [CONFIG], [0, 1], "digits", root=tmp_path, workers=0, progress=False)
    assert len(sweep.record_files(tmp_path / "quick" / "d")) == 2


def test_records_of_other_code_are_refused(tmp_path, changed_code):
    sweep.run_sweep("c", [CONFIG], [0], "digits", root=tmp_path, workers=0, progress=False)
    changed_code()
    with pytest.raises(sweep.ResultsError, match=r"1 of 1 records \(small\) were made by other code"):
        sweep.load_records("c", "quick", tmp_path)


@pytest.mark.parametrize("change", ["changed_code", "changed_data"])
def test_a_trial_killed_then_resumed_under_other_code_or_data_starts_afresh(tmp_path, request, change):
    """Kill a trial after its epoch-3 checkpoint, change the code (or the data), run it again: it
    says so and starts from epoch 1, and its records equal a fresh run's under the new code."""
    from test_checkpoint import _fit_until  # noqa: PLC0415 - the crash helper of the checkpoint tests
    ckpt = tmp_path / "trial.npz"
    ds = data.load("digits")
    _fit_until(ds, ckpt, {}, stop_after=3, fit=lambda _: experiments.run_trial(
        CONFIG, [0, 1], "digits", checkpoint=ckpt, checkpoint_seconds=0))
    request.getfixturevalue(change)()
    with pytest.warns(UserWarning, match="starting this run afresh"):
        resumed = experiments.run_trial(CONFIG, [0, 1], "digits", checkpoint=ckpt, checkpoint_seconds=1e9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fresh = experiments.run_trial(CONFIG, [0, 1], "digits")
    assert all(r["resumed_at"] == [] for r in resumed)
    for a, b in zip(resumed, fresh):
        assert a["final"] == b["final"] and a["code_fingerprint"] == b["code_fingerprint"]
        assert a["data_fingerprint"] == b["data_fingerprint"]


def test_a_trial_killed_then_resumed_under_the_same_code_goes_on(tmp_path):
    ckpt = tmp_path / "trial.npz"
    from test_checkpoint import _fit_until  # noqa: PLC0415
    _fit_until(data.load("digits"), ckpt, {}, stop_after=3, fit=lambda _: experiments.run_trial(
        CONFIG, [0, 1], "digits", checkpoint=ckpt, checkpoint_seconds=0))
    resumed = experiments.run_trial(CONFIG, [0, 1], "digits", checkpoint=ckpt)
    fresh = experiments.run_trial(CONFIG, [0, 1], "digits")
    assert resumed[0]["resumed_at"] == [4]
    assert [r["final"] for r in resumed] == [r["final"] for r in fresh]


# ---------------------------------------------------------------- the migration
def test_restamp_earns_the_new_fingerprint_only_for_records_current_under_the_old_scheme(tmp_path):
    """A committed record given back its old fingerprint is restamped to today's; one with a
    forged old fingerprint is refused; one with today's is left alone."""
    try:
        old_rev = restamp.default_old_rev()
    except (SystemExit, subprocess.CalledProcessError):
        pytest.skip("no git history with the old fingerprint scheme here (a shallow copy?)")
    source = next(r for r in committed_records() if r.get("restamped_from") and r["config"]["model"] == "MLP")
    folder = tmp_path / "full" / "s"
    old = {k: v for k, v in source.items() if k != "restamped_from"} | {"code_fingerprint": source["restamped_from"]}
    forged = {**old, "seed": 1000, "code_fingerprint": "0123456789abcdef"}
    current = {**source, "seed": 1001}
    paths = []
    for record in (old, forged, current):
        paths.append(sweep.record_path(folder, record["config"], record["dataset"], record["seed"]))
        sweep.write_record(paths[-1], record)
    found = restamp.restamp(paths, [old_rev])
    assert found == {"restamp": [paths[0]], "stale-old": [paths[1]], "current": [paths[2]]}
    again = sweep.read_record(paths[0])
    assert again["code_fingerprint"] == source["code_fingerprint"] and again["restamped_from"] == source["restamped_from"]
    assert sweep.read_record(paths[1])["code_fingerprint"] == "0123456789abcdef"
    assert restamp.restamp(paths[:1], [old_rev]) == {"current": [paths[0]]}  # idempotent
