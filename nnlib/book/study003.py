"""Study 003, time to 96 %: its sweep, its hand-computed 3-2-3 example, and the timed runs.

Two protocols of the 784-256-10 network, each stopped as soon as test accuracy after an epoch
exceeds 96 %, mini-batches of 512 in data order (no shuffling), softmax cross-entropy, plain SGD,
He / Kaiming-normal weights N(0, 2/n_in) and zero biases:

* ``rust``: the author's Rust run — hidden layer ReLU forward with the leaky-ReLU derivative
  (α = 0.01) backward, η = 0.8; ``rust_true_relu`` is the same with the true ReLU gradient;
* ``pytorch``: the author's PyTorch script — ReLU, η = 0.1.

The sweep (epochs to 96 % per seed, seeds trained together as replicas) is
:func:`nnlib.runner.studies.study_003`, with the book's other sweeps; :func:`measure_timings` times
single runs to 96 % with nnlib and, when installed, PyTorch, on a pinned number of threads, and
``python -m nnlib.book.study003 time`` stores them as JSON.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

import numpy as np

from . import bench, torch_baselines
from ..costs import Quadratic
from ..data import write_atomic
from ..mlp import MLP
from ..optimizers import SGD
from ..runner.studies import BATCH_003 as BATCH
from ..runner.studies import PROFILES, study_003  # noqa: F401 - study_003: the sweep, with the book's others
from ..runner.studies import PROTOCOLS_003 as PROTOCOLS
from ..runner.studies import TARGET_003 as TARGET
from ..runner.studies import model_args_003 as model_args
from ..runner.studies import settings_003 as settings

# The author's recorded hyperfine results (mean and standard deviation of 100 runs, and the mean
# user and system CPU seconds per run, from the JSON files hyperfine wrote, on the author's
# machine), with the commit that added each, its date, and the network and learning rate of the
# code committed with it ("network" None: 784-256-10 by the README, the committed code's otherwise).
AUTHOR_TIMINGS = [
    {"run": "PyTorch script", "mean": 193.54, "sd": 10.38, "user": 228.21, "system": 0.85, "commit": "e4d678e",
     "date": "2025-10-18", "network": "784-256-10", "lr": 0.1},
    {"run": "Rust", "mean": 102.52, "sd": 11.70, "user": 102.31, "system": 0.20, "commit": "e4d678e",
     "date": "2025-10-18", "network": "784-256-128-128-128-10", "lr": 0.1},
    {"run": "Rust parallel", "mean": 44.27, "sd": 4.44, "user": 55.32, "system": 103.78, "commit": "2e4fc4e",
     "date": "2025-10-23", "network": "784-256-128-128-128-10", "lr": 0.1},
    {"run": "Rust parallel, later run (another network)", "mean": 9.12, "sd": 0.23, "user": 20.30, "system": 24.02,
     "commit": "e733a6b", "date": "2026-03-05", "network": "784-256-10", "lr": 0.8},
]


def cpu_busy(run: dict) -> float:
    """CPUs a recorded run kept busy on average: (user + system CPU seconds) / wall seconds."""
    return (run["user"] + run["system"]) / run["mean"]


# ---------------------------------------------------------------- the 3-2-3 example

# The author's hand-computed check, weights (out × in); expected values to about 1e-6.
HAND = {
    "W1": [[-0.75, 0.5, -0.25], [0.25, -0.5, 0.75]], "b1": [0.0, 1.0],
    "W2": [[-0.75, 0.75], [0.5, -0.5], [-0.25, 0.25]], "b2": [0.75, 0.5, 0.25],
    "x": [0.25, 0.5, 0.75], "t": [0.0, 1.0, 0.0], "alpha": 0.2,
}
HAND_EXPECTED = {
    "z1": [-0.125, 1.375], "a1": [-0.025, 1.375], "z2": [1.8, -0.2, 0.6],
    "delta2": [0.208924, -0.272186, 0.295432], "delta1": [-0.0733288, 0.366644],
    "dW2": [[-0.0052231, 0.287271], [0.00680465, -0.374256], [-0.0073858, 0.406219]],
    "dW1": [[-0.0183322, -0.0366644, -0.0549966], [0.091661, 0.183322, 0.274983]],
}


def hand_example_nnlib() -> dict[str, np.ndarray]:
    """The 3-2-3 example computed by nnlib in float64: an MLP [3, 2, 3] with leaky ReLU (α = 0.2)
    hidden, sigmoid output and the cost Σ(a − t)² (``Quadratic(half=False)``), its weights set to
    the author's.  Returns z1, a1, z2, δ2, δ1 and dW2, dW1 in the author's (out × in) layout."""
    net = MLP([3, 2, 3], activation={"name": "leaky_relu", "alpha": HAND["alpha"]}, output_activation="sigmoid",
              cost=Quadratic(half=False), dtype="float64")
    first, second = net.layers
    first.W[0] = np.array(HAND["W1"]).T  # nnlib's weights are (in × out)
    first.b[0] = HAND["b1"]
    second.W[0] = np.array(HAND["W2"]).T
    second.b[0] = HAND["b2"]
    x = np.array([HAND["x"]])
    z1, a1 = first.forward(x)
    z2, _ = second.forward(a1)
    _, (dW1, db1, dW2, db2) = net.loss_and_gradients(x, np.array([HAND["t"]]))
    return {"z1": z1[0, 0], "a1": a1[0, 0], "z2": z2[0, 0], "delta2": db2[0], "delta1": db1[0],
            "dW2": dW2[0].T, "dW1": dW1[0].T}


def hand_example_torch() -> dict[str, np.ndarray] | None:
    """The same by PyTorch's autograd, or None when PyTorch is not installed."""
    if not torch_baselines.available():
        return None
    return torch_baselines.hand_example(HAND["W1"], HAND["b1"], HAND["W2"], HAND["b2"], HAND["x"], HAND["t"],
                                        HAND["alpha"])


