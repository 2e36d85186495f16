"""The book's chapters: checked parameters, runs that never publish a broken page, and the few
pieces every chapter shares (glued text, findings, claims file, provenance, rerun footer).

A chapter is a papermill template ``notebooks/<name>.ipynb`` (no outputs) executed into
``book/<name>.ipynb`` (committed; the published page).  A template needs two things:

1. A code cell tagged ``parameters`` and ``remove-cell`` (hidden on the page) that names every
   parameter, ``profile = None`` first (so that forgetting ``-p profile`` fails instead of
   publishing a small run)::

       profile = None    # required: "full" (the study's protocol, the book) or "quick" (minutes)
       seeds = None      # None: the profile's value
       workers = None    # local processes for the sweeps (None: all cores)
       scheduler = None  # a dask.distributed scheduler address

2. As its first statements after that cell, before any work::

       from nnlib.runner import studies
       from nnlib.book import chapter
       run = chapter.start("study_002", studies.SETTINGS_002, globals())

   :func:`start` raises :class:`ChapterError` with one line if ``profile`` is missing or unknown,
   if a name was passed that the parameters cell does not define (a misspelt ``-p seed 5``; the
   error names the known ones), or if a value is not of its kind (``-p seeds -3`` says what was
   typed).  ``run.settings`` holds the profile's values with the overrides applied.

Run a chapter with :func:`run_chapter`, from the shell::

    python -m nnlib.book.chapter run study_002 --profile full [-p seeds 12] [--into book]

It checks the parameters' names and values and the profile against the template before a kernel
starts (:func:`precheck`; the profiles are read from the template's ``chapter.start`` call),
executes into a temporary file under ``_build/chapters/`` and moves it into place only if no cell
failed and no output is an error; a failed run leaves the chapter as it was and keeps the failed
notebook there for reading.  Ctrl-C stops a run with one line (the trials stored so far are kept;
the same command resumes).  :func:`start` also installs the book's figure style and fitting
(``nnlib.book.figures``), and :func:`table` renders tables that fit the page (``nnlib.book.tables``).  The moved notebook is normalised (:func:`normalise`): timestamps, durations, the
kernel's random ids and the printed progress of hidden cells are removed, so that rerunning an
unchanged chapter on stored results writes the same bytes and leaves ``git status`` clean.
Profiles other than ``full`` go to ``_build/book-<profile>/`` (:func:`book_dir`), never into
``book/``.  ``python -m nnlib.book.chapter check NOTEBOOK...`` lists what is wrong with executed
chapters (:func:`notebook_problems`); ``make book`` runs both, then ``.ci/check_book.py``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "notebooks"
BOOK = ROOT / "book"
WORK = ROOT / "_build" / "chapters"  # temporary and failed runs (git-ignored)
RUN_PARAMETERS = ("profile", "workers", "scheduler")  # every chapter has these
# Parameters that change how a chapter is computed, not what it shows: left out of the page's
# record of its parameters, so that `-p workers 2` rewrites the page byte for byte.
NEUTRAL_PARAMETERS = ("workers", "scheduler")
_NOT_PARAMETERS = {"In", "Out", "get_ipython", "exit", "quit", "open"}  # IPython's own names
_VOLATILE_CELL_METADATA = ("papermill", "execution", "ExecuteTime")


class ChapterError(ValueError):
    """A chapter cannot run or cannot be published; the message says why in one line."""


class ChapterInterrupted(ChapterError):
    """A chapter run stopped by Ctrl-C; the message says what was kept and how to resume."""


# ---------------------------------------------------------------- inside a chapter
@dataclass
class Run:
    """A chapter's checked parameters: ``settings`` = the profile's values with overrides."""

    name: str
    profile: str
    settings: dict[str, Any]
    overrides: dict[str, Any] = field(default_factory=dict)
    workers: int | None = None
    scheduler: str | None = None

    def run_sweeps(self, sweeps: Sequence[Any]) -> dict[str, list[dict]]:
        """Run (or load) every sweep (``nnlib.runner.studies.Sweep``); {sweep name: its records}, only
        those of the sweep's configurations and seeds (a folder may also hold the trials of other
        settings, e.g. after ``-p epochs 60``)."""
        from ..runner import sweep
        out = {}
        for s in sweeps:
            records = sweep.run_sweep(s.name, s.grid, s.seeds, s.dataset, profile=self.profile,
                                      workers=self.workers, scheduler=self.scheduler)
            wanted = {(sweep.config_id(c, s.dataset), k) for c in s.grid for k in s.seeds}
            out[s.name] = [r for r in records if (sweep.config_id(r["config"], r["dataset"]), r["seed"]) in wanted]
        return out


def template_parameters(name: str, templates: Path = TEMPLATES) -> list[str]:
    """The names the template's ``parameters`` cell defines, in order."""
    import papermill
    path = Path(templates) / f"{name}.ipynb"
    if not path.exists():
        known = sorted(p.stem for p in Path(templates).glob("*.ipynb"))
        raise ChapterError(f"no chapter template {path}; known chapters: {', '.join(known)}")
    return list(papermill.inspect_notebook(str(path)))


