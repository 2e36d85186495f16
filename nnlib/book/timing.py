"""One-process timings of a study's networks, so that architectures compare as ratios.

The sweeps record the wall time of every trial, but they train many seeds together and share the
machine with other work, so their seconds say little about one network against another.  Here
each network is trained for one epoch on a slice of the training set (one replica, one BLAS
thread, one after another in the same process) and predicts the test set; the best of a few
repeats is kept, and the CPUs other processes kept busy meanwhile are stored beside the numbers.
"""
from __future__ import annotations

import time

from threadpoolctl import threadpool_limits

from . import bench
from ..runner.experiments import build_model, prepare_data


def epoch_timings(configs: dict[str, dict], dataset: str, n_images: int, repeats: int = 3) -> dict:
    """Seconds per training epoch and per test-set prediction of one network of each configuration.

    configs: {label: sweep configuration} (``model``, ``model_args``, ``optimizer``,
    ``batch_size``, ``input``); each network is built with seed 0 and trained with its own
    optimiser and batch size on the first ``n_images`` training images (n_images, ...), its time
    scaled to the whole training set.  Returns {"dataset", "n_images", "n_train", "repeats", "rows": {label:
    {"train_epoch_seconds", "inference_seconds", "n_test"}}, "other_processes_cpus", "machine"}.
    """
    if n_images < 1:
        raise ValueError(f"n_images must be at least 1, got {n_images}")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    out: dict = {"dataset": dataset, "n_images": int(n_images), "repeats": int(repeats), "rows": {}}
    with bench.OtherLoad() as other, threadpool_limits(limits=1):
        for label, config in configs.items():
            (X, y), sets, _ = prepare_data(config, dataset)
            X_test = sets["test"][0]
            n = min(n_images, len(X))
            model = build_model(config, [0])
            train, infer = [], []
            for _ in range(repeats):
                t0 = time.perf_counter()
                model.fit(X[:n], y[:n], epochs=1, batch_size=config.get("batch_size", 32),
                          optimizer=config.get("optimizer"), eval_train=False)
                train.append((time.perf_counter() - t0) * len(X) / n)
                t0 = time.perf_counter()
                model.predict(X_test)
                infer.append(time.perf_counter() - t0)
            out["n_train"] = int(len(X))
            out["rows"][label] = {"train_epoch_seconds": min(train), "inference_seconds": min(infer),
                                  "n_test": int(len(X_test))}
    out["other_processes_cpus"] = other.cores
    out["machine"] = bench.machine_facts()
    return out
