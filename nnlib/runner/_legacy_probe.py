"""Run by :mod:`nnlib.runner.restamp` as a script, in a process whose ``nnlib`` is an older version (an
export of a past commit on PYTHONPATH): for every configuration read as JSON from stdin, print the
code fingerprint that version's own scheme gives it and the behaviour probe's digest computed with
that version's code (the probe of today's :mod:`nnlib.runner.probe`, loaded from the file given).

Usage: ``python _legacy_probe.py OLD_TREE TODAYS_PROBE_PY < configs.json > answers.json``.
It imports nothing of today's nnlib: the old version's trial runs with its data replaced by the
probe's and its model built in float64, exactly as :func:`nnlib.runner.experiments.config_fingerprint`
runs today's.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np


def _load_probe(path: str):
    spec = importlib.util.spec_from_file_location("nnlib_probe_of_today", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer(experiments, probe, config: dict) -> dict:
    """{"old": the old scheme's fingerprint, "probe": the probe digest with the old code}."""
    old = experiments.config_fingerprint(config)
    real = experiments.build_model(config, [0])
    train, sets = probe.probe_inputs(real, config)
    build, prepare, fingerprint = experiments.build_model, experiments.prepare_data, experiments.config_fingerprint

    def build_float64(c: dict, seeds: list[int], *_):  # *_: a later build_model's dtype
        return experiments.MODEL_CLASSES[c["model"]](**c.get("model_args", {}), random_state=list(seeds),
                                                     dtype="float64")

    experiments.build_model = build_float64
    experiments.prepare_data = lambda c, dataset: (train, sets, {})
    experiments.config_fingerprint = lambda c: None  # the probe's record needs none
    try:
        with np.errstate(all="ignore"):
            records = experiments.run_trial(probe.probe_config(config), [0], "probe")
    finally:
        experiments.build_model, experiments.prepare_data, experiments.config_fingerprint = build, prepare, fingerprint
    return {"old": old, "probe": probe.digest(records[0], real.dtype.name)}


def main() -> int:
    old_tree, probe_path = sys.argv[1], sys.argv[2]
    sys.path[:] = [old_tree] + [p for p in sys.path[1:] if Path(p).resolve() != Path(old_tree).resolve()]
    probe = _load_probe(probe_path)
    import importlib

    import nnlib
    # the layout of issue 24, or the flat one before it; chosen by the old tree's files, because an
    # editable install of today's nnlib can still answer for a subpackage the old tree lacks
    runner = Path(old_tree, "nnlib", "runner", "experiments.py").exists()
    experiments = importlib.import_module("nnlib.runner.experiments" if runner else "nnlib.experiments")
    if not Path(experiments.__file__).resolve().is_relative_to(Path(old_tree).resolve()):
        raise SystemExit(f"imported {experiments.__file__}, not the old experiments under {old_tree}")
    if not Path(nnlib.__file__).resolve().is_relative_to(Path(old_tree).resolve()):
        raise SystemExit(f"imported {nnlib.__file__}, not the old nnlib under {old_tree}")
    configs = json.load(sys.stdin)
    json.dump([answer(experiments, probe, c) for c in configs], sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
