"""Study 000, recursion against width: the analysis behind its chapter.

The sweep (:func:`nnlib.runner.studies.study_000`) trains every architecture at every learning rate and
batch size for the grid's longest epoch count; the shorter counts are read from the history.  A
*grid point* is one (learning rate, batch size, epochs).  The functions here turn the records into

* :func:`runs_frame` — one row per trial, grid point and epoch count (the chapter's CSV);
* :func:`compare_by_point` — a claim's architecture comparisons at every grid point: Welch's
  difference with its 95 % interval and p, Holm-adjusted over the claim's whole family of tests
  (every comparison × every grid point), stored beside the runs by :func:`write_comparisons`;
* :func:`tally` and :func:`budget_reading` — how many grid points a comparison holds at, and a
  sentence that says how a verdict depends on the training budget;
* :func:`study_like_points` — which grid point's mean accuracies come closest to the study's own;
* :func:`gradient_ratios_at_init` and :func:`gradient_ratio_history` — ‖∂L/∂h₀‖ / ‖∂L/∂h_D‖ of
  the recursion, at initialisation and through training, under each initialisation.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from . import report

POINT = ["lr", "batch", "epochs"]  # the columns that name a grid point

# The study's own test accuracies (single runs, %), from its results table.
STUDY_ACCURACY = {"RecursiveNet D4": 93.66, "StandardNet Medium": 93.07, "StandardNet Large": 94.54}


def _percent(value: float | None) -> float:
    """A stored fraction in %, NaN where it is missing (a diverged run)."""
    return np.nan if value is None else 100 * float(value)


def runs_frame(records: Sequence[dict], epoch_counts: Sequence[int]) -> pd.DataFrame:
    """One row per trial and epoch count E (read from the history after epoch E): label, lr,
    batch, epochs, seed, the accuracies (%) and losses of the three sets, training seconds, the
    convergence epoch (:func:`nnlib.book.report.convergence_epoch` of the validation accuracy), the
    network's size and whether it had diverged by then.  Records shorter than E are skipped."""
    rows = []
    for r in records:
        c, h = r["config"], r["history"]
        for E in epoch_counts:
            if len(h["epoch"]) < E:
                continue
            i = E - 1
            rows.append({"label": c["label"], "lr": c["optimizer"]["lr"], "batch": c["batch_size"], "epochs": E,
                         "seed": r["seed"], "val_acc": _percent(h["val_accuracy"][i]),
                         "test_acc": _percent(h["test_accuracy"][i]), "train_acc": _percent(h["train_accuracy"][i]),
                         "val_loss": h["val_loss"][i], "test_loss": h["test_loss"][i],
                         "train_loss": h["train_loss"][i], "train_seconds": float(np.sum(h["seconds"][:E])),
                         "convergence_epoch": report.convergence_epoch(h["val_accuracy"][:E]),
                         "n_parameters": r["n_parameters"], "multiply_adds": r["multiply_adds"],
                         "inference_seconds_in_sweep": r["inference_seconds_test"],
                         "diverged": r["diverged_epoch"] is not None and r["diverged_epoch"] <= E})
    runs = pd.DataFrame(rows)
    if runs.empty:
        raise ValueError("no trial has as many epochs as asked for; check the records and epoch_counts")
    runs["acc_per_1k_params"] = runs["test_acc"] / 100 / (runs["n_parameters"] / 1000)
    return runs


def grid_points(runs: pd.DataFrame) -> pd.DataFrame:
    """The grid points present in ``runs``, sorted: columns lr, batch, epochs."""
    return runs[POINT].drop_duplicates().sort_values(POINT).reset_index(drop=True)


