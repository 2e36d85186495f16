"""Chapter templates that `make book` does not execute in CI run here under papermill with the
quick profile: no error outputs, figures, glued numbers and a claims file with every claim id."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.realdata
def test_study_001_quick_runs_and_covers_every_claim(tmp_path, monkeypatch, require_dataset):
    papermill = pytest.importorskip("papermill")
    require_dataset("mnist")
    require_dataset("fashion-mnist")
    monkeypatch.setenv("NNLIB_RESULTS_DIR", str(tmp_path / "results"))
    out = tmp_path / "study_001.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "study_001.ipynb"), str(out),
                               parameters={"profile": "quick"}, kernel_name="python3",
                               progress_bar=False, cwd=str(ROOT))
    outputs = [o for c in json.loads(out.read_text())["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    glued = {o["metadata"]["scrapbook"]["name"] for o in outputs if "scrapbook" in o.get("metadata", {})}
    assert {"findings", "claims_001", "provenance"} <= glued
    assert sum(bool({"image/png", "image/svg+xml"} & set(o.get("data", {}))) for o in outputs) >= 4  # two per dataset
    claims = json.loads((tmp_path / "results" / "quick" / "study001-claims.json").read_text())["claims"]
    assert {r["id"] for r in claims} == {f"001-{i}" for i in range(1, 6)}
    assert all(r["verdict"] for r in claims)


def test_study_001_page_says_how_many_budgets_its_verdicts_count():
    """The protocol's "at N budgets" is the count the committed claims' verdicts use, per dataset."""
    from test_readme import glued

    page = ROOT / "book" / "study_001.ipynb"
    said = int(glued(page, "n_budgets"))
    counted = {int(n) for n in re.findall(r"(?:all|of) (\d+) budgets", glued(page, "findings"))}
    assert counted == {said}, f"the page says {said} budgets; its verdicts count {sorted(counted)}"