def hand_example_autograd(stored: str | Path) -> tuple[dict[str, np.ndarray], str] | None:
    """The 3-2-3 example by PyTorch's autograd and the PyTorch version that computed it.

    With PyTorch installed the values are computed now and kept in ``stored`` (JSON, written
    only when it is missing or holds other values); without it the values last kept there are
    read, so a page built on a machine without PyTorch shows the same cross-check.  None when
    PyTorch is not installed and nothing is stored."""
    stored = Path(stored)
    kept = None
    if stored.exists():
        try:
            doc = json.loads(stored.read_text())
            kept = {k: np.asarray(v, dtype=np.float64) for k, v in doc["values"].items()}, str(doc["torch"])
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{stored}: not a stored autograd result ({err}); delete it and rerun with "
                             "PyTorch installed to compute it again") from None
    fresh = hand_example_torch()
    if fresh is None:
        return kept
    import torch
    same = kept is not None and kept[1] == torch.__version__ and all(
        k in kept[0] and np.array_equal(kept[0][k], np.asarray(v)) for k, v in fresh.items())
    if not same:
        doc = {"torch": torch.__version__, "values": {k: np.asarray(v).tolist() for k, v in fresh.items()}}
        write_atomic(stored, (json.dumps(doc, indent=1) + "\n").encode())
    return {k: np.asarray(v) for k, v in fresh.items()}, torch.__version__


def largest_difference(computed: dict[str, np.ndarray], expected: dict = HAND_EXPECTED) -> float:
    """The largest absolute difference between computed and expected values, over every entry."""
    return max(float(np.max(np.abs(np.asarray(computed[k]) - np.asarray(v)))) for k, v in expected.items())


# ---------------------------------------------------------------- timed runs


def time_to_target_nnlib(protocol: str, seed: int, X, y, X_test, y_test, max_epochs: int,
                         target: float = TARGET) -> dict:
    """One nnlib run of ``protocol`` (one replica) until test accuracy after an epoch exceeds
    ``target``.  Returns the same fields as :func:`nnlib.book.torch_baselines.time_to_target`:
    epochs, reached, seconds (the whole training call, test evaluations included),
    train_seconds, eval_seconds and test_accuracy per epoch."""
    net = MLP(**model_args(protocol), random_state=seed)
    t0 = time.perf_counter()
    net.fit(X, y, epochs=max_epochs, batch_size=BATCH, optimizer=SGD(lr=PROTOCOLS[protocol]["lr"]), shuffle=False,
            eval_train=False, eval_sets={"test": (X_test, y_test)}, target=("test", target))
    seconds = time.perf_counter() - t0
    h = net.history_
    return {"epochs": len(h.epoch), "reached": h.stopped_epoch[0] is not None, "seconds": seconds,
            "train_seconds": list(h.seconds), "eval_seconds": list(h.eval_seconds),
            "test_accuracy": [float(v) for v in h["test_accuracy"][:, 0]]}