def compare_by_point(runs: pd.DataFrame, pairs: Sequence[tuple[str, str]], claim: str = "",
                     column: str = "test_acc") -> pd.DataFrame:
    """Each pair (a, b) of architectures compared at every grid point of ``runs``.

    One row per pair and grid point: claim, a, b, lr, batch, epochs, mean_a, mean_b, difference
    (mean of a − b over seeds, in ``column``'s unit), ci_low, ci_high (Welch 95 %), p (two-sided
    Welch), p_holm (Holm over every row of this call: the claim's family of tests), n_a, n_b and
    ``outcome``: "a ahead" / "b ahead" when the Holm-adjusted p ≤ 0.05 (in the direction of the
    difference), else "no significant difference"."""
    labels = set(runs["label"])
    missing = sorted({x for pair in pairs for x in pair} - labels)
    if missing:
        raise ValueError(f"no runs of {', '.join(missing)}; known: {', '.join(sorted(labels))}")
    rows = []
    for a, b in pairs:
        for point, part in runs[runs["label"].isin([a, b])].groupby(POINT, sort=True):
            va = part.loc[part["label"] == a, column].to_numpy(float)
            vb = part.loc[part["label"] == b, column].to_numpy(float)
            if va.size == 0 or vb.size == 0:
                continue
            d, lo, hi, p = report.welch_test(va, vb)
            rows.append({"claim": claim, "a": a, "b": b, **dict(zip(POINT, point)),
                         "mean_a": np.nanmean(va), "mean_b": np.nanmean(vb), "difference": d,
                         "ci_low": lo, "ci_high": hi, "p": p, "n_a": int(np.isfinite(va).sum()),
                         "n_b": int(np.isfinite(vb).sum())})
    out = pd.DataFrame(rows)
    out["p_holm"] = report.holm(out["p"].to_numpy())
    significant = out["p_holm"] <= 0.05
    out["outcome"] = np.where(significant & (out["difference"] > 0), "a ahead",
                              np.where(significant & (out["difference"] < 0), "b ahead", "no significant difference"))
    return out


def tally(frame: pd.DataFrame) -> dict[str, int]:
    """Counts over the rows of one comparison (:func:`compare_by_point` rows of one pair): points,
    a_ahead (mean difference > 0), a_significant and b_significant (after Holm)."""
    return {"points": len(frame), "a_ahead": int((frame["difference"] > 0).sum()),
            "a_significant": int((frame["outcome"] == "a ahead").sum()),
            "b_significant": int((frame["outcome"] == "b ahead").sum())}


def at_point(frame: pd.DataFrame, point: Mapping[str, float]) -> pd.Series:
    """The row of a one-pair comparison frame at ``point`` ({"lr", "batch", "epochs"})."""
    mask = np.ones(len(frame), bool)
    for k in POINT:
        mask &= np.isclose(frame[k].to_numpy(float), float(point[k]))
    rows = frame[mask]
    if len(rows) != 1:
        raise ValueError(f"expected one row at {dict(point)}, found {len(rows)}")
    return rows.iloc[0]


def describe(row: pd.Series, digits: int = 2) -> str:
    """"−0.36 points [−0.65, −0.07], Holm p 0.12" for one comparison row."""
    return (f"{row['difference']:+.{digits}f} points [{row['ci_low']:+.{digits}f}, {row['ci_high']:+.{digits}f}], "
            f"Holm p {row['p_holm']:.2g}")


def budget_reading(frame: pd.DataFrame, a_name: str, b_name: str, chosen: Mapping[str, float] | None = None,
                   study_like: Mapping[str, float] | None = None) -> str:
    """How a comparison "a ahead of b" depends on the training budget, in one sentence: at how
    many grid points a's mean is ahead, at how many significantly either way after Holm, and the
    difference at the chosen and the study-like points when given."""
    t = tally(frame)
    text = (f"{a_name} ahead of {b_name} at {t['a_ahead']} of {t['points']} grid points "
            f"(significantly at {t['a_significant']} after Holm; {b_name} significantly ahead at {t['b_significant']})")
    for name, point in (("chosen point", chosen), ("study-like point", study_like)):
        if point is not None:
            text += f"; at the {name} {describe(at_point(frame, point))}"
    return text


