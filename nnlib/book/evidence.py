"""How much evidence a set of network comparisons carries: pairing networks of similar size or
arithmetic, Welch tests with one Holm correction over every test a page shows, grouping the
pairs into distinct architecture pairs (datasets as replications), and how the counts move with
the pairing tolerance.

A *network table* has one row per trained network of one study and dataset, with the columns
``study``, ``dataset``, ``label``, ``sequential`` (True when it reuses weights over steps),
``values`` (one accuracy per seed, shape (n_seeds,)) and the quantities the pairing may match
on (``n_parameters``, ``multiply_adds``, …)."""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from . import report

#: Outcomes of one comparison (or one distinct pair), weight-reusing network first.
REUSE, ORDINARY, NEITHER, TOO_FEW = "sequential better", "parallel better", "no significant difference", "too few seeds"
#: The columns that identify one test: the same two networks on the same data are one test,
#: whichever table (equal size, equal arithmetic, another tolerance) shows it.
TEST_KEY = ["study", "dataset", "sequential", "parallel"]
#: The pairing tolerances a page shows: two quantities are paired when the larger is at most
#: (1 + tolerance) times the smaller.
TOLERANCES = (0.10, 0.25, 0.50)


def within(a: float, b: float, tolerance: float) -> bool:
    """True when the larger of two positive quantities is at most (1 + tolerance) × the smaller
    (symmetric: 25 % pairs 100 with anything from 80 to 125)."""
    if a <= 0 or b <= 0:
        raise ValueError(f"quantities to pair must be positive, got {a} and {b}")
    return max(a, b) / min(a, b) <= 1 + tolerance + 1e-12


def pair_networks(models: pd.DataFrame, on: str, tolerance: float) -> pd.DataFrame:
    """Every (weight-reusing, ordinary) pair of networks of the same study and dataset whose
    ``on`` column is within ``tolerance`` (see :func:`within`), with Welch's test of the
    difference in ``values`` (reusing − ordinary).  Columns: TEST_KEY, ``ratio`` (reusing /
    ordinary ``on``), ``d``, ``lo``, ``hi`` (mean difference and its 95 % interval), ``p``."""
    rows = []
    for (study, dataset), part in models.groupby(["study", "dataset"], sort=True):
        seq, par = part[part["sequential"]], part[~part["sequential"]]
        for _, a in seq.iterrows():
            for _, b in par.iterrows():
                if not within(a[on], b[on], tolerance):
                    continue
                d, lo, hi, p = report.welch_test(a["values"], b["values"])
                rows.append({"study": study, "dataset": dataset, "sequential": a["label"], "parallel": b["label"],
                             "ratio": a[on] / b[on], "d": d, "lo": lo, "hi": hi, "p": p})
    return pd.DataFrame(rows, columns=TEST_KEY + ["ratio", "d", "lo", "hi", "p"])


def outcome(d: float, p: float, alpha: float = 0.05) -> str:
    """The outcome of one comparison from its difference (reusing − ordinary) and its p."""
    return report.outcome(d, p, (REUSE, ORDINARY, NEITHER, TOO_FEW), alpha)


def correct(tables: Sequence[pd.DataFrame], alpha: float = 0.05,
            key: Sequence[str] = TEST_KEY) -> tuple[list[pd.DataFrame], int]:
    """Holm over every distinct test in ``tables`` (rows with the same ``key`` are one test, counted
    once however many tables show it): (the tables with ``p_holm``, ``outcome`` (after Holm) and
    ``outcome_uncorrected`` added, the number of tests corrected for)."""
    key = list(key)
    shown = [t for t in tables if len(t)]
    if not shown:
        return [t.assign(p_holm=[], outcome=[], outcome_uncorrected=[]) for t in tables], 0
    tests = pd.concat([t[key + ["p"]] for t in shown]).drop_duplicates(key).reset_index(drop=True)
    tests["p_holm"] = report.holm(tests["p"].to_numpy())
    m = int(np.isfinite(tests["p"].to_numpy(float)).sum())
    out = []
    for t in tables:
        t = t.merge(tests[key + ["p_holm"]], on=key, how="left")
        t["outcome"] = [outcome(d, p, alpha) for d, p in zip(t["d"], t["p_holm"])]
        t["outcome_uncorrected"] = [outcome(d, p, alpha) for d, p in zip(t["d"], t["p"])]
        out.append(t)
    return out, m


def counts(pairs: pd.DataFrame, column: str = "outcome") -> dict[str, int]:
    """How many rows of ``pairs`` have each outcome (every outcome present, zeros included)."""
    c = pairs[column].value_counts() if len(pairs) else pd.Series(dtype=int)
    return {k: int(c.get(k, 0)) for k in (REUSE, ORDINARY, NEITHER, TOO_FEW)}


