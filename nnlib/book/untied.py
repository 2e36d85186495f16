"""The untied-twin chapter: each weight-reusing network of studies 000 and 001 against its untied
twin (the same unrolled computation with its own weights at every step), at equal computation
(the twin of the same width) and at equal parameters (the narrower twin whose parameter count is
closest to the tied network's).

The tied networks' records are the studies' own (``study000``, ``study001-<dataset>``); the twins'
are the sweeps ``untied-000`` and ``untied-001-<dataset>`` (:mod:`nnlib.runner.studies`).  Every pair is
one Welch test of the seeds' final test accuracies, tied − untied; the chapter's tests are
corrected together with Holm's method (:func:`nnlib.book.report.holm`).  :func:`write_summary` writes
what the synthesis reads.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..runner import studies
from . import report, study000
from ..runner.studies import Sweep

ALPHA = 0.05
COMPARISONS = ("equal compute", "equal parameters")
#: study 000's grid of epoch counts (its chapter reads 8 and 10 from the 15-epoch histories)
GRID_EPOCHS_000 = (8, 10, 15)
SUMMARY_VERSION = 1
#: the chapter's parameters per profile (it has none besides the profile: the sweeps fix the rest)
PROFILES = {p: {} for p in studies.PROFILES}
STUDY_NETWORKS = {"001": "RNN", "000": "RecursiveNet"}  # the order the answer names them in


@dataclass(frozen=True)
class Pair:
    """One tied network and one of its untied twins, trained with the same protocol.

    comparison: "equal compute" (same width) or "equal parameters" (the narrower twin);
    study: "000" or "001"; network / twin: the record labels; setting: the grid point of study
    000 ("validation-chosen", "study-like", "quick") or the dataset's name for study 001;
    tied_sweep / untied_sweep: where the records are; lr, batch_size: the protocol's (they pick
    the tied network's records among study 000's grid); width, twin_width: hidden units."""

    comparison: str
    study: str
    network: str
    twin: str
    width: int
    twin_width: int
    dataset: str
    setting: str
    tied_sweep: str
    untied_sweep: str
    lr: float
    batch_size: int


DATASET_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def points_000(profile: str) -> dict[str, dict]:
    """Name → {"lr", "batch_size"} of the study 000 grid points the twins were trained at, in the
    order of the untied-000 sweep: "validation-chosen" and "study-like" (full), "quick" (quick)."""
    (s,) = studies.untied_000(profile)
    out: dict[str, dict] = {}
    for c in s.grid:
        point = {"lr": c["optimizer"]["lr"], "batch_size": c["batch_size"]}
        if profile != "full":
            name = profile
        elif point == studies.CHOSEN_000:
            name = "validation-chosen"
        elif point == studies.STUDY_LIKE_000:
            name = "study-like"
        else:
            raise ValueError(f"untied-000 has a grid point {point} that is neither CHOSEN_000 nor STUDY_LIKE_000")
        out.setdefault(name, point)
    return out


def pairs(profile: str) -> list[Pair]:
    """Every (tied network, twin) pair of the chapter: per study 000 grid point, D2…D8 with the
    equal-width and the equal-parameter twin; per dataset, study 001's one-layer RNNs likewise."""
    out = []
    for setting, point in points_000(profile).items():
        for depth, h in studies.RECURSIVE_NETS.items():
            narrow = studies.closest_width(studies.tied_recursive_params(h),
                                           lambda w, d=depth: studies.untied_recursive_params(w, d))
            for comparison, width in zip(COMPARISONS, (h, narrow)):
                out.append(Pair(comparison, "000", f"RecursiveNet D{depth}", f"untied D{depth}, h {width}", h, width,
                                "mnist", setting, "study000", "untied-000", point["lr"], point["batch_size"]))
    for dataset in studies.DATASETS_001:
        for h in studies.UNTIED_HIDDEN_001[profile]:
            narrow = studies.closest_width(studies.rnn_params(h), studies.untied_rnn_params)
            for comparison, width in zip(COMPARISONS, (h, narrow)):
                out.append(Pair(comparison, "001", f"RNN 1×{h}", f"untied RNN 1×{width}", h, width, dataset,
                                DATASET_NAMES[dataset], f"study001-{dataset}", f"untied-001-{dataset}",
                                1e-4, studies.BATCH_001))
    return out


def _matches(config: dict, label: str, lr: float, batch_size: int) -> bool:
    return (config.get("label") == label and config["optimizer"]["lr"] == lr
            and config["batch_size"] == batch_size)


