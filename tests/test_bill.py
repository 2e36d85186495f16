"""The book's bill: single-thread hours per chapter from stored records, complete or not."""
import json

from nnlib.runner import studies, sweep
from nnlib.book import bill


def _write(folder, config, dataset, seed, wall, replicas):
    path = sweep.record_path(folder, config, dataset, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"config": config, "dataset": dataset, "seed": seed, "wall_seconds": wall,
                                "replicas_in_pass": replicas}))


def test_costs_count_each_group_once_and_say_what_is_missing(tmp_path):
    (s,) = studies.study_003("full")
    folder = tmp_path / "full" / "study003"
    for seed in s.seeds:  # the first configuration complete, as one group of all seeds
        _write(folder, s.grid[0], s.dataset, seed, 360.0, len(s.seeds))
    _write(folder, s.grid[1], s.dataset, 0, 36.0, 1)
    _write(tmp_path / "full" / "study999-extra", {"label": "x", "model": "MLP"}, "mnist", 0, 7.2, 1)
    costs = bill.sweep_costs("full", root=tmp_path).set_index("sweep")
    row = costs.loc["study003"]
    assert row["trials"] == len(s.seeds) + 1 and row["groups"] == 2
    assert row["expected"] == len(s.grid) * len(s.seeds) and not row["complete"]
    assert abs(row["core_hours"] - (360 + 36) / 3600) < 1e-12
    assert costs.loc["study999-extra", "chapter"] == "study_999" and costs.loc["study999-extra", "complete"] is None
    assert f"{costs.loc['study003', 'expected']}" == str(len(s.grid) * len(s.seeds))  # printed as a whole number
    assert costs.loc["study000", "trials"] == 0  # defined, nothing stored


def test_measurement_costs_read_the_stored_totals(tmp_path):
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"total_seconds": 90, "machine": {"measured_at": "2026-01-01T00:00:00+00:00"}}))
    df = bill.measurement_costs({"speed": path, "missing": tmp_path / "none.json"})
    assert list(df["chapter"]) == ["speed"] and df["minutes"].iloc[0] == 1.5
