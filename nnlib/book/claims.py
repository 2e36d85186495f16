"""Every claim of the five studies in one table, gathered from the claims files the chapters write
(``<results>/<profile>/study<NNN>-claims.json``, see :func:`nnlib.book.chapter.save_claims`)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..runner import sweep
from .chapter import TEMPLATES

# How many claims each study makes (their ids are NNN-1 … NNN-k).
CLAIM_COUNTS = {"000": 11, "001": 5, "002": 14, "003": 4, "004": 9}


def expected_ids() -> list[str]:
    """Every claim id, in order: 000-1 … 004-9."""
    return [f"{study}-{i}" for study, n in CLAIM_COUNTS.items() for i in range(1, n + 1)]


#: The verdict categories of the claims page, in the order it shows them.
KINDS = ("reproduced", "partly reproduced", "not reproduced", "contradicted", "not tested")


def verdict_kind(verdict: str) -> str:
    """The verdict's category from its first words: reproduced, partly reproduced, not
    reproduced; contradicted, when its first clause says the study's own figures contradict the
    claim (not re-measured here); or not tested (anything else: descriptive statements, hedges,
    claims not yet run)."""
    v = verdict.strip().lower()
    for kind in ("partly reproduced", "not reproduced", "reproduced"):
        if v.startswith(kind):
            return kind
    if re.search(r"\bcontradicted\b", v.split(";")[0]):
        return "contradicted"
    return "not tested"


def section_anchor(page: str, templates: Path = TEMPLATES) -> str:
    """The HTML anchor of the page's section whose heading mentions claims (Sphinx's slug)."""
    path = Path(templates) / f"{page}.ipynb"
    if path.exists():
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("#") and "claim" in line.lower():
                    title = line.lstrip("#").strip().lower()
                    return re.sub(r"[^a-z0-9]+", "-", title).strip("-")
    return ""


def gather(profile: str, root: Path | None = None) -> tuple[pd.DataFrame, list[str]]:
    """(one row per claim row of every chapter, the claim ids that have no row with a verdict).
    Columns: id, study, dataset, claim, study says, we measured, verdict, kind, page, anchor, and
    the optional keys a chapter's row may carry: "depends on" (the choice the verdict hangs on),
    "tests" (how many tests the verdict rests on) and "correction" (how the chapter corrected for
    them); "" or 0 where a row has none."""
    folder = (Path(root) if root else sweep.results_dir()) / profile
    rows = []
    for study in CLAIM_COUNTS:
        path = folder / f"study{study}-claims.json"
        if not path.exists():
            continue
        try:
            body = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not valid JSON ({e}); run the chapter again to rewrite it") from None
        anchor = section_anchor(body["page"])
        for r in body["claims"]:
            rows.append({"id": r["id"], "study": study, "dataset": r.get("dataset", ""), "claim": r["claim"],
                         "study says": r.get("study says", ""), "we measured": r.get("we measured", ""),
                         "verdict": r.get("verdict", ""), "kind": verdict_kind(r.get("verdict", "") or ""),
                         "page": body["page"], "anchor": anchor, "depends on": r.get("depends on", "") or "",
                         "tests": int(r.get("tests", 0) or 0), "correction": r.get("correction", "") or ""})
    df = pd.DataFrame(rows, columns=["id", "study", "dataset", "claim", "study says", "we measured", "verdict",
                                     "kind", "page", "anchor", "depends on", "tests", "correction"])
    covered = set(df.loc[df["verdict"].astype(str).str.strip() != "", "id"])
    return df, [i for i in expected_ids() if i not in covered]


#: A signed difference with its 95 % interval as the chapters print it: "+0.98 points [+0.81, +1.15]",
#: "-0.36 [-0.65, -0.07]" (a sign on every number; unsigned intervals are of a mean or a ratio).
_SIGNED = r"[+\-\u2212]\d+(?:\.\d+)?"
SIGNED_INTERVAL = re.compile(rf"({_SIGNED})(?:\s*points)?\s*\[({_SIGNED}),\s*({_SIGNED})\]")


def quoted_differences(text: str) -> list[tuple[float, float, float]]:
    """Every signed difference with its 95 % interval quoted in ``text``: [(d, low, high), …]."""
    def num(v: str) -> float:
        return float(v.replace("\u2212", "-"))
    return [(num(d), num(lo), num(hi)) for d, lo, hi in SIGNED_INTERVAL.findall(text)]


def interval_p(d: float, lo: float, hi: float, dof: float | None = None) -> float:
    """Two-sided p of "no difference" for a difference ``d`` whose 95 % interval is [lo, hi]
    (taken as symmetric, half-width (hi − lo) / 2): Student-t with ``dof`` degrees of freedom, or
    the normal distribution when ``dof`` is None.  With the test's own dof this is the test's p (up
    to the rounding of the quoted numbers); a smaller dof gives a larger, conservative p."""
    half = (hi - lo) / 2
    if not half > 0:
        return 0.0 if d != 0 else 1.0
    if dof is None:
        return float(2 * stats.norm.sf(abs(d) / (half / stats.norm.ppf(0.975))))
    crit = stats.t.ppf(0.975, dof)
    return float(2 * stats.t.sf(abs(d) / (half / crit), dof))


def difference_tests(df: pd.DataFrame, dofs: tuple[float | None, float] = (None, 4)) -> pd.DataFrame:
    """One row per signed difference quoted in the claims table's "we measured", with its p
    recovered from the interval (:func:`interval_p`) under each of ``dofs`` (normal, and Student-t
    with 4 degrees of freedom: 5 seeds, the fewest any chapter uses): p_low and p_high are the
    smaller and the larger; and Holm-adjusted p over all of them at each end (the same difference
    quoted by two claims of one study counts once).  Columns: id, study, dataset, row (the index in
    ``df``), d, lo, hi, p_low, p_high, holm_low, holm_high."""
    from .report import holm
    rows = []
    for i, r in df.iterrows():
        if r["kind"] not in ("reproduced", "partly reproduced", "not reproduced"):
            continue
        for d, lo, hi in quoted_differences(str(r["we measured"])):
            ps = (interval_p(d, lo, hi, dofs[0]), interval_p(d, lo, hi, dofs[1]))
            rows.append({"id": r["id"], "study": r["study"], "dataset": r["dataset"], "row": i, "d": d, "lo": lo,
                         "hi": hi, "p_low": min(ps), "p_high": max(ps)})
    out = pd.DataFrame(rows, columns=["id", "study", "dataset", "row", "d", "lo", "hi", "p_low", "p_high"])
    # one difference quoted by two claims of a study is one test
    key = ["study", "dataset", "d", "lo", "hi"]
    unique = out.drop_duplicates(key).reset_index(drop=True)
    unique["holm_low"] = holm(unique["p_low"].to_numpy()) if len(unique) else []
    unique["holm_high"] = holm(unique["p_high"].to_numpy()) if len(unique) else []
    return out.merge(unique[key + ["holm_low", "holm_high"]], on=key, how="left")


def corrected_reading(tests: pd.DataFrame, alpha: float = 0.05) -> dict[int, str]:
    """{claims-table row: what the correction changes} for the rows where a quoted difference that
    is significant on its own (its interval excludes 0) is not significant at ``alpha`` after Holm
    over every quoted difference, at either end of the recovered p; rows the correction leaves
    alone are absent."""
    out: dict[int, list[str]] = {}
    m = len(tests.drop_duplicates(["study", "dataset", "d", "lo", "hi"]))
    for _, t in tests.iterrows():
        if not (t["lo"] > 0 or t["hi"] < 0):
            continue
        if t["holm_high"] <= alpha:
            continue
        words = ("no longer significant" if t["holm_low"] > alpha else
                 "significant only if the seeds give the test many degrees of freedom")
        out.setdefault(int(t["row"]), []).append(
            f"{t['d']:+.2f} [{t['lo']:+.2f}, {t['hi']:+.2f}] is {words} after Holm over the book's {m} quoted differences "
            f"(adjusted p {t['holm_low']:.3f}–{t['holm_high']:.3f})")
    return {k: "; ".join(v) for k, v in out.items()}


def book_test_counts(df: pd.DataFrame, quoted: int, page_tests: dict[str, int]) -> dict[str, int]:
    """The parts :func:`book_tests` adds up: "quoted" (the differences the claims table quotes),
    "own" (the tests the chapters that say how many they ran stand behind their rows with),
    "quoted_own" (the quoted differences that are among those, counted in both), "table" (quoted
    + own − quoted_own: the claims table's tests, each once), one entry per page of ``page_tests``
    and "total" (table + the pages)."""
    own = df[df["tests"] > 0]
    counts = {"quoted": int(quoted), "own": int(own["tests"].sum()),
              "quoted_own": sum(len(quoted_differences(str(v))) for v in own["we measured"])}
    counts["table"] = counts["quoted"] + counts["own"] - counts["quoted_own"]
    counts.update({page: int(n) for page, n in page_tests.items()})
    counts["total"] = counts["table"] + int(sum(page_tests.values()))
    return counts


def book_tests(df: pd.DataFrame, quoted: int, page_tests: dict[str, int]) -> int:
    """How many tests the book's verdicts rest on: the rows' own "tests" where a chapter says how
    many it ran (those rows' quoted differences are among them), the differences quoted by the other
    rows (``quoted`` in all), and the tests of pages outside the claims table (``page_tests``:
    {page: count}); :func:`book_test_counts` gives the parts."""
    return book_test_counts(df, quoted, page_tests)["total"]