def template_profiles(name: str, templates: Path = TEMPLATES) -> dict[str, dict] | None:
    """The profiles the template passes to ``chapter.start`` (``{profile: {setting: default}}``),
    read from its source without running it: a literal, or ``module.NAME`` of a module of nnlib.
    None if the call is not found or its argument is something else (then only the kernel checks)."""
    import ast
    import importlib
    path = Path(templates) / f"{name}.ipynb"
    cells = json.loads(path.read_text()).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse("".join(cell.get("source", "")))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "start"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "chapter"
                    and len(node.args) >= 2):
                arg = node.args[1]
                if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
                    try:
                        return getattr(importlib.import_module(f"nnlib.{arg.value.id}"), arg.attr)
                    except (ImportError, AttributeError):
                        return None
                try:
                    return ast.literal_eval(arg)
                except ValueError:
                    return None
    return None


def precheck(name: str, profile: str, parameters: dict[str, Any], templates: Path = TEMPLATES) -> list[str]:
    """Check a run's chapter, profile and parameters as :func:`start` will, before any kernel
    starts; raises ChapterError.  Returns the names the template's parameters cell defines."""
    known = template_parameters(name, templates)
    if "profile" in parameters:
        raise ChapterError("give the profile with --profile, not as -p profile")
    unknown = [k for k in parameters if k not in known]
    if unknown:
        raise ChapterError(f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                           f"{name} knows: {', '.join(k for k in known if k != 'profile')}")
    profiles = template_profiles(name, templates)
    if profiles is not None:
        try:
            check_parameters({**parameters, "profile": profile}, known, profiles)
        except ChapterError as e:
            raise ChapterError(f"{name}: {e}") from None
    return known


def _kind_error(name: str, value: Any, by_profile: dict[str, Any]) -> str | None:
    """Why ``value`` does not fit a parameter whose defaults are ``by_profile`` ({profile:
    value}), or None."""
    if value is None:  # the parameters cell's default: the profile's value
        return None
    defaults = list(by_profile.values())
    kinds = {type(d) for d in defaults if d is not None}
    used = ", ".join(f"{p} {d!r}" for p, d in by_profile.items())
    if kinds <= {int}:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return (f"{name} must be a whole number ≥ 1" + (" or None" if None in defaults else "")
                    + f" (the profiles use {used})")
    elif kinds <= {int, float}:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            return f"{name} must be a number > 0 (the profiles use {used})"
    elif not all(isinstance(value, k) for k in kinds):
        return f"{name} must be of type {' or '.join(sorted(k.__name__ for k in kinds))} (the profiles use {used})"
    return None


def check_parameters(given: dict[str, Any], known: Sequence[str], profiles: dict[str, dict]) -> None:
    """Raise ChapterError unless ``given`` names only ``known`` parameters with fitting values:
    ``profile`` one of ``profiles``; a profile setting of the kind of its defaults (whole numbers
    ≥ 1 where the defaults are whole numbers); ``workers`` a whole number ≥ 1 (None: all cores)."""
    unknown = [k for k in given if k not in known]
    if unknown:
        raise ChapterError(f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                           f"this chapter knows: {', '.join(known)}")
    profile = given.get("profile")
    if profile is None:
        raise ChapterError(f"the parameter profile is required: -p profile full (the study's protocol, "
                           f"what the book shows) or one of: {', '.join(p for p in profiles if p != 'full')}")
    if profile not in profiles:
        raise ChapterError(f"unknown profile {profile!r}; this chapter's profiles: {', '.join(profiles)}")
    for key, value in given.items():
        if key in profiles[profile]:
            problem = _kind_error(key, value, {p: v[key] for p, v in profiles.items()})
        elif key == "workers":
            problem = None if value is None or (isinstance(value, int) and not isinstance(value, bool)
                                                and value >= 1) else \
                "workers must be a whole number ≥ 1 (local processes; leave it out for all cores)"
        elif key == "scheduler":
            problem = None if value is None or isinstance(value, str) else "scheduler must be an address"
        else:
            problem = None
        if problem:
            raise ChapterError(f"{problem}; got {value!r} (-p {key} {value})")


