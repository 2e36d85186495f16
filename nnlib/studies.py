"""The book's sweeps, defined once: each study's grid of configurations, seeds and dataset per
profile.  The chapters read them from here, and ``python -m nnlib.studies run STUDY`` runs them
without a notebook (in the background, on a cluster), into the same records.

Profiles: ``full`` is the study's own protocol; ``quick`` is a small version for CI and for trying
a chapter out (few seeds, few epochs, a subset of the training set).
"""
from __future__ import annotations

from dataclasses import dataclass

PROFILES = ("quick", "full")


@dataclass(frozen=True)
class Sweep:
    """One sweep: its name (the results folder), configurations, seeds and dataset."""

    name: str
    grid: list[dict]
    seeds: list[int]
    dataset: str


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")


# ---------------------------------------------------------------- study 000
STANDARD_NETS = {"Small": [64], "Medium": [128, 64], "Large": [256, 128, 64]}
RECURSIVE_NETS = {2: 120, 4: 88, 6: 70, 8: 60}  # depth D: hidden width h
RESIDUAL_DEPTHS = (6, 8)  # the book's remedy for the deep recursions, beside the study's grid
GRID_000 = {"full": {"lr": [0.005, 0.01, 0.02], "batch_size": [32, 64, 128], "epochs": 15, "seeds": 5,
                     "train_subset": None},
            "quick": {"lr": [0.02], "batch_size": [64], "epochs": 3, "seeds": 2, "train_subset": 5000}}
CLIP_NORM_000 = 5.0


def study_000_architectures() -> dict[str, dict]:
    """label → (model, model_args) of study 000's seven architectures and the residual variants."""
    archs = {f"StandardNet {name}": {"model": "MLP", "model_args": {
        "layer_sizes": [784, *hidden, 10], "activation": "relu", "output_activation": "softmax",
        "cost": "categorical_cross_entropy", "init": "he"}} for name, hidden in STANDARD_NETS.items()}
    for residual in (False, True):
        for depth, h in RECURSIVE_NETS.items():
            if residual and depth not in RESIDUAL_DEPTHS:
                continue
            label = f"RecursiveNet D{depth}" + (" residual" if residual else "")
            archs[label] = {"model": "RecursiveNet", "model_args": {
                "n_in": 784, "hidden": h, "depth": depth, "residual": residual, "init": "he",
                "record_gradient_norms": True}}
    return archs


def study_000(profile: str) -> list[Sweep]:
    """Every architecture × learning rate × batch size, trained for the grid's longest epoch count
    (the shorter counts are read from the history), on 50k/10k/10k."""
    _check_profile(profile)
    g = GRID_000[profile]
    grid = []
    for label, arch in study_000_architectures().items():
        for lr in g["lr"]:
            for batch in g["batch_size"]:
                config = {"label": label, **arch, "epochs": g["epochs"], "batch_size": batch,
                          "optimizer": {"name": "sgd", "lr": lr, "clip_norm": CLIP_NORM_000},
                          "split": "validation"}
                if g["train_subset"]:
                    config["train_subset"] = g["train_subset"]
                grid.append(config)
    return [Sweep("study000", grid, list(range(g["seeds"])), "mnist")]


# ---------------------------------------------------------------- study 001
HIDDEN_001 = (2, 8, 16, 32, 64)
DATASETS_001 = ("mnist", "fashion-mnist")
BATCH_001 = 128
SETTINGS_001 = {"full": {"epochs": 200, "seeds": 10, "eval_every": 5, "train_subset": None,
                         "hidden": HIDDEN_001},
                "quick": {"epochs": 4, "seeds": 2, "eval_every": 2, "train_subset": 3000,
                          "hidden": (2, 8, 32)}}


def study_001_architectures(hidden: tuple[int, ...] = HIDDEN_001, input_kind: str = "column_windows") -> dict[str, dict]:
    """label → (model, model_args, input) of study 001's MLPs (0, 1, 2 tanh hidden layers) and
    vanilla RNNs (1, 2 layers) over 9 windows of 84 values."""
    mlp = {"activation": "tanh", "output_activation": "softmax", "cost": "categorical_cross_entropy",
           "init": "pytorch"}
    archs = {"MLP 0 hidden": {"model": "MLP", "model_args": {"layer_sizes": [784, 10], **mlp}}}
    for layers in (1, 2):
        for h in hidden:
            archs[f"MLP {layers}×{h}"] = {"model": "MLP", "model_args": {"layer_sizes": [784] + [h] * layers + [10], **mlp}}
    for layers in (1, 2):
        for h in hidden:
            archs[f"RNN {layers}×{h}"] = {"model": "RNN", "input": input_kind, "model_args": {
                "n_in": 84, "hidden": h, "n_layers": layers, "n_out": 10, "init": "pytorch"}}
    return archs