def sweeps(profile: str) -> list[Sweep]:
    """The sweeps the chapter reads: the twins' (untied-000, untied-001-*) whole, and the tied
    networks' (study000, study001-*) cut down to the configurations that have a twin."""
    wanted = pairs(profile)
    tied = []
    for s in studies.study_000(profile) + studies.study_001(profile):
        grid = [c for c in s.grid if any(p.tied_sweep == s.name and _matches(c, p.network, p.lr, p.batch_size)
                                         for p in wanted)]
        tied.append(Sweep(s.name, grid, s.seeds, s.dataset))
    return tied + studies.untied_000(profile) + studies.untied_001(profile)


def select(records: Sequence[dict], label: str, lr: float, batch_size: int) -> list[dict]:
    """The records of one network (label) trained at one learning rate and batch size, by seed."""
    return sorted((r for r in records if _matches(r["config"], label, lr, batch_size)), key=lambda r: r["seed"])


def accuracies(records: Sequence[dict], split: str = "test") -> np.ndarray:
    """Final accuracy in % on ``split`` ("test" or "train"), one per record (seed), shape (n,);
    NaN for a diverged run or a split the record does not have."""
    values = [r["final"].get(split, {}).get("accuracy") for r in records]
    return np.array([np.nan if v is None else 100 * v for v in values], dtype=float)


def _mean(values: np.ndarray) -> float:
    """Mean of the finite values, NaN if there are none (without numpy's warning)."""
    v = values[np.isfinite(values)]
    return float(v.mean()) if v.size else float("nan")


def outcome(difference: float, p: float, alpha: float = ALPHA) -> str:
    """"tied better", "untied better" or "no significant difference" at level ``alpha``
    (difference: tied − untied); "not enough data" when p is NaN."""
    return report.outcome(difference, p, ("tied better", "untied better", "no significant difference",
                                          "not enough data"), alpha)


def compare(records: dict[str, Sequence[dict]], profile: str) -> pd.DataFrame:
    """One row per pair of :func:`pairs`: parameters and multiply-adds of both networks, the
    twin's relative parameter difference, mean test and training accuracies (%), seeds, the Welch difference
    tied − untied in points with its 95 % interval and p, the Holm-adjusted p over all rows, and
    the outcome with and without the correction.  ``records``: {sweep name: its records}.
    Raises ValueError naming a pair without records."""
    rows = []
    for p in pairs(profile):
        tied = select(records.get(p.tied_sweep, []), p.network, p.lr, p.batch_size)
        twin = select(records.get(p.untied_sweep, []), p.twin, p.lr, p.batch_size)
        if not tied or not twin:
            missing = p.network if not tied else p.twin
            raise ValueError(f"no records of {missing} ({p.setting}, lr {p.lr:g}, batch {p.batch_size}); "
                             f"run `python -m nnlib.runner.studies run untied-{p.study} --profile {profile}`")
        a, b = accuracies(tied), accuracies(twin)
        d, lo, hi, pv = report.welch_test(a, b)
        rows.append({**asdict(p), "tied_parameters": tied[0]["n_parameters"], "untied_parameters": twin[0]["n_parameters"],
                     "parameter_difference": twin[0]["n_parameters"] / tied[0]["n_parameters"] - 1,
                     "tied_multiply_adds": tied[0]["multiply_adds"], "untied_multiply_adds": twin[0]["multiply_adds"],
                     "tied_mean": _mean(a), "untied_mean": _mean(b),
                     "tied_train_mean": _mean(accuracies(tied, "train")),
                     "untied_train_mean": _mean(accuracies(twin, "train")),
                     "n_tied": int(np.isfinite(a).sum()), "n_untied": int(np.isfinite(b).sum()),
                     "diverged": int((~np.isfinite(a)).sum() + (~np.isfinite(b)).sum()),
                     "difference": d, "ci_low": lo, "ci_high": hi, "p": pv})
    df = pd.DataFrame(rows)
    df["p_holm"] = report.holm(df["p"].to_numpy())
    df["outcome_uncorrected"] = [outcome(d, p) for d, p in zip(df["difference"], df["p"])]
    df["outcome"] = [outcome(d, p) for d, p in zip(df["difference"], df["p_holm"])]
    return df


def tally(df: pd.DataFrame, column: str = "outcome") -> dict[str, dict[str, int]]:
    """Comparison → {outcome: how many rows}, for the outcomes in ``column``."""
    return {c: df[df["comparison"] == c][column].value_counts().to_dict() for c in COMPARISONS}


