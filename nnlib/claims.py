"""Every claim of the five studies in one table, gathered from the claims files the chapters write
(``<results>/<profile>/study<NNN>-claims.json``, see :func:`nnlib.chapter.save_claims`)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from . import sweep
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
    Columns: id, study, dataset, claim, study says, we measured, verdict, kind, page, anchor."""
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
                         "page": body["page"], "anchor": anchor})
    df = pd.DataFrame(rows, columns=["id", "study", "dataset", "claim", "study says", "we measured", "verdict",
                                     "kind", "page", "anchor"])
    covered = set(df.loc[df["verdict"].astype(str).str.strip() != "", "id"])
    return df, [i for i in expected_ids() if i not in covered]
