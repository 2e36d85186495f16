"""Study 003, time to 96 %: its sweep, its hand-computed 3-2-3 example, and the timed runs.

Two protocols of the 784-256-10 network, each stopped as soon as test accuracy after an epoch
exceeds 96 %, mini-batches of 512 in data order (no shuffling), softmax cross-entropy, plain SGD,
He / Kaiming-normal weights N(0, 2/n_in) and zero biases:

* ``rust``: the author's Rust run — hidden layer ReLU forward with the leaky-ReLU derivative
  (α = 0.01) backward, η = 0.8; ``rust_true_relu`` is the same with the true ReLU gradient;
* ``pytorch``: the author's PyTorch script — ReLU, η = 0.1.

The sweep (epochs to 96 % per seed, seeds trained together as replicas) is
:func:`nnlib.studies.study_003`, with the book's other sweeps; :func:`measure_timings` times
single runs to 96 % with nnlib and, when installed, PyTorch, on a pinned number of threads, and
``python -m nnlib.study003 time`` stores them as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from . import bench, torch_baselines
from .costs import Quadratic
from .data import write_atomic
from .mlp import MLP
from .optimizers import SGD
from .studies import BATCH_003 as BATCH
from .studies import PROFILES, study_003  # noqa: F401 - study_003: the sweep, with the book's others
from .studies import PROTOCOLS_003 as PROTOCOLS
from .studies import TARGET_003 as TARGET
from .studies import model_args_003 as model_args
from .studies import settings_003 as settings

# The author's recorded hyperfine results (mean and standard deviation of 100 runs, seconds, on
# the author's machine) and their network and learning rate where known.
AUTHOR_TIMINGS = [
    {"run": "PyTorch script", "mean": 193.5, "sd": 10.4},
    {"run": "Rust", "mean": 102.5, "sd": 11.7},
    {"run": "Rust parallel", "mean": 44.3, "sd": 4.4},
    {"run": "Rust parallel, later run (another network)", "mean": 9.1, "sd": 0.2},
]


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
    ``target``.  Returns the same fields as :func:`nnlib.torch_baselines.time_to_target`:
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
    from . import data
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


def timings_path(profile: str) -> Path:
    """Where a profile's timed runs are stored: ``<results>/<profile>/study003-timing/timings.json``."""
    from .sweep import sweep_dir
    return sweep_dir("study003-timing", profile) / "timings.json"


def autograd_path(profile: str) -> Path:
    """Where a profile's 3-2-3 example by autograd is kept: ``<results>/<profile>/study003-autograd.json``
    (see :func:`hand_example_autograd`)."""
    from .sweep import results_dir
    return results_dir() / profile / "study003-autograd.json"


def read_timings(path: str | Path) -> dict:
    """Stored timed runs (see :func:`measure_timings`); a bad file raises ValueError naming it."""
    return bench.read_result(path, required=("machine", "threads", "runs", "load", "sessions"),
                             command="python -m nnlib.study003 time --out")


def main(argv: list[str] | None = None) -> int:
    """``python -m nnlib.study003 time --profile full``: time single runs to 96 % and store them."""
    parser = argparse.ArgumentParser(prog="python -m nnlib.study003", description=main.__doc__)
    parser.add_argument("command", choices=("time",))
    parser.add_argument("--profile", required=True, choices=PROFILES)
    parser.add_argument("--seeds", type=int, help="how many seeds to time (default: the profile's)")
    parser.add_argument("--threads", type=int, help="time on 1 thread and on this many (default: the profile's)")
    parser.add_argument("--max-epochs", type=int)
    parser.add_argument("--loader-epochs", type=int)
    parser.add_argument("--out", type=Path, help="JSON file to write (default: the profile's results folder)")
    parser.add_argument("--note", help="a remark stored with the timings (e.g. what else the machine was doing)")
    parser.add_argument("--resume", action="store_true", help="complete the stored timings: time only the seeds they lack")
    parser.add_argument("--seconds", type=float, help="start no new seed after this many seconds")
    args = parser.parse_args(argv)
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
