"""The chapters: templates, checked parameters, runs that never publish a broken page, pages that
do not change when rerun on the same results (nnlib.book.chapter), and a quick run of each chapter."""
import json
import os
from pathlib import Path

import nbformat
import pytest

from nnlib.book import chapter

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "notebooks").glob("*.ipynb"))
MINE = [p for p in TEMPLATES if p.stem in ("study_002", "study_004")]  # templates on nnlib.book.chapter
PROFILES = {"quick": {"seeds": 2, "train_subset": 100}, "full": {"seeds": 10, "train_subset": None}}


def write_template(folder: Path, body: str, name: str = "tiny") -> Path:
    """A chapter template: a parameters cell, then ``body`` (after chapter.start)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("profile = None\nseeds = None\ntrain_subset = None\nworkers = None\n"
                                       "scheduler = None")
    params.metadata["tags"] = ["parameters", "remove-cell"]
    start = nbformat.v4.new_code_cell(
        f"from nnlib.book import chapter\nrun = chapter.start({name!r}, {PROFILES!r}, globals(), templates={str(folder)!r})")
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny\n\nThis page was produced with the quick profile."),
                params, start, nbformat.v4.new_code_cell(body)]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


# ---------------------------------------------------------------- templates
@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_parameters_and_no_outputs(path):
    cells = json.loads(path.read_text())["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("path", MINE, ids=lambda p: p.name)
def test_chapter_templates_require_a_profile_and_hide_their_parameters(path):
    cells = json.loads(path.read_text())["cells"]
    params = next(c for c in cells if "parameters" in c["metadata"].get("tags", []))
    assert "remove-cell" in params["metadata"]["tags"]
    assert "profile = None" in "".join(params["source"])
    assert set(chapter.RUN_PARAMETERS) <= set(chapter.template_parameters(path.stem))
    first_code = next(c for c in cells if c["cell_type"] == "code" and c is not params)
    assert "chapter.start(" in "".join(first_code["source"])
    text = path.read_text()
    assert "unpublished" not in text and "not published" not in text


def test_toc_lists_every_chapter_and_book_links_to_the_single_config():
    toc = (ROOT / "_toc.yml").read_text()
    for path in TEMPLATES:
        assert f"file: {path.stem}" in toc
    for name in ("_config.yml", "_toc.yml"):
        link = ROOT / "book" / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve()


@pytest.mark.parametrize("name", ["study_002", "study_004"])
def test_committed_chapters_are_normalised_full_profile_and_clean(name):
    """What `make book` writes on an unchanged checkout is byte for byte what is committed only if
    the committed page is already normalised (no timestamps, random ids, paths or progress)."""
    path = ROOT / "book" / f"{name}.ipynb"
    nb = json.loads(path.read_text())
    assert chapter.normalise(json.loads(path.read_text())) == nb
    assert chapter.notebook_problems(path, "full") == []


# ---------------------------------------------------------------- parameters
def test_unknown_parameter_names_the_known_ones():
    with pytest.raises(chapter.ChapterError, match=r"unknown parameter seed; this chapter knows: profile, seeds"):
        chapter.check_parameters({"profile": "full", "seed": 5}, ["profile", "seeds", "workers"], PROFILES)


def test_none_means_the_profiles_value():
    chapter.check_parameters({"profile": "full", "seeds": None, "workers": None}, ["profile", "seeds", "workers"],
                             PROFILES)


@pytest.mark.parametrize("given,message", [
    ({"profile": "full", "seeds": -3}, r"seeds must be a whole number ≥ 1 \(the profiles use quick 2, full 10\); "
                                       r"got -3 \(-p seeds -3\)"),
    ({"profile": "full", "seeds": 2.5}, r"got 2.5"),
    ({"profile": "full", "seeds": True}, r"whole number"),
    ({"profile": "full", "seeds": "ten"}, r"got 'ten'"),
    ({"profile": "full", "train_subset": 0}, r"train_subset must be a whole number ≥ 1 or None \(.*\); got 0"),
    ({"profile": None}, r"the parameter profile is required: -p profile full"),
    ({"profile": "ful"}, r"unknown profile 'ful'; this chapter's profiles: quick, full"),
    ({"profile": "full", "workers": -1}, r"workers must be a whole number ≥ 1"),
    ({"profile": "full", "workers": 0}, r"workers must be a whole number ≥ 1 .*; got 0 \(-p workers 0\)"),
])
def test_bad_values_say_what_was_typed(given, message):
    with pytest.raises(chapter.ChapterError, match=message):
        chapter.check_parameters(given, ["profile", "seeds", "train_subset", "workers"], PROFILES)


def test_start_reads_the_known_names_from_the_template(tmp_path):
    write_template(tmp_path, "pass")
    namespace = {"profile": "quick", "seeds": 3, "train_subset": None, "workers": None, "scheduler": None,
                 "np": os, "In": [], "_": None, "display": print}
    run = chapter.start("tiny", PROFILES, namespace, templates=tmp_path)
    assert run.profile == "quick" and run.settings == {"seeds": 3, "train_subset": 100} and run.overrides == {"seeds": 3}
    with pytest.raises(chapter.ChapterError, match="unknown parameter seed;"):
        chapter.start("tiny", PROFILES, {**namespace, "seed": 5}, templates=tmp_path)
    with pytest.raises(chapter.ChapterError, match="no chapter template"):
        chapter.start("nope", PROFILES, namespace, templates=tmp_path)


# ---------------------------------------------------------------- running
@pytest.fixture
def book(tmp_path):
    """A book folder whose chapter "tiny" holds the text "committed"."""
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "tiny.ipynb").write_text("committed")
    return folder


def test_a_misspelt_parameter_fails_before_a_kernel_starts(tmp_path, book):
    write_template(tmp_path, "raise AssertionError('must not run')")
    with pytest.raises(chapter.ChapterError, match=r"unknown parameter seed; tiny knows: seeds"):
        chapter.run_chapter("tiny", "quick", {"seed": 5}, into=book, templates=tmp_path, progress=False)
    assert (book / "tiny.ipynb").read_text() == "committed"
    with pytest.raises(chapter.ChapterError, match="book/ holds the full profile only"):
        chapter.run_chapter("tiny", "quick", into=chapter.BOOK, templates=tmp_path, progress=False)


def test_a_wrong_value_or_profile_fails_before_a_kernel_starts(tmp_path, book):
    write_template(tmp_path, "raise AssertionError('must not run')")
    failed = chapter.WORK / "tiny.failed.ipynb"
    failed.unlink(missing_ok=True)
    with pytest.raises(chapter.ChapterError, match=r"tiny: seeds must be a whole number ≥ 1 \(the profiles use quick 2, "
                                                   r"full 10\); got -3"):
        chapter.run_chapter("tiny", "quick", {"seeds": -3}, into=book, templates=tmp_path, progress=False)
    with pytest.raises(chapter.ChapterError, match=r"workers must be a whole number ≥ 1"):
        chapter.run_chapter("tiny", "quick", {"workers": 0}, into=book, templates=tmp_path, progress=False)
    elsewhere = tmp_path / "book-nope"
    with pytest.raises(chapter.ChapterError, match=r"unknown profile 'nope'; this chapter's profiles: quick, full"):
        chapter.run_chapter("tiny", "nope", into=elsewhere, templates=tmp_path, progress=False)
    assert not elsewhere.exists() and not failed.exists()  # no kernel, no folder
    assert (book / "tiny.ipynb").read_text() == "committed"


def test_a_failed_cell_leaves_the_chapter_intact_and_keeps_the_failed_notebook(tmp_path, book):
    write_template(tmp_path, "print('work')\nraise ValueError('broken')")
    with pytest.raises(chapter.ChapterError, match=r"tiny failed in cell .*ValueError: broken .* is unchanged"):
        chapter.run_chapter("tiny", "quick", into=book, templates=tmp_path, progress=False)
    assert (book / "tiny.ipynb").read_text() == "committed"
    assert '"work\\n"' in (chapter.WORK / "tiny.failed.ipynb").read_text()


def test_a_result_neutral_parameter_leaves_the_page_unchanged():
    injected = {"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "outputs": [],
                "source": ["# Parameters\n", 'profile = "full"\n', "workers = 2\n", 'scheduler = "tcp://h:1"\n']}
    plain = {"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "outputs": [],
             "source": ["# Parameters\n", 'profile = "full"\n']}

    def page(cell, parameters):
        return {"metadata": {"papermill": {"parameters": parameters}}, "nbformat": 4, "nbformat_minor": 5,
                "cells": [json.loads(json.dumps(cell))]}

    with_workers = chapter.normalise(page(injected, {"profile": "full", "workers": 2, "scheduler": "tcp://h:1"}))
    assert with_workers == chapter.normalise(page(plain, {"profile": "full"}))
    assert "remove-cell" in with_workers["cells"][0]["metadata"]["tags"]


def test_a_rerun_on_the_same_results_writes_the_same_bytes_without_kernel_noise(tmp_path, capfd):
    body = ("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nimport pandas as pd\n"
            "from IPython.display import display\nimport sys, time\n"
            "print('noisy', time.time(), file=sys.stderr)\n"
            "fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nchapter.figure('fig', fig)\n"
            "chapter.text('n', str(run.settings['seeds']))\n"
            "display(chapter.table(pd.DataFrame({'a': [1, 2]}), 't'))")
    write_template(tmp_path, body)
    nb = tmp_path / "tiny.ipynb"
    cells = json.loads(nb.read_text())
    cells["cells"][-1]["metadata"]["tags"] = ["hide-output"]  # its printed output is dropped
    nb.write_text(json.dumps(cells))
    out = tmp_path / "out"
    pages = []
    for _ in range(2):
        dest = chapter.run_chapter("tiny", "quick", {"seeds": 4}, into=out, templates=tmp_path, progress=False)
        pages.append(dest.read_bytes())
    assert pages[0] == pages[1]
    executed = json.loads(pages[0])
    assert executed["metadata"]["papermill"]["parameters"] == {"profile": "quick", "seeds": 4}
    assert '"noisy ' not in pages[0].decode() and str(ROOT) not in pages[0].decode()
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and "remove-cell" in injected[0]["metadata"]["tags"]
    assert "without encryption" not in capfd.readouterr().err
    assert chapter.notebook_problems(dest, "quick") == []
    assert chapter.notebook_problems(dest, "full") == [f"tiny.ipynb: executed with profile 'quick', expected 'full'"]


def test_notebook_problems_finds_error_outputs_and_local_paths(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1/0")
    cell.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]),
                    nbformat.v4.new_output("stream", name="stdout", text=f"stored in {ROOT}/data\n")]
    nb.cells = [cell]
    nb.metadata["papermill"] = {"parameters": {"profile": "full"}}
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    problems = chapter.notebook_problems(path, "full")
    assert any("1 error output(s), the first ZeroDivisionError" in p for p in problems)
    assert any(f"contains the local path {ROOT}" in p for p in problems)
    assert chapter.main(["check", str(path)]) == 1


# ---------------------------------------------------------------- the real chapters, quick
@pytest.mark.realdata
@pytest.mark.parametrize("name,parameters,claims", [
    ("study_004", {"seeds": 2, "epochs": 2, "xor_seeds": 4}, 9),
    ("study_002", {"seeds": 2, "epochs": 1, "mod2_epochs": 1, "train_subset": 500}, 14),
])
def test_chapter_runs_quick_and_has_a_row_for_every_claim(name, parameters, claims, tmp_path, monkeypatch,
                                                         require_dataset):
    require_dataset("mnist")
    monkeypatch.setenv("NNLIB_RESULTS_DIR", str(tmp_path / "results"))
    dest = chapter.run_chapter(name, "quick", parameters, into=tmp_path / "book", progress=False)
    outputs = [o for c in json.loads(dest.read_text())["cells"] for o in c.get("outputs", [])]
    glued = {o["metadata"]["scrapbook"]["name"] for o in outputs if "scrapbook" in o.get("metadata", {})}
    assert {"findings", "profile", "provenance", "rerun"} <= glued
    assert sum(any(k.endswith(("image/png", "image/svg+xml")) for k in o.get("data", {})) for o in outputs) >= 2
    study = name.split("_")[1]
    rows = json.loads((tmp_path / "results" / "quick" / f"study{study}-claims.json").read_text())["claims"]
    assert [r["id"] for r in rows] == [f"{study}-{i}" for i in range(1, claims + 1)]
    assert all(r["verdict"] for r in rows)
