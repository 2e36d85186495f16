"""The chapter templates: parameter cells, no committed outputs, and a quick papermill run."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_parameters_and_no_outputs(path):
    cells = json.loads(path.read_text())["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and "profile = \"quick\"" in "".join(tagged[0]["source"])
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")


def test_toc_lists_every_chapter_and_book_links_to_the_single_config():
    toc = (ROOT / "_toc.yml").read_text()
    for path in TEMPLATES:
        assert f"file: {path.stem}" in toc
    for name in ("_config.yml", "_toc.yml"):
        link = ROOT / "book" / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve()


@pytest.mark.realdata
def test_chapter_executes_under_papermill_quick(tmp_path, monkeypatch, require_dataset):
    papermill = pytest.importorskip("papermill")
    require_dataset("mnist")
    monkeypatch.setenv("NNLIB_RESULTS_DIR", str(tmp_path / "results"))
    out = tmp_path / "study_004.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "study_004.ipynb"), str(out),
                               parameters={"profile": "quick", "seeds": 2, "epochs": 2, "xor_seeds": 4},
                               kernel_name="python3", progress_bar=False, cwd=str(ROOT))
    cells = json.loads(out.read_text())["cells"]
    outputs = [o for c in cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2
    glued = [o for o in outputs if "scrapbook" in o.get("metadata", {}) or "glue" in str(o.get("metadata", {}))]
    assert glued, "the chapter glues its numbers for the prose"
    assert len(list((tmp_path / "results" / "quick").rglob("*.json"))) == 4 + 2
