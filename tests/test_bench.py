"""The benchmark's behaviour (never its speed): thread pinning, the load warning, the GEMM peak,
the table and targets, stored results, and the baselines it compares with."""
import json

import numpy as np
import pytest

from nnlib import data
from nnlib.book import baselines, bench


def test_pinned_threads_sets_and_restores_the_blas_threads():
    before = bench.blas_threads()
    with bench.pinned_threads(1):
        assert bench.blas_threads() == 1
    assert bench.blas_threads() == before


def test_pinned_threads_also_sets_pytorch():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    with bench.pinned_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("load,cpus,threads,warned", [
    (0.1, 2, 2, False), (0.4, 2, 2, False), (0.6, 2, 2, True), (1.9, 2, 1, True), (1.2, 2, 1, False),
    (2.0, 64, 2, False), (None, 2, 2, False)])
def test_load_warning_when_other_work_leaves_too_few_cpus(load, cpus, threads, warned):
    message = bench.load_warning(load, cpus, threads)
    assert (message is not None) == warned
    if warned:
        assert "loaded" in message and f"{load:.2f}" in message


@pytest.mark.parametrize("busy,threads,warned", [(0.05, 2, False), (0.3, 2, True), (0.9, 1, False), (1.4, 1, True)])
def test_measured_busy_cpus_decide_over_the_lagging_load_average(busy, threads, warned):
    message = bench.load_warning(9.0, 2, threads, other_cpus=busy)  # the load average alone would warn
    assert (message is not None) == warned
    if warned:
        assert f"{busy:.2f} CPUs busy" in message


def test_check_load_reports_both_measures(monkeypatch):
    monkeypatch.setattr(bench, "load_average", lambda: 3.0)
    monkeypatch.setattr(bench, "other_cpus_now", lambda seconds=1.0: 1.9)
    load, warning = bench.check_load(2, 2)
    assert load == {"load_average_before": 3.0, "other_processes_cpus_before": 1.9} and "1.90 CPUs busy" in warning


def test_other_load_measures_a_share_of_cpus():
    with bench.OtherLoad() as other:
        sum(i * i for i in range(200_000))
    assert other.cores is None or other.cores >= 0


def test_gemm_peak_is_the_best_size():
    g = bench.gemm_peak(sizes=(64, 128), repeats=2)
    assert set(g["by_size"]) == {64, 128} and g["peak"] == max(g["by_size"].values()) > 0


def test_training_flops_of_the_batch_10_network():
    # forward 784·30 + 30·10 multiply-adds; backward twice that, less the input layer's dx
    assert bench.training_flops(bench.c1_model()) == 2 * (3 * (784 * 30 + 300) - 784 * 30)


def _fake_mnist(monkeypatch, m=400):
    rng = np.random.default_rng(0)
    fake = data.Dataset(name="mnist", X_train=rng.random((m, 784), dtype=np.float32),
                        y_train=rng.integers(0, 10, m), X_test=rng.random((50, 784), dtype=np.float32),
                        y_test=rng.integers(0, 10, 50), image_shape=(28, 28), n_classes=10)
    monkeypatch.setattr(data, "load", lambda name, **kw: fake)


def test_measure_pins_threads_and_reports_every_implementation(monkeypatch, tmp_path, capsys):
    _fake_mnist(monkeypatch)
    monkeypatch.setattr(bench, "GEMM_SIZES", (64,))
    monkeypatch.setattr(bench, "load_average", lambda: 9.5)  # a loaded machine
    monkeypatch.setattr(bench, "other_cpus_now", lambda seconds=1.0: 1.5)
    result = bench.measure(threads=(1,), examples=200, naive_examples=20, configs=["c1", "c1x10", "rnn"],
                           progress=False)
    assert result["gemm"]["1"]["blas_threads"] == 1
    impls = {(r["config"], r["implementation"]) for r in result["rows"]}
    for impl in ("nnlib", "bare NumPy loop", "naive per-example NumPy", "scikit-learn", "FLOP floor"):
        assert ("c1", impl) in impls
    assert ("rnn", "scikit-learn") not in impls  # MLPClassifier cannot express an RNN
    single = bench.seconds_of(result, "c1", "naive per-example NumPy", 1)
    assert bench.seconds_of(result, "c1x10", "naive per-example NumPy", 1) == pytest.approx(10 * single)
    assert result["warnings"] and "loaded" in result["warnings"][0]
    text = bench.report(result)
    assert "1 thread(s) (BLAS threads in force: 1)" in text and "WARNING" in text
    assert any(t["target"].startswith("c1 within 1.2×") for t in bench.targets(result))
    path = bench.write_result(result, tmp_path / "bench.json")
    assert bench.read_result(path)["rows"] == json.loads(json.dumps(result["rows"]))


def test_main_prints_the_load_warning(monkeypatch, capsys):
    _fake_mnist(monkeypatch, m=200)
    monkeypatch.setattr(bench, "GEMM_SIZES", (64,))
    monkeypatch.setattr(bench, "load_average", lambda: 5.0)
    monkeypatch.setattr(bench, "other_cpus_now", lambda seconds=1.0: None)  # no /proc/stat: the load average decides
    bench.main(["--threads", "1", "--examples", "200", "--naive-examples", "10", "--configs", "adam", "--no-compare"])
    out = capsys.readouterr().out
    assert out.count("WARNING: this machine is loaded") == 2  # before the run and under the table


def test_bad_arguments_and_bad_files_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        bench.main(["--threads", "0"])
    assert "≥ 1" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown configuration"):
        bench.measure(configs=["nope"])
    bad = tmp_path / "bench.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bench.json: not a readable measurement"):
        bench.read_result(bad)


def test_naive_baselines_train_one_epoch():
    rng = np.random.default_rng(1)
    X, y = rng.random((24, 784)), rng.integers(0, 10, 24)
    examples = baselines.column_vector_examples(X, y)
    assert examples[0][0].shape == (784, 1) and examples[0][1].sum() == 1
    baselines.naive_mlp_epoch([784, 30, 10], examples, 3.0, 10)
    baselines.naive_mlp_epoch([784, 16, 16, 10], examples, 1e-3, 8, "tanh", "softmax", "adam")
    baselines.naive_recursive_epoch(784, 12, 3, examples, 0.01, 8)
    seq = baselines.column_vector_examples(rng.random((12, 9, 84)), y[:12])
    assert seq[0][0].shape == (9, 84, 1)
    baselines.naive_rnn_epoch(84, 8, seq, 1e-3, 4)
    baselines.bare_numpy_epoch(X.astype(np.float32), y)
