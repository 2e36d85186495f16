"""The README's first screen and the introduction quote what the book found: they must say what
the committed synthesis and study 001 pages computed (corrected, by distinct pair), not what they
said when the prose was last edited."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def glued(notebook: Path, name: str) -> str:
    """The text a chapter glued under ``name`` (its markdown or plain form)."""
    for cell in json.loads(notebook.read_text())["cells"]:
        for out in cell.get("outputs", []):
            if out.get("metadata", {}).get("scrapbook", {}).get("name") == name:
                data = out["data"]
                return "".join(data.get("application/papermill.record/text/markdown")
                               or data["application/papermill.record/text/plain"])
    raise AssertionError(f"{notebook.name} glues no {name!r}")


def flat(path: Path) -> str:
    return " ".join(path.read_text().split())


def tallies(answer: str) -> dict[str, tuple[int, ...]]:
    """From the synthesis answer box: per kind of pairing (distinct pairs, reuse better after Holm,
    uncorrected, ordinary better after Holm, uncorrected, tests on the page)."""
    out = {}
    for kind, what in (("size", "parameter counts"), ("compute", "multiply-adds")):
        m = re.search(rf"[Oo]f the (\d+) distinct pairs [^.]*?{what} [^.]*?more accurate on every dataset in (\d+) "
                      rf"\((\d+) uncorrected\) and significantly less accurate on every dataset in (\d+) "
                      rf"\((\d+) uncorrected\), after Holm over the page's (\d+) tests", answer)
        assert m, f"the synthesis answer box has no {kind} tally in the expected words"
        out[kind] = tuple(int(g) for g in m.groups())
    return out


def answer_text() -> str:
    return " ".join(glued(ROOT / "book" / "synthesis.ipynb", "answer").split())


def test_readme_states_the_synthesis_answer_as_computed():
    answer = answer_text()
    readme = flat(ROOT / "README.md")
    in_short = re.search(r"\*\*In short:\*\* (.+?)(?= - |$)", answer).group(1).strip()
    assert in_short in readme, "README.md does not quote the synthesis page's 'In short' line"
    t = tallies(answer)
    n, k, u, k_other, _, tests = t["size"]
    assert f"after one Holm correction over all {tests} tests" in readme
    assert (f"significantly more accurate on every dataset in {k} of {n} distinct pairs ({u} uncorrected;"
            in readme), "README.md's equal-parameter tally differs from the synthesis page"
    assert f"and less accurate in {k_other};" in readme
    n, k_other, _, k, u, _ = t["compute"]
    assert (f"significantly less accurate in {k} of {n} distinct pairs ({u} uncorrected) and more accurate in "
            f"{k_other}." in readme), "README.md's equal-multiply-add tally differs from the synthesis page"
    by_study = re.search(r"by study, reusing better: study 000: (\d+ of \d+); study 001: (\d+ of \d+)", answer).groups()
    assert f"study 000: {by_study[0]}, study 001: {by_study[1]}" in readme


def test_no_single_network_carries_a_headline_count():
    """The README says no single network carries either count: the page's leave-one-network-out
    check must leave a majority of the remaining distinct pairs with the headline outcome."""
    leaves = [tuple(map(int, m)) for m in re.findall(r"still leaves (\d+) of the remaining (\d+) distinct pairs", answer_text())]
    assert len(leaves) == 2 and all(left > of / 2 for left, of in leaves), leaves
    assert "No single network carries either count" in flat(ROOT / "README.md")


def test_intro_states_the_corrected_counts():
    t = tallies(answer_text())
    intro = flat(ROOT / "book" / "intro.md")
    n, k, u, k_other, _, tests = t["size"]
    assert f"after one Holm correction over all {tests} tests" in intro
    assert f"significantly more accurate on every dataset in {k} of {n} distinct pairs ({u} uncorrected)" in intro
    assert (k_other == 0) == ("never less accurate" in intro)
    n, k_other, _, k, u, _ = t["compute"]
    assert f"significantly less accurate in {k} of {n} ({u} uncorrected)" in intro
    assert (k_other == 0) == ("never more accurate" in intro)
    assert "In these two studies' networks" in intro and "not a general law" in intro


def test_readme_states_study_001_verdict_from_trained_pairs():
    findings = glued(ROOT / "book" / "study_001.ipynb", "findings")
    readme = flat(ROOT / "README.md")
    for dataset in ("MNIST", "Fashion-MNIST"):
        line = re.search(rf"\*\*001-1\*\* \({dataset}\)[^\n]*", findings).group(0)
        n = re.search(r"reproduced at all (\d+) budgets with trained partners", line)
        assert n, f"study 001's 001-1 on {dataset} is no longer reproduced at every budget: update README.md"
        assert f"significantly more accurate at all {n.group(1)} such budgets" in readme


def untied_sentence(answer: str) -> str:
    """The synthesis's 'In short' sentence on the untied twins."""
    m = re.search(r"Holding reading order and depth fixed .+? along with reuse\.", answer)
    assert m, "the synthesis answer box has no sentence on the untied twins: has the untied chapter run?"
    return m.group(0)