def tally_by_study(df: pd.DataFrame, column: str = "outcome") -> dict[str, dict[str, dict[str, int]]]:
    """Comparison → study → {outcome: how many rows, "pairs": all rows}."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for c in COMPARISONS:
        for study, part in df[df["comparison"] == c].groupby("study"):
            out.setdefault(c, {})[study] = {**part[column].value_counts().to_dict(), "pairs": len(part)}
    return out


def answer(df: pd.DataFrame) -> str:
    """The chapter's answer in two sentences, from the Holm-corrected outcomes of ``df``: per
    comparison, in how many pairs of each study the untied and the tied network is significantly
    more accurate."""
    counts = tally_by_study(df)

    def counted(c: str, who: str, total: bool = True) -> str:
        got = {st: counts[c][st].get(who, 0) for st in STUDY_NETWORKS if st in counts.get(c, {})}
        if not any(got.values()) and not total:
            return "none"
        return " and ".join(f"{k} of {counts[c][st]['pairs']} {STUDY_NETWORKS[st]} pairs" if total
                            else f"{k} {STUDY_NETWORKS[st]} pair{'s' if k != 1 else ''}" for st, k in got.items())

    ratio = df[df["comparison"] == "equal compute"].groupby("study")["parameter_difference"].agg(["min", "max"]) + 1

    def times(st: str) -> str:
        lo, hi = f"{ratio.loc[st, 'min']:.1f}", f"{ratio.loc[st, 'max']:.1f}"
        return f"{lo}×" if lo == hi else f"{lo}–{hi}×"

    more = ", ".join(f"{times(st)}{' the parameters' if i == 0 else ''} for the {STUDY_NETWORKS[st]}s"
                     for i, st in enumerate(st for st in STUDY_NETWORKS if st in ratio.index))
    return (f"At equal computation, the untied twin of the same width (with {more}) is significantly more "
            f"accurate than its tied network in {counted('equal compute', 'untied better')}, and less accurate in "
            f"{counted('equal compute', 'tied better', total=False)}. At equal parameters (a narrower untied twin), "
            f"the tied network is significantly more accurate in {counted('equal parameters', 'tied better')}, "
            f"the untied twin in {counted('equal parameters', 'untied better', total=False)} (Welch tests on the "
            f"seeds' test accuracies, Holm-corrected over the chapter's {len(df)} tests at 5 %).")


def study_like_point(records: Sequence[dict], epochs: Sequence[int] = GRID_EPOCHS_000) -> tuple[dict, float]:
    """({"lr", "batch_size", "epochs"}, root-mean-square distance in points) of the study 000 grid
    point whose mean test accuracies of D4, Medium and Large come closest to the study's own
    (:data:`nnlib.book.study000.STUDY_ACCURACY`, ranked by :func:`nnlib.book.study000.study_like_points`),
    over the grid's learning rates, batch sizes and ``epochs`` (read from the per-epoch histories);
    ``records``: study 000's."""
    rows = [{"label": r["config"]["label"], "lr": r["config"]["optimizer"]["lr"], "batch": r["config"]["batch_size"],
             "epochs": e, "test_acc": np.nan if acc is None else 100 * acc}
            for r in records if r["config"]["label"] in study000.STUDY_ACCURACY
            for e, acc in zip(r["history"]["epoch"], r["history"]["test_accuracy"]) if e in epochs]
    if not rows:
        raise ValueError("no study 000 records of D4, Medium or Large")
    best = study000.study_like_points(pd.DataFrame(rows)).iloc[0]
    return {"lr": float(best["lr"]), "batch_size": int(best["batch"]), "epochs": int(best["epochs"])}, float(best["rms"])


def cost(records: dict[str, Sequence[dict]], profile: str) -> pd.DataFrame:
    """Training cost per network of :func:`pairs`, from the records' own times: one row per
    (sweep, label, grid point) with the seeds trained together, the group's seconds per epoch
    (wall time, one BLAS thread, all seeds as replicas) and its total hours, for the tied networks
    and for the twins ("role"); for a twin also "estimated_hours", what its tied partner's time
    predicted for it before it ran (the partner's hours × the twin's multiply-adds / the
    partner's: the same per multiply-add)."""
    wanted = {}
    for p in pairs(profile):
        wanted[(p.tied_sweep, p.network, p.lr, p.batch_size)] = ("tied", p)
        wanted[(p.untied_sweep, p.twin, p.lr, p.batch_size)] = ("untied", p)
    rows = []
    for (sweep_name, label, lr, batch), (role, p) in wanted.items():
        recs = select(records.get(sweep_name, []), label, lr, batch)
        groups = {}
        for r in recs:
            groups.setdefault(r["wall_seconds"], r)
        if not groups:
            continue
        epochs = [len(r["history"]["epoch"]) for r in groups.values()]
        seconds = sum(r["wall_seconds"] for r in groups.values())
        rows.append({"role": role, "study": p.study, "sweep": sweep_name, "label": label, "network": p.network,
                     "comparison": p.comparison if role == "untied" else "", "setting": p.setting,
                     "dataset": p.dataset, "seeds": len(recs), "groups": len(groups),
                     "seconds_per_epoch": seconds / sum(epochs), "hours": seconds / 3600,
                     "multiply_adds": recs[0]["multiply_adds"], "parameters": recs[0]["n_parameters"]})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    tied = df[df["role"] == "tied"].set_index(["network", "setting"])
    df["estimated_hours"] = [
        np.nan if r.role == "tied" or (r.network, r.setting) not in tied.index else
        tied.loc[(r.network, r.setting), "hours"] * r.multiply_adds / tied.loc[(r.network, r.setting), "multiply_adds"]
        for r in df.itertuples()]
    return df