def measure_timings(seeds: list[int], threads: tuple[int, ...], max_epochs: int, loader_epochs: int = 0,
                    target: float = TARGET, use_torch: bool | None = None, progress: bool = True,
                    note: str | None = None, previous: dict | None = None, deadline_seconds: float | None = None,
                    save_to: str | Path | None = None) -> dict:
    """Time single runs to ``target`` on this machine, seed after seed, and for each seed every
    thread count and implementation in turn (so that a drift in the machine's speed spreads over
    all of them): nnlib with the three protocols, PyTorch with the PyTorch script's protocol.
    ``loader_epochs`` > 0 also times that many epochs of PyTorch fed by a per-image DataLoader like
    the author's script (one thread).

    ``previous``: a stored result with the same settings to complete: its seeds are skipped, its
    runs kept, and this measurement becomes one more of its ``sessions``.  ``deadline_seconds``:
    start no new seed after that long (complete the rest later with ``previous``).  ``save_to``:
    a JSON file rewritten after every seed, so that a killed measurement keeps what it finished.

    Returns a JSON-ready dict: settings, ``runs`` (one entry per run), ``loader_epoch_seconds``, and
    ``sessions`` (per measurement: machine facts, load, warnings, note, seconds, seeds); ``machine``
    and ``load`` repeat the first session's, ``warnings`` gathers all."""
    from .. import data
    if use_torch is None:
        use_torch = torch_baselines.available()
    settings_ = {"threads": list(threads), "max_epochs": max_epochs, "target": target, "batch_size": BATCH,
                 "torch": bool(use_torch)}
    if previous is not None:
        differ = [k for k, v in settings_.items() if previous.get(k) != v]
        if differ:
            raise ValueError(f"the stored timings were measured with other settings ({', '.join(differ)}); "
                             "measure anew instead of completing them")
    if use_torch:
        import torch  # noqa: F401 - loaded now, so that bench.pinned_threads sets its threads too
    say = print if progress else (lambda *a, **k: None)
    ds = data.load("mnist")
    cpus = os.cpu_count() or 1
    result = {**settings_, "seeds": [], "runs": [], "loader_epoch_seconds": [], "sessions": []}
    if previous is not None:
        result.update({k: previous[k] for k in ("seeds", "runs", "loader_epoch_seconds", "sessions")})
    todo = [s for s in seeds if s not in result["seeds"]]
    load, warning = bench.check_load(cpus, max(threads))
    session = {"machine": bench.machine_facts(), "load": load, "warnings": [], "note": note, "seeds": []}
    if warning:
        session["warnings"].append(warning)
        say(warning)
    result["sessions"].append(session)
    args = (ds.X_train, ds.y_train, ds.X_test, ds.y_test)
    t_start = time.perf_counter()

    def finish(other_cores: float | None) -> dict:
        session["load"]["load_average_after"] = bench.load_average()
        session["load"]["other_processes_cpus"] = other_cores
        session["total_seconds"] = time.perf_counter() - t_start
        if other_cores is not None and other_cores > bench.OTHER_LOAD_LIMIT and not any("other processes" in w for w in session["warnings"]):
            session["warnings"].append(f"WARNING: other processes kept {other_cores:.2f} CPUs busy on average "
                                       "during the measurement.")
        first = result["sessions"][0]
        result.update({"machine": first["machine"], "load": first["load"], "note": first["note"],
                       "warnings": [w for s in result["sessions"] for w in s["warnings"]],
                       "total_seconds": sum(s.get("total_seconds", 0) for s in result["sessions"])})
        result["seeds"] = sorted(result["seeds"])
        if save_to is not None:
            bench.write_result(result, save_to)
        return result

    with bench.OtherLoad() as other:
        for seed in todo:
            if deadline_seconds is not None and time.perf_counter() - t_start > deadline_seconds:
                say(f"deadline reached: {len(todo) - todo.index(seed)} seed(s) left for another session")
                break
            for n in threads:
                with bench.pinned_threads(n):
                    for protocol in PROTOCOLS:
                        run = time_to_target_nnlib(protocol, seed, *args, max_epochs, target)
                        result["runs"].append({"implementation": "nnlib", "protocol": protocol, "seed": seed, "threads": n, **run})
                        say(f"seed {seed}, {n} thread(s), nnlib {protocol}: {run['epochs']} epochs, {run['seconds']:.2f} s", flush=True)
                    if use_torch:
                        run = torch_baselines.time_to_target(seed, *args, lr=PROTOCOLS["pytorch"]["lr"], batch_size=BATCH,
                                                             target=target, max_epochs=max_epochs)
                        result["runs"].append({"implementation": "PyTorch", "protocol": "pytorch", "seed": seed, "threads": n, **run})
                        say(f"seed {seed}, {n} thread(s), PyTorch: {run['epochs']} epochs, {run['seconds']:.2f} s", flush=True)
            result["seeds"].append(seed)
            session["seeds"].append(seed)
            if save_to is not None:
                finish(None)
        missing = loader_epochs - len(result["loader_epoch_seconds"])
        if use_torch and missing > 0 and (deadline_seconds is None or time.perf_counter() - t_start <= deadline_seconds):
            images = (ds.X_train.reshape(-1, 28, 28) * 255).round().astype(np.uint8)
            with bench.pinned_threads(1):
                for e in range(missing):
                    result["loader_epoch_seconds"].append(torch_baselines.per_image_loader_epoch_seconds(images, ds.y_train, seed=e))
                    say(f"PyTorch with a per-image DataLoader: {result['loader_epoch_seconds'][-1]:.2f} s for one epoch", flush=True)
    return finish(other.cores)


