"""The claims page's gathering: every claim id, verdict kinds, links to the testing section."""
import json

import pytest

from nnlib import claims


def write(root, study, rows, page=None):
    folder = root / "quick"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"study{study}-claims.json").write_text(json.dumps(
        {"study": study, "page": page or f"study_{study}", "profile": "quick", "claims": rows}))


def test_expected_ids_cover_every_study():
    ids = claims.expected_ids()
    assert len(ids) == sum(claims.CLAIM_COUNTS.values()) == 43
    assert ids[0] == "000-1" and ids[-1] == "004-9" and "002-14" in ids


def test_gather_reports_ids_without_a_verdict(tmp_path):
    write(tmp_path, "000", [{"id": f"000-{i}", "claim": "c", "verdict": "reproduced"} for i in range(1, 12)])
    write(tmp_path, "004", [{"id": "004-1", "claim": "c", "verdict": ""}])
    df, missing = claims.gather("quick", tmp_path)
    assert len(df) == 12 and "000-5" not in missing
    assert "004-1" in missing and "001-1" in missing and len(missing) == 43 - 11
    assert set(df["anchor"]) == {"claims-and-verdicts"}  # the chapters' own section


@pytest.mark.parametrize("verdict,kind", [("reproduced", "reproduced"), ("Reproduced (to 3 decimals)", "reproduced"),
                                          ("partly reproduced: 6 of 7", "partly reproduced"),
                                          ("not reproduced: lower", "not reproduced"),
                                          ("true by construction", "not tested"), ("not tested yet", "not tested"),
                                          ("contradicted by the study's own figures on XOR (138×); not re-measured",
                                           "contradicted"),
                                          ('"single threaded" is contradicted by the study\'s own figures', "contradicted"),
                                          ("not re-measured (other machine); contradicted by 004-2", "not tested")])
def test_verdict_kinds(verdict, kind):
    assert claims.verdict_kind(verdict) == kind


def test_a_damaged_claims_file_is_named(tmp_path):
    (tmp_path / "quick").mkdir()
    (tmp_path / "quick" / "study002-claims.json").write_text("{not json")
    with pytest.raises(ValueError, match="study002-claims.json: not valid JSON"):
        claims.gather("quick", tmp_path)


def test_the_committed_book_has_a_verdict_for_every_claim():
    """The full-profile claims files committed with the book cover every claim id."""
    df, missing = claims.gather("full")
    assert not missing, f"claim ids without a verdict in data/results/full: {', '.join(missing)}"
    assert (df["verdict"].str.strip() != "").all()


def test_sources_page_lists_the_hashes_nnlib_checks():
    """The book's sources page shows the same SHA-256 of every data file as nnlib.data accepts."""
    from pathlib import Path

    from nnlib import data
    page = (Path(__file__).resolve().parents[1] / "book" / "sources.md").read_text()
    for files in data.SHA256.values():
        for name, digest in files.items():
            assert f"`{digest}`" in page, name
