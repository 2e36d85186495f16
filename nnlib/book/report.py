"""Tables, intervals, figures and verdicts for the book's chapters, from stored sweep records."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def mean_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): Student-t interval of the mean over seeds; NaNs (diverged) dropped.
    With one value the interval is that value alone."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return (np.nan, np.nan, np.nan)
    m = v.mean()
    if v.size == 1:
        return (m, m, m)
    half = stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size)
    return (m, m - half, m + half)


def final_frame(records: list[dict]) -> pd.DataFrame:
    """One row per trial: label, seed, parameters, multiply-adds, and ``<set>_<metric>`` for every
    final metric (accuracy, loss, confidence), plus the peak test accuracy over epochs."""
    rows = []
    for r in records:
        row = {"label": r["config"].get("label", r["config"]["model"]), "seed": r["seed"],
               "n_parameters": r["n_parameters"], "multiply_adds": r["multiply_adds"],
               "epochs_run": len(r["history"]["epoch"]), "train_seconds": float(np.sum(r["history"]["seconds"])),
               "diverged": r.get("diverged_epoch") is not None,
               "replicas_in_pass": r.get("replicas_in_pass", 1), "n_train": r.get("n_train")}
        for name, metrics in r["final"].items():
            for metric, value in metrics.items():
                row[f"{name}_{metric}"] = np.nan if value is None else value
        for key in ("test_accuracy", "val_accuracy"):
            if key in r["history"] and row.get(key) is not None and np.isfinite(row[key]):
                row[f"peak_{key}"] = np.nanmax(np.array(r["history"][key], dtype=float))
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["label", "seed"]).reset_index(drop=True)


def epoch_frame(records: list[dict], metric: str) -> pd.DataFrame:
    """Long table (label, seed, epoch, value) of a per-epoch metric such as "test_accuracy"."""
    rows = [{"label": r["config"].get("label", r["config"]["model"]), "seed": r["seed"], "epoch": e, "value": v}
            for r in records for e, v in zip(r["history"]["epoch"], r["history"][metric])]
    return pd.DataFrame(rows)


def proportion_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """(share, low, high) of ``k`` successes in ``n`` trials, with the exact (Clopper–Pearson)
    binomial interval; all in [0, 1]."""
    if n <= 0:
        return (np.nan, np.nan, np.nan)
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="exact")
    return (k / n, float(ci.low), float(ci.high))


def summarize(df: pd.DataFrame, column: str, by: str = "label", scale: float = 1.0) -> pd.DataFrame:
    """Mean and 95 % interval of ``column`` per group, times ``scale`` (100 for percent)."""
    out = []
    for key, group in df.groupby(by, sort=False):
        m, lo, hi = mean_ci(group[column].to_numpy())
        out.append({by: key, "mean": m * scale, "ci_low": lo * scale, "ci_high": hi * scale,
                    "n_seeds": int(group[column].notna().sum())})
    return pd.DataFrame(out).set_index(by)


def fmt(mean: float, lo: float, hi: float, digits: int = 2, unit: str = "%") -> str:
    """"95.31 % [95.10, 95.52]" — a mean with its 95 % interval."""
    if not np.isfinite(mean):
        return "n/a"
    return f"{mean:.{digits}f} {unit} [{lo:.{digits}f}, {hi:.{digits}f}]".replace(" %", "\u2009%")


def range_verdict(lo: float, hi: float, claim_lo: float, claim_hi: float) -> str:
    """Compare an interval [lo, hi] of ours with a claimed range [claim_lo, claim_hi]."""
    if hi < claim_lo:
        return "not reproduced: lower than claimed"
    if lo > claim_hi:
        return "not reproduced: higher than claimed"
    return "reproduced"


def range_claim(values: Sequence[float], claim_lo: float, claim_hi: float, digits: int = 2) -> tuple[str, str]:
    """("we measured", "verdict") for a claimed range, from one value per seed (in %).

    Reproduced when the 95 % interval of the mean lies inside the range, or at least 80 % of the
    seeds do; partly reproduced when the interval overlaps the range; otherwise not reproduced."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    inside = int(((v >= claim_lo) & (v <= claim_hi)).sum())
    m, lo, hi = mean_ci(v)
    measured = f"{fmt(m, lo, hi, digits)}; {inside} of {v.size} seeds in the range"
    if v.size < 2:
        return measured, "not enough data: fewer than two seeds"
    if inside >= 0.8 * v.size or (claim_lo <= lo and hi <= claim_hi):
        return measured, "reproduced"
    verdict = range_verdict(lo, hi, claim_lo, claim_hi)
    return measured, f"partly reproduced: {inside} of {v.size} seeds in the range" if verdict == "reproduced" else verdict