def combined(outcomes: Iterable[str]) -> str:
    """One distinct pair's outcome over its replications (datasets): the common outcome when every
    replication agrees; "mixed" when they disagree."""
    seen = set(outcomes)
    return seen.pop() if len(seen) == 1 else "mixed"


def distinct_pairs(pairs: pd.DataFrame, column: str = "outcome") -> pd.DataFrame:
    """One row per distinct architecture pair (study, reusing, ordinary network), the datasets as
    replications: ``datasets`` (how many), ``outcomes`` ("MNIST: …; Fashion-MNIST: …" order of
    appearance), ``outcome`` (:func:`combined` over the datasets' ``column``)."""
    rows = []
    for (study, seq, par), g in pairs.groupby(["study", "sequential", "parallel"], sort=False):
        rows.append({"study": study, "sequential": seq, "parallel": par, "datasets": len(g),
                     "per_dataset": dict(zip(g["dataset"], g[column])), "outcome": combined(g[column])})
    return pd.DataFrame(rows, columns=["study", "sequential", "parallel", "datasets", "per_dataset", "outcome"])


def carriers(distinct: pd.DataFrame, which: str) -> tuple[int, int, str]:
    """For the distinct pairs whose outcome is ``which``: (how many distinct networks they involve,
    the most pairs any one network is in, that network's label; "" when there is none)."""
    part = distinct[distinct["outcome"] == which]
    if part.empty:
        return 0, 0, ""
    names = pd.concat([part["study"] + ":" + part["sequential"], part["study"] + ":" + part["parallel"]])
    c = names.value_counts()
    return int(c.size), int(c.iloc[0]), str(c.index[0]).split(":", 1)[1]


def without_any_one(distinct: pd.DataFrame, which: str) -> tuple[int, int, str]:
    """Leave-one-network-out: drop every distinct pair that involves one network, for each network
    in turn; (the smallest count of ``which`` left, the number of pairs left then, the network
    whose removal gives it).  A headline that no single network carries survives every removal."""
    names = set(zip(distinct["study"], distinct["sequential"])) | set(zip(distinct["study"], distinct["parallel"]))
    worst = (int((distinct["outcome"] == which).sum()), len(distinct), "")
    for study, label in sorted(names):
        keep = ~((distinct["study"] == study) & ((distinct["sequential"] == label) | (distinct["parallel"] == label)))
        left = distinct[keep]
        k = int((left["outcome"] == which).sum())
        if k < worst[0] or (k == worst[0] and worst[2] == "" and len(left) < len(distinct)):
            worst = (k, len(left), label)
    return worst


def tolerance_sweep(models: pd.DataFrame, on: str, tolerances: Sequence[float] = TOLERANCES,
                    holm_over: pd.DataFrame | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """The counts at each pairing tolerance: one row per tolerance with ``pairs``, ``distinct``
    (architecture pairs), and, for each of REUSE and ORDINARY, the count of pairs after Holm and
    uncorrected and of distinct pairs after Holm.  The adjusted p of a test comes from
    ``holm_over`` (a table with TEST_KEY and ``p_holm``: the page's one correction) when given,
    else from Holm over the pairs at that tolerance alone."""
    rows = []
    for tol in tolerances:
        pairs = pair_networks(models, on, tol)
        if holm_over is not None:
            pairs = pairs.merge(holm_over[TEST_KEY + ["p_holm"]].drop_duplicates(TEST_KEY), on=TEST_KEY, how="left")
            if pairs["p_holm"].isna().any() and np.isfinite(pairs["p"]).any():
                raise ValueError(f"a pair at {tol:.0%} is not among the page's corrected tests: correct over the "
                                 "pairs at the largest tolerance")
            pairs["outcome"] = [outcome(d, p, alpha) for d, p in zip(pairs["d"], pairs["p_holm"])]
            pairs["outcome_uncorrected"] = [outcome(d, p, alpha) for d, p in zip(pairs["d"], pairs["p"])]
        else:
            (pairs,), _ = correct([pairs], alpha)
        distinct = distinct_pairs(pairs)
        row = {"tolerance": tol, "pairs": len(pairs), "distinct": len(distinct)}
        for which in (REUSE, ORDINARY):
            row[f"{which}"] = counts(pairs)[which]
            row[f"{which} (uncorrected)"] = counts(pairs, "outcome_uncorrected")[which]
            row[f"{which} (distinct)"] = int((distinct["outcome"] == which).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def pooled_holm(own: Sequence[float], other: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Holm over two families of p values taken as one: (the adjusted p of ``own``, shape (m,),
    and of ``other``, shape (k,)), each family in its own order.  NaNs stay NaN and do not count,
    as in :func:`nnlib.book.report.holm`.  Shows what a separate family's verdicts would be had its
    tests been corrected together with another page's."""
    a, b = np.asarray(own, float), np.asarray(other, float)
    adjusted = report.holm(np.concatenate([a, b]))
    return adjusted[:a.size], adjusted[a.size:]