def _config_001(label: str, arch: dict, s: dict, batch: int = BATCH_001) -> dict:
    config = {"label": label, **arch, "epochs": s["epochs"], "batch_size": batch,
              "optimizer": {"name": "adam", "lr": 1e-4}, "eval_every": s["eval_every"]}
    if s["train_subset"]:
        config["train_subset"] = s["train_subset"]
    return config


def study_001(profile: str) -> list[Sweep]:
    """The main protocol: 21 architectures × seeds on MNIST and on Fashion-MNIST (60k / 10k)."""
    _check_profile(profile)
    s = SETTINGS_001[profile]
    grid = [_config_001(label, arch, s) for label, arch in study_001_architectures(s["hidden"]).items()]
    return [Sweep(f"study001-{dataset}", grid, list(range(s["seeds"])), dataset) for dataset in DATASETS_001]


def study_001_extras(profile: str) -> list[Sweep]:
    """Labelled extras on MNIST: the batch-size check (the two neighbouring batch sizes, 3 seeds,
    on one MLP and one RNN of similar size) and the row reading of "3 horizontal columns" for the
    1-layer RNNs (3 seeds)."""
    _check_profile(profile)
    s = SETTINGS_001[profile]
    archs = study_001_architectures(s["hidden"])
    picked = ["MLP 1×8", "RNN 1×32"] if profile == "full" else ["MLP 1×8", "RNN 1×8"]
    batch_grid = [_config_001(label, archs[label], s, batch) for label in picked for batch in (64, 256)]
    rows = study_001_architectures(s["hidden"], input_kind="row_windows")
    row_grid = [_config_001(f"{label} rows", arch, s) for label, arch in rows.items() if label.startswith("RNN 1×")]
    seeds = list(range(min(3, s["seeds"])))
    return [Sweep("study001-batch", batch_grid, seeds, "mnist"), Sweep("study001-rows", row_grid, seeds, "mnist")]


# ---------------------------------------------------------------- study 002
#: Defaults per profile; a chapter's parameters may override any of them.
SETTINGS_002 = {"full": {"seeds": 10, "epochs": 30, "mod2_epochs": 50, "train_subset": None},
                "quick": {"seeds": 3, "epochs": 4, "mod2_epochs": 2, "train_subset": 5000}}
RANDOMISED_002 = ["test_shifted", "test_noisy", "test_shifted_noisy"]


def study_002_grid(epochs: int, mod2_epochs: int, train_subset: int | None) -> list[dict]:
    """Study 002's versions as the authors' code (YJDoc2/Rust-NN) ran them, and the book's extras
    (labels ending in "(book's)"): c1 with only the cost changed, c2_conv with the book's kernels,
    c2_mod trained on clean images only.  Every clean-trained version is also evaluated on the
    test images shifted, with noise, and both (the authors' rules)."""
    sigmoid = {"activation": "sigmoid", "output_activation": "sigmoid"}
    common = {"model": "MLP", "epochs": epochs, "batch_size": 10, "split": "validation",
              "eval": RANDOMISED_002}
    if train_subset:
        common["train_subset"] = train_subset
    c1_args = {"layer_sizes": [784, 30, 10], **sigmoid, "cost": "quadratic", "init": "normal"}
    c2_args = {"layer_sizes": [784, 30, 10], **sigmoid, "cost": "cross_entropy", "init": "scaled_normal"}
    c2_opt = {"name": "sgd", "lr": 0.5, "weight_decay": 5.0}
    conv_args = {**c2_args, "layer_sizes": [1078, 30, 10]}
    mod = {**common, "optimizer": {"name": "sgd", "lr": 1.0, "weight_decay": 5.0}, "model_args": c2_args,
           "keep_best": "val_ext", "eval": RANDOMISED_002 + ["val_ext"]}
    return [
        {**common, "label": "c1", "optimizer": {"name": "sgd", "lr": 3.0}, "model_args": c1_args},
        {**common, "label": "c1 + cross-entropy (book's)", "optimizer": {"name": "sgd", "lr": 3.0},
         "model_args": {**c1_args, "cost": "cross_entropy"}},
        {**common, "label": "c2", "optimizer": c2_opt, "model_args": c2_args},
        {**common, "label": "c2_conv", "optimizer": c2_opt, "input": "patch_conv", "model_args": conv_args},
        {**common, "label": "c2_conv, book's kernels", "optimizer": c2_opt, "input": "patch_conv_book",
         "model_args": conv_args},
        {**mod, "label": "c2_mod", "augment": {"scheme": "rust-nn", "shifts": [3, 4], "n_pixels": [50, 150]}},
        {**mod, "label": "c2_mod, clean data (book's)"},
        {**common, "label": "c2_mod2", "epochs": mod2_epochs, "optimizer": c2_opt, "split": "all", "eval": [],
         "augment": {"scheme": "rust-nn", "shifts": [3, 4], "n_pixels": [50, 250]},
         "model_args": {**c2_args, "layer_sizes": [784, 50, 30, 10]}},
    ]