def chosen_clause(row: pd.Series, a_name: str = "a", b_name: str = "b", where: str = "at the validation-chosen point",
                  digits: int = 2) -> str:
    """What one comparison row (a − b at one grid point) says, as a clause that names the
    direction of the means even when Holm leaves it undecided: "holds WHERE (…)", "reversed WHERE
    (b ahead by …)", or "not significant WHERE (… ahead by …)"."""
    lead, gap, lo, hi = ((a_name, row["difference"], row["ci_low"], row["ci_high"]) if row["difference"] >= 0
                         else (b_name, -row["difference"], -row["ci_high"], -row["ci_low"]))
    ahead = f"{lead} ahead by {gap:.{digits}f} points [{lo:+.{digits}f}, {hi:+.{digits}f}]"
    if row["outcome"] == "a ahead":
        return f"holds {where} ({ahead}, Holm p {row['p_holm']:.2g})"
    if row["outcome"] == "b ahead":
        return f"reversed {where} ({ahead}, Holm p {row['p_holm']:.2g})"
    if row["difference"] < 0 and row["p"] < 0.05:
        return (f"reversed {where} ({ahead}, p {row['p']:.2g} uncorrected; not significant after Holm, "
                f"p {row['p_holm']:.2g})")
    return f"not significant after Holm {where} ({ahead}, Holm p {row['p_holm']:.2g})"


def holds_verdict(frame: pd.DataFrame, chosen: Mapping[str, float], a_name: str = "a", b_name: str = "b") -> str:
    """Verdict on a claim "a ahead of b" across the grid (one pair's :func:`compare_by_point`
    rows): "reproduced at all N grid points" when a is significantly ahead (after Holm) at every
    one; "partly reproduced: holds at K of N …" when at some, with what happens at the chosen
    point (:func:`chosen_clause`, which names a reversal even where Holm leaves it undecided);
    "not reproduced: …" with the opposite or no significant difference otherwise."""
    t = tally(frame)
    there = chosen_clause(at_point(frame, chosen), a_name, b_name)
    if t["a_significant"] == t["points"]:
        return f"reproduced at all {t['points']} grid points (significant after Holm)"
    if t["a_significant"] > 0:
        return (f"partly reproduced: holds at {t['a_significant']} of {t['points']} grid points "
                f"(significant after Holm), {there}")
    if t["b_significant"] > 0:
        return (f"not reproduced: the opposite holds at {t['b_significant']} of {t['points']} grid points "
                f"(significant after Holm) and the claim at none; {there}")
    return (f"not reproduced: no significant difference at any of the {t['points']} grid points; "
            f"{there}")


def best_at_points(runs: pd.DataFrame, labels: Sequence[str], column: str = "test_acc") -> pd.Series:
    """The label among ``labels`` with the highest mean ``column`` at each grid point (index:
    lr, batch, epochs)."""
    means = runs[runs["label"].isin(labels)].groupby([*POINT, "label"])[column].mean().unstack("label")
    return means.idxmax(axis=1)


def equal_parameter_pairs(counts: Mapping[str, int], first: Sequence[str], second: Sequence[str],
                          tolerance: float = 0.01) -> list[tuple[str, str]]:
    """Pairs (a from ``first``, b from ``second``) whose parameter counts differ by at most
    ``tolerance`` of b's count; ``counts``: {label: parameters}.  In ``first``'s order."""
    return [(a, b) for a in first for b in second if abs(counts[a] - counts[b]) <= tolerance * counts[b]]