def test_readme_and_intro_state_the_untied_twins_as_computed():
    """The README and the introduction quote the synthesis's sentence on the untied twins, and its
    counts are the untied chapter's own (its committed summary, Holm over the chapter's tests)."""
    sentence = untied_sentence(answer_text())
    assert sentence in flat(ROOT / "README.md"), "README.md does not quote the synthesis's untied-twins sentence"
    assert sentence in flat(ROOT / "book" / "intro.md"), "book/intro.md does not quote the untied-twins sentence"
    summary = json.loads((ROOT / "data" / "results" / "full" / "untied-summary.json").read_text())
    assert f"Holm over their chapter's {summary['n_tests']} tests" in sentence
    by = summary["tally_by_study"]
    for study, who in (("001", "study 001's RNNs"), ("000", "study 000's RecursiveNets")):
        par, com = by["equal parameters"][study], by["equal compute"][study]
        clause = re.search(rf"for {re.escape(who)} [^;]*?at equal parameters in (\d+) of (\d+) pairs[^;]*; "
                           r"the untied twin at equal computation in (\d+) of (\d+)(?: \([^()]*\))?\)", sentence)
        assert clause, f"the untied-twins sentence has no counts for {who}"
        assert tuple(map(int, clause.groups())) == (par.get("tied better", 0), par["pairs"],
                                                    com.get("untied better", 0), com["pairs"])


def test_untied_twin_counts_carry_their_caveats():
    """Where a count in the untied-twins sentence includes a twin outside the parameter tolerance,
    or would move had the twins' tests been pooled with the synthesis page's, the sentence says so,
    and the numbers agree with the committed summary and the synthesis's pooling note."""
    sentence = untied_sentence(answer_text())
    summary = json.loads((ROOT / "data" / "results" / "full" / "untied-summary.json").read_text())
    rows = [r for r in summary["comparisons"] if r["comparison"] == "equal parameters"]
    for study, who in (("001", "study 001's RNNs"), ("000", "study 000's RecursiveNets")):
        part = [r for r in rows if r["study"] == study]
        inside = [r for r in part if abs(r["parameter_difference"]) <= 0.10]
        clause = re.search(rf"for {re.escape(who)} .*?at equal parameters in \d+ of \d+ pairs( \([^()]*\))?", sentence)
        note = re.search(r"(\d+) of the (\d+) whose twin is within ±10 %", clause.group(1) or "")
        if len(inside) < len(part):
            assert note, f"{who}: the equal-parameter count includes twins outside ±10 % and does not say so"
            assert (int(note.group(1)), int(note.group(2))) == (
                sum(r["outcome"] == "tied better" for r in inside), len(inside))
        else:
            assert not note
    family = glued(ROOT / "book" / "synthesis.ipynb", "untied_family")
    moved = int(re.search(r"(\d+) of the \d+ twin outcomes", family).group(1))
    page_tests = int(re.search(r"one family of (\d+)", family).group(1)) - summary["n_tests"]
    pooled = re.findall(r"\d+ of \d+ if pooled with the synthesis page's (\d+) tests", sentence)
    assert all(int(n) == page_tests for n in pooled)
    assert (len(pooled) > 0) == (moved > 0), "the pooling moves a twin outcome that the sentence leaves unsaid"


def test_readme_names_every_make_target_and_module_command():
    """The README lists the targets `make help` prints (the Makefile's "## target:" lines), and every
    `python -m nnlib...` command it gives names a module that exists in the package layout."""
    readme = flat(ROOT / "README.md")
    targets = re.findall(r"^## ([\w-]+):", (ROOT / "Makefile").read_text(), flags=re.M)
    assert targets and "book" in targets
    missing = [t for t in targets if t != "help" and f"`{t}`" not in readme and f"make {t}" not in readme]
    assert not missing, f"README.md does not name these make targets: {missing}"
    modules = set(re.findall(r"python -m (nnlib[\w.]*)", readme))
    assert "nnlib.book.chapter" in modules
    for module in modules:
        path = ROOT / Path(*module.split("."))
        assert path.with_suffix(".py").exists() or (path / "__main__.py").exists(), \
            f"README.md runs python -m {module}, which is not a module of nnlib"