# ---------------------------------------------------------------- time per epoch, interleaved

#: The programs timed per epoch: nnlib with four of the sweep's configurations, and PyTorch with the
#: PyTorch script's network fed from tensors in memory or image by image through a DataLoader.
EPOCH_PROGRAMS = (("nnlib", "readme"), ("nnlib", "commit"), ("nnlib", "rust"), ("nnlib", "pytorch"),
                  ("PyTorch", "memory"), ("PyTorch", "loader"))
TEST_IMAGES = 10_000  # the test set the author's script passes through its DataLoader after every epoch


def _one_epoch(implementation: str, what: str, seed: int, ds, images: np.ndarray | None) -> dict:
    """Wall seconds of one training epoch (``train``) and of one pass over the test set (``eval``,
    None for the DataLoader, which times training only) of a program of :data:`EPOCH_PROGRAMS`,
    from fresh weights drawn with ``seed``; ``cpu`` is the CPU seconds of the whole call (every thread)."""
    cpu0 = time.process_time()
    if implementation == "nnlib":
        run = time_to_target_nnlib(what, seed, ds.X_train, ds.y_train, ds.X_test, ds.y_test, max_epochs=1, target=1.0)
        out = {"train": run["train_seconds"][0], "eval": run["eval_seconds"][0]}
    elif what == "memory":
        run = torch_baselines.time_to_target(seed, ds.X_train, ds.y_train, ds.X_test, ds.y_test,
                                             lr=PROTOCOLS["pytorch"]["lr"], batch_size=BATCH, target=1.0, max_epochs=1)
        out = {"train": run["train_seconds"][0], "eval": run["eval_seconds"][0]}
    elif what == "loader":
        out = {"train": torch_baselines.per_image_loader_epoch_seconds(images, ds.y_train, seed=seed,
                                                                       lr=PROTOCOLS["pytorch"]["lr"], batch_size=BATCH),
               "eval": None}
    else:
        raise ValueError(f"unknown program {implementation} {what}; choose one of {EPOCH_PROGRAMS}")
    return {**out, "cpu": time.process_time() - cpu0}


