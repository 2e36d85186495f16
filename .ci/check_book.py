"""Fail unless the built book has every chapter page of _toc.yml, each with its figures and its
glued numbers, and a statement of the profile that produced it.  Usage: python .ci/check_book.py"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "book" / "_build" / "html"


def chapters() -> list[str]:
    toc = (ROOT / "_toc.yml").read_text()
    return re.findall(r"^\s*-\s*file:\s*(\S+)", toc, flags=re.M)


def main() -> int:
    problems = []
    if not (HTML / "intro.html").exists():
        problems.append("intro.html is missing")
    for name in chapters():
        page = HTML / f"{name}.html"
        nb = ROOT / "book" / f"{name}.ipynb"
        if (ROOT / "book" / f"{name}.md").exists():  # a page of prose, not a chapter
            if not page.exists():
                problems.append(f"{name}: page missing")
            continue
        if not page.exists() or not nb.exists():
            problems.append(f"{name}: page or executed notebook missing")
            continue
        cells = json.loads(nb.read_text())["cells"]
        figures = sum("image/png" in out.get("data", {}) for c in cells for out in c.get("outputs", []))
        errors = [out for c in cells for out in c.get("outputs", []) if out.get("output_type") == "error"]
        html = page.read_text()
        images = len(re.findall(r"<img [^>]*src=\"_images/", html))
        if errors:
            problems.append(f"{name}: the executed notebook has {len(errors)} error outputs")
        if figures == 0 or images < figures:
            problems.append(f"{name}: {figures} figures in the notebook, {images} on the page")
        for img in re.findall(r"<img [^>]*src=\"(_images/[^\"]+)\"", html):
            if not (HTML / img).exists() or (HTML / img).stat().st_size < 1000:
                problems.append(f"{name}: image {img} missing or empty")
        if "This page was produced with the" not in re.sub(r"<[^>]+>", "", html):
            problems.append(f"{name}: no statement of the profile")
        if "glue" in re.sub(r"<script.*?</script>", "", html, flags=re.S).lower().split("hide code cell")[0]:
            problems.append(f"{name}: an unresolved glue reference")
        print(f"{name}: {images} figures, {len(cells)} cells")
    for f in ("draw.js", "draw.css", "networks.js", "samples.js"):  # the draw page's files
        if not (HTML / "draw" / f).exists():
            problems.append(f"draw/{f} is not in the built book")
    for p in problems:
        print("book check failed:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