def study_002(profile: str, **overrides) -> list[Sweep]:
    """Study 002 on MNIST (50k / 10k / 10k); ``overrides``: values replacing SETTINGS_002's."""
    _check_profile(profile)
    s = {**SETTINGS_002[profile], **{k: v for k, v in overrides.items() if v is not None}}
    grid = study_002_grid(s["epochs"], s["mod2_epochs"], s["train_subset"])
    return [Sweep("study002", grid, list(range(s["seeds"])), "mnist")]


KERNEL_002 = "Sandybridge"  # the other OpenBLAS kernel the reproducibility check uses


def study_002_kernel(profile: str) -> list[Sweep]:
    """c2 again with another BLAS kernel (run with OPENBLAS_CORETYPE=Sandybridge), to show how far
    results move when only the kernel changes.  Refuses to run under any other kernel."""
    import numpy  # noqa: F401  (loads OpenBLAS, so that threadpoolctl sees it)
    from threadpoolctl import threadpool_info
    kernels = {i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"}
    if kernels != {KERNEL_002}:
        raise SystemExit(f"study 002-kernel must run with OPENBLAS_CORETYPE={KERNEL_002} (now: "
                         f"{', '.join(map(str, kernels)) or 'no OpenBLAS'})")
    sweep, = study_002(profile)
    return [Sweep(f"study002-kernel-{KERNEL_002.lower()}", [c for c in sweep.grid if c["label"] == "c2"],
                  sweep.seeds, sweep.dataset)]


# ---------------------------------------------------------------- study 003
TARGET_003 = 0.96
BATCH_003 = 512
PROTOCOLS_003 = {  # key: label, hidden activation, learning rate
    "rust": {"label": "Rust run: leaky-ReLU derivative backward, η = 0.8",
             "activation": {"name": "relu_leaky_backward", "alpha": 0.01}, "lr": 0.8},
    "rust_true_relu": {"label": "Rust run with the true ReLU gradient, η = 0.8", "activation": "relu", "lr": 0.8},
    "pytorch": {"label": "PyTorch script: ReLU, η = 0.1", "activation": "relu", "lr": 0.1},
}
SETTINGS_003 = {"full": {"seeds": 20, "max_epochs": 60, "timed_seeds": 20, "threads": 2, "loader_epochs": 3},
                "quick": {"seeds": 2, "max_epochs": 25, "timed_seeds": 2, "threads": 1, "loader_epochs": 1}}


def settings_003(profile: str, **overrides) -> dict:
    """Study 003's settings for a profile, with any non-None ``overrides`` (seeds, max_epochs,
    timed_seeds, threads, loader_epochs) in place; ``thread_counts`` is what the timings use:
    1 and ``threads``."""
    _check_profile(profile)
    unknown = set(overrides) - set(SETTINGS_003[profile])
    if unknown:
        raise ValueError(f"unknown study 003 setting(s) {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(SETTINGS_003[profile])}")
    s = {**SETTINGS_003[profile], **{k: v for k, v in overrides.items() if v is not None}}
    s["thread_counts"] = tuple(sorted({1, int(s["threads"])}))
    return s


def model_args_003(protocol: str) -> dict:
    """The 784-256-10 MLP of a study 003 protocol: He / Kaiming-normal N(0, 2/n_in) weights, zero
    biases, softmax cross-entropy."""
    return {"layer_sizes": [784, 256, 10], "activation": PROTOCOLS_003[protocol]["activation"],
            "output_activation": "softmax", "cost": "categorical_cross_entropy", "init": "he"}


def study_003(profile: str, **overrides) -> list[Sweep]:
    """Study 003, time to 96 %: the author's Rust run (ReLU forward, leaky-ReLU derivative α = 0.01
    backward, η = 0.8), the same with the true ReLU gradient, and the author's PyTorch script
    (ReLU, η = 0.1); SGD, batch 512 in data order (no shuffling), on 60k / 10k.  Each seed stops
    after the epoch its test accuracy exceeds 96 % (or after ``max_epochs``)."""
    s = settings_003(profile, **overrides)
    grid = [{"label": p["label"], "model": "MLP", "model_args": model_args_003(key), "epochs": s["max_epochs"],
             "batch_size": BATCH_003, "shuffle": False, "optimizer": {"name": "sgd", "lr": p["lr"]},
             "target": ["test", TARGET_003]} for key, p in PROTOCOLS_003.items()]
    return [Sweep("study003", grid, list(range(s["seeds"])), "mnist")]


# ---------------------------------------------------------------- study 004
SETTINGS_004 = {"full": {"xor_seeds": 100, "seeds": 10, "epochs": 35},
                "quick": {"xor_seeds": 20, "seeds": 3, "epochs": 35}}


def study_004(profile: str, **overrides) -> list[Sweep]:
    """Study 004: XOR (2-3-1, 1,000 epochs) and 784-100-50-10 on the first 1,000 MNIST images;
    separate layers y = xW + b, uniform [−0.5, 0.5) weights, tanh everywhere, mean squared error,
    one example per step in the data's order, η = 0.1."""
    _check_profile(profile)
    s = {**SETTINGS_004[profile], **{k: v for k, v in overrides.items() if v is not None}}
    layer = {"model": "MLP", "optimizer": {"name": "sgd", "lr": 0.1}, "batch_size": 1, "shuffle": False}
    tanh = {"activation": "tanh", "output_activation": "tanh", "cost": "mse", "init": "uniform"}
    xor = {**layer, "label": "XOR 2-3-1", "epochs": 1000, "model_args": {"layer_sizes": [2, 3, 1], **tanh}}
    mnist = {**layer, "label": "784-100-50-10", "epochs": s["epochs"], "train_subset": 1000,
             "model_args": {"layer_sizes": [784, 100, 50, 10], **tanh}}
    return [Sweep("study004-xor", [xor], list(range(s["xor_seeds"])), "xor"),
            Sweep("study004-mnist", [mnist], list(range(s["seeds"])), "mnist")]


STUDIES = {"000": study_000, "001": study_001, "001-extras": study_001_extras,
           "002": study_002, "002-kernel": study_002_kernel, "003": study_003, "004": study_004}


def main(argv: list[str] | None = None) -> int:
    """``python -m nnlib.studies run STUDY [--profile full] [--dataset NAME]``: run a study's sweeps."""
    import argparse

    from . import sweep
    parser = argparse.ArgumentParser(prog="python -m nnlib.studies", description=main.__doc__)
    parser.add_argument("command", choices=("run", "list"))
    parser.add_argument("study", choices=sorted(STUDIES))
    parser.add_argument("--profile", required=True, choices=PROFILES,
                        help="full: the study's protocol (committed results); quick: a small version")
    parser.add_argument("--dataset", help="run only the sweeps on this dataset")
    parser.add_argument("--workers", type=int, help="local processes (default: all CPUs)")
    parser.add_argument("--scheduler", help="dask.distributed scheduler address, e.g. tcp://10.0.0.5:8786")
    args = parser.parse_args(argv)
    sweeps = [s for s in STUDIES[args.study](args.profile) if args.dataset in (None, s.dataset)]
    if not sweeps:
        parser.error(f"study {args.study} has no sweep on {args.dataset!r}")
    for s in sweeps:
        if args.command == "list":
            print(f"{s.name}: {len(s.grid)} configurations × {len(s.seeds)} seeds on {s.dataset}")
            continue
        sweep.run_sweep(s.name, s.grid, s.seeds, s.dataset, profile=args.profile,
                        workers=args.workers, scheduler=args.scheduler)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
