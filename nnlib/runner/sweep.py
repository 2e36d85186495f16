"""Resumable sweeps: a grid of configurations × seeds on a dataset, one JSON record per trial.

Records live in ``results_dir()/<profile>/<sweep>/<config id>_seed<seed>.json`` (``data/results``
by default, ``NNLIB_RESULTS_DIR`` to move it).  The configuration id is a hash of the
configuration and the dataset.  Each record is written atomically (a temporary file renamed into
place) as soon as its trial finishes, so a killed sweep leaves only whole records, and running the
same sweep again skips every trial already stored and runs the rest.

The seeds of one configuration that are still missing train together as replicas of one model
(:func:`nnlib.runner.experiments.run_trial`).  These groups run in parallel: on local processes by
default, or on a dask.distributed cluster when a scheduler address (or a ``distributed.Client``)
is given, the largest first (by :func:`estimated_work`) so that a pool of workers is not left
waiting on one long group at the end.  Every group trains with exactly one BLAS thread, wherever and however many at a time
it runs: a multi-threaded matrix product may round differently, and a stored result must not
depend on how the sweep happened to be scheduled (or resumed).
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Iterable, Sequence

from .. import data
from .experiments import build_model, check_config, config_fingerprint, current_data_fingerprint, run_trial

RECORD_KEYS = ("config", "seed", "dataset", "history", "final", "n_parameters", "multiply_adds")


class ResultsError(ValueError):
    """A stored record that cannot be read; the message names the file."""


def _shown(path: Path) -> str:
    """``path`` relative to the repository when it is inside it (no machine path on a page)."""
    try:
        return str(Path(path).resolve().relative_to(data.DATA_DIR.resolve().parent))
    except ValueError:
        return str(path)


def results_dir() -> Path:
    """Folder of all stored results: $NNLIB_RESULTS_DIR or data/results."""
    env = os.environ.get("NNLIB_RESULTS_DIR")
    return Path(env) if env else data.DATA_DIR / "results"


def sweep_dir(name: str, profile: str, root: Path | None = None) -> Path:
    for label, value in (("sweep name", name), ("profile", profile)):
        if not value or not all(c.isalnum() or c in "-_." for c in value):
            raise ValueError(f"{label} must be a non-empty name of letters, digits, '-', '_' or '.', got {value!r}")
    return (Path(root) if root else results_dir()) / profile / name


def config_id(config: dict, dataset: str) -> str:
    """12 hex digits identifying (configuration, dataset)."""
    text = json.dumps({"config": config, "dataset": dataset}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def record_path(folder: Path, config: dict, dataset: str, seed: int) -> Path:
    return folder / f"{config_id(config, dataset)}_seed{seed}.json"


def write_record(path: Path, record: dict) -> None:
    """Write ``record`` as JSON atomically: readers see the old state or the whole new file."""
    data.write_atomic(path, json.dumps(record, allow_nan=False).encode())


def read_record(path: Path) -> dict:
    """One stored record; a corrupt or incomplete one raises ResultsError naming the file."""
    try:
        record = json.loads(Path(path).read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ResultsError(f"{path}: corrupt result record ({e}). Delete this file and run the "
                           "sweep again to recompute that trial.") from None
    missing = [k for k in RECORD_KEYS if not isinstance(record, dict) or k not in record]
    if missing:
        raise ResultsError(f"{path}: result record lacks {', '.join(missing)}. Delete this file and "
                           "run the sweep again to recompute that trial.")
    return record


def record_files(folder: Path) -> list[Path]:
    """The record files in a sweep folder, sorted; a writer's leftover temporary file (a run
    killed mid-write leaves ``.tmp-*.part``) is not a record."""
    return sorted(p for p in Path(folder).glob("*_seed*.json") if not p.name.startswith("."))


def stale_reason(record: dict) -> str | None:
    """Why ``record`` is not a result of the code and data loaded now: "code" if its
    ``code_fingerprint`` differs from what this code gives its configuration (see
    :func:`nnlib.runner.experiments.config_fingerprint`; a record without one is stale), "data" if its
    ``data_fingerprint`` differs from what this data preparation gives, else None.  Both are
    computed once per process for each configuration and data description."""
    if record.get("code_fingerprint") != config_fingerprint(record["config"]):
        return "code"
    if record.get("data_fingerprint") != current_data_fingerprint(record["config"], record["dataset"]):
        return "data"
    return None


def stale_records(records: Sequence[dict]) -> list[dict]:
    """The records made by other code or from other data than the code loaded now (see
    :func:`stale_reason`)."""
    return [r for r in records if stale_reason(r)]


def check_same_code(records: Sequence[dict], where: str, allow_stale: bool = False) -> None:
    """Raise ResultsError if any of ``records`` was made by other code or from other data than
    the code loaded now gives (so a figure never mixes results of two versions), unless
    ``allow_stale``."""
    if allow_stale:
        return
    problems = []
    for reason, what, key in (("code", "by other code than this", "code_fingerprint"),
                              ("data", "from other data than this data preparation gives", "data_fingerprint")):
        stale = [r for r in records if stale_reason(r) == reason]
        if stale:
            labels = sorted({r["config"].get("label") or r["config"]["model"] for r in stale})
            made = sorted({r.get(key) or "none" for r in stale})
            problems.append(f"{len(stale)} of {len(records)} records ({', '.join(labels[:4])}"
                            f"{', …' if len(labels) > 4 else ''}) were made {what} ({key} {', '.join(made[:4])})")
    if problems:
        raise ResultsError(f"{where}: {'; '.join(problems)}. Delete them (or the folder) and run the sweep "
                           "again to recompute them with this code, or pass allow_stale=True to use them anyway.")


def load_records(name: str, profile: str, root: Path | None = None, allow_stale: bool = False) -> list[dict]:
    """Every record of a sweep, sorted by file name.  Raises ResultsError on a bad record, and
    on records made by other code or from other data than the code loaded now gives unless
    ``allow_stale``."""
    folder = sweep_dir(name, profile, root)
    records = [read_record(p) for p in record_files(folder)]
    check_same_code(records, str(folder), allow_stale)
    return records


def checkpoint_path(folder: Path, config: dict, dataset: str, seeds: Sequence[int]) -> Path:
    """Where a running trial group keeps its checkpoint (deleted once its records are stored)."""
    return folder / ".checkpoints" / f"{config_id(config, dataset)}_seeds{'-'.join(map(str, seeds))}.npz"


def _check(grid: Sequence[dict], seeds: Sequence[int], dataset: str) -> None:
    if not grid:
        raise ValueError("the grid is empty: give at least one configuration")
    if not seeds or len(set(seeds)) != len(seeds) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds):
        raise ValueError(f"seeds must be distinct whole numbers ≥ 0, at least one; got {list(seeds)!r}")
    for config in grid:
        try:
            json.dumps(config, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise ValueError(f"configuration {config!r} is not plain JSON data: {e}") from None
        check_config(config, dataset)


def estimated_work(config: dict, n_seeds: int) -> float:
    """A group's training work in multiply-adds, for ordering groups (not a time estimate):
    forward multiply-adds per example × epochs × training examples × seeds; the training-set size
    is taken as 60,000 unless the configuration sets ``train_subset``."""
    per_example = build_model(config, [0]).multiply_adds
    return float(per_example) * config.get("epochs", 1) * config.get("train_subset", 60_000) * n_seeds


def _limited_run(config: dict, seeds: list[int], dataset: str, checkpoint: Path | None = None,
                 checkpoint_seconds: float = 120.0) -> list[dict]:
    """run_trial with one BLAS thread (see the module docstring); each record also names the BLAS
    library, version and kernel ("architecture") it ran with, since results depend on the kernel."""
    from threadpoolctl import threadpool_info, threadpool_limits
    with threadpool_limits(limits=1):
        records = run_trial(config, seeds, dataset, checkpoint=checkpoint, checkpoint_seconds=checkpoint_seconds)
        blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                for i in threadpool_info() if i.get("user_api") == "blas"]
    return [{**r, "blas": blas} for r in records]


def _summary(records: list[dict]) -> str:
    r = records[0]
    label = r["config"].get("label") or r["config"]["model"]
    accs = [rec["final"]["test"]["accuracy"] for rec in records]
    shown = ", ".join("diverged" if a is None else f"{100 * a:.2f}%" for a in accs)
    return (f"{label} seeds {[rec['seed'] for rec in records]}: test accuracy {shown} "
            f"({r['n_parameters']:,} parameters, {r['wall_seconds']:.1f} s)")


def run_sweep(name: str, grid: Sequence[dict], seeds: Sequence[int], dataset: str, *,
              profile: str = "quick", root: Path | None = None, workers: int | None = None,
              scheduler: Any = None, progress: bool = True, allow_stale: bool = False,
              checkpoint_seconds: float = 120.0) -> list[dict]:
    """Run every (configuration, seed) of the sweep not yet stored; return all its records.

    A trial group that runs long saves a checkpoint under ``<sweep>/.checkpoints/`` after an
    epoch once ``checkpoint_seconds`` have passed since its last one; a killed sweep started again resumes each group from its last saved epoch, with the
    same result as an uninterrupted run; a checkpoint made under other code or data starts its group
    afresh.  Stored records made by other code or from other data than this (see
    :func:`stale_reason`) are reported up front, and the sweep refuses to return them (with new
    ones or alone) unless ``allow_stale``.

    workers: local processes (default: the number of CPUs, at most the number of pending groups);
        ``workers=0`` runs in this process.
    scheduler: a dask.distributed scheduler address ("tcp://host:8786") or Client; the groups then
        run on that cluster and their records are written here as they come back.
    """
    grid = list(grid)
    seeds = list(seeds)
    _check(grid, seeds, dataset)
    folder = sweep_dir(name, profile, root)
    pending = []
    for config in grid:
        todo = [s for s in seeds if not record_path(folder, config, dataset, s).exists()]
        if todo:
            pending.append((config, todo))
    pending.sort(key=lambda group: -estimated_work(group[0], len(group[1])))
    n_total = len(grid) * len(seeds)
    n_done = n_total - sum(len(todo) for _, todo in pending)
    say = print if progress else (lambda *a, **k: None)
    say(f"sweep {name!r} ({profile}): {len(grid)} configurations × {len(seeds)} seeds on {dataset}; "
        f"{n_done} of {n_total} trials already stored in {_shown(folder)}")
    if n_done:
        stale = stale_records([read_record(p) for p in record_files(folder)])
        if stale:
            say(f"warning: {len(stale)} stored records were made by other code or from other data than "
                "this; they are kept, not recomputed (delete them to recompute)")

    bar = None
    if progress and pending:
        from tqdm import tqdm
        bar = tqdm(total=n_total, initial=n_done, desc=name, unit="trial")

    def store(records: list[dict]) -> None:
        for rec in records:
            write_record(record_path(folder, rec["config"], dataset, rec["seed"]), rec)
        checkpoint_path(folder, records[0]["config"], dataset, [r["seed"] for r in records]).unlink(missing_ok=True)
        if bar is not None:
            bar.update(len(records))
            bar.write(_summary(records))

    failures = []
    try:
        for outcome in _execute(pending, dataset, workers, scheduler, folder, checkpoint_seconds):
            if isinstance(outcome, TrialFailure):
                failures.append(outcome)
                say(f"FAILED {outcome}")
            else:
                store(outcome)
    finally:
        if bar is not None:
            bar.close()
    if failures:
        raise RuntimeError(f"{len(failures)} of {len(pending)} trial groups failed (the others are stored):\n"
                           + "\n".join(str(f) for f in failures))
    return load_records(name, profile, root, allow_stale=allow_stale)


class TrialFailure:
    """A trial group that raised: which configuration and seeds, and the error."""

    def __init__(self, config: dict, seeds: list[int], error: BaseException):
        self.config, self.seeds, self.error = config, seeds, error

    def __str__(self) -> str:
        label = self.config.get("label") or self.config.get("model")
        return f"{label} seeds {self.seeds}: {type(self.error).__name__}: {self.error}"


def _execute(pending: list[tuple[dict, list[int]]], dataset: str, workers: int | None,
             scheduler: Any, folder: Path, every: float) -> Iterable[list[dict] | TrialFailure]:
    """Yield each group's records (or its failure) as soon as it finishes; one failing group
    never stops the others."""
    if not pending:
        return
    pending = [(c, s, checkpoint_path(folder, c, dataset, s)) for c, s in pending]
    if scheduler is not None:
        from distributed import Client, as_completed as dask_completed
        client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
        try:
            futures = {client.submit(_limited_run, c, s, dataset, k, every, pure=False): (c, s) for c, s, k in pending}
            for future in dask_completed(futures):
                yield _outcome(future, *futures[future])
        finally:
            if client is not scheduler:
                client.close()
        return
    n_cpu = os.cpu_count() or 1
    workers = min(n_cpu if workers is None else workers, len(pending))
    if workers <= 1:  # in this process
        for config, seeds, ckpt in pending:
            try:
                yield _limited_run(config, seeds, dataset, ckpt, every)
            except Exception as e:  # noqa: BLE001 - reported with its configuration
                yield TrialFailure(config, seeds, e)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_limited_run, c, s, dataset, k, every): (c, s) for c, s, k in pending}
        for future in as_completed(futures):
            yield _outcome(future, *futures[future])


def _outcome(future: Any, config: dict, seeds: list[int]) -> list[dict] | TrialFailure:
    try:
        return future.result()
    except Exception as e:  # noqa: BLE001 - reported with its configuration
        return TrialFailure(config, seeds, e)


SPEC_KEYS = {"name": str, "dataset": str, "seeds": list, "grid": list, "profile": str}


def read_spec(path: Path) -> dict:
    """A sweep described in a JSON file: {"name", "dataset", "seeds", "grid", optional "profile"}.
    Raises ValueError with one line naming the file and the problem."""
    path = Path(path)
    try:
        spec = json.loads(path.read_text())
    except OSError as e:
        raise ValueError(f"{path}: cannot be read ({e.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(spec, dict):
        raise ValueError(f"{path}: must hold a JSON object with the keys {', '.join(SPEC_KEYS)}")
    missing = [k for k in SPEC_KEYS if k != "profile" and k not in spec]
    unknown = [k for k in spec if k not in SPEC_KEYS]
    if missing or unknown:
        raise ValueError(f"{path}: " + "; ".join(
            ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unknown key {', '.join(unknown)}"] if unknown else []))
            + f" (a spec has {', '.join(SPEC_KEYS)}; profile is optional)")
    for key, kind in SPEC_KEYS.items():
        if key in spec and not isinstance(spec[key], kind):
            raise ValueError(f"{path}: {key} must be a JSON {'string' if kind is str else 'list'}, got {spec[key]!r}")
    if not all(isinstance(c, dict) for c in spec["grid"]):
        raise ValueError(f"{path}: grid must be a list of configurations (JSON objects)")
    return spec


def main(argv: list[str] | None = None) -> int:
    """``python -m nnlib.runner.sweep SPEC.json --profile quick``: run the sweep a JSON file describes
    ({"name", "dataset", "seeds", "grid", optional "profile"}), locally or with --scheduler.  The
    profile (the results folder) must be given, by --profile or in the file: "full" holds the
    book's committed results."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m nnlib.runner.sweep", description=main.__doc__)
    parser.add_argument("spec", type=Path)
    parser.add_argument("--profile", help="results folder: quick (trying things out) or full (the book's results)")
    parser.add_argument("--scheduler", help="dask.distributed scheduler address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--workers", type=int, help="local processes (default: all CPUs)")
    args = parser.parse_args(argv)
    try:
        spec = read_spec(args.spec)
        profile = args.profile or spec.get("profile")
        if profile is None:
            raise ValueError(f"{args.spec}: no profile: give --profile quick (or --profile full, the book's "
                             "committed results), or a \"profile\" key in the file")
        if args.profile and spec.get("profile") not in (None, args.profile):
            raise ValueError(f"{args.spec}: says profile {spec['profile']!r}, but --profile {args.profile} was given")
        run_sweep(spec["name"], spec["grid"], spec["seeds"], spec["dataset"], profile=profile,
                  workers=args.workers, scheduler=args.scheduler)
    except (ValueError, RuntimeError) as e:
        first = str(e).splitlines()[0]
        print(f"error: {first if str(e).startswith(str(args.spec)) else f'{args.spec}: {first}'}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