def measure_epoch_timings(rounds: int, threads: tuple[int, ...] = (1, 2), cpu_seconds: float = 25 * 60,
                          wall_seconds: float | None = None,
                          programs: tuple[tuple[str, str], ...] = EPOCH_PROGRAMS, progress: bool = True,
                          note: str | None = None, save_to: str | Path | None = None, dataset=None) -> dict:
    """Time one epoch of every program of ``programs`` on every thread count of ``threads``,
    interleaved: each round runs every (program, threads) pair once, in an order shuffled anew
    each round, so that a change in the machine's speed (it is shared) falls on all of them alike
    and ratios can be taken round by round.  Stops before a round that would take this process past
    ``cpu_seconds`` of CPU time, or the measurement past ``wall_seconds`` (judged from the rounds so
    far).  ``dataset``: MNIST by default.

    Returns a JSON-ready dict: ``threads``, ``programs``, ``rounds_asked``, ``runs`` (one per
    measurement: round, order, implementation, program, threads, train, eval, cpu seconds),
    ``machine``, ``load``, ``warnings``, ``note``, ``cpu_seconds`` and ``total_seconds``."""
    from .. import data
    use_torch = torch_baselines.available()
    programs = tuple(p for p in programs if p[0] != "PyTorch" or use_torch)
    if use_torch:
        import torch  # noqa: F401 - loaded now, so that bench.pinned_threads sets its threads too
    ds = dataset if dataset is not None else data.load("mnist")
    images = (ds.X_train.reshape(-1, 28, 28) * 255).round().astype(np.uint8)
    say = print if progress else (lambda *a, **k: None)
    load, warning = bench.check_load(os.cpu_count() or 1, max(threads))
    result = {"threads": list(threads), "programs": [list(p) for p in programs], "rounds_asked": rounds,
              "cpu_seconds_limit": cpu_seconds, "wall_seconds_limit": wall_seconds,
              "batch_size": BATCH, "n_train": int(len(ds.y_train)), "n_test": int(len(ds.y_test)),
              "torch": bool(use_torch), "machine": bench.machine_facts(), "load": load,
              "warnings": [warning] if warning else [], "note": note, "runs": []}
    if warning:
        say(warning)
    pairs = [(impl, what, n) for impl, what in programs for n in threads]
    rng = np.random.default_rng(2026)
    # A warm-up on the first 2,048 images, not stored: the first call of each program and thread
    # count pays for loading libraries, starting threads and allocating memory.
    warm = dataclasses.replace(ds, X_train=ds.X_train[:2048], y_train=ds.y_train[:2048],
                               X_test=ds.X_test[:512], y_test=ds.y_test[:512])
    for impl, what, n in pairs:
        with bench.pinned_threads(n):
            _one_epoch(impl, what, 0, warm, images[:2048])
    cpu0, t0 = time.process_time(), time.perf_counter()
    with bench.OtherLoad() as other:
        for r in range(rounds):
            used, wall = time.process_time() - cpu0, time.perf_counter() - t0
            if r and (used + used / r > cpu_seconds or (wall_seconds is not None and wall + wall / r > wall_seconds)):
                say(f"stopping after {r} rounds: another would pass {cpu_seconds:.0f} CPU seconds "
                    f"or {wall_seconds} seconds")
                break
            for order, i in enumerate(rng.permutation(len(pairs))):
                impl, what, n = pairs[i]
                with bench.pinned_threads(n):
                    t = _one_epoch(impl, what, r, ds, images)
                result["runs"].append({"round": r, "order": order, "implementation": impl, "program": what,
                                       "threads": n, **t})
                say(f"round {r}, {impl} {what}, {n} thread(s): {t['train']:.3f} s", flush=True)
            result.update(cpu_seconds=time.process_time() - cpu0, total_seconds=time.perf_counter() - t0)
            if save_to is not None:
                bench.write_result(result, save_to)
    result["load"]["load_average_after"] = bench.load_average()
    result["load"]["other_processes_cpus"] = other.cores
    result.update(cpu_seconds=time.process_time() - cpu0, total_seconds=time.perf_counter() - t0)
    if save_to is not None:
        bench.write_result(result, save_to)
    return result


def epoch_timings_path(profile: str) -> Path:
    """Where a profile's interleaved per-epoch timings are stored:
    ``<results>/<profile>/study003-timing/per-epoch.json``."""
    return timings_path(profile).with_name("per-epoch.json")


def read_epoch_timings(path: str | Path) -> dict:
    """Stored per-epoch timings (see :func:`measure_epoch_timings`); a bad file raises ValueError naming it."""
    return bench.read_result(path, required=("machine", "threads", "programs", "runs", "load", "n_train", "n_test"),
                             command="python -m nnlib.book.study003 time-epochs --out")


# ---------------------------------------------------------------- the recorded ratios, factor by factor

#: The network of the 102.5 s and 44.3 s runs under each reading of the author's repository: the
#: README's ("[728] → [256] → [10]", "all parameters the same") or the code committed with them.
READINGS = {"README": "readme", "committed code": "commit"}

#: The three recorded ratios: (name, slower run, faster run) of :data:`AUTHOR_TIMINGS`.
RATIOS = (("PyTorch script / Rust", "PyTorch script", "Rust"),
          ("Rust / Rust parallel", "Rust", "Rust parallel"),
          ("Rust / later parallel run", "Rust", "Rust parallel, later run (another network)"))
FACTORS = ("epochs needed", "time per epoch", "input pipeline", "parallelism")


