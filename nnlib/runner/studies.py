"""The book's sweeps, defined once: each study's grid of configurations, seeds and dataset per
profile.  The chapters read them from here, and ``python -m nnlib.runner.studies run STUDY`` runs them
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


# The validation-chosen grid point of every study 000 architecture (study000-chosen.json), and the
# grid point whose mean test accuracies come closest to the study's own (D4 93.66 %, Medium
# 93.07 %, Large 94.54 %; root-mean-square distance over the three: nnlib.book.study000.study_like_points,
# which the chapter runs and tests/test_study000.py checks against these values).
CHOSEN_000 = {"lr": 0.02, "batch_size": 32}
STUDY_LIKE_000 = {"lr": 0.005, "batch_size": 128}
INITS_000 = ("glorot", "pytorch")  # the depth test's other initialisations (He is the sweep's own)


def _point_000(profile: str, point: dict) -> dict:
    """A grid point of the full profile, or the quick profile's only point."""
    g = GRID_000[profile]
    return point if profile == "full" else {"lr": g["lr"][0], "batch_size": g["batch_size"][0]}


def _config_000(label: str, arch: dict, profile: str, point: dict) -> dict:
    g = GRID_000[profile]
    config = {"label": label, **arch, "epochs": g["epochs"], "batch_size": point["batch_size"],
              "optimizer": {"name": "sgd", "lr": point["lr"], "clip_norm": CLIP_NORM_000},
              "split": "validation"}
    if g["train_subset"]:
        config["train_subset"] = g["train_subset"]
    return config


def study_000_init(profile: str) -> list[Sweep]:
    """The depth test under other initialisations: the four plain RecursiveNets with Glorot/Xavier
    uniform and with PyTorch's default uniform ±1/√fan_in weights, at the validation-chosen grid
    point, with the gradient norms recorded every epoch."""
    _check_profile(profile)
    archs = study_000_architectures()
    grid = []
    for init in INITS_000:
        for depth in RECURSIVE_NETS:
            arch = archs[f"RecursiveNet D{depth}"]
            arch = {**arch, "model_args": {**arch["model_args"], "init": init}}
            grid.append(_config_000(f"RecursiveNet D{depth}, {init} init", arch, profile,
                                    _point_000(profile, CHOSEN_000)))
    return [Sweep("study000-init", grid, list(range(GRID_000[profile]["seeds"])), "mnist")]


def untied_recursive_params(hidden: int, depth: int, n_in: int = 784, n_out: int = 10) -> int:
    """Parameters of a RecursiveNet's untied twin: an MLP with depth + 1 ReLU hidden layers of
    ``hidden`` units (the input layer and D layers of its own h×h matrix and bias)."""
    return n_in * hidden + hidden + depth * (hidden * hidden + hidden) + hidden * n_out + n_out


def tied_recursive_params(hidden: int, n_in: int = 784, n_out: int = 10) -> int:
    """Parameters of a RecursiveNet (any depth): h² + (n_in + n_out + 2)·h + n_out."""
    return n_in * hidden + hidden + hidden * hidden + hidden + hidden * n_out + n_out


def closest_width(target: int, count) -> int:
    """The width w ≥ 1 whose parameter count ``count(w)`` is closest to ``target`` (the smaller
    on a tie); ``count`` must grow with w."""
    w = 1
    while count(w + 1) <= target:
        w += 1
    return w if abs(count(w) - target) <= abs(count(w + 1) - target) else w + 1


def untied_000_architectures() -> dict[str, dict]:
    """label → MLP arguments of each plain RecursiveNet's two untied twins: the same width (same
    multiply-adds and depth, (D − 1)·h² more parameters) and the width whose parameter count is
    closest to the tied network's.  Labels: "untied D{D}, h {width}"."""
    archs = {}
    for depth, h in RECURSIVE_NETS.items():
        narrow = closest_width(tied_recursive_params(h), lambda w: untied_recursive_params(w, depth))
        for width in (h, narrow):
            archs[f"untied D{depth}, h {width}"] = {"model": "MLP", "model_args": {
                "layer_sizes": [784] + [width] * (depth + 1) + [10], "activation": "relu",
                "output_activation": "softmax", "cost": "categorical_cross_entropy", "init": "he"}}
    return archs


def untied_000(profile: str) -> list[Sweep]:
    """The untied twins of study 000's RecursiveNets, at the validation-chosen grid point and at
    the grid point closest to the study's own accuracies (one point in the quick profile)."""
    _check_profile(profile)
    points = [CHOSEN_000, STUDY_LIKE_000] if profile == "full" else [_point_000(profile, CHOSEN_000)]
    grid = [_config_000(label, arch, profile, point) for point in points
            for label, arch in untied_000_architectures().items()]
    return [Sweep("untied-000", grid, list(range(GRID_000[profile]["seeds"])), "mnist")]


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