def write_comparisons(frame: pd.DataFrame, path: Path) -> Path:
    """Store the per-grid-point comparisons as CSV (sorted, 6 significant digits), so that
    rewriting unchanged results gives the same bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.sort_values(["claim", "a", "b", *POINT]).to_csv(path, index=False, float_format="%.6g")
    return path


def study_like_points(runs: pd.DataFrame, study: Mapping[str, float] = STUDY_ACCURACY,
                      column: str = "test_acc") -> pd.DataFrame:
    """Every grid point ranked by how close its mean accuracies come to the study's: the
    root-mean-square over the study's architectures of (our mean over seeds − the study's value),
    in points.  Columns lr, batch, epochs, one column per architecture (our mean), rms; sorted by
    rms, closest first.  Points missing one of the architectures are left out."""
    means = runs[runs["label"].isin(study)].groupby([*POINT, "label"])[column].mean().unstack("label")
    means = means.dropna(subset=list(study))
    if means.empty:
        raise ValueError(f"no grid point has runs of every one of {', '.join(study)}")
    gap = means[list(study)] - pd.Series(study)
    means["rms"] = np.sqrt((gap ** 2).mean(axis=1))
    return means.sort_values("rms").reset_index()


def single_run_points(runs: pd.DataFrame, label: str, claimed: float, column: str = "test_acc") -> pd.DataFrame:
    """A number the study got from one run of ``label`` (in ``column``'s unit) against our seeds
    at every grid point: lr, batch, epochs, mean, pi_low, pi_high (95 % prediction interval for
    one run, :func:`nnlib.book.report.prediction_interval`), inside (the claimed value in it) and
    verdict (:func:`nnlib.book.report.single_run_verdict`)."""
    part = runs[runs["label"] == label]
    if part.empty:
        raise ValueError(f"no runs of {label}")
    rows = []
    for point, g in part.groupby(POINT, sort=True):
        values = g[column].to_numpy(float)
        m, lo, hi = report.prediction_interval(values)
        rows.append({**dict(zip(POINT, point)), "mean": m, "pi_low": lo, "pi_high": hi,
                     "inside": bool(lo <= claimed <= hi), "verdict": report.single_run_verdict(values, claimed)})
    return pd.DataFrame(rows)


def gradient_ratios_at_init(model_args: Mapping[str, dict], X: np.ndarray, y: np.ndarray,
                            seeds: Sequence[int]) -> pd.DataFrame:
    """‖∂L/∂h₀‖ / ‖∂L/∂h_D‖ of freshly initialised RecursiveNets on one batch (X: (m, 784),
    y: (m,) labels).  ``model_args``: {label: RecursiveNet arguments (with its ``init``)}; every
    seed is one replica.  One row per label and seed: label, init, depth, seed, ratio."""
    from ..recursive import RecursiveNet
    rows = []
    for label, args in model_args.items():
        args = {**args, "record_gradient_norms": True}
        model = RecursiveNet(**args, random_state=list(seeds))
        model.loss_and_gradients(X, y)
        norms = model._epoch_diagnostics()  # {grad_norm_h{t}: (replicas,)}
        ratio = norms["grad_norm_h0"] / norms[f"grad_norm_h{args['depth']}"]
        rows += [{"label": label, "init": args.get("init", "he"), "depth": args["depth"], "seed": s, "ratio": float(q)}
                 for s, q in zip(seeds, ratio)]
    return pd.DataFrame(rows)


def gradient_ratio_history(records: Sequence[dict]) -> pd.DataFrame:
    """‖∂L/∂h₀‖ / ‖∂L/∂h_D‖ per epoch of trained RecursiveNets (their recorded mean norms over each
    epoch's mini-batches).  One row per record and epoch: label, init, depth, seed, epoch, ratio,
    test_acc (%)."""
    rows = []
    for r in records:
        args, h = r["config"]["model_args"], r["history"]
        top = f"grad_norm_h{args['depth']}"
        if top not in h:
            raise ValueError(f"{r['config']['label']} seed {r['seed']}: no gradient norms in its history; "
                             "it was trained without record_gradient_norms=True")
        for i, e in enumerate(h["epoch"]):
            rows.append({"label": r["config"]["label"], "init": args.get("init", "he"), "depth": args["depth"],
                         "seed": r["seed"], "epoch": e, "ratio": h["grad_norm_h0"][i] / h[top][i],
                         "test_acc": _percent(h["test_accuracy"][i])})
    return pd.DataFrame(rows)


def geometric_mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    """(geometric mean, low, high): the Student-t 95 % interval of the mean of log(values),
    exponentiated; for ratios, which spread multiplicatively."""
    v = np.asarray(values, float)
    m, lo, hi = report.mean_ci(np.log(v[v > 0]))
    return (float(np.exp(m)), float(np.exp(lo)), float(np.exp(hi)))


def plot_comparisons(frame: pd.DataFrame, pairs: Sequence[tuple[str, str]], titles: Sequence[str],
                     marks: Mapping[str, Mapping[str, float]] | None = None, width: float = 6.7,
                     panel_height: float = 2.4):
    """Small multiples, one panel per pair (stacked): the difference a − b (points) at every grid
    point with its 95 % interval.  x: the (learning rate, batch) combinations, the epoch counts
    side by side in their own colours; a filled marker is significant after Holm, an open one is
    not.  ``marks``: {name: grid point} ringed in every panel (the chosen and the study-like
    points).  Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    combos = frame[["lr", "batch"]].drop_duplicates().sort_values(["lr", "batch"]).to_numpy()
    epochs = sorted(frame["epochs"].unique())
    offsets = dict(zip(epochs, np.linspace(-0.25, 0.25, len(epochs)) if len(epochs) > 1 else [0.0]))
    rings = list((marks or {}).items())
    ring_style = [("black", "o", 13), ("C3", "s", 13), ("C2", "D", 13)]
    fig, axes = plt.subplots(len(pairs), 1, figsize=(width, panel_height * len(pairs) + 1.6), sharex=True,
                             squeeze=False)
    for ax, (a, b), title in zip(axes[:, 0], pairs, titles):
        part = frame[(frame["a"] == a) & (frame["b"] == b)]
        ax.axhline(0, color="0.3", lw=1)
        for k, E in enumerate(epochs):
            rows = part[part["epochs"] == E]
            x = np.array([np.flatnonzero((combos[:, 0] == lr) & (combos[:, 1] == bs))[0]
                          for lr, bs in zip(rows["lr"], rows["batch"])]) + offsets[E]
            ax.errorbar(x, rows["difference"], yerr=[rows["difference"] - rows["ci_low"], rows["ci_high"] - rows["difference"]],
                        fmt="none", ecolor=f"C{k}", elinewidth=1.2, capsize=2)
            sig = (rows["p_holm"] <= 0.05).to_numpy()
            ax.scatter(x[sig], rows["difference"][sig], color=f"C{k}", s=28, zorder=3)
            ax.scatter(x[~sig], rows["difference"][~sig], facecolor="white", edgecolor=f"C{k}", s=28, zorder=3)
            for (name, point), (color, marker, size) in zip(rings, ring_style):
                if E == point["epochs"]:
                    hit = (np.isclose(rows["lr"], point["lr"]) & (rows["batch"] == point["batch"])).to_numpy()
                    ax.scatter(x[hit], rows["difference"][hit], marker=marker, s=size ** 2, facecolor="none",
                               edgecolor=color, linewidth=1.5, zorder=4)
        ax.set_title(title, loc="left")
        ax.set_ylabel("points")
        for j in range(1, len(combos)):
            if combos[j, 0] != combos[j - 1, 0]:
                ax.axvline(j - 0.5, color="0.75", lw=1)
    bottom = axes[-1, 0]
    bottom.set_xticks(np.arange(len(combos)), [f"{int(bs)}" for bs in combos[:, 1]])
    bottom.set_xlim(-0.5, len(combos) - 0.5)
    groups = np.unique(combos[:, 0])
    second = bottom.secondary_xaxis("bottom")
    second.set_xticks([np.flatnonzero(combos[:, 0] == lr).mean() for lr in groups], [f"η = {lr:g}" for lr in groups])
    second.tick_params(length=0, pad=22)
    second.spines["bottom"].set_visible(False)
    bottom.set_xlabel("batch size, grouped by learning rate η", labelpad=24)
    handles = [Line2D([], [], color=f"C{k}", marker="o", linestyle="none", label=f"{E} epochs") for k, E in enumerate(epochs)]
    handles += [Line2D([], [], color="0.3", marker="o", markerfacecolor="white", linestyle="none",
                       label="open: not significant (Holm)")]
    handles += [Line2D([], [], color=color, marker=marker, markersize=11, markerfacecolor="none", linestyle="none",
                       label=name) for (name, _), (color, marker, _) in zip(rings, ring_style)]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False)
    legend_inches = 0.35 * np.ceil(len(handles) / 3) + 0.1
    fig.tight_layout(rect=(0, legend_inches / fig.get_figheight(), 1, 1))
    return fig