def epoch_seconds_frame(timing: dict) -> "pd.DataFrame":
    """Seconds of one epoch — one training pass and one test pass — per (round, program, threads)
    of a :func:`measure_epoch_timings` result: columns round, program ("nnlib readme", …,
    "PyTorch memory", "PyTorch loader"), threads, train, eval, epoch.  The DataLoader was timed
    over the training set only; its test pass is the in-memory test pass of the same round plus
    ``n_test`` conversions at the cost per image its training pass showed over the in-memory one."""
    import pandas as pd
    df = pd.DataFrame(timing["runs"])
    if df.empty:
        raise ValueError("the per-epoch timings hold no runs; measure them again")
    df["program"] = df["implementation"] + " " + df["program"]
    df = df[["round", "program", "threads", "train", "eval"]].copy()
    loader = df["program"] == "PyTorch loader"
    if loader.any():
        memory = df[df["program"] == "PyTorch memory"].set_index(["round", "threads"])
        key = pd.MultiIndex.from_frame(df.loc[loader, ["round", "threads"]])
        per_image = (df.loc[loader, "train"].to_numpy() - memory["train"].reindex(key).to_numpy()) / timing["n_train"]
        df.loc[loader, "eval"] = memory["eval"].reindex(key).to_numpy() + timing["n_test"] * per_image
    df["eval"] = df["eval"].astype(float)
    df["epoch"] = df["train"] + df["eval"]
    return df.reset_index(drop=True)


def factor_specs(reading: str) -> dict[str, list[tuple]]:
    """For each recorded ratio of :data:`RATIOS`, its four factors under a reading of :data:`READINGS`:
    (factor, numerator, denominator), each side ("E", configuration) — the mean epochs to 96 % —
    or ("T", program, threads) — the mean seconds per epoch measured here — or None for 1 (the
    two runs do not differ in that factor).  Their product is the ratio predicted from this
    machine; nnlib stands in for the author's Rust code and 2 threads for their cores."""
    r = READINGS[reading]
    nn = f"nnlib {r}"
    return {
        # PyTorch (784-256-10, η 0.1, per-image DataLoader, its default threads) against the serial Rust run.
        "PyTorch script / Rust": [
            ("epochs needed", ("E", "torch"), ("E", r)),
            ("time per epoch", ("T", "PyTorch memory", 1), ("T", nn, 1)),
            ("input pipeline", ("T", "PyTorch loader", 1), ("T", "PyTorch memory", 1)),
            ("parallelism", ("T", "PyTorch loader", 2), ("T", "PyTorch loader", 1))],
        # The same network, η and data order, trained serially and in parallel.
        "Rust / Rust parallel": [
            ("epochs needed", None, None), ("time per epoch", None, None), ("input pipeline", None, None),
            ("parallelism", ("T", nn, 1), ("T", nn, 2))],
        # The serial run against the 9.1 s run (784-256-10, η 0.8, parallel).
        "Rust / later parallel run": [
            ("epochs needed", ("E", r), ("E", "rust")),
            ("time per epoch", ("T", nn, 1), ("T", "nnlib rust", 1)),
            ("input pipeline", None, None),
            ("parallelism", ("T", "nnlib rust", 1), ("T", "nnlib rust", 2))],
    }


def _side_means(epochs: dict[str, np.ndarray], seconds: dict[tuple[str, int], np.ndarray],
                rng: np.random.Generator | None) -> dict:
    """Means of every quantity, or of one bootstrap resample: the seeds of each configuration
    resampled on their own, the rounds of the timings resampled together (a round's programs ran
    side by side, so they stay paired)."""
    out = {}
    for k, v in epochs.items():
        out[("E", k)] = float(np.mean(v if rng is None else v[rng.integers(0, len(v), len(v))]))
    n_rounds = len(next(iter(seconds.values()))) if seconds else 0
    pick = None if rng is None else rng.integers(0, n_rounds, n_rounds)
    for (program, n), v in seconds.items():
        out[("T", program, n)] = float(np.mean(v if pick is None else v[pick]))
    return out


def sweep_epochs(records: list[dict]) -> dict[str, np.ndarray]:
    """Epochs to 96 % per seed of each configuration of the sweep (:data:`PROTOCOLS`), in seed
    order, shape (n_seeds,); NaN for a seed that did not reach it within its epochs."""
    by_label = {p["label"]: k for k, p in PROTOCOLS.items()}
    out: dict[str, dict[int, float]] = {}
    for r in records:
        key = by_label.get(r["config"]["label"])
        if key is None:
            raise ValueError(f"a study 003 record has the unknown label {r['config']['label']!r}")
        out.setdefault(key, {})[r["seed"]] = np.nan if r["stopped_epoch"] is None else float(r["stopped_epoch"])
    return {k: np.array([v[s] for s in sorted(v)]) for k, v in out.items()}