STORED_DIGITS = 6  # decimals the summary keeps for every float
POINT_COLUMNS = ["tied_mean", "untied_mean", "tied_train_mean", "untied_train_mean", "difference", "ci_low", "ci_high"]


def as_stored(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (one row per pair, :func:`compare`'s columns) with its accuracy columns (percent and
    percentage points) rounded to the decimals :func:`summary` stores, so that this chapter and the
    synthesis, which reads the summary, format the very same values and print the same digits."""
    out = df.copy()
    for col in POINT_COLUMNS:
        if col in out:
            out[col] = [round(float(v), STORED_DIGITS) if np.isfinite(v) else v for v in out[col].astype(float)]
    return out


def summary(df: pd.DataFrame, profile: str) -> dict:
    """The JSON-ready summary the synthesis reads (see :func:`write_summary`)."""
    keep = ["comparison", "study", "network", "twin", "width", "twin_width", "dataset", "setting",
            "tied_parameters", "untied_parameters", "parameter_difference", "tied_multiply_adds",
            "untied_multiply_adds", "tied_mean", "untied_mean", "tied_train_mean", "untied_train_mean", "n_tied",
            "n_untied", "difference", "ci_low", "ci_high", "p", "p_holm", "outcome", "outcome_uncorrected"]

    def clean(v):
        if isinstance(v, (np.integer,)):
            return int(v)
        if isinstance(v, (float, np.floating)):
            return None if not np.isfinite(v) else round(float(v), STORED_DIGITS)
        return v

    return {"chapter": "untied", "version": SUMMARY_VERSION, "profile": profile,
            "metric": "test accuracy (%) after the last epoch, per seed",
            "difference": "tied − untied, in percentage points; Welch 95 % interval over seeds",
            "alpha": ALPHA, "correction": f"Holm over the chapter's {len(df)} tests", "n_tests": int(len(df)),
            "answer": answer(df),
            "tally": tally(df), "tally_uncorrected": tally(df, "outcome_uncorrected"),
            "tally_by_study": tally_by_study(df),
            "comparisons": [{k: clean(row[k]) for k in keep} for _, row in df.iterrows()]}


def write_summary(df: pd.DataFrame, profile: str, path: Path) -> Path:
    """Write :func:`summary` to ``path`` (normally ``<results>/<profile>/untied-summary.json``).

    Schema: {"chapter": "untied", "version", "profile", "metric", "difference", "alpha",
    "correction", "n_tests", "answer" (the chapter's opening sentences), "tally" and
    "tally_uncorrected" ({comparison: {outcome: count}}), "tally_by_study" ({comparison: {study:
    {outcome: count, "pairs": count}}}, corrected), "comparisons": [one object per pair:
    "comparison" ("equal compute" | "equal parameters"), "study" ("000" | "001"), "network",
    "twin", "width", "twin_width" (hidden units), "dataset", "setting" (study 000's grid point or
    the dataset's name),
    "tied_parameters", "untied_parameters", "parameter_difference" (twin / tied − 1),
    "tied_multiply_adds", "untied_multiply_adds", "tied_mean", "untied_mean" (test, %),
    "tied_train_mean", "untied_train_mean" (training accuracy, %), "n_tied",
    "n_untied", "difference", "ci_low", "ci_high" (tied − untied, points), "p", "p_holm",
    "outcome", "outcome_uncorrected" ("tied better" | "untied better" | "no significant
    difference" | "not enough data")]}; NaN is written as null."""
    from .. import data
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(summary(df, profile), indent=1, ensure_ascii=False) + "\n"
    data.write_atomic(path, body.encode())
    return path
