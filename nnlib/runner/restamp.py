"""Migration of stored records from the source-text code fingerprint to the behaviour fingerprint.

Records written before :mod:`nnlib.runner.probe` carry a fingerprint of the *source text* of the code
their trial ran.  ``python -m nnlib.runner.restamp`` gives each of them the behaviour fingerprint of
today's code, but only where that is earned, checked per configuration:

1. the record is not stale under the old scheme: its fingerprint equals the one the old scheme
   computes with the code of an old commit (``--old-rev``; by default the newest commit of this
   branch's first-parent history before the probe existed), and
2. that old code and today's behave the same: the behaviour probe run with the old commit's code
   (in a separate process, :mod:`nnlib.runner._legacy_probe`) gives the digest today's code gives.

Such a record gets today's fingerprint, the old one kept under ``restamped_from``.  Any other
record is left as it is and reported: stale under the old scheme (made by other code than the
old commit's), or its configuration behaves differently today (a real change: recompute it).
Records already carrying today's fingerprint are left alone, so running it twice changes nothing.
The report also lists records whose data fingerprint differs from today's data preparation.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

from . import experiments, probe, sweep

HERE = Path(__file__).resolve().parent
ROOT = Path(__file__).resolve().parents[2]  # the repository


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def has_probe(commit: str, cwd: Path = ROOT) -> bool:
    """Does ``commit`` fingerprint by behaviour (a probe.py anywhere in its nnlib)?"""
    files = _git("ls-tree", "-r", "--name-only", commit, "--", "nnlib", cwd=cwd).split()
    return any(Path(f).name == "probe.py" for f in files)


def default_old_rev(cwd: Path = ROOT) -> str:
    """The newest commit of HEAD's first-parent history that fingerprints by source text (no
    probe.py): the code the stored records were last checked against under the old scheme."""
    for commit in _git("rev-list", "--first-parent", "HEAD", cwd=cwd).split():
        if not has_probe(commit, cwd):
            return commit
    raise SystemExit("no commit without a behaviour probe in HEAD's first-parent history: give --old-rev")


def legacy_answers(rev: str, configs: list[dict], cwd: Path = ROOT) -> list[dict]:
    """For each configuration, {"old": the old scheme's fingerprint, "probe": the behaviour
    digest}, both computed with the nnlib of commit ``rev`` (exported to a scratch folder)."""
    with tempfile.TemporaryDirectory(prefix="nnlib-restamp-") as tmp:
        archive = subprocess.run(["git", "archive", rev, "nnlib"], cwd=cwd, check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        env = {**os.environ, "PYTHONPATH": tmp}
        done = subprocess.run([sys.executable, str(HERE / "_legacy_probe.py"), tmp, str(HERE / "probe.py")],
                              input=json.dumps(configs), env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the probe with the code of {rev} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def all_record_files(profile: str, root: Path | None = None) -> list[Path]:
    """Every record file of every sweep of ``profile``."""
    base = (Path(root) if root else sweep.results_dir()) / profile
    return [p for folder in sorted(base.iterdir()) if folder.is_dir() for p in sweep.record_files(folder)]


def _key(config: dict) -> str:
    return json.dumps(config, sort_keys=True)


def verdicts(records: Sequence[dict], old_revs: Iterable[str], cwd: Path = ROOT) -> list[str]:
    """For each record: "current" (already today's fingerprint), "restamp" (earned, see the
    module docstring), "stale-old" (not a result of any old commit's code) or "changed" (a result
    of old code that behaves differently from today's)."""
    today = {_key(r["config"]): experiments.config_fingerprint(r["config"]) for r in records}
    out = ["current" if r.get("code_fingerprint") == today[_key(r["config"])] else None for r in records]
    for rev in old_revs:
        todo = {_key(r["config"]): r["config"] for r, v in zip(records, out) if v in (None, "stale-old")}
        if not todo:
            break
        answers = dict(zip(todo, legacy_answers(rev, list(todo.values()), cwd)))
        for i, r in enumerate(records):
            a = answers.get(_key(r["config"]))
            if out[i] in (None, "stale-old") and a is not None:
                if r.get("code_fingerprint") != a["old"]:
                    out[i] = "stale-old"
                else:
                    out[i] = "restamp" if a["probe"] == today[_key(r["config"])] else "changed"
    return [v or "stale-old" for v in out]


def restamp(paths: Sequence[Path], old_revs: Sequence[str], write: bool = True,
            cwd: Path = ROOT) -> dict[str, list[Path]]:
    """Restamp the records at ``paths`` that earn it; returns {verdict: [paths]}."""
    records = [sweep.read_record(p) for p in paths]
    found: dict[str, list[Path]] = {}
    for path, record, verdict in zip(paths, records, verdicts(records, old_revs, cwd)):
        found.setdefault(verdict, []).append(path)
        if verdict == "restamp" and write:
            old = record["code_fingerprint"]
            record["code_fingerprint"] = experiments.config_fingerprint(record["config"])
            record["restamped_from"] = old
            sweep.write_record(path, record)
    return found


def _labels(paths: list[Path]) -> str:
    counts = Counter(f"{p.parent.name}: {sweep.read_record(p)['config'].get('label')}" for p in paths)
    return "; ".join(f"{k} ×{n}" for k, n in sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    """``python -m nnlib.runner.restamp --profile full``: give the stored records that earn it the
    behaviour fingerprint (see the module docstring); exit status 1 if any record is refused."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m nnlib.runner.restamp", description=main.__doc__)
    parser.add_argument("--profile", required=True, help="results folder: full (the book's) or quick")
    parser.add_argument("--old-rev", action="append",
                        help="commit whose code the records were checked against under the old scheme "
                             "(repeatable; default: the newest first-parent commit without a probe.py)")
    parser.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    args = parser.parse_args(argv)
    old_revs = args.old_rev or [default_old_rev()]
    paths = all_record_files(args.profile)
    found = restamp(paths, old_revs, write=not args.dry_run)
    verb = "would be restamped" if args.dry_run else "restamped"
    print(f"{len(paths)} records; old code: {', '.join(r[:12] for r in old_revs)}")
    print(f"  already today's fingerprint: {len(found.get('current', []))}")
    print(f"  {verb}: {len(found.get('restamp', []))}")
    for verdict, what in (("stale-old", "REFUSED, stale under the old scheme (made by other code than the old commit's)"),
                          ("changed", "REFUSED, their configuration behaves differently today: recompute them")):
        if found.get(verdict):
            print(f"  {what}: {len(found[verdict])} — {_labels(found[verdict])}")
    data_stale = [p for p in paths if sweep.stale_reason(sweep.read_record(p)) == "data"]
    if data_stale:
        print(f"  data fingerprint differs from today's data preparation: {len(data_stale)} — {_labels(data_stale)}")
    return 1 if found.get("stale-old") or found.get("changed") or data_stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
