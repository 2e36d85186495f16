"""Speed benchmark: ``python -m nnlib.book.bench``.

In one run it times one MNIST epoch (60,000 examples; slow baselines on a subset, scaled) of

* study 002's 784-30-10 sigmoid network, quadratic cost, SGD η = 3.0, batch 10 ("c1");
* 10 replicas of it trained together in one vectorised pass;
* a 784-64-64-10 tanh network, softmax cross-entropy, Adam, batch 128;
* study 001's RNN: hidden 64, one layer, 9 steps × 84 inputs (column windows), Adam, batch 128,
  alone and as 10 replicas;
* study 000's RecursiveNet: depth 4, hidden 88, SGD with clipping, batch 64;

each with nnlib and against: a naive per-example NumPy implementation written like the original
Python (:mod:`nnlib.book.baselines`), scikit-learn's ``MLPClassifier`` where it can express the
network, PyTorch on the CPU when it is installed (:mod:`nnlib.book.torch_baselines`), and the FLOP
floor of this machine (training FLOPs divided by its best measured float32 GEMM speed).  c1 also
gets a bare NumPy loop, the per-call floor at batch 10.  Replicated networks are compared with 10
single runs one after another (10 × one run) for the tools that train one network at a time.

Every measurement runs with a pinned number of threads (BLAS and PyTorch), once per thread count
asked for (default: 1 and all CPUs), and the header says which BLAS kernel, CPU and load.  On a
loaded machine the timings are not representative, the more threads the worse (OpenBLAS threads
spin against other processes): the bench says so before and after the table.  The targets it
checks: nnlib's c1 within 1.2× of the bare NumPy loop, and nnlib faster than scikit-learn and
PyTorch on every configuration.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from . import baselines, torch_baselines
from ..mlp import MLP
from ..optimizers import Adam, SGD
from ..recursive import RecursiveNet
from ..rnn import RNN

EPOCH = 60_000
GEMM_SIZES = (512, 1024, 2048, 3072)
OTHER_LOAD_LIMIT = 0.25  # CPUs other processes may keep busy before the result is flagged
BARE_TARGET = 1.2  # nnlib's c1 within this factor of the bare NumPy loop
SPEED_PROFILES = {  # the speed chapter's settings; threads: time on 1 thread and on this many
    "full": {"examples": EPOCH, "naive_examples": 2000, "repeats": 2, "threads": 2},
    "quick": {"examples": 3000, "naive_examples": 100, "repeats": 1, "threads": 1},
}
IMPLEMENTATIONS = ("nnlib", "bare NumPy loop", "naive per-example NumPy", "scikit-learn", "PyTorch", "FLOP floor")


# ---------------------------------------------------------------- the machine


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux, else ``platform.processor()``)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_libraries() -> list[dict]:
    """The BLAS libraries NumPy has loaded, as threadpoolctl reports them (library, version,
    kernel ``architecture``, threads)."""
    import numpy  # noqa: F401 - loads the BLAS so that threadpoolctl sees it
    from threadpoolctl import threadpool_info
    return [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "filepath")}
            for i in threadpool_info() if i.get("user_api") == "blas"]


def blas_description() -> str:
    """"OpenBLAS 0.3.31, Haswell kernel" for the BLAS NumPy uses (the library in numpy's folder,
    else the first one loaded)."""
    libs = blas_libraries()
    mine = [b for b in libs if "numpy" in (b.get("filepath") or "")] or libs[:1]
    return ", ".join(f"{b['internal_api'].replace('openblas', 'OpenBLAS')} {b['version']}, {b['architecture']} kernel"
                     for b in mine) or "unknown BLAS"


def machine_facts() -> dict:
    """What the timings depend on: CPU, core count, OS, library versions, the BLAS and its kernel
    (and ``OPENBLAS_CORETYPE`` when the environment forces one), and when."""
    import scipy
    import sklearn
    return {"cpu": cpu_model(), "cpus": os.cpu_count(), "system": f"{platform.system()} {platform.release()}",
            "machine": platform.machine(), "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__, "torch": torch_baselines.version(),
            "blas": blas_description(), "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def load_average() -> float | None:
    """The 1-minute load average (None where the OS has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def load_warning(load: float | None, cpus: int, threads: int, other_cpus: float | None = None) -> str | None:
    """A warning when other work occupies the cores a measurement with ``threads`` threads needs,
    or None when the machine looks quiet enough.

    ``other_cpus``, the CPUs other processes keep busy right now (:func:`other_cpus_now`), decides
    when it is known: more than ``cpus − threads`` plus a quarter CPU of slack.  Otherwise the
    1-minute load average does (it lags by about a minute): more than ``cpus − threads`` plus half
    a CPU of slack."""
    if other_cpus is not None:
        if other_cpus <= cpus - threads + OTHER_LOAD_LIMIT:
            return None
        seen = f"other processes keep {other_cpus:.2f} CPUs busy"
    elif load is None or load <= cpus - threads + 0.5:
        return None
    else:
        seen = f"1-minute load average {load:.2f}"
    return (f"WARNING: this machine is loaded ({seen} on {cpus} CPUs) — other processes compete for the "
            f"cores, so timings with {threads} thread{'s' * (threads > 1)} can be many times too slow (BLAS "
            "threads spin against them). Measure on a quiet machine; the single-thread rows suffer least.")


def other_cpus_now(seconds: float = 1.0) -> float | None:
    """The CPUs other processes keep busy, measured over ``seconds`` (see :class:`OtherLoad`)."""
    with OtherLoad() as other:
        time.sleep(seconds)
    return other.cores


def check_load(cpus: int, threads: int) -> tuple[dict, str | None]:
    """({"load_average_before", "other_processes_cpus_before"}, warning or None) at the start of
    a measurement with ``threads`` threads."""
    load, busy = load_average(), other_cpus_now()
    return ({"load_average_before": load, "other_processes_cpus_before": busy},
            load_warning(load, cpus, threads, busy))


def _busy_jiffies() -> tuple[int, int] | None:
    """(busy, total) CPU time of the whole machine from /proc/stat, in clock ticks."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


class OtherLoad:
    """Context manager measuring how many CPUs *other* processes kept busy, on average, while it
    was open: (machine busy time − this process's CPU time) / wall time (Linux; else None)."""

    def __enter__(self) -> "OtherLoad":
        self.cores: float | None = None
        self._start = (_busy_jiffies(), os.times(), time.perf_counter())
        return self

    def __exit__(self, *exc) -> None:
        (busy0, times0, t0), busy1, times1 = self._start, _busy_jiffies(), os.times()
        wall = time.perf_counter() - t0
        if busy0 is None or busy1 is None or wall <= 0:
            return
        tick = os.sysconf("SC_CLK_TCK")
        machine = (busy1[0] - busy0[0]) / tick
        own = (times1.user + times1.system) - (times0.user + times0.system)
        self.cores = max(0.0, (machine - own) / wall)


@contextmanager
def pinned_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` threads in every thread pool threadpoolctl knows (BLAS, OpenMP)
    and in PyTorch if it is loaded; the previous settings come back afterwards."""
    import sys

    from threadpoolctl import threadpool_limits
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=int(n)):
        if torch is not None:
            torch.set_num_threads(int(n))
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(before)


def blas_threads() -> int | None:
    """The thread count NumPy's BLAS uses now (None when unknown)."""
    libs = blas_libraries()
    mine = [b for b in libs if "numpy" in (b.get("filepath") or "")] or libs[:1]
    return mine[0]["num_threads"] if mine else None


# ---------------------------------------------------------------- FLOPs


def gemm_seconds(n: int, repeats: int = 5) -> float:
    """Best wall time of a float32 (n × n) @ (n × n) product over ``repeats`` runs, after a warm-up."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=out)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t0)
    return best


def gemm_peak(sizes: tuple[int, ...] = GEMM_SIZES, repeats: int = 5) -> dict:
    """float32 GEMM speed in FLOP/s (2n³ per product) at each size, best of ``repeats``, with the
    threads in force; ``"peak"`` is the best over the sizes: the machine's FLOP rate for the floor."""
    speeds = {int(n): 2 * n ** 3 / gemm_seconds(n, repeats) for n in sizes}
    return {"by_size": speeds, "peak": max(speeds.values())}


def training_flops(model) -> int:
    """FLOPs to train one replica on one example: each multiply-add of the forward pass (2 FLOPs)
    comes back twice in the backward pass (dW = xᵀδ and dx = δWᵀ), except that no gradient is
    needed for the raw input, so the products that read it come back once."""
    if isinstance(model, RNN):
        reads_input = 9 * model.n_features * model.hidden
    elif isinstance(model, RecursiveNet):
        reads_input = model.n_features * model.hidden
    else:
        reads_input = model.layers[0].n_in * model.layers[0].n_out
    return 2 * (3 * model.multiply_adds - reads_input)


# ---------------------------------------------------------------- the configurations


def timed(fn: Callable[[], object]) -> float:
    """Wall seconds of ``fn()``."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def nnlib_seconds(model, X, y, batch_size, optimizer) -> float:
    """Training seconds of one pass of an nnlib model over (X, y), evaluation excluded."""
    model.fit(X, y, epochs=1, batch_size=batch_size, optimizer=optimizer, eval_train=False)
    return model.history_.seconds[0]


def c1_model(**kw) -> MLP:
    """Study 002's c1: 784-30-10, sigmoid everywhere, quadratic cost, N(0, 1) init."""
    return MLP([784, 30, 10], activation="sigmoid", output_activation="sigmoid", cost="quadratic",
               init="normal", **kw)


def adam_model(**kw) -> MLP:
    return MLP([784, 64, 64, 10], activation="tanh", **kw)


def rnn_model(**kw) -> RNN:
    return RNN(84, 64, n_layers=1, **kw)


def recursive_model(**kw) -> RecursiveNet:
    return RecursiveNet(784, 88, depth=4, **kw)


def _sklearn_seconds(hidden, activation, solver, lr, batch_size):
    def run(X, y):
        model = baselines.sklearn_mlp(hidden, activation, solver, lr, batch_size)
        baselines.sklearn_epoch(model, X[:2 * batch_size], y[:2 * batch_size])  # set-up, not timed
        return timed(lambda: baselines.sklearn_epoch(model, X, y))
    return run


def _torch_seconds(build, batch_size, optimizer, lr, **kw):
    def run(X, y):
        return torch_baselines.epoch_seconds(build(), X, y, batch_size, optimizer, lr, **kw)
    return run


@dataclass
class Config:
    """One benchmark configuration: how each implementation trains one pass over (X, y).

    Every runner takes (X, y) as the bench prepares them (X (m, 784) float32, or (m, 9, 84) for
    the RNN) and returns seconds.  ``replicas`` > 1: nnlib trains that many replicas in one pass,
    and the other tools are charged ``replicas`` × the single configuration ``single``."""

    key: str
    label: str
    model: Callable[..., object]
    batch_size: int
    optimizer: Callable[[], object]
    sequence_input: bool = False
    replicas: int = 1
    single: str | None = None
    naive: Callable | None = None
    sklearn: Callable | None = None
    sklearn_note: str = ""
    torch: Callable | None = None
    bare: Callable | None = None

    def nnlib(self, X, y) -> float:
        return nnlib_seconds(self.model(random_state=0, n_replicas=self.replicas), X, y, self.batch_size,
                             self.optimizer())

    def flops_per_example(self) -> int:
        return self.replicas * training_flops(self.model(random_state=0))


def _naive_mlp(sizes, hidden, output, optimizer, eta, batch_size):
    def run(X, y):
        examples = baselines.column_vector_examples(X, y)  # data preparation is not timed
        return timed(lambda: baselines.naive_mlp_epoch(sizes, examples, eta, batch_size, hidden, output, optimizer))
    return run


def _naive_rnn(X, y):
    examples = baselines.column_vector_examples(X, y)
    return timed(lambda: baselines.naive_rnn_epoch(84, 64, examples, 1e-3, 128))


def _naive_recursive(X, y):
    examples = baselines.column_vector_examples(X, y)
    return timed(lambda: baselines.naive_recursive_epoch(784, 88, 4, examples, 0.01, 64, clip_norm=5.0))


CONFIGS = [
    Config("c1", "784-30-10 sigmoid, quadratic cost, SGD, batch 10", c1_model, 10, lambda: SGD(lr=3.0),
           naive=_naive_mlp([784, 30, 10], "sigmoid", "sigmoid", "sgd", 3.0, 10),
           sklearn=_sklearn_seconds((30,), "logistic", "sgd", 3.0, 10),
           sklearn_note="nearest: MLPClassifier's output is softmax with cross-entropy, not sigmoid with the quadratic cost",
           torch=_torch_seconds(lambda: torch_baselines.mlp([784, 30, 10], "sigmoid"), 10, "sgd", 3.0,
                                loss="half_squared_sigmoid"),
           bare=lambda X, y: timed(lambda: baselines.bare_numpy_epoch(X, y))),
    Config("c1x10", "10 replicas of 784-30-10, batch 10", c1_model, 10, lambda: SGD(lr=3.0), replicas=10, single="c1"),
    Config("adam", "784-64-64-10 tanh, cross-entropy, Adam, batch 128", adam_model, 128, lambda: Adam(lr=1e-3),
           naive=_naive_mlp([784, 64, 64, 10], "tanh", "softmax", "adam", 1e-3, 128),
           sklearn=_sklearn_seconds((64, 64), "tanh", "adam", 1e-3, 128),
           torch=_torch_seconds(lambda: torch_baselines.mlp([784, 64, 64, 10], "tanh"), 128, "adam", 1e-3)),
    Config("rnn", "RNN h 64, 9 × 84 steps, Adam, batch 128", rnn_model, 128, lambda: Adam(lr=1e-3),
           sequence_input=True, naive=_naive_rnn,
           torch=_torch_seconds(torch_baselines.rnn, 128, "adam", 1e-3)),
    Config("rnnx10", "10 replicas of the RNN, batch 128", rnn_model, 128, lambda: Adam(lr=1e-3),
           sequence_input=True, replicas=10, single="rnn"),
    Config("recursive", "RecursiveNet D 4, h 88, SGD + clipping, batch 64", recursive_model, 64,
           lambda: SGD(lr=0.01, clip_norm=5.0), naive=_naive_recursive,
           torch=_torch_seconds(torch_baselines.recursive_net, 64, "sgd", 0.01, clip_norm=5.0)),
]
CONFIG_KEYS = [c.key for c in CONFIGS]


# ---------------------------------------------------------------- measuring


def _best_seconds(run: Callable, X, y, repeats: int) -> tuple[float, list[float]]:
    """(fastest, all) of ``repeats`` timings: other work on the machine can only add time, so the
    fastest run is the best estimate of the undisturbed time (the spread is kept and shown)."""
    values = [run(X, y) for _ in range(repeats)]
    return min(values), values


def measure(threads: tuple[int, ...] | None = None, examples: int = EPOCH, naive_examples: int = 2000,
            repeats: int = 1, configs: list[str] | None = None, compare: bool = True,
            progress: bool = True, note: str | None = None) -> dict:
    """Time every configuration with every implementation at each thread count (default: 1 and
    all CPUs).  ``examples`` training examples are timed per run (``naive_examples`` for the
    naive baselines), scaled to a 60,000-example epoch; each time is the fastest of ``repeats``
    runs.  ``compare=False`` leaves out scikit-learn and PyTorch; ``note`` is stored with the result
    (e.g. what else the machine was doing).

    Returns a JSON-ready dict: ``machine`` facts, ``load`` (load average before and after, and
    the CPUs other processes kept busy during the run), ``gemm`` speeds per thread count, and
    ``rows``: one per (configuration, implementation, threads) with ``seconds`` per epoch."""
    from .. import data

    cpus = os.cpu_count() or 1
    threads = tuple(sorted(set(threads or (1, cpus))))
    if min(threads) < 1:
        raise ValueError(f"thread counts must be ≥ 1, got {threads}")
    chosen = [c for c in CONFIGS if configs is None or c.key in configs]
    unknown = set(configs or []) - set(CONFIG_KEYS)
    if unknown:
        raise ValueError(f"unknown configuration(s) {', '.join(sorted(unknown))}; known: {', '.join(CONFIG_KEYS)}")
    if not 100 <= examples <= EPOCH or not 10 <= naive_examples <= examples:
        raise ValueError(f"examples must be in 100…{EPOCH} and naive_examples in 10…examples, got {examples}, {naive_examples}")
    say = print if progress else (lambda *a, **k: None)
    use_torch = compare and torch_baselines.available()
    if use_torch:
        import torch  # noqa: F401 - loaded now, so that pinned_threads sets its threads too
    ds = data.load("mnist")
    X, y = ds.X_train[:examples], ds.y_train[:examples]
    Xs = data.column_windows(X)
    facts = machine_facts()
    load_before, warning = check_load(cpus, max(threads))
    result = {"machine": facts, "threads": list(threads), "examples": examples, "naive_examples": naive_examples,
              "repeats": repeats, "statistic": "fastest of the runs", "compare": {"scikit-learn": compare, "PyTorch": use_torch}, "note": note,
              "load": load_before, "gemm": {}, "rows": [], "warnings": [warning] if warning else []}
    for w in result["warnings"]:
        say(w)
    t_start = time.perf_counter()
    with OtherLoad() as other:
        for n in threads:
            with pinned_threads(n):
                gemm = gemm_peak()
                result["gemm"][str(n)] = {"by_size": {str(k): v for k, v in gemm["by_size"].items()},
                                          "peak": gemm["peak"], "blas_threads": blas_threads()}
                say(f"{n} thread(s): float32 GEMM peak {gemm['peak'] / 1e9:.1f} GFLOP/s "
                    f"(best of sizes {', '.join(map(str, gemm['by_size']))})")
                for c in chosen:
                    result["rows"] += _measure_config(c, n, X, y, Xs, naive_examples, repeats, gemm["peak"],
                                                      compare, use_torch, result["rows"], say)
    result["load"]["load_average_after"] = load_average()
    result["load"]["other_processes_cpus"] = other.cores
    if other.cores is not None and other.cores > OTHER_LOAD_LIMIT:
        result["warnings"].append(f"WARNING: other processes kept {other.cores:.2f} CPUs busy on average during "
                                  "the measurement: these timings are not those of a quiet machine.")
    result["total_seconds"] = time.perf_counter() - t_start
    return result


def _measure_config(c: Config, n: int, X, y, Xs, naive_examples: int, repeats: int, peak: float,
                    compare: bool, use_torch: bool, done: list[dict], say) -> list[dict]:
    """The rows of one configuration at ``n`` threads (see :func:`measure`)."""
    Xc = Xs if c.sequence_input else X
    rows = []

    def add(impl, seconds, timed_examples, values=None, note=""):
        per_epoch = seconds * EPOCH / timed_examples
        rows.append({"config": c.key, "label": c.label, "implementation": impl, "threads": n,
                     "seconds": per_epoch, "examples_timed": timed_examples,
                     "runs": [v * EPOCH / timed_examples for v in (values or [seconds])], "note": note})
        say(f"  {c.key:10} {impl:24} {per_epoch:9.3f} s/epoch{'  (' + note + ')' if note else ''}", flush=True)

    def run(impl, runner, data_x, note=""):
        seconds, values = _best_seconds(runner, data_x, y[:len(data_x)], repeats)
        add(impl, seconds, len(data_x), values, note)

    run("nnlib", c.nnlib, Xc)
    if c.bare is not None:
        run("bare NumPy loop", c.bare, Xc)
    if c.replicas > 1:  # the one-network-at-a-time tools: replicas × their single run
        for r in [r for r in done if r["config"] == c.single and r["threads"] == n
                  and r["implementation"] in ("naive per-example NumPy", "scikit-learn", "PyTorch")]:
            rows.append({**r, "config": c.key, "label": c.label, "seconds": c.replicas * r["seconds"],
                         "runs": [c.replicas * v for v in r["runs"]],
                         "note": f"{c.replicas} × one run" + (f"; {r['note']}" if r["note"] else "")})
    else:
        if c.naive is not None:
            run("naive per-example NumPy", c.naive, Xc[:naive_examples])
        if compare and c.sklearn is not None:
            run("scikit-learn", c.sklearn, Xc, c.sklearn_note)
        if use_torch and c.torch is not None:
            run("PyTorch", c.torch, Xc)
    bound = c.flops_per_example() * EPOCH / peak
    rows.append({"config": c.key, "label": c.label, "implementation": "FLOP floor", "threads": n,
                 "seconds": bound, "examples_timed": None, "runs": [bound],
                 "note": f"{c.flops_per_example() / 1e6:.2f} MFLOP per example / {peak / 1e9:.0f} GFLOP/s"})
    return rows


# ---------------------------------------------------------------- verdicts and output


def seconds_of(result: dict, config: str, implementation: str, threads: int) -> float | None:
    """The stored seconds per epoch of one row, or None when it was not measured."""
    for r in result["rows"]:
        if (r["config"], r["implementation"], r["threads"]) == (config, implementation, threads):
            return r["seconds"]
    return None


def targets(result: dict) -> list[dict]:
    """The speed targets, per thread count: c1 within 1.2× of the bare NumPy loop, and nnlib faster
    than scikit-learn and PyTorch on every configuration they were measured on.  One dict per
    check: ``target``, ``threads``, ``config``, ``ratio`` (nnlib / other), ``met``."""
    out = []
    for n in result["threads"]:
        nn_c1, bare = seconds_of(result, "c1", "nnlib", n), seconds_of(result, "c1", "bare NumPy loop", n)
        if nn_c1 is not None and bare is not None:
            out.append({"target": f"c1 within {BARE_TARGET}× of the bare NumPy loop", "threads": n, "config": "c1",
                        "ratio": nn_c1 / bare, "met": nn_c1 <= BARE_TARGET * bare})
        for c in CONFIG_KEYS:
            mine = seconds_of(result, c, "nnlib", n)
            for other in ("scikit-learn", "PyTorch"):
                theirs = seconds_of(result, c, other, n)
                if mine is not None and theirs is not None:
                    out.append({"target": f"faster than {other}", "threads": n, "config": c,
                                "ratio": mine / theirs, "met": mine < theirs})
    return out


def table(result: dict, threads: int) -> list[list[str]]:
    """Rows of the printed table at one thread count: configuration, then seconds per epoch and
    the ratio to nnlib for each implementation."""
    rows = []
    for c in CONFIG_KEYS:
        mine = seconds_of(result, c, "nnlib", threads)
        if mine is None:
            continue
        cells = [c]
        for impl in IMPLEMENTATIONS:
            s = seconds_of(result, c, impl, threads)
            cells.append("—" if s is None else (f"{s:.2f} s" if impl == "nnlib" else f"{s:.2f} s ({s / mine:.2g}×)"))
        rows.append(cells)
    return rows


def report(result: dict) -> str:
    """The printed report: header (machine, BLAS, threads, load), one table per thread count
    (seconds per epoch, and each implementation's time as a multiple of nnlib's), the targets."""
    m = result["machine"]
    lines = [f"{m['cpu']} ({m['cpus']} CPUs), {m['system']}; numpy {m['numpy']} with {m['blas']}"
             + (f" (OPENBLAS_CORETYPE={m['openblas_coretype']})" if m.get("openblas_coretype") else "")
             + f"; scikit-learn {m['scikit-learn']}; PyTorch {m['torch'] or 'not installed'}",
             f"measured {m['measured_at']}; one epoch = {EPOCH:,} examples ({result['examples']:,} timed, naive "
             f"baselines {result['naive_examples']:,}); the fastest of {result['repeats']} run(s)"]
    load = result["load"]
    other = load.get("other_processes_cpus")
    lines.append(f"load average {load['load_average_before']:.2f} before, {load['load_average_after']:.2f} after"
                 + ("" if load.get("other_processes_cpus_before") is None else
                    f"; other processes kept {load['other_processes_cpus_before']:.2f} CPUs busy at the start")
                 + ("" if other is None else f"; other processes kept {other:.2f} CPUs busy during the run")
                 + (f"; {result['note']}" if result.get("note") else ""))
    for n in result["threads"]:
        g = result["gemm"][str(n)]
        lines.append(f"\n{n} thread(s) (BLAS threads in force: {g['blas_threads']}); float32 GEMM peak "
                     f"{g['peak'] / 1e9:.1f} GFLOP/s; times per epoch, (×) = multiple of nnlib's time")
        header = ["config", *IMPLEMENTATIONS]
        body = table(result, n)
        widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
        for r in [header] + body:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)))
    lines.append("")
    for t in targets(result):
        lines.append(f"{'met   ' if t['met'] else 'MISSED'} {t['target']} — {t['config']}, {t['threads']} thread(s): "
                     f"nnlib / other = {t['ratio']:.2f}")
    lines += result.get("warnings", [])
    return "\n".join(lines)


def results_path(profile: str) -> Path:
    """Where a profile's speed measurement is stored: ``<results>/<profile>/speed/bench.json``."""
    from ..runner.sweep import sweep_dir
    return sweep_dir("speed", profile) / "bench.json"


def write_result(result: dict, path: str | Path) -> Path:
    """Write a :func:`measure` result as JSON (atomically)."""
    from ..data import write_atomic
    path = Path(path)
    write_atomic(path, json.dumps(result, indent=1, allow_nan=False).encode())
    return path


def read_result(path: str | Path, required: tuple[str, ...] = ("machine", "threads", "rows", "gemm", "load"),
         command: str = "python -m nnlib.book.bench --json") -> dict:
    """Read a stored measurement (a :func:`measure` result by default); a file that cannot be read
    or lacks a ``required`` key raises ValueError naming it and the ``command`` that remakes it."""
    try:
        result = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a readable measurement ({e}); run `{command} {path}` to measure again") from None
    missing = [k for k in required if not isinstance(result, dict) or k not in result]
    if missing:
        raise ValueError(f"{path}: the stored measurement lacks {', '.join(missing)}; run `{command} {path}` "
                         "to measure again")
    return result


def _thread_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"threads must be whole numbers separated by commas, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"thread counts must be ≥ 1, got {text!r}")
    return values


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nnlib.book.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=_thread_list, default=None,
                        help="thread counts to measure, e.g. 1,2 (default: 1 and all CPUs)")
    parser.add_argument("--examples", type=int, default=EPOCH,
                        help="training examples timed per configuration (default: a whole epoch, 60000)")
    parser.add_argument("--naive-examples", type=int, default=2000,
                        help="examples timed for the naive per-example baselines (default 2000)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per measurement; the fastest is shown (default 1)")
    parser.add_argument("--configs", help=f"comma-separated subset of {','.join(CONFIG_KEYS)}")
    parser.add_argument("--no-compare", action="store_true", help="leave out scikit-learn and PyTorch")
    parser.add_argument("--json", type=Path, help="also write the result to this JSON file")
    parser.add_argument("--note", help="a remark stored with the result (e.g. what else the machine was doing)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be ≥ 1, got {args.repeats}")
    try:
        result = measure(args.threads, args.examples, min(args.naive_examples, args.examples), args.repeats,
                         args.configs.split(",") if args.configs else None, compare=not args.no_compare,
                         note=args.note)
    except ValueError as e:
        parser.error(str(e))
    print("\n" + report(result))
    if args.json:
        print(f"\nwritten to {write_result(result, args.json)}")


if __name__ == "__main__":
    main()