def torch_epochs(timings: dict) -> np.ndarray:
    """PyTorch's epochs to 96 % with the PyTorch script's protocol, one value per seed (the mean
    of that seed's runs on every thread count: the same seed, so not independent observations),
    in seed order, shape (n_seeds,); NaN where a seed's runs did not all reach it."""
    per_seed: dict[int, list[float]] = {}
    for r in timings["runs"]:
        if r["implementation"] == "PyTorch":
            per_seed.setdefault(r["seed"], []).append(float(r["epochs"]) if r["reached"] else np.nan)
    return np.array([np.mean(per_seed[s]) for s in sorted(per_seed)])


def decompose(epochs: dict[str, np.ndarray], per_epoch: "pd.DataFrame", n_boot: int = 10_000,
              seed: int = 0, level: float = 0.95, parallelism: bool = True) -> "pd.DataFrame":
    """Each recorded ratio of :data:`RATIOS`, under each reading of :data:`READINGS`, as a product
    of the factors of :func:`factor_specs` measured here.

    ``epochs``: epochs to 96 %, one value per seed, shape (n_seeds,), for "readme", "commit",
    "rust" (the 9.1 s run's configuration) and "torch" (PyTorch with the script's protocol).
    ``per_epoch``: :func:`epoch_seconds_frame`; rounds missing a program are dropped.

    Returns one row per (ratio, reading, factor) with value, lo, hi (percentile bootstrap,
    ``n_boot`` resamples) and ``share``, log(value) / log(recorded): the part of the recorded ratio
    the factor accounts for (1 = all of it; negative = it works against the ratio).  Besides the
    four factors each (ratio, reading) has the rows "measured here" (their product), "measured here,
    one thread" (the product without parallelism), "recorded"
    (the author's ratio) and "not measured here" (recorded / product: the author's Rust code
    against nnlib, their machine and cores, program start-up).

    ``parallelism=False``: the two-thread timings do not measure parallelism (other processes kept
    the second core busy), so the parallelism rows are NaN, the product leaves that factor out and
    it falls into "not measured here"."""
    import pandas as pd
    wide = per_epoch.pivot_table(index="round", columns=["program", "threads"], values="epoch").dropna()
    if wide.empty:
        raise ValueError("no round of the per-epoch timings has every program; measure them again")
    seconds = {col: wide[col].to_numpy(float) for col in wide.columns}
    epochs = {k: np.asarray(v, float)[np.isfinite(np.asarray(v, float))] for k, v in epochs.items()}
    means = {a["run"]: a["mean"] for a in AUTHOR_TIMINGS}
    rng = np.random.default_rng(seed)
    draws = [_side_means(epochs, seconds, None)] + [_side_means(epochs, seconds, rng) for _ in range(n_boot)]

    def value(side: tuple | None, d: dict) -> float:
        if side is None:
            return 1.0
        if side not in d:
            raise ValueError(f"the decomposition needs {side}, which the epochs and timings lack")
        return d[side]

    rows = []
    for reading in READINGS:
        specs = factor_specs(reading)
        for name, slow, fast in RATIOS:
            recorded = means[slow] / means[fast]
            factors = np.array([[value(num, d) / value(den, d) for _, num, den in specs[name]] for d in draws])
            if not parallelism:
                factors[:, [f == "parallelism" and num is not None for f, num, _ in specs[name]]] = np.nan
            product = np.nanprod(factors, axis=1)
            serial = np.nanprod(factors[:, [f != "parallelism" for f, _, _ in specs[name]]], axis=1)
            columns = [f for f, _, _ in specs[name]] + ["measured here", "measured here, one thread", "not measured here"]
            table = np.column_stack([factors, product, serial, recorded / product])
            for j, factor in enumerate(columns):
                v = table[:, j]
                lo, hi = np.quantile(v[1:], [(1 - level) / 2, (1 + level) / 2]) if np.isfinite(v[0]) else (np.nan, np.nan)
                rows.append({"ratio": name, "reading": reading, "factor": factor, "value": v[0], "lo": lo,
                             "hi": hi, "share": np.log(v[0]) / np.log(recorded)})
            rows.append({"ratio": name, "reading": reading, "factor": "recorded", "value": recorded, "lo": recorded,
                         "hi": recorded, "share": 1.0})
    return pd.DataFrame(rows)