def difference_ci(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, float]:
    """Mean of a − b with a Welch 95 % interval (independent seeds)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    d = a.mean() - b.mean()
    if a.size < 2 or b.size < 2:
        return (d, np.nan, np.nan)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = np.sqrt(va + vb)
    if se == 0:
        return (d, d, d)
    dof = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    half = stats.t.ppf(0.975, dof) * se
    return (d, d - half, d + half)


def plot_epochs(ax, records: list[dict], metric: str, labels: Sequence[str] | None = None, scale: float = 100.0):
    """Mean per epoch with a shaded 95 % interval over seeds, one line per label."""
    df = epoch_frame(records, metric)
    for label in labels or sorted(df["label"].unique()):
        part = df[df["label"] == label]
        rows = [(e, *mean_ci(g["value"].to_numpy())) for e, g in part.groupby("epoch")]
        e, m, lo, hi = (np.array(c) for c in zip(*rows))
        ax.plot(e, m * scale, label=label)
        ax.fill_between(e, lo * scale, hi * scale, alpha=0.25)
    ax.set_xlabel("epoch")
    ax.legend()
    return ax


def welch_test(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, float, float]:
    """(mean of a − b, low, high, two-sided p) of Welch's unequal-variance t test over seeds;
    a and b: shape (n_a,), (n_b,), NaNs (diverged runs) dropped. p is NaN with fewer than two
    values on a side; with zero spread on both sides p is 0 for a non-zero difference, else 1."""
    d, lo, hi = difference_ci(a, b)
    a = np.asarray(a, float)[np.isfinite(np.asarray(a, float))]
    b = np.asarray(b, float)[np.isfinite(np.asarray(b, float))]
    if a.size < 2 or b.size < 2:
        return (d, lo, hi, np.nan)
    if a.var(ddof=1) == 0 and b.var(ddof=1) == 0:
        return (d, lo, hi, 0.0 if d != 0 else 1.0)
    return (d, lo, hi, float(stats.ttest_ind(a, b, equal_var=False).pvalue))


def outcome(difference: float, p: float, names: tuple[str, str, str, str], alpha: float = 0.05) -> str:
    """The outcome of one test from its difference (first − second) and its p, named by ``names``
    = (first better, second better, no significant difference, too few data): too few data when p
    is NaN, no difference when p > alpha, else the side the difference points to."""
    first, second, neither, too_few = names
    if not np.isfinite(p):
        return too_few
    if p > alpha:
        return neither
    return first if difference > 0 else second


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment of m p-values, shape (m,) → (m,): the i-th smallest p is
    multiplied by (m − i + 1), running maxima keep the order, capped at 1. NaNs stay NaN and do
    not count towards m. Reject at level α where the adjusted p ≤ α (family-wise error ≤ α)."""
    p = np.asarray(pvalues, float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out


def difference_verdict(d: tuple[float, float, float], claim_positive: bool = True) -> str:
    """Verdict on a claimed difference from (mean, low, high) of ours minus the reference:
    a claimed gain is reproduced when the interval lies above 0; a claimed absence of gain when
    the interval does not lie above 0."""
    _, lo, hi = d
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "not enough data: fewer than two seeds"
    if claim_positive:
        if lo > 0:
            return "reproduced"
        return "not reproduced: no significant difference" if hi >= 0 else "not reproduced: the opposite holds"
    return "reproduced" if lo <= 0 else "not reproduced: a significant gain"


def plot_grouped_bars(ax, df: pd.DataFrame, group: str, hue: str, value: str, groups: Sequence[str],
                      hues: Sequence[str]):
    """Bars of the mean of ``value`` per (group, hue) with Student-t 95 % intervals over the rows
    (seeds); a (group, hue) pair without rows is left empty."""
    width = 0.8 / len(hues)
    for j, h in enumerate(hues):
        stats_ = [mean_ci(df[(df[group] == g) & (df[hue] == h)][value].to_numpy()) for g in groups]
        m, lo, hi = (np.array(c, dtype=float) for c in zip(*stats_))
        pos = np.arange(len(groups)) - 0.4 + width * (j + 0.5)
        ax.bar(pos, m, width, label=h, yerr=np.vstack([m - lo, hi - m]), capsize=3)
    ax.set_xticks(np.arange(len(groups)), groups)
    ax.set_xlabel(group)
    ax.set_ylabel(value)
    return ax


def claims_table(rows: list[dict]) -> pd.DataFrame:
    """The chapter's claims: one row each with "claim", "study says", "we measured", "verdict",
    after the claim's "id" where the rows have one, and "depends on" (the choice a verdict hangs
    on: budget, initialisation, threshold …) where any row has one."""
    columns = ["claim", "study says", "we measured", "verdict"]
    extra = ["depends on"] if any(r.get("depends on") for r in rows) else []
    return pd.DataFrame(rows, columns=(["id"] if any("id" in r for r in rows) else []) + columns + extra)


def prediction_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): where one more run is expected to land, mean ± t·sd·√(1 + 1/n) over
    the seeds (NaNs dropped).  This, not the interval of the mean, is what a number from a single
    run of a study is compared with."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size < 2:
        return (v.mean() if v.size else np.nan, np.nan, np.nan)
    half = stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) * np.sqrt(1 + 1 / v.size)
    return (v.mean(), v.mean() - half, v.mean() + half)


def single_run_verdict(values: Sequence[float], claimed: float) -> str:
    """Verdict on a number the study got from one run, against our seeds' values: reproduced when
    it lies inside our 95 % prediction interval for a single run."""
    _, lo, hi = prediction_interval(values)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "not enough data: fewer than two seeds"
    if claimed > hi:
        return "not reproduced: the study's run is higher than ours"
    if claimed < lo:
        return "not reproduced: the study's run is lower than ours"
    return "reproduced"


def convergence_epoch(accuracy: Sequence[float], tolerance: float = 0.005) -> int | None:
    """The first epoch (1-based) from which ``accuracy`` (one value per epoch, a fraction) stays
    within ``tolerance`` of the best value it reaches; NaN epochs (not evaluated) are skipped.
    None when the last evaluated epoch is itself more than ``tolerance`` below the best: the run
    has not settled by its end."""
    acc = np.asarray(accuracy, dtype=float)
    evaluated = np.flatnonzero(np.isfinite(acc))
    if evaluated.size == 0:
        raise ValueError("no evaluated epoch: every accuracy is NaN")
    near = acc[evaluated] >= acc[evaluated].max() - tolerance
    if not near[-1]:
        return None
    below = np.flatnonzero(~near)
    return int(evaluated[below[-1] + 1] + 1) if below.size else int(evaluated[0] + 1)
