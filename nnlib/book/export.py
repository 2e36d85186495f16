"""Networks of the book's stored runs, exported as small static files for the "draw a digit" page.

The sweeps store records (configuration, seed, metrics), not weights.  A trial is deterministic
for its configuration and seeds (one BLAS thread, bit for bit), so :func:`retrain` trains a
stored trial again, exactly as :func:`nnlib.runner.experiments.run_trial` does, and refuses the result
unless its final test accuracy equals the record's: the page then shows the network the book
reports on.  It first trains the record's seed alone (cheap); the sweep trained the seeds of a
configuration together as replicas, whose matrix products round differently in the last bit, so
if the single seed's accuracy differs it trains the record's whole replica group again.

:func:`page_networks` says which stored runs the page shows and how each is chosen; a network
whose runs are not (all) stored yet is listed on the page as missing, with the reason.

Files written into the page's folder (``book/_extra/draw/``, copied into the built book as
``draw/``; not under ``_static``, whose scripts Jupyter Book loads on every page), each a
JavaScript file that hands one JSON object to a function of ``draw.js``, so the page works from ``file://`` and
from any static server, with nothing fetched from elsewhere:

* ``net-<key>.js``  ``nnlibDraw.addNetwork({...})``: the model class, its constructor
  arguments, its input transform (with c2_conv's kernels), every parameter array (float32,
  little-endian, base64, replica axis dropped) and where it came from (record file, seed,
  accuracies, code fingerprint).  :func:`read_network` turns it back into an nnlib model.
* ``samples.js``  ``nnlibDraw.addSamples({...})``: MNIST test images for the "show me" buttons
  (a random draw, plus images each network gets wrong), uint8, with their labels and indices.
* ``networks.js``  ``nnlibDraw.setManifest({...})``: the networks present and the missing ones.

``python -m nnlib.book.export`` (``make draw-export``) does all of it; trained models are kept under
``data/models/draw/`` (``nnlib.save_model``) so that exporting again retrains nothing already
checked.
"""
from __future__ import annotations

import base64
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .. import data
from ..data import transforms
from ..runner import studies, sweep
from ..runner.experiments import build_model, config_fingerprint, fit_config, prepare_data
from ..model import MODEL_CLASSES, Model
from ..persistence import load_model, save_model

ROOT = Path(__file__).resolve().parents[2]
PAGE_DIR = ROOT / "book" / "_extra" / "draw"
PAGE_SOURCE = ROOT / "book" / "draw.md"
MODELS_DIR = data.DATA_DIR / "models" / "draw"
PROFILE = "full"
N_RANDOM_SAMPLES = 200  # random MNIST test images shipped with the page
N_WRONG_SAMPLES = 12  # per network: test images it gets wrong, shipped as well
SAMPLE_SEED = 0
INPUT_KINDS = ("pixels", "column_windows", "row_windows")
EPOCH_COUNTS_000 = (8, 10, 15)  # study 000's epoch counts, read from the 15-epoch runs' histories


class ExportError(ValueError):
    """A stored run that cannot be exported (the message says which and why)."""


# ---------------------------------------------------------------- which runs the page shows
Chooser = Callable[[list[dict]], tuple[list[dict] | None, str, int | None]]


@dataclass(frozen=True)
class PageNetwork:
    """One network of the page: its key (file name), title, study, sweep folder and chooser.
    ``choose(records)`` gets every record of the sweep and returns the records of the chosen
    configuration (all its seeds), a note on the choice and the epoch count chosen (None: the
    configuration's own), or (None, why nothing can be chosen, None)."""

    key: str
    title: str  # what it is called while missing
    study: str
    sweep: str
    choose: Chooser
    note: str = ""  # shown after the chosen configuration's label
    seed: int = 0

    def shown_title(self, config: dict) -> str:
        """The page's name for the chosen configuration: its label and what sets it apart."""
        label = config.get("label") or config["model"]
        if self.study == "000":
            return (f"{label} (η = {config['optimizer']['lr']}, batch {config.get('batch_size', 32)}, "
                    f"{config['epochs']} epochs)")
        return f"{label} ({self.note or self.title})"


