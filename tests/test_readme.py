"""The README's first screen quotes what the book found: it must say what the committed synthesis
page computed, not what it said when the README was last edited."""
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


def test_readme_states_the_synthesis_answer_as_computed():
    answer = glued(ROOT / "book" / "synthesis.ipynb", "answer")
    readme = " ".join((ROOT / "README.md").read_text().split())
    in_short = re.search(r"\*\*In short:\*\* (.+)", answer).group(1).strip()
    assert in_short in readme, "README.md does not quote the synthesis page's 'In short' line"
    size = re.search(r"Of the (\d+) pairs[^.]*parameter counts[^.]*more accurate in (\d+), "
                     r"significantly less accurate in (\d+)", answer).groups()
    compute = re.search(r"of the (\d+) pairs[^.]*multiply-adds[^.]*more accurate in (\d+), "
                        r"significantly less accurate in (\d+)", answer).groups()
    assert (f"significantly more accurate in {size[1]} of {size[0]} pairs (less accurate in {size[2]})"
            in readme), "README.md's equal-parameter tally differs from the synthesis page"
    assert (f"significantly less accurate in {compute[2]} of {compute[0]} pairs (more accurate in {compute[1]})"
            in readme), "README.md's equal-multiply-add tally differs from the synthesis page"