def start(name: str, profiles: dict[str, dict], namespace: dict[str, Any],
          templates: Path = TEMPLATES) -> Run:
    """Check a chapter's parameters and return its Run; call it first, before any work.

    ``namespace``: the notebook's ``globals()``.  Its parameters are the names the template's
    parameters cell defines plus any papermill injected; an injected name the cell does not define
    is an error, as is a missing ``profile`` or a value of the wrong kind (see
    :func:`check_parameters`).  ``profiles``: {profile: {setting: default}}."""
    known = template_parameters(name, templates)
    missing = [p for p in RUN_PARAMETERS if p not in known]
    if missing:
        raise ChapterError(f"the parameters cell of {name} must define {', '.join(missing)}")
    given = {k: v for k, v in namespace.items() if not k.startswith("_") and k not in _NOT_PARAMETERS
             and not callable(v) and type(v).__name__ != "module"}
    check_parameters(given, known, profiles)
    from . import figures
    figures.install()
    profile = given["profile"]
    overrides = {k: v for k, v in given.items() if k in profiles[profile] and v is not None}
    return Run(name, profile, {**profiles[profile], **overrides}, overrides, given.get("workers"),
               given.get("scheduler"))


def text(key: str, value: Any) -> None:
    """Glue a piece of Markdown for the prose ({glue:md}`key`)."""
    from IPython.display import Markdown
    from myst_nb import glue
    glue(key, Markdown(str(value)), display=False)


def figure(key: str, fig: Any) -> None:
    """Glue a matplotlib figure for a ``{glue:figure}`` directive (with its caption and :alt:),
    and close it so that it is not shown a second time."""
    import matplotlib.pyplot as plt
    from myst_nb import glue
    glue(key, fig, display=False)
    plt.close(fig)


def table(df: Any, key: str, parts: Sequence[Sequence[str]] | None = None, order: bool = True) -> Any:
    """A DataFrame for ``display``, made to fit the page (``nnlib.book.tables.to_html``): without its
    index, numbers formatted by column, rows in natural order where they were sorted as strings
    (unless ``order`` is False), split into parts if too wide for the content column (``parts``:
    the columns of each part, to choose the split), with a fixed id (``key``) instead of pandas'
    random one and no memory address in its text form, so that rerunning the chapter writes the
    same bytes."""
    from IPython.display import HTML
    from . import tables
    return HTML(tables.to_html(df, key, parts=parts, order=order))


def findings(rows: Iterable[dict]) -> str:
    """The findings box: one Markdown line per claim row ("id", "claim", "verdict")."""
    return "\n".join(f"- **{r['id']}** {r['claim']}: {r['verdict']}." for r in rows)