def _by_config(records: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for r in records:
        groups.setdefault(sweep.config_id(r["config"], r["dataset"]), []).append(r)
    return groups


def accuracy_at(record: dict, split: str, epochs: int | None = None) -> float | None:
    """A record's accuracy on ``split`` after ``epochs`` (from its history; None: its final one)."""
    if epochs is None or epochs == record["config"]["epochs"]:
        return record["final"].get(split, {}).get("accuracy")
    history = record["history"].get(f"{split}_accuracy", [])
    return history[epochs - 1] if len(history) >= epochs else None


def _accuracy(records: list[dict], split: str, epochs: int | None = None) -> float:
    """Mean accuracy on ``split`` over the seeds (a diverged seed has none and is left out)."""
    values = [accuracy_at(r, split, epochs) for r in records]
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else float("nan")


def labelled(*labels: str, augmented: bool | None = None) -> Chooser:
    """The first of ``labels`` that is stored (with ``augmented``: whose configuration does or
    does not train on augmented copies)."""
    def choose(records):
        groups = _by_config(records)
        for label in labels:
            for group in groups.values():
                config = group[0]["config"]
                if config.get("label") == label and (augmented is None or bool(config.get("augment")) == augmented):
                    return group, f"configuration {label!r}", None
        return None, f"no stored run labelled {' or '.join(map(repr, labels))}", None
    return choose


def best_of(expected: list[dict], n_seeds: int, split: str, what: str,
            epoch_counts: tuple[int, ...] | None = None) -> Chooser:
    """The configuration of ``expected`` (and with ``epoch_counts``, the epoch count read from the
    history) with the highest mean accuracy on ``split`` over its seeds, once every configuration
    of ``expected`` has all ``n_seeds`` seeds stored; the first of equals, in grid order."""
    def choose(records):
        groups = _by_config(records)
        ids = [sweep.config_id(c, records[0]["dataset"]) if records else None for c in expected]
        done = [i for i in ids if i in groups and len(groups[i]) >= n_seeds]
        if not records or len(done) < len(expected):
            return None, (f"{len(done)} of the {len(expected)} configurations it is chosen from have all "
                          f"{n_seeds} seeds stored so far"), None
        points = [(i, e) for i in done for e in (epoch_counts or (None,))]
        best, epochs = max(points, key=lambda p: _accuracy(groups[p[0]], split, p[1]))
        score = _accuracy(groups[best], split, epochs)
        return groups[best], (f"{what}: highest mean {split} accuracy over {n_seeds} seeds "
                              f"({100 * score:.2f} %) among {len(points)} grid points"), epochs
    return choose


def _study_000_grid(label: str) -> list[dict]:
    return [c for c in studies.study_000(PROFILE)[0].grid if c["label"] == label]


def _study_001_grid(model: str) -> list[dict]:
    mnist = [s for s in studies.study_001(PROFILE) if s.dataset == "mnist"][0]
    return [c for c in mnist.grid if c["model"] == model]


def page_networks() -> list[PageNetwork]:
    """The networks of the "draw a digit" page, in the order shown."""
    seeds_000 = studies.GRID_000[PROFILE]["seeds"]
    seeds_001 = studies.SETTINGS_001[PROFILE]["seeds"]
    nets = [
        PageNetwork("c1", "c1", "002", "study002", labelled("c1"), "sigmoid, quadratic cost"),
        PageNetwork("c2", "c2", "002", "study002", labelled("c2"), "cross-entropy, weight decay"),
        PageNetwork("c2_aug", "c2 trained on shifted and noisy copies", "002", "study002",
                    labelled("c2_aug", "c2_mod", augmented=True), "trained on shifted and noisy copies"),
        PageNetwork("c2_conv", "c2_conv", "002", "study002", labelled("c2_conv"), "patch kernels and pixels"),
    ]
    for label in ("StandardNet Medium", "RecursiveNet D4"):
        nets.append(PageNetwork(label.replace(" ", "_"), label, "000", "study000",
                                best_of(_study_000_grid(label), seeds_000, "val",
                                        "learning rate, batch size and epochs chosen on the validation set",
                                        EPOCH_COUNTS_000)))
    for model in ("MLP", "RNN"):
        nets.append(PageNetwork(f"best_{model}", f"best {model} of study 001", "001", "study001-mnist",
                                best_of(_study_001_grid(model), seeds_001, "test",
                                        f"the {model} architecture")))
    # last: the costliest to train again (50 epochs on the augmented 70,000 images)
    nets.append(PageNetwork("c2_mod2", "c2_mod2", "002", "study002", labelled("c2_mod2"),
                            "784-50-30-10, all 70,000 images and shifted, noisy copies"))
    return nets


# ---------------------------------------------------------------- retraining a stored run
def replica_group(record: dict, records: list[dict]) -> list[int]:
    """The seeds the sweep trained together with ``record`` (one pass of replicas): the records
    of the same configuration with the same wall time, which one pass gives all its records."""
    key = sweep.config_id(record["config"], record["dataset"])
    seeds = sorted(r["seed"] for r in records if sweep.config_id(r["config"], r["dataset"]) == key
                   and r["wall_seconds"] == record["wall_seconds"])
    if len(seeds) != record.get("replicas_in_pass", 1):
        raise ExportError(f"{record['config'].get('label')} seed {record['seed']}: its replica pass had "
                          f"{record.get('replicas_in_pass')} seeds but {len(seeds)} records match it")
    return seeds


def check_record(record: dict) -> None:
    """Refuse a record made by other code or from other data than the code loaded now, or that
    diverged."""
    reason = sweep.stale_reason(record)
    if reason == "code":
        raise ExportError(f"its record was made by other code (fingerprint {record.get('code_fingerprint')}, "
                          f"this code gives {config_fingerprint(record['config'])}); recompute the sweep first")
    if reason == "data":
        raise ExportError(f"its record was made from other data (data fingerprint {record.get('data_fingerprint')}"
                          "), not what this data preparation gives; recompute the sweep first")
    if record["final"]["test"]["accuracy"] is None:
        raise ExportError("this seed diverged; it has no network to show")


def train_like_run_trial(config: dict, seeds: list[int], dataset: str, progress: bool = True) -> tuple[Model, dict]:
    """Train ``config`` for ``seeds`` (replicas) with the steps of
    :func:`nnlib.runner.experiments.run_trial` (its data, model and :func:`~nnlib.runner.experiments.fit_config`)
    and one BLAS thread, as a sweep does.  Returns the model and {"test_accuracy": (K,) array,
    "data_sha256": hashes of the data files}."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):
        train, sets, sha = prepare_data(config, dataset)
        model = build_model(config, seeds)
        fit_config(model, config, train, sets, progress=progress,
                   desc=f"{config.get('label', config['model'])} seeds {seeds}")
        accuracy = np.atleast_1d(model.evaluate(*sets["test"])["accuracy"])
    return model, {"test_accuracy": accuracy, "data_sha256": sha}


def retrain(record: dict, records: list[dict], progress: bool = True,
            epochs: int | None = None) -> tuple[Model, str]:
    """The network of ``record`` (one replica), trained again; its test accuracy equals the
    record's or ExportError is raised.  ``records``: the sweep's records (to find the replica
    group).  ``epochs``: stop after this many of the record's epochs (its history gives the
    accuracy to match; the first epochs of a longer run are exactly a shorter run).  Returns
    (model, how it was retrained)."""
    label = f"{record['config'].get('label')} seed {record['seed']}"
    config = record["config"] if epochs is None else {**record["config"], "epochs": epochs}
    want = accuracy_at(record, "test", epochs)
    if want is None:
        raise ExportError(f"{label}: the record has no test accuracy after {epochs} epochs")
    model, got = train_like_run_trial(config, [record["seed"]], record["dataset"], progress)
    if got["data_sha256"] != record["data_sha256"]:
        raise ExportError(f"{label}: the data files differ from the record's (sha256)")
    if _same(got["test_accuracy"][0], want):
        return model, "trained again alone"
    group = replica_group(record, records)
    print(f"{label}: alone it reaches {float(got['test_accuracy'][0]):.4f}, the record {want:.4f}; "
          f"training its replica group {group} again, as the sweep did", file=sys.stderr)
    model, got = train_like_run_trial(config, group, record["dataset"], progress)
    k = group.index(record["seed"])
    if not _same(got["test_accuracy"][k], want):
        raise ExportError(f"{label}: trained again, its test accuracy is {float(got['test_accuracy'][k])}, "
                          f"the record says {want}; the stored run cannot be reproduced")
    return model.replica(k), f"trained again with its replica group (seeds {group})"


def _same(accuracy: float, stored: float) -> bool:
    """Equal to a stored accuracy as stored: exactly, or to the 7 significant digits of a history."""
    return float(accuracy) == stored or float(f"{float(accuracy):.7g}") == stored


def cached_retrain(record: dict, records: list[dict], models_dir: Path = MODELS_DIR,
                   progress: bool = True, train: bool = True, epochs: int | None = None) -> tuple[Model, str]:
    """:func:`retrain`, or the model saved by an earlier export of the same record (with
    ``train=False`` only that, else ExportError)."""
    stem = Path(models_dir) / (f"{sweep.config_id(record['config'], record['dataset'])}_seed{record['seed']}"
                               + (f"_epochs{epochs}" if epochs is not None else ""))
    check_file = stem.with_suffix(".check.json")
    stamp = {"test_accuracy": accuracy_at(record, "test", epochs), "code_fingerprint": record["code_fingerprint"],
             "data_sha256": record["data_sha256"]}
    if epochs is not None:
        stamp["epochs"] = epochs
    if check_file.exists():
        saved = json.loads(check_file.read_text())
        if saved.get("record") == stamp:
            return load_model(stem), saved["how"]
    if not train:
        raise ExportError("its stored run has not been trained again yet (make draw-export)")
    model, how = retrain(record, records, progress, epochs)
    save_model(model, stem)
    data.write_atomic(check_file, json.dumps({"record": stamp, "how": how}).encode())
    return model, how


# ---------------------------------------------------------------- static files
def _js_call(function: str, payload: dict) -> str:
    return (f"/* generated by python -m nnlib.book.export: do not edit */\n"
            f"nnlibDraw.{function}({json.dumps(payload, separators=(',', ':'))});\n")


def _read_js_call(path: Path, function: str) -> dict:
    text = Path(path).read_text()
    head = f"nnlibDraw.{function}("
    start, end = text.find(head), text.rfind(");")
    if start < 0 or end < start:
        raise ExportError(f"{path}: not a file written by nnlib.book.export (no {head}…) call)")
    return json.loads(text[start + len(head):end])


def encode_array(a: np.ndarray, dtype: str = "<f4") -> dict:
    """{"shape", "dtype", "data": base64 of the C-order bytes}."""
    a = np.ascontiguousarray(a, dtype=dtype)
    return {"shape": list(a.shape), "dtype": dtype, "data": base64.b64encode(a.tobytes()).decode()}


def decode_array(spec: dict) -> np.ndarray:
    """Inverse of :func:`encode_array`."""
    return np.frombuffer(base64.b64decode(spec["data"]), dtype=spec["dtype"]).reshape(spec["shape"]).copy()


# The inputs that apply fixed 4×4 kernels, and the names the kernels may have in nnlib.data.transforms.
PATCH_INPUTS = {"patch_conv": ("AUTHOR_KERNELS", "PATCH_KERNELS"), "patch_conv_book": ("BOOK_KERNELS",)}


def _patch_layout(kind: str) -> tuple[np.ndarray, bool]:
    """(kernels, features first?) of a patch input, found by matching nnlib.runner.experiments' own
    transform on random images, so the page follows whatever the training code does."""
    from ..runner.experiments import _model_input
    probe = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    want = _model_input(probe, kind, (28, 28))
    for name in PATCH_INPUTS[kind]:
        kernels = getattr(transforms, name, None)
        if kernels is None:
            continue
        features = transforms.patch_features(probe, (28, 28), kernels)
        for first in (True, False):
            if np.array_equal(np.concatenate([features, probe] if first else [probe, features], axis=1), want):
                return np.asarray(kernels), first
    raise ExportError(f"the input {kind!r} is not kernel responses and pixels as the page computes them; "
                      "update nnlib.book.export and draw.js to match nnlib.runner.experiments")


def input_spec(kind: str) -> dict:
    """How the page turns the 28×28 image into the network's input (see
    :func:`nnlib.runner.experiments.prepare_data`); a patch input carries its kernels and whether their
    responses come before the pixels."""
    if kind not in INPUT_KINDS + tuple(PATCH_INPUTS):
        raise ExportError(f"the page cannot compute the input {kind!r}; it knows "
                          f"{', '.join(INPUT_KINDS + tuple(PATCH_INPUTS))}")
    spec: dict = {"kind": kind}
    if kind in PATCH_INPUTS:
        kernels, first = _patch_layout(kind)
        spec.update(kernels=encode_array(kernels), features_first=first)
    return spec


def network_payload(model: Model, input_kind: str, key: str, title: str, about: dict) -> dict:
    """What ``net-<key>.js`` holds for a single-replica ``model``.  Refuses an input transform
    that, as the page computes it (:func:`model_input`), differs from training's."""
    from ..runner.experiments import _model_input
    if model.n_replicas != 1:
        raise ExportError(f"{key}: export one replica (model.replica(k)), not {model.n_replicas}")
    spec = input_spec(input_kind)
    probe = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    if not np.array_equal(model_input(probe, spec), _model_input(probe, input_kind, (28, 28))):
        raise ExportError(f"{key}: the page's {input_kind!r} input differs from nnlib.runner.experiments'; "
                          "update nnlib.book.export.model_input and draw.js to match")
    return {"key": key, "title": title, "class": type(model).__name__, "config": model.config(),
            "input": spec, "about": about,
            "arrays": {name: encode_array(p[0]) for name, p in model.parameters()}}