MATCH_BAND_001 = (1500, 20000)  # the RNNs whose parameter counts both families can reach
MATCH_TOLERANCE_001 = 0.10


def rnn_params(hidden: int, n_layers: int = 1, n_in: int = 84, n_out: int = 10) -> int:
    """Parameters of study 001's RNN (two bias vectors per layer, as nn.RNN)."""
    first = n_in * hidden + hidden * hidden + 2 * hidden
    return first + (n_layers - 1) * (2 * hidden * hidden + 2 * hidden) + hidden * n_out + n_out


def mlp_params(hidden: int, n_layers: int, n_in: int = 784, n_out: int = 10) -> int:
    """Parameters of an MLP with ``n_layers`` hidden layers of ``hidden`` units."""
    sizes = [n_in] + [hidden] * n_layers + [n_out]
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def matched_mlps_001(hidden: tuple[int, ...] = HIDDEN_001) -> dict[str, dict]:
    """RNN label → {n_layers: (MLP width, relative parameter difference)} for every RNN of the
    overlap band: the MLP with one, and with two, equal hidden layers whose parameter count is
    closest to the RNN's (the difference may exceed MATCH_TOLERANCE_001; the chapter says so)."""
    out = {}
    for layers in (1, 2):
        for h in hidden:
            p = rnn_params(h, layers)
            if not MATCH_BAND_001[0] <= p <= MATCH_BAND_001[1]:
                continue
            out[f"RNN {layers}×{h}"] = {
                k: (w, mlp_params(w, k) / p - 1)
                for k in (1, 2) for w in [closest_width(p, lambda v, k=k: mlp_params(v, k))]}
    return out


def study_001_matched(profile: str) -> list[Sweep]:
    """The trained MLPs that match each overlap-band RNN's parameter count within ±10 % and are
    not already in study 001's grid, with study 001's protocol, on both datasets."""
    _check_profile(profile)
    s = SETTINGS_001[profile]
    mlp = {"activation": "tanh", "output_activation": "softmax", "cost": "categorical_cross_entropy",
           "init": "pytorch"}
    widths = sorted({(k, w) for match in matched_mlps_001(s["hidden"]).values()
                     for k, (w, diff) in match.items()
                     if abs(diff) <= MATCH_TOLERANCE_001 and w not in s["hidden"]})
    grid = [_config_001(f"MLP {k}×{w}", {"model": "MLP", "model_args": {
        "layer_sizes": [784] + [w] * k + [10], **mlp}}, s) for k, w in widths]
    return [Sweep(f"study001-matched-{dataset}", grid, list(range(s["seeds"])), dataset)
            for dataset in DATASETS_001]


UNTIED_HIDDEN_001 = {"full": (8, 16, 32, 64), "quick": (8, 32)}


def untied_rnn_params(hidden: int, steps: int = 9, n_in: int = 84, n_out: int = 10) -> int:
    """Parameters of the untied twin of a one-layer RNN over ``steps`` steps: per step its own
    input matrix and bias, per step after the first its own recurrent matrix, and the read-out."""
    return steps * (n_in * hidden + hidden) + (steps - 1) * hidden * hidden + hidden * n_out + n_out


def untied_001_architectures(profile: str) -> dict[str, dict]:
    """label → (model, model_args, input) of the untied twins of study 001's one-layer RNNs: the
    same width, and the width whose parameter count is closest to the tied RNN's."""
    archs = {}
    for h in UNTIED_HIDDEN_001[profile]:
        narrow = closest_width(rnn_params(h), untied_rnn_params)
        for width in (h, narrow):
            archs[f"untied RNN 1×{width}"] = {"model": "UntiedRNN", "input": "column_windows", "model_args": {
                "n_in": 84, "hidden": width, "steps": 9, "n_out": 10, "init": "pytorch"}}
    return archs