def carrier(decomposition: "pd.DataFrame", ratio: str, reading: str) -> str:
    """The factor (or "not measured here") with the largest share of a recorded ratio under a reading
    (factors not measured, NaN, left out)."""
    part = decomposition[(decomposition.ratio == ratio) & (decomposition.reading == reading)
                         & decomposition.factor.isin(FACTORS + ("not measured here",))]
    if part.empty:
        raise ValueError(f"no decomposition of {ratio!r} under the {reading!r} reading")
    part = part[np.isfinite(part["share"])]
    return str(part.loc[part["share"].idxmax(), "factor"])


def timings_path(profile: str) -> Path:
    """Where a profile's timed runs are stored: ``<results>/<profile>/study003-timing/timings.json``."""
    from ..runner.sweep import sweep_dir
    return sweep_dir("study003-timing", profile) / "timings.json"


def autograd_path(profile: str) -> Path:
    """Where a profile's 3-2-3 example by autograd is kept: ``<results>/<profile>/study003-autograd.json``
    (see :func:`hand_example_autograd`)."""
    from ..runner.sweep import results_dir
    return results_dir() / profile / "study003-autograd.json"


def read_timings(path: str | Path) -> dict:
    """Stored timed runs (see :func:`measure_timings`); a bad file raises ValueError naming it."""
    return bench.read_result(path, required=("machine", "threads", "runs", "load", "sessions"),
                             command="python -m nnlib.book.study003 time --out")


def main(argv: list[str] | None = None) -> int:
    """``python -m nnlib.book.study003 time --profile full``: time single runs to 96 % and store them;
    ``python -m nnlib.book.study003 time-epochs --profile full``: time one epoch of every program,
    interleaved round by round on 1 and 2 threads, and store it (see :func:`measure_epoch_timings`)."""
    parser = argparse.ArgumentParser(prog="python -m nnlib.book.study003", description=main.__doc__)
    parser.add_argument("command", choices=("time", "time-epochs"))
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--seeds", type=int, help="time: how many seeds to time (default: the profile's)")
    parser.add_argument("--threads", type=int, help="time on 1 thread and on this many (default: the profile's)")
    parser.add_argument("--max-epochs", type=int)
    parser.add_argument("--loader-epochs", type=int)
    parser.add_argument("--rounds", type=int, help="time-epochs: how many interleaved rounds (default: the profile's)")
    parser.add_argument("--cpu-minutes", type=float, default=25.0,
                        help="time-epochs: start no round that would pass this much CPU time (default 25)")
    parser.add_argument("--minutes", type=float,
                        help="time-epochs: start no round that would pass this much wall time (default: no limit)")
    parser.add_argument("--out", type=Path, help="JSON file to write (default: the profile's results folder)")
    parser.add_argument("--note", help="a remark stored with the timings (e.g. what else the machine was doing)")
    parser.add_argument("--resume", action="store_true", help="time: complete the stored timings (only the seeds they lack)")
    parser.add_argument("--seconds", type=float, help="time: start no new seed after this many seconds")
    args = parser.parse_args(argv)
    if args.command == "time-epochs":
        s = settings(args.profile, epoch_rounds=args.rounds, epoch_threads=args.threads)
        out = args.out or epoch_timings_path(args.profile)
        result = measure_epoch_timings(s["epoch_rounds"], s["epoch_thread_counts"], 60 * args.cpu_minutes,
                                       None if args.minutes is None else 60 * args.minutes, note=args.note,
                                       save_to=out)
        print(f"{len({r['round'] for r in result['runs']})} rounds timed in {result['cpu_seconds'] / 60:.1f} CPU "
              f"minutes; written to {out}")
        return 0
    s = settings(args.profile, timed_seeds=args.seeds, threads=args.threads, max_epochs=args.max_epochs,
                 loader_epochs=args.loader_epochs)
    out = args.out or timings_path(args.profile)
    previous = read_timings(out) if args.resume and Path(out).exists() else None
    result = measure_timings(list(range(s["timed_seeds"])), s["thread_counts"], s["max_epochs"], s["loader_epochs"],
                             note=args.note, previous=previous, deadline_seconds=args.seconds, save_to=out)
    print(f"{len(result['seeds'])} seeds timed; written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