def write_network(path: Path, payload: dict) -> None:
    data.write_atomic(Path(path), _js_call("addNetwork", payload).encode())


def read_network(path: Path) -> tuple[Model, dict]:
    """The nnlib model a ``net-<key>.js`` file holds, and the file's whole payload."""
    payload = _read_js_call(path, "addNetwork")
    if payload.get("class") not in MODEL_CLASSES:
        raise ExportError(f"{path}: unknown model class {payload.get('class')!r}")
    model = MODEL_CLASSES[payload["class"]](**payload["config"], random_state=[0])
    for name, p in model.parameters():
        a = decode_array(payload["arrays"][name])
        if a.shape != p.shape[1:]:
            raise ExportError(f"{path}: array {name} has shape {a.shape}, the model needs {p.shape[1:]}")
        p[0] = a
    return model, payload


def model_input(X: np.ndarray, spec: dict) -> np.ndarray:
    """The network input for 28×28 images X (n, 784), as the page computes it from ``spec``."""
    from ..runner.experiments import _model_input
    if "kernels" in spec:
        features = transforms.patch_features(X, (28, 28), decode_array(spec["kernels"]))
        return np.concatenate([features, X] if spec["features_first"] else [X, features], axis=1)
    return _model_input(X, spec["kind"], (28, 28))