def save_claims(study: str, page: str, profile: str, rows: list[dict], root: Path | None = None) -> Path:
    """Write the chapter's claim rows to ``<results>/<profile>/study<study>-claims.json``
    ({"study", "page", "profile", "claims"}), for a page that gathers every claim."""
    from .. import data
    from ..runner import sweep
    path = (Path(root) if root else sweep.results_dir()) / profile / f"study{study}-claims.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"study": study, "page": page, "profile": profile, "claims": rows}
    data.write_atomic(path, (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode())
    return path


def seed_groups(records: Sequence[dict]) -> dict[tuple, dict]:
    """One record per group of seeds trained together (same configuration and wall time)."""
    from ..runner.sweep import config_id
    return {(config_id(r["config"], r["dataset"]), r["wall_seconds"]): r for r in records}


def provenance(records: Sequence[dict]) -> str:
    """Markdown: which code, libraries, BLAS kernel and machine made ``records``, and what they
    cost (hours of wall time, summed over the groups of seeds: each group is one single-threaded process,
    so this bounds the CPU time from above; the largest training set in memory)."""
    if not records:
        return "No stored records."
    fps = sorted({r.get("code_fingerprint") or "none" for r in records})
    versions = records[0]["versions"]
    kernels = sorted({f"{b['internal_api']} {b['version']} ({b['architecture']} kernel)"
                      for r in records for b in r.get("blas", [])}) or ["not recorded"]
    machines = sorted({f"{m['system']} {m['machine']}, {m['cpus']} CPUs" for m in (r["machine"] for r in records)})
    groups = seed_groups(records)
    hours = sum(r["wall_seconds"] for r in groups.values()) / 3600
    sizes = [(r["n_train"], r["config"].get("model_args", {}).get("layer_sizes", [None])[0]) for r in records]
    largest = max(((n or 0) * (d or 0), n, d) for n, d in sizes)
    memory = (f"; the largest training set holds {largest[1]:,} examples of {largest[2]:,} values "
              f"({largest[0] * 4 / 2**20:,.0f} MiB as float32)") if largest[0] else ""
    shown = (f"fingerprint{'s' if len(fps) > 1 else ''} {', '.join('`' + f + '`' for f in fps)}" if len(fps) <= 3 else
             f"fingerprints: {len(fps)}, one per configuration (each record's is in its file), all checked "
             "against today's code and data when this page read them")
    return (f"{len(records)} stored trials; behaviour {shown}; nnlib {versions.get('nnlib')}, NumPy "
            f"{versions.get('numpy')}, Python {versions.get('python')}; BLAS: {'; '.join(kernels)}, one "
            f"thread per trial group; machine: {'; '.join(machines)}. Computing them took "
            f"{hours:.1f} hours of wall time ({len(groups)} groups of seeds trained together, one process "
            f"and one BLAS thread each, so at most {hours:.1f} CPU-hours){memory}.")


def rerun_footer(name: str, study: str) -> str:
    """Markdown: how to rerun this chapter (the same commands as the README)."""
    return (f"**Rerunning this chapter.** `make book` reruns every chapter on the stored results "
            f"and builds the book. This chapter alone: `.venv/bin/python -m nnlib.book.chapter run {name} "
            f"--profile full` (add `-p NAME VALUE` to change a parameter, e.g. `-p seeds 12`), then "
            f"`.venv/bin/jupyter-book build book/`. It computes only the trials not yet stored, and "
            f"replaces `book/{name}.ipynb` only if every cell ran. `.venv/bin/python -m nnlib.runner.studies "
            f"run {study} --profile full --workers 1` computes the trials without the page (resumable; "
            f"`--scheduler tcp://HOST:8786` for a dask cluster). `--profile quick` writes a small "
            f"version to `_build/book-quick/` instead of the book.")


# ---------------------------------------------------------------- running a chapter
def book_dir(profile: str) -> Path:
    """Where a chapter run with ``profile`` goes: ``book/`` for full, else ``_build/book-<profile>``."""
    return BOOK if profile == "full" else ROOT / "_build" / f"book-{profile}"


def prepare_book_dir(folder: Path) -> None:
    """Give a book folder other than ``book/`` links to the book's other files (configuration,
    table of contents, intro and other pages), so that ``jupyter-book build`` can render it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if folder.resolve() == BOOK.resolve():
        return
    for source in BOOK.iterdir():
        if source.suffix == ".ipynb" or source.name.startswith((".", "_build")):
            continue
        link = folder / source.name
        if not link.is_symlink() and not link.exists():
            link.symlink_to(os.path.relpath(source.resolve(), folder))


def normalise(nb: dict) -> dict:
    """Remove what changes from one execution to the next without changing the page: run times,
    durations, kernel message ids, the output path, and the printed output (progress bars, paths)
    of cells tagged ``hide-output`` or ``remove-output``; hide papermill's injected parameters and
    drop from them (and from the recorded parameters) those that do not change the page
    (:data:`NEUTRAL_PARAMETERS`: ``-p workers 2`` writes the same bytes as no ``-p workers``).
    The cell ids become their position, so that they do not depend on papermill's random ids."""
    meta = nb.get("metadata", {}).get("papermill", {})
    for key in NEUTRAL_PARAMETERS:
        meta.get("parameters", {}).pop(key, None)
    for key in ("start_time", "end_time", "duration", "exception", "output_path", "input_path",
                "environment_variables"):
        meta.pop(key, None)
    for i, cell in enumerate(nb.get("cells", [])):
        for key in _VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            if "remove-cell" not in tags:
                tags.append("remove-cell")
            source = cell["source"]
            lines = source.splitlines(keepends=True) if isinstance(source, str) else list(source)
            kept = [line for line in lines if line.split("=")[0].strip() not in NEUTRAL_PARAMETERS]
            cell["source"] = "".join(kept) if isinstance(source, str) else kept
        if cell.get("id") is not None or nb.get("nbformat_minor", 0) >= 5:
            cell["id"] = f"cell-{i}"
        if {"hide-output", "remove-output"} & set(tags):
            cell["outputs"] = [o for o in cell.get("outputs", []) if o.get("output_type") != "stream"]
    return nb


def notebook_problems(path: Path, profile: str | None = None) -> list[str]:
    """What is wrong with an executed chapter: error outputs, a profile other than ``profile``,
    parameter cells shown on the page, or this machine's absolute paths in it."""
    path = Path(path)
    try:
        nb = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        return [f"{path}: cannot be read as a notebook ({e})"]
    problems = []
    cells = nb.get("cells", [])
    errors = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        first = errors[0]
        problems.append(f"{path.name}: {len(errors)} error output(s), the first "
                        f"{first.get('ename')}: {first.get('evalue')}")
    ran = nb.get("metadata", {}).get("papermill", {}).get("parameters", {}).get("profile")
    if profile is not None and ran != profile:
        problems.append(f"{path.name}: executed with profile {ran!r}, expected {profile!r}")
    for c in cells:
        tags = c.get("metadata", {}).get("tags", [])
        if {"parameters", "injected-parameters"} & set(tags) and "remove-cell" not in tags:
            problems.append(f"{path.name}: a parameters cell is not tagged remove-cell")
    text_ = path.read_text()
    for local in {str(ROOT), str(Path.home())}:
        if len(local) > 1 and local in text_:
            problems.append(f"{path.name}: contains the local path {local}")
    return problems


def _kernel_config() -> Any:
    """Kernels talk over local IPC sockets, not TCP (so ipykernel has no unencrypted-TCP warning)."""
    from traitlets.config import Config
    config = Config()
    config.KernelManager.transport = "ipc"
    return config


def _kernel_manager_class(log: Path) -> type:
    """A kernel manager whose kernel writes its own stdout and stderr (not the cells' outputs,
    which go to the notebook) to ``log``: what a kernel and its worker processes print while they
    are stopped by Ctrl-C stays off the terminal."""
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            with open(log, "ab") as handle:  # the kernel keeps its own copy of the descriptor
                kw.setdefault("stdout", handle)
                kw.setdefault("stderr", handle)
                await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def run_chapter(name: str, profile: str, parameters: dict[str, Any] | None = None, *,
                into: Path | None = None, templates: Path = TEMPLATES, progress: bool = True,
                log_output: bool = False) -> Path:
    """Execute ``templates/<name>.ipynb`` with ``profile`` and ``parameters`` into
    ``into/<name>.ipynb`` (default :func:`book_dir`), replacing it only on success.

    Raises ChapterError, leaving the destination untouched, if a parameter is unknown (before a
    kernel starts), if a cell fails or if an output is an error; the failed notebook is kept in
    ``_build/chapters/``."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    parameters = dict(parameters or {})
    precheck(name, profile, parameters, templates)
    into = Path(into) if into else book_dir(profile)
    if into.resolve() == BOOK.resolve() and profile != "full":
        raise ChapterError(f"book/ holds the full profile only; the {profile} profile goes to "
                           f"{os.path.relpath(book_dir(profile), ROOT)}/")
    prepare_book_dir(into)
    dest = into / f"{name}.ipynb"
    WORK.mkdir(parents=True, exist_ok=True)
    running, failed = WORK / f"{name}.running.ipynb", WORK / f"{name}.failed.ipynb"
    stored = stored_trials(profile)
    try:
        papermill.execute_notebook(str(Path(templates) / f"{name}.ipynb"), str(running),
                                   parameters={"profile": profile, **parameters}, kernel_name="python3",
                                   progress_bar=progress, log_output=log_output, cwd=str(ROOT),
                                   config=_kernel_config(),
                                   kernel_manager_class=_kernel_manager_class(WORK / f"{name}.kernel.log"))
    except KeyboardInterrupt:
        raise _interrupted(name, profile, parameters, dest, stored, running, failed) from None
    except PapermillExecutionError as e:
        if e.ename == "KeyboardInterrupt":
            raise _interrupted(name, profile, parameters, dest, stored, running, failed) from None
        os.replace(running, failed)
        raise ChapterError(f"{name} failed in cell {e.exec_count}: {e.ename}: {e.evalue} — "
                           f"{_shown(dest)} is unchanged; the failed run is in {_shown(failed)}") from None
    nb = normalise(json.loads(running.read_text()))
    running.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    problems = notebook_problems(running, profile)
    if problems:
        os.replace(running, failed)
        raise ChapterError(f"{'; '.join(problems)} — {_shown(dest)} is unchanged; the run is in {_shown(failed)}")
    os.replace(running, dest)
    failed.unlink(missing_ok=True)
    return dest


def _shown(path: Path) -> str:
    """``path`` relative to the current folder where it is below it."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except ValueError:
        return str(path)


def stored_trials(profile: str) -> int:
    """How many trial records of ``profile`` are stored (every sweep's folder)."""
    from ..runner import sweep
    folder = sweep.results_dir() / profile
    return sum(1 for _ in folder.glob("*/*.json")) if folder.is_dir() else 0


def _interrupted(name: str, profile: str, parameters: dict[str, Any], dest: Path, before: int, running: Path,
                 failed: Path) -> ChapterInterrupted:
    """The one-line report of a run stopped by Ctrl-C (the partial notebook is kept as failed)."""
    if running.exists():
        os.replace(running, failed)
    added = stored_trials(profile) - before
    again = " ".join([f"python -m nnlib.book.chapter run {name} --profile {profile}"]
                     + [f"-p {k} {v!r}" if isinstance(v, str) else f"-p {k} {v}" for k, v in parameters.items()])
    return ChapterInterrupted(f"interrupted: {added} new trial{'s' if added != 1 else ''} stored (kept), "
                              f"{_shown(dest)} unchanged; to resume, run `{again}`: it computes only the "
                              f"trials not yet stored")


def _value(text_: str) -> Any:
    """A ``-p`` value typed on the command line, read as papermill reads it."""
    from papermill.cli import _resolve_type
    return _resolve_type(text_)


def main(argv: list[str] | None = None) -> int:
    """``python -m nnlib.book.chapter run CHAPTER... --profile full [-p NAME VALUE]...`` or
    ``python -m nnlib.book.chapter check NOTEBOOK... [--profile full]``."""
    parser = argparse.ArgumentParser(prog="python -m nnlib.book.chapter", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="execute chapters; each replaces its page only on success")
    run_p.add_argument("chapters", nargs="+", help="template names, e.g. study_002")
    run_p.add_argument("--profile", required=True, help="full (the book) or quick")
    run_p.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    run_p.add_argument("--into", type=Path, help="folder for the executed chapters (default: book/ for "
                                                 "full, _build/book-PROFILE/ otherwise)")
    run_p.add_argument("--log-output", action="store_true", help="show the cells' output while they run")
    check_p = sub.add_parser("check", help="list the problems of executed chapters")
    check_p.add_argument("notebooks", nargs="+", type=Path)
    check_p.add_argument("--profile")
    args = parser.parse_args(argv)
    if args.command == "check":
        problems = [p for nb in args.notebooks for p in notebook_problems(nb, args.profile)]
        for p in problems:
            print(f"chapter check failed: {p}", file=sys.stderr)
        return 1 if problems else 0
    parameters = {name: _value(value) for name, value in args.parameter}
    try:
        for name in args.chapters:  # every chapter's parameters checked before the first runs
            precheck(name, args.profile, parameters)
    except ChapterError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for name in args.chapters:
        print(f"running chapter {name} with the {args.profile} profile")
        try:
            dest = run_chapter(name, args.profile, parameters, into=args.into, log_output=args.log_output)
        except ChapterInterrupted as e:
            print(f"\n{e}", file=sys.stderr)
            return 130
        except KeyboardInterrupt:
            print(f"\ninterrupted before {name} started; no page changed", file=sys.stderr)
            return 130
        except ChapterError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(f"wrote {os.path.relpath(dest, Path.cwd())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