def untied_001(profile: str) -> list[Sweep]:
    """The untied RNN twins with study 001's protocol, on both datasets."""
    _check_profile(profile)
    s = SETTINGS_001[profile]
    grid = [_config_001(label, arch, s) for label, arch in untied_001_architectures(profile).items()]
    return [Sweep(f"untied-001-{dataset}", grid, list(range(s["seeds"])), dataset) for dataset in DATASETS_001]


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
LEAKY_BACKWARD_003 = {"name": "relu_leaky_backward", "alpha": 0.01}
PROTOCOLS_003 = {  # key: label, hidden activation, learning rate, layer sizes (784-256-10 if not given)
    # The labels are part of each configuration's identity (its records' file names): the first
    # three keep the names they were stored under.  "rust" is the configuration of the 9.1 s run
    # (commit e733a6b); the two η = 0.1 runs are the readings of the 102.5 s and 44.3 s runs.
    "rust": {"label": "Rust run: leaky-ReLU derivative backward, η = 0.8",
             "activation": LEAKY_BACKWARD_003, "lr": 0.8},
    "rust_true_relu": {"label": "Rust run with the true ReLU gradient, η = 0.8", "activation": "relu", "lr": 0.8},
    "pytorch": {"label": "PyTorch script: ReLU, η = 0.1", "activation": "relu", "lr": 0.1},
    "readme": {"label": "README's reading: 784-256-10, leaky-ReLU derivative backward, η = 0.1",
               "activation": LEAKY_BACKWARD_003, "lr": 0.1},
    "commit": {"label": "Committed code (e4d678e, 2e4fc4e): 784-256-128-128-128-10, leaky-ReLU derivative "
                        "backward, η = 0.1",
               "activation": LEAKY_BACKWARD_003, "lr": 0.1, "layers": [784, 256, 128, 128, 128, 10]},
}
SETTINGS_003 = {"full": {"seeds": 20, "max_epochs": 60, "timed_seeds": 20, "threads": 2, "loader_epochs": 3,
                         "epoch_rounds": 20, "epoch_threads": 2},
                "quick": {"seeds": 2, "max_epochs": 25, "timed_seeds": 2, "threads": 1, "loader_epochs": 1,
                          "epoch_rounds": 2, "epoch_threads": 2}}


def settings_003(profile: str, **overrides) -> dict:
    """Study 003's settings for a profile, with any non-None ``overrides`` (seeds, max_epochs,
    timed_seeds, threads, loader_epochs, epoch_rounds, epoch_threads) in place; ``thread_counts`` is
    what the timed runs to 96 % use: 1 and ``threads``; ``epoch_thread_counts`` what the interleaved
    per-epoch timings (``epoch_rounds`` rounds) use: 1 and ``epoch_threads``."""
    _check_profile(profile)
    unknown = set(overrides) - set(SETTINGS_003[profile])
    if unknown:
        raise ValueError(f"unknown study 003 setting(s) {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(SETTINGS_003[profile])}")
    s = {**SETTINGS_003[profile], **{k: v for k, v in overrides.items() if v is not None}}
    s["thread_counts"] = tuple(sorted({1, int(s["threads"])}))
    s["epoch_thread_counts"] = tuple(sorted({1, int(s["epoch_threads"])}))
    return s


def model_args_003(protocol: str) -> dict:
    """The MLP of a study 003 protocol (784-256-10 unless it gives its layers): He / Kaiming-normal N(0, 2/n_in) weights, zero
    biases, softmax cross-entropy."""
    p = PROTOCOLS_003[protocol]
    return {"layer_sizes": list(p.get("layers", [784, 256, 10])), "activation": p["activation"],
            "output_activation": "softmax", "cost": "categorical_cross_entropy", "init": "he"}


def study_003(profile: str, **overrides) -> list[Sweep]:
    """Study 003, time to 96 %: the author's Rust network (ReLU forward, leaky-ReLU derivative α = 0.01
    backward) as the 9.1 s run trained it (784-256-10, η = 0.8), the same with the true ReLU
    gradient, the README's reading of the 102.5 s run (784-256-10, η = 0.1), the code committed
    with the 102.5 s and 44.3 s results (784-256-128-128-128-10, η = 0.1), and the author's
    PyTorch script (ReLU, η = 0.1); SGD, batch 512 in data order (no shuffling), on 60k / 10k.  Each seed stops
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


STUDIES = {"000": study_000, "000-init": study_000_init, "001": study_001, "001-extras": study_001_extras,
           "001-matched": study_001_matched, "untied-000": untied_000, "untied-001": untied_001,
           "002": study_002, "002-kernel": study_002_kernel, "003": study_003, "004": study_004}


def main(argv: list[str] | None = None) -> int:
    """``python -m nnlib.runner.studies run STUDY [--profile full] [--dataset NAME]``: run a study's sweeps."""
    import argparse

    from . import sweep
    parser = argparse.ArgumentParser(prog="python -m nnlib.runner.studies", description=main.__doc__)
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