def page_predict_proba(model: Model, spec: dict, images: np.ndarray) -> np.ndarray:
    """nnlib's predict_proba of a page network on 28×28 images (n, 784) → (n, 10)."""
    X = model_input(np.asarray(images, dtype=np.float32).reshape(len(images), 784), spec)
    return np.asarray(model.predict_proba(X)).reshape(len(images), -1)


def write_samples(path: Path, indices: np.ndarray, images: np.ndarray, labels: np.ndarray) -> None:
    """``samples.js``: MNIST test images (n, 784) in [0, 1], stored as bytes (exact: MNIST's
    pixels are bytes / 255), with their test-set indices and labels."""
    pixels = np.rint(np.asarray(images, dtype=np.float64) * 255).astype(np.uint8)
    payload = {"source": "MNIST test set", "indices": [int(i) for i in indices],
               "labels": [int(v) for v in labels], "pixels": encode_array(pixels, "u1")}
    data.write_atomic(Path(path), _js_call("addSamples", payload).encode())


def read_samples(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indices, images (n, 784) float32 in [0, 1], labels) of a ``samples.js`` file."""
    payload = _read_js_call(path, "addSamples")
    images = decode_array(payload["pixels"]).astype(np.float32) / np.float32(255)
    return np.array(payload["indices"]), images, np.array(payload["labels"])


def choose_samples(networks: dict[str, tuple[Model, dict]], X: np.ndarray, y: np.ndarray,
                   n_random: int = N_RANDOM_SAMPLES, n_wrong: int = N_WRONG_SAMPLES,
                   seed: int = SAMPLE_SEED) -> np.ndarray:
    """Sorted test-set indices: ``n_random`` drawn at random plus, per network, the first
    ``n_wrong`` test images (in a random order) it gets wrong."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    chosen = set(order[:n_random].tolist())
    for model, payload in networks.values():
        wrong = page_predict_proba(model, payload["input"], X).argmax(axis=1) != y
        chosen.update(order[wrong[order]][:n_wrong].tolist())
    return np.array(sorted(chosen))


