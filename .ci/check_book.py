"""Fail unless the built book has every page of _toc.yml; each chapter executed with the expected
profile and without error outputs (nnlib.book.chapter.notebook_problems), with its figures (each with
alt text and a caption), its glued numbers and a statement of the profile that produced it; and
the draw page's files.

Usage: python .ci/check_book.py [--book book] [--profile full]
(``make book`` runs it; ``make book PROFILE=quick`` checks _build/book-quick with --profile quick.)
"""
import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nnlib.book.chapter import notebook_problems  # noqa: E402


def pages() -> list[str]:
    toc = (ROOT / "_toc.yml").read_text()
    return re.findall(r"^\s*-\s*file:\s*(\S+)", toc, flags=re.M)


def page_problems(name: str, book: Path, profile: str) -> list[str]:
    """What is wrong with one chapter: its executed notebook, and its page in the built HTML."""
    html_dir = book / "_build" / "html"
    page, nb = html_dir / f"{name}.html", book / f"{name}.ipynb"
    if not page.exists() or not nb.exists():
        return [f"{name}: page or executed notebook missing"]
    problems = notebook_problems(nb, profile)
    cells = json.loads(nb.read_text())["cells"]
    figures = sum(any(k.endswith(("image/png", "image/svg+xml")) for k in out.get("data", {}))
                  for c in cells for out in c.get("outputs", []))
    html = page.read_text()
    images = re.findall(r"<img [^>]*>", html)
    if figures == 0 or len(images) < figures:
        problems.append(f"{name}: {figures} figures in the notebook, {len(images)} on the page")
    for img in images:
        src = re.search(r'src="([^"]+)"', img)
        if src and src.group(1).startswith("_images/"):
            path = html_dir / src.group(1)
            if not path.exists() or path.stat().st_size < 1000:
                problems.append(f"{name}: image {src.group(1)} missing or empty")
        if not re.search(r'alt="[^"]{10,}"', img):
            problems.append(f"{name}: a figure without alt text ({img[:80]}…)")
    if html.count("<figcaption") < len(images):
        problems.append(f"{name}: {len(images)} figures but {html.count('<figcaption')} captions")
    text = re.sub(r"<[^>]+>", "", html)
    if "This page was produced with the" not in text:
        problems.append(f"{name}: no statement of the profile")
    if "glue" in re.sub(r"<script.*?</script>", "", html, flags=re.S).lower().split("hide code cell")[0]:
        problems.append(f"{name}: an unresolved glue reference")
    print(f"{name}: {len(images)} figures, {len(cells)} cells")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=ROOT / "book", help="the folder jupyter-book built")
    parser.add_argument("--profile", default="full", help="the profile every chapter must have run with")
    args = parser.parse_args(argv)
    book = args.book if args.book.is_absolute() else Path.cwd() / args.book
    html = book / "_build" / "html"
    problems = [] if (html / "intro.html").exists() else ["intro.html is missing"]
    for name in pages():
        if (ROOT / "book" / f"{name}.md").exists():  # a page of prose, not a chapter
            if not (html / f"{name}.html").exists():
                problems.append(f"{name}: page missing")
            continue
        problems += page_problems(name, book, args.profile)
    for f in ("draw.js", "draw.css", "networks.js", "samples.js"):  # the draw page's files
        if not (html / "draw" / f).exists():
            problems.append(f"draw/{f} is not in the built book")
    for p in problems:
        print("book check failed:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
