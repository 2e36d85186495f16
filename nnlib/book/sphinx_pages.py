"""A Sphinx extension (registered in ``_config.yml``) that guards the book's executed pages when
``jupyter-book build`` reads them, however they were made (``python -m nnlib.book.chapter``, or
``papermill`` by hand):

- a page holding an error output is refused: the build stops with one message naming the page,
  its first error, and how to get the committed page back (``git checkout book/<page>.ipynb``) or
  to rerun it properly (``python -m nnlib.book.chapter run <page> --profile full``);
- the cell papermill injects (tag ``injected-parameters``) is hidden like the template's own
  parameters cell (tag ``remove-cell``), so that a page run with plain papermill does not show it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sphinx.errors import SphinxError


class BrokenPageError(SphinxError):
    """An executed page that must not be published; the message says what to do."""

    category = "Refused page"


def page_errors(nb: dict) -> list[tuple[int, str, str]]:
    """(cell number from 1, error name, error value) of every error output of a notebook."""
    return [(i, str(o.get("ename")), str(o.get("evalue")).splitlines()[0] if o.get("evalue") else "")
            for i, cell in enumerate(nb.get("cells", []), 1) for o in cell.get("outputs", [])
            if o.get("output_type") == "error"]


def refusal(page: str, chapter: str, errors: list[tuple[int, str, str]]) -> str:
    """The message that stops the build for a page with error outputs."""
    cell, name, value = errors[0]
    return (f"{page} holds {len(errors)} error output{'s' if len(errors) > 1 else ''} (cell {cell}: {name}: "
            f"{value[:160]}): it is a failed run, not a page to publish. Restore the committed page with "
            f"`git checkout {page}`, or rerun the chapter with `.venv/bin/python -m nnlib.book.chapter run {chapter} "
            f"--profile full`, which replaces the page only if every cell ran.")


def hide_injected(nb: dict) -> bool:
    """Tag papermill's injected parameters cell ``remove-cell``; True if a tag was added."""
    changed = False
    for cell in nb.get("cells", []):
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
            changed = True
    return changed


def _source_read(app: Any, docname: str, source: list[str]) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    try:
        nb = json.loads(source[0])
    except json.JSONDecodeError:
        return  # not ours to judge: the notebook reader reports it
    errors = page_errors(nb)
    if errors:
        try:
            shown = path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            shown = Path(path.parent.name) / path.name
        raise BrokenPageError(refusal(str(shown), path.stem, errors))
    if hide_injected(nb):
        source[0] = json.dumps(nb, ensure_ascii=False)


def setup(app: Any) -> dict:
    app.connect("source-read", _source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