def export_page(out_dir: Path = PAGE_DIR, results_root: Path | None = None,
                models_dir: Path = MODELS_DIR, progress: bool = True, train: bool = True) -> dict:
    """Write every available network, the samples and the manifest into ``out_dir``; returns the
    manifest.  Networks not available (runs still missing, not reproducible; with ``train=False``
    also those not trained again by an earlier export) are listed in it."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sweeps: dict[str, list[dict]] = {}
    present, missing, loaded = [], [], {}
    for net in page_networks():
        where = f"{net.title} (study {net.study})"
        try:
            if net.sweep not in sweeps:
                folder = sweep.sweep_dir(net.sweep, PROFILE, results_root)
                sweeps[net.sweep] = [sweep.read_record(p) for p in sweep.record_files(folder)] if folder.exists() else []
            records = sweeps[net.sweep]
            group, note, epochs = net.choose(records)
            if group is None:
                raise ExportError(note)
            record = next((r for r in group if r["seed"] == net.seed), None)
            if record is None:
                raise ExportError(f"{note}: seed {net.seed} is not stored")
            check_record(record)
            model, how = cached_retrain(record, records, models_dir, progress, train, epochs)
        except ExportError as e:
            print(f"missing: {where}: {e}", file=sys.stderr)
            missing.append({"key": net.key, "title": net.title, "study": net.study, "reason": str(e)})
            continue
        config = record["config"]
        shown = {**config, "epochs": epochs or config["epochs"]}
        folder = sweep.sweep_dir(net.sweep, PROFILE, results_root)
        record_file = sweep.record_path(folder, config, record["dataset"], record["seed"])
        about = {"study": net.study, "label": config.get("label"), "chosen": note, "seed": record["seed"],
                 "record": _shown_path(record_file), "profile": PROFILE, "dataset": record["dataset"], "retrained": how,
                 "test_accuracy": accuracy_at(record, "test", epochs),
                 "val_accuracy": accuracy_at(record, "val", epochs),
                 "epochs": shown["epochs"], "batch_size": config.get("batch_size", 32),
                 "optimizer": config.get("optimizer"), "input": config.get("input", "pixels"),
                 "augment": bool(config.get("augment")), "split": config.get("split", "official"),
                 "n_parameters": record["n_parameters"], "code_fingerprint": record["code_fingerprint"]}
        title = net.shown_title(shown)
        payload = network_payload(model, config.get("input", "pixels"), net.key, title, about)
        write_network(out_dir / f"net-{net.key}.js", payload)
        loaded[net.key] = (model, payload)
        present.append({"key": net.key, "title": title, "study": net.study, "file": f"net-{net.key}.js"})
        print(f"exported {where}: {how}, test accuracy {100 * about['test_accuracy']:.2f} %", file=sys.stderr)
    ds = data.load("mnist")
    indices = choose_samples(loaded, ds.X_test, ds.y_test)
    write_samples(out_dir / "samples.js", indices, ds.X_test[indices], ds.y_test[indices])
    for stale in out_dir.glob("net-*.js"):
        if stale.name not in {p["file"] for p in present}:
            stale.unlink()
    manifest = {"generator": "python -m nnlib.book.export", "profile": PROFILE, "networks": present,
                "missing": missing, "samples": "samples.js", "n_samples": int(len(indices))}
    data.write_atomic(out_dir / "networks.js", _js_call("setManifest", manifest).encode())
    return manifest


def mark_page_changed(page_source: Path = PAGE_SOURCE) -> None:
    """Give the page's source a new modification time.  Sphinx copies ``html_extra_path`` only
    when some page is out of date, so without this an incremental ``jupyter-book build book/``
    after an export would keep serving the previous networks."""
    page_source.touch()


def _shown_path(path: Path) -> str:
    """``path`` relative to the repository when it lies inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return Path(path).name


def main(argv: list[str] | None = None) -> int:
    """``python -m nnlib.book.export [--out DIR] [--models DIR] [--no-training]``: export the page's networks."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m nnlib.book.export", description=main.__doc__)
    parser.add_argument("--out", type=Path, default=PAGE_DIR, help=f"the page's folder (default {PAGE_DIR})")
    parser.add_argument("--models", type=Path, default=MODELS_DIR, help="where retrained models are kept")
    parser.add_argument("--no-training", action="store_true",
                        help="export only the networks an earlier export has already trained again")
    args = parser.parse_args(argv)
    manifest = export_page(args.out, models_dir=args.models, train=not args.no_training)
    if args.out.resolve() == PAGE_DIR.resolve():
        mark_page_changed()
    print(f"{len(manifest['networks'])} networks exported, {len(manifest['missing'])} missing, "
          f"{manifest['n_samples']} test images, into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
