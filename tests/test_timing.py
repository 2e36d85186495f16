"""One-process timings of a study's networks (nnlib.book.timing)."""
import pytest

from nnlib.runner import studies
from nnlib.book import timing


def test_epoch_timings_times_every_configuration(require_dataset):
    require_dataset("mnist")
    (mnist, _) = studies.study_001("quick")
    configs = {c["label"]: c for c in mnist.grid if c["label"] in ("MLP 0 hidden", "RNN 1×2")}
    assert len(configs) == 2
    out = timing.epoch_timings(configs, "mnist", n_images=200, repeats=2)
    assert set(out["rows"]) == set(configs)
    assert out["n_images"] == 200 and out["repeats"] == 2 and out["dataset"] == "mnist"
    assert out["n_train"] >= 200
    for row in out["rows"].values():
        assert row["train_epoch_seconds"] > 0 and row["inference_seconds"] > 0 and row["n_test"] == 10_000
    assert "cpu" in out["machine"] and "blas" in out["machine"]


@pytest.mark.parametrize("kw, message", [({"n_images": 0}, "n_images"), ({"n_images": 10, "repeats": 0}, "repeats")])
def test_epoch_timings_refuses_nonsense(kw, message):
    with pytest.raises(ValueError, match=message):
        timing.epoch_timings({}, "mnist", **kw)
