"""The book's own bill: what computing each chapter's stored results cost, read from the records.

Every sweep record carries ``wall_seconds``, the wall time of the group of seeds trained together
with it (one BLAS thread, one process: about one core's time), and the records of one group share
it; so a sweep's cost is the sum over its groups.  A sweep defined in :mod:`nnlib.runner.studies` is
*complete* when every (configuration, seed) of its definition is stored.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..runner import studies, sweep


def expected_trials(profile: str = "full") -> dict[str, set[str]]:
    """{sweep name: the record file names its definition in nnlib.runner.studies asks for}; studies
    that refuse to be listed here (one needs a particular BLAS kernel) are left out."""
    out: dict[str, set[str]] = {}
    for fn in studies.STUDIES.values():
        try:
            sweeps = fn(profile)
        except (SystemExit, ValueError):
            continue
        for s in sweeps:
            names = {sweep.record_path(Path("."), c, s.dataset, k).name for c in s.grid for k in s.seeds}
            out.setdefault(s.name, set()).update(names)
    return out


def chapter_of(sweep_name: str) -> str:
    """The chapter a sweep belongs to: ``study001-mnist`` → ``study_001``."""
    return "study_" + sweep_name[len("study"):len("study") + 3] if sweep_name.startswith("study") else sweep_name


def sweep_costs(profile: str = "full", root: Path | None = None) -> pd.DataFrame:
    """One row per sweep that has records or is defined in nnlib.runner.studies: chapter, sweep, trials
    stored, trials its definition asks for (None when it is not defined there), complete, groups
    of seeds trained together, core_hours (the groups' wall time in hours; each group is one
    single-threaded process, so this bounds its CPU time from above)."""
    base = (Path(root) if root else sweep.results_dir()) / profile
    expected = expected_trials(profile)
    rows = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()) if base.exists() else []:
        files = sweep.record_files(folder)
        if not files:
            continue
        groups = {}
        for path in files:
            r = json.loads(path.read_text())
            groups[(sweep.config_id(r["config"], r["dataset"]), r.get("wall_seconds"))] = r.get("wall_seconds") or 0.0
        wanted = expected.get(folder.name)
        stored = {p.name for p in files}
        rows.append({"chapter": chapter_of(folder.name), "sweep": folder.name, "trials": len(files),
                     "expected": None if wanted is None else len(wanted),
                     "complete": None if wanted is None else wanted <= stored,
                     "groups": len(groups), "core_hours": sum(groups.values()) / 3600})
    seen = {r["sweep"] for r in rows}
    for name, wanted in sorted(expected.items()):  # defined, nothing stored yet
        if name not in seen:
            rows.append({"chapter": chapter_of(name), "sweep": name, "trials": 0, "expected": len(wanted),
                         "complete": False, "groups": 0, "core_hours": 0.0})
    df = pd.DataFrame(rows, columns=["chapter", "sweep", "trials", "expected", "complete", "groups", "core_hours"])
    df["expected"] = df["expected"].astype("Int64")  # whole numbers, <NA> where not defined
    return df.sort_values(["chapter", "sweep"]).reset_index(drop=True)


def measurement_costs(paths: dict[str, Path]) -> pd.DataFrame:
    """Wall minutes of stored timing measurements: {chapter: JSON file with ``total_seconds``}
    (files that do not exist are left out)."""
    rows = []
    for chapter, path in paths.items():
        if Path(path).exists():
            data = json.loads(Path(path).read_text())
            rows.append({"chapter": chapter, "file": Path(path).name, "minutes": data.get("total_seconds", 0) / 60,
                         "measured_at": data.get("machine", {}).get("measured_at")})
    return pd.DataFrame(rows, columns=["chapter", "file", "minutes", "measured_at"])
