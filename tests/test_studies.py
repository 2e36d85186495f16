"""The book's sweep definitions (nnlib.runner.studies), the row reading of study 001, and the single-run
verdict used by the chapters."""
import numpy as np
import pytest

from nnlib import data
from nnlib.runner import experiments, studies
from nnlib.book import report


@pytest.mark.parametrize("profile", studies.PROFILES)
def test_every_sweep_configuration_is_valid(profile):
    for name, make in studies.STUDIES.items():
        if name == "002-kernel":  # defined only under the other BLAS kernel it exists to compare with
            continue
        for s in make(profile):
            assert s.grid and s.seeds
            for config in s.grid:
                experiments.check_config(config, s.dataset)


def test_study_000_grid_is_the_studys():
    (s,) = studies.study_000("full")
    labels = {c["label"] for c in s.grid}
    assert len(s.grid) == len(labels) * 9 and len(s.seeds) >= 5 and s.dataset == "mnist"
    assert {c["optimizer"]["lr"] for c in s.grid} == {0.005, 0.01, 0.02}
    assert {c["batch_size"] for c in s.grid} == {32, 64, 128}
    assert {c["epochs"] for c in s.grid} == {15} and {c["split"] for c in s.grid} == {"validation"}
    counts = {c["label"]: experiments.build_model(c, [0]).n_parameters for c in s.grid}
    assert counts["StandardNet Medium"] == 109_386 and counts["StandardNet Large"] == 242_762
    assert counts["RecursiveNet D4"] == 77_802 and counts["RecursiveNet D2"] == 109_930
    assert counts["RecursiveNet D6"] == 60_630 and counts["RecursiveNet D8"] == 51_370


def test_study_001_parameter_counts_match_the_claims_table():
    """The counts in CLAIMS.md's study-001 table (PyTorch's RNN biases b_ih and b_hh)."""
    (mnist, fashion) = studies.study_001("full")
    assert fashion.grid == mnist.grid and len(mnist.grid) == 21 and len(mnist.seeds) == 10
    counts = {c["label"]: experiments.build_model(c, [0]).n_parameters for c in mnist.grid}
    assert counts["MLP 0 hidden"] == 7_850
    for h, mlp1, mlp2, rnn1, rnn2 in [(2, 1_600, 1_606, 206, 218), (16, 12_730, 13_002, 1_802, 2_346),
                                       (64, 50_890, 55_050, 10_250, 18_570)]:
        assert (counts[f"MLP 1×{h}"], counts[f"MLP 2×{h}"], counts[f"RNN 1×{h}"], counts[f"RNN 2×{h}"]) == (mlp1, mlp2, rnn1, rnn2)
    assert {c["epochs"] for c in mnist.grid} == {200} and {c["optimizer"]["lr"] for c in mnist.grid} == {1e-4}


def test_row_windows_reads_three_rows_per_step():
    X = np.arange(2 * 784, dtype=np.float32).reshape(2, 784)
    images = X.reshape(2, 28, 28)
    windows = data.row_windows(X)
    assert windows.shape == (2, 9, 84)
    for t in (0, 4, 8):
        np.testing.assert_array_equal(windows[1, t], images[1, 3 * t:3 * t + 3].reshape(-1))
    with pytest.raises(ValueError, match="height must be between 1 and the number of rows 28"):
        data.row_windows(X, height=29)


def test_prediction_interval_and_single_run_verdict():
    values = [93.1, 93.3, 93.0, 93.4, 93.2]
    m, lo, hi = report.prediction_interval(values)
    assert m == pytest.approx(93.2) and lo < 93.0 and hi > 93.4  # wider than the seeds' spread
    mean_lo, mean_hi = report.mean_ci(values)[1:]
    assert lo < mean_lo and hi > mean_hi  # and wider than the interval of the mean
    assert report.single_run_verdict(values, 93.5) == "reproduced"
    assert report.single_run_verdict(values, 95.0).startswith("not reproduced: the study's run is higher")
    assert report.single_run_verdict(values, 91.0).startswith("not reproduced: the study's run is lower")
    assert report.single_run_verdict([93.0], 93.0).startswith("not enough data")


def test_convergence_epoch():
    assert report.convergence_epoch([0.80, 0.90, 0.93, 0.931, 0.929]) == 3
    assert report.convergence_epoch([0.93, 0.931]) == 1
    assert report.convergence_epoch([0.90, 0.94, 0.90, 0.94]) == 4  # it must stay near the best
    assert report.convergence_epoch([np.nan, 0.90, np.nan, 0.94, np.nan, 0.941]) == 4
    assert report.convergence_epoch([0.90, 0.97, 0.96]) is None  # ends 1 point below its best: not settled
    assert report.convergence_epoch([0.90, 0.97, 0.966, np.nan]) == 2
    with pytest.raises(ValueError, match="no evaluated epoch"):
        report.convergence_epoch([np.nan, np.nan])
