"""The claims page's gathering: every claim id, verdict kinds, links to the testing section."""
import json

import pytest

from nnlib.book import claims


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


def test_gather_carries_what_a_verdict_depends_on(tmp_path):
    write(tmp_path, "001", [{"id": "001-1", "claim": "c", "verdict": "reproduced", "depends on": "the partner",
                             "tests": 10, "correction": "Holm over 60"},
                            {"id": "001-2", "claim": "c", "verdict": "reproduced"}])
    df, _ = claims.gather("quick", tmp_path)
    assert df["depends on"].tolist() == ["the partner", ""]
    assert df["tests"].tolist() == [10, 0] and df["correction"].tolist() == ["Holm over 60", ""]


def test_quoted_differences_are_the_signed_intervals():
    text = ("D4 − Medium: -0.36 points [-0.65, -0.07]; 97.15 % [96.86, 97.45]; 1.24× [1.19, 1.28]; "
            "c1 + cross-entropy − c1 +1.32 points [-1.34, +3.99]; −0.50 [−0.90, −0.10]")
    assert claims.quoted_differences(text) == [(-0.36, -0.65, -0.07), (1.32, -1.34, 3.99), (-0.5, -0.9, -0.1)]


def test_interval_p_recovers_welch_p_with_its_degrees_of_freedom():
    import numpy as np
    from scipy import stats

    from nnlib.book import report
    a, b = np.array([1.0, 1.3, 0.8, 1.1, 1.2]), np.array([0.7, 0.9, 0.6, 1.0, 0.75, 0.8])
    d, lo, hi, p = report.welch_test(a, b)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    dof = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    assert claims.interval_p(d, lo, hi, dof) == pytest.approx(p, rel=1e-6)
    # a normal reading is the least conservative; few degrees of freedom the most
    assert claims.interval_p(d, lo, hi) < p < claims.interval_p(d, lo, hi, 2)
    assert claims.interval_p(0.0, -1.0, 1.0) == pytest.approx(1.0)
    assert claims.interval_p(1.0, 1.0, 1.0) == 0.0
    assert stats.norm.sf(0) == 0.5


def test_correction_over_quoted_differences_shows_what_changes(tmp_path):
    # 000-4's interval alone excludes 0 (p 0.015 read as normal, 0.026 as t with 4 dof); with one more such
    # difference and a clear one, Holm doubles it: under 0.05 only in the least conservative reading
    rows = [{"id": "000-4", "claim": "c", "verdict": "not reproduced: the opposite holds",
             "we measured": "D4 − Medium: -0.36 points [-0.65, -0.07]"},
            {"id": "000-6", "claim": "c", "verdict": "reproduced",
             "we measured": "+0.98 points [+0.81, +1.15]; +0.40 points [+0.08, +0.72]"},
            {"id": "000-10", "claim": "c", "verdict": "reproduced (competitive)",
             "we measured": "D4 − Medium -0.36 points [-0.65, -0.07] with fewer parameters"},
            {"id": "000-7", "claim": "c", "verdict": "true by construction", "we measured": "+9.00 [+8.00, +10.00]"}]
    write(tmp_path, "000", rows)
    df, _ = claims.gather("quick", tmp_path)
    tests = claims.difference_tests(df)
    assert len(tests) == 4  # 000-7 is not a measured verdict
    assert len(tests.drop_duplicates(["study", "dataset", "d", "lo", "hi"])) == 3  # one difference quoted twice
    shared = tests[tests["id"].isin(["000-4", "000-10"])]
    assert shared["holm_high"].nunique() == 1 and (shared["holm_high"] > 0.05).all()
    readings = claims.corrected_reading(tests)
    assert set(readings) == {0, 1, 2}  # 000-4, 000-10 and 000-6's second difference, not its first
    assert "+0.98" not in readings[1] and "+0.40" in readings[1]
    assert "significant only if the seeds give the test many degrees of freedom" in readings[0]
    assert "after Holm over the book's 3 quoted differences" in readings[0]
    assert claims.book_tests(df, 3, {"synthesis": 10}) == 13
    df.loc[1, "tests"] = 6  # a chapter that ran 6 tests behind 000-6's two quoted differences
    assert claims.book_tests(df, 3, {}) == 6 + 3 - 2
    parts = claims.book_test_counts(df, 3, {"synthesis": 10})
    assert (parts["quoted"], parts["own"], parts["quoted_own"], parts["table"]) == (3, 6, 2, 7)
    assert parts["total"] == parts["table"] + parts["synthesis"] == 17
