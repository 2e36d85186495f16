"""The "draw a digit" page (book/draw.md) in headless Chromium, against nnlib.

The page is built with jupyter-book (or taken from $NNLIB_BOOK_HTML, a built book), served by a
static file server on 127.0.0.1, and driven with Selenium: it is fed the shipped MNIST test images
and pen strokes drawn with simulated mouse and touch input, and every network's outputs on the page
must equal nnlib's ``predict_proba`` on the same 28×28 image to float32 precision; the image the
page shows must be ``nnlib.data.drawing.mnist_style`` of the canvas's ink.  Besides the book's own
networks, a set of small networks covering every class, activation and input the page supports
(trained here on the shipped images) is swapped into a copy of the built page.

Needs /usr/bin/chromium, /usr/bin/chromedriver (Debian's chromium and chromium-driver) and
selenium; skipped without them, except under CI=true, where .ci/run installs them.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import nnlib
from nnlib.data import drawing
from nnlib.book import export

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
TOLERANCE = 1e-5  # outputs in [0, 1]: float32 rounding of the weights' sums, not an algorithmic slack
IMAGE_TOLERANCE = 1e-9  # the preprocessing runs in double precision on both sides

pytestmark = pytest.mark.browser


def _need_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        message = (f"browser test needs {', '.join(missing)} (apt-get install chromium chromium-driver; "
                   "pip install -r requirements.txt)")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


# ---------------------------------------------------------------- the built page, served
@pytest.fixture(scope="module")
def built_html(tmp_path_factory) -> Path:
    """The built book's HTML folder: $NNLIB_BOOK_HTML, or a book of this one page built now with
    the book's configuration."""
    _need_browser()
    given = os.environ.get("NNLIB_BOOK_HTML")
    if given:
        html = Path(given)
        assert (html / "draw.html").exists(), f"{html}: no draw.html; build the book first (make book)"
        shipped = sorted(p.name for p in (ROOT / "book" / "_extra" / "draw").iterdir())
        stale = [name for name in shipped if not (html / "draw" / name).exists()
                 or (html / "draw" / name).read_bytes() != (ROOT / "book" / "_extra" / "draw" / name).read_bytes()]
        assert not stale, (f"{html}/draw is older than book/_extra/draw ({', '.join(stale)}): "
                           "rebuild the book (jupyter-book build book/)")
        return html
    src = tmp_path_factory.mktemp("book")
    shutil.copy(ROOT / "book" / "draw.md", src / "draw.md")
    shutil.copytree(ROOT / "book" / "_extra", src / "_extra")
    shutil.copy(ROOT / "_config.yml", src / "_config.yml")
    (src / "_toc.yml").write_text("format: jb-book\nroot: draw\n")
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "build", str(src)], check=True, capture_output=True, text=True)
    return src / "_build" / "html"


@contextlib.contextmanager
def serve(folder: Path):
    """A static file server for ``folder`` on 127.0.0.1 (what `python -m http.server` does)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--window-size=1280,1400", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(driver, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import TimeoutException
    driver.get(f"{url}/draw.html")
    try:
        WebDriverWait(driver, 30).until(lambda d: d.execute_script("return !!(window.nnlibDraw && nnlibDraw.ready)"))
    except TimeoutException:
        status = driver.find_element("id", "nnd-status").text
        pytest.fail(f"the page did not start ({status!r}); browser log: {driver.get_log('browser')}")


# ---------------------------------------------------------------- small networks of every kind
def _small_networks() -> list[tuple[str, nnlib.Model, str]]:
    """(key, model, input kind): every class, activation and input the page computes."""
    return [
        ("mlp_sigmoid", nnlib.MLP([784, 30, 10], activation="sigmoid", output_activation="sigmoid",
                                  cost="quadratic", init="normal"), "pixels"),
        ("mlp_relu", nnlib.MLP([784, 32, 16, 10], activation="relu", init="he"), "pixels"),
        ("mlp_tanh_leaky", nnlib.MLP([784, 12, 8, 10], activation=["tanh", {"name": "leaky_relu", "alpha": 0.2}],
                                     init="pytorch"), "pixels"),
        ("mlp_patch_conv", nnlib.MLP([1078, 20, 10], activation="sigmoid", output_activation="sigmoid",
                                     cost="cross_entropy", init="scaled_normal"), "patch_conv"),
        ("recursive", nnlib.RecursiveNet(hidden=24, depth=3), "pixels"),
        ("recursive_residual", nnlib.RecursiveNet(hidden=20, depth=4, residual=True), "pixels"),
        ("rnn_1", nnlib.RNN(n_in=84, hidden=16), "column_windows"),
        ("rnn_2_rows", nnlib.RNN(n_in=84, hidden=8, n_layers=2), "row_windows"),
    ]


@pytest.fixture(scope="module")
def small_site(built_html, tmp_path_factory) -> Path:
    """A copy of the built page whose networks are :func:`_small_networks`, each trained for a few
    epochs on the shipped sample images (so that their outputs are not uniform)."""
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(built_html, site, dirs_exist_ok=True)
    folder = site / "draw"
    for old in folder.glob("net-*.js"):
        old.unlink()
    _, images, labels = export.read_samples(folder / "samples.js")
    entries = []
    for key, model, kind in _small_networks():
        spec = export.input_spec(kind)
        model.fit(export.model_input(images, spec), labels, epochs=3, batch_size=16,
                  optimizer={"name": "adam", "lr": 3e-3})
        about = {"study": "test", "label": key, "chosen": "test network", "seed": 0, "record": "-",
                 "profile": "test", "dataset": "mnist", "retrained": "trained in the test",
                 "test_accuracy": 0.0, "val_accuracy": None, "epochs": 3, "batch_size": 16,
                 "optimizer": {"name": "adam", "lr": 3e-3}, "input": kind, "augment": False,
                 "split": "official", "n_parameters": model.n_parameters, "code_fingerprint": "-"}
        export.write_network(folder / f"net-{key}.js", export.network_payload(model, kind, key, key, about))
        entries.append({"key": key, "title": key, "study": "test", "file": f"net-{key}.js"})
    manifest = {"generator": "tests/test_draw_page.py", "profile": "test", "networks": entries,
                "missing": [], "samples": "samples.js", "n_samples": int(len(labels))}
    (folder / "networks.js").write_text(export._js_call("setManifest", manifest))
    return site


def _page_networks(site: Path) -> dict[str, tuple[nnlib.Model, dict]]:
    folder = site / "draw"
    manifest = export._read_js_call(folder / "networks.js", "setManifest")
    return {n["key"]: export.read_network(folder / n["file"]) for n in manifest["networks"]}


def _compare_outputs(networks, images: np.ndarray, outputs: dict[str, np.ndarray]) -> float:
    """Max |page − nnlib| over every network and image; the predictions must agree wherever the
    two largest outputs are further apart than the tolerance."""
    worst = 0.0
    for key, (model, payload) in networks.items():
        want = export.page_predict_proba(model, payload["input"], images)
        got = np.asarray(outputs[key])
        assert got.shape == want.shape, key
        diff = float(np.abs(got - want).max())
        assert diff <= TOLERANCE, f"{key}: the page's outputs differ from nnlib's by up to {diff:.2e}"
        top2 = np.sort(want, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > TOLERANCE
        assert (got.argmax(1) == want.argmax(1))[clear].all(), f"{key}: the page predicts another digit"
        worst = max(worst, diff)
    return worst


SAMPLES_THROUGH_PAGE = """
const out = {inputs: [], outputs: {}, shown: []};
nnlibDraw.networks.forEach(n => out.outputs[n.key] = []);
const view = document.getElementById('nnd-view').getContext('2d');
for (let i = 0; i < nnlibDraw.samples.labels.length; i++) {
  nnlibDraw.showSample(i);
  nnlibDraw.flush();
  out.inputs.push(Array.from(nnlibDraw.state.input));
  for (const k in nnlibDraw.state.outputs) out.outputs[k].push(Array.from(nnlibDraw.state.outputs[k]));
  if (i < 5) out.shown.push(Array.from(view.getImageData(0, 0, 28, 28).data));
}
return out;
"""


def _check_samples(driver, site: Path) -> tuple[int, float]:
    """Every shipped test image through the page; returns (images compared, max difference)."""
    _, images, _ = export.read_samples(site / "draw" / "samples.js")
    got = driver.execute_script(SAMPLES_THROUGH_PAGE)
    inputs = np.array(got["inputs"])
    np.testing.assert_allclose(inputs, images, atol=1e-7)  # bytes / 255 in float64 vs float32
    for shown, img in zip(got["shown"], inputs):
        grey = np.array(shown).reshape(-1, 4)[:, 0]
        np.testing.assert_array_equal(grey, 255 - np.floor(255 * img + 0.5))
    worst = _compare_outputs(_page_networks(site), inputs, {k: np.array(v) for k, v in got["outputs"].items()})
    return len(images), worst


def test_every_kind_of_network_matches_nnlib_on_the_shipped_images(browser, small_site):
    with serve(small_site) as url:
        open_page(browser, url)
        n, worst = _check_samples(browser, small_site)
    assert n >= 50
    print(f"\n{n} MNIST test images × {len(_small_networks())} small networks: max |page − nnlib| = {worst:.2e}")


def test_the_book_networks_match_nnlib_on_the_shipped_images(browser, built_html):
    manifest = export._read_js_call(built_html / "draw" / "networks.js", "setManifest")
    assert manifest["networks"], "the page shows no network: run make draw-export"
    with serve(built_html) as url:
        open_page(browser, url)
        n, worst = _check_samples(browser, built_html)
        shown = browser.execute_script("return nnlibDraw.networks.map(n => n.key)")
    assert shown == [net["key"] for net in manifest["networks"]]
    assert n >= 50
    print(f"\n{n} MNIST test images × {len(shown)} book networks ({', '.join(shown)}): "
          f"max |page − nnlib| = {worst:.2e}")


# ---------------------------------------------------------------- pen strokes
def _circle(cx, cy, rx, ry, n=24, start=0.0, turns=1.0):
    t = start + np.linspace(0, 2 * np.pi * turns, n)
    return list(zip(cx + rx * np.cos(t), cy + ry * np.sin(t)))


STROKES = {  # canvas pixel coordinates (280 × 280)
    "one": [[(140, 40), (142, 120), (144, 240)]],
    "zero": [_circle(140, 140, 60, 95)],
    "seven": [[(70, 50), (210, 50), (120, 250)], [(110, 150), (180, 150)]],
    "small four in a corner": [[(30, 20), (20, 60), (60, 60)], [(50, 20), (52, 90)]],
    "wide two": [_circle(140, 90, 110, 50, n=12, start=np.pi, turns=0.6) + [(20, 230), (270, 230)]],
    "dot": [[(200, 200)]],
    "eight": [_circle(140, 80, 45, 45, n=16), _circle(140, 190, 55, 55, n=16)],
    "three": [_circle(130, 80, 60, 45, n=10, start=-np.pi, turns=0.75),
              _circle(130, 180, 65, 55, n=10, start=-np.pi / 2, turns=0.75)],
}


def _draw(driver, strokes, kind: str = "mouse") -> None:
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput
    canvas = driver.find_element("id", "nnd-canvas")
    pointer = PointerInput(interaction.POINTER_TOUCH if kind == "touch" else interaction.POINTER_MOUSE, kind)
    actions = ActionBuilder(driver, mouse=pointer, duration=0)
    for stroke in strokes:  # offsets from the element's centre (the canvas is 280 CSS px)
        x0, y0 = stroke[0]
        actions.pointer_action.move_to(canvas, int(x0) - 140, int(y0) - 140)
        actions.pointer_action.pointer_down()
        for x, y in stroke[1:]:
            actions.pointer_action.move_to(canvas, int(x) - 140, int(y) - 140)
        actions.pointer_action.pointer_up()
    actions.perform()


READ_PAGE = """
nnlibDraw.flush();
const view = document.getElementById('nnd-view').getContext('2d');
const out = {ink: nnlibDraw.inkRaster(), size: nnlibDraw.canvasSize(), source: nnlibDraw.state.source,
             input: Array.from(nnlibDraw.state.input), outputs: {},
             shown: Array.from(view.getImageData(0, 0, 28, 28).data)};
for (const k in nnlibDraw.state.outputs) out.outputs[k] = Array.from(nnlibDraw.state.outputs[k]);
return out;
"""


def _check_drawing(driver, networks) -> tuple[np.ndarray, float]:
    """The page's 28×28 image is mnist_style of its canvas ink, it shows that image, and every
    network's outputs match nnlib on it.  Returns (the image, max output difference)."""
    got = driver.execute_script(READ_PAGE)
    ink = np.array(got["ink"]).reshape(got["size"])
    image = np.array(got["input"])
    np.testing.assert_allclose(image, drawing.mnist_style(ink).ravel(), atol=IMAGE_TOLERANCE, rtol=0)
    grey = np.array(got["shown"]).reshape(-1, 4)[:, 0]
    np.testing.assert_array_equal(grey, 255 - np.floor(255 * image + 0.5))
    outputs = {k: np.array(v)[None] for k, v in got["outputs"].items()}
    return image, _compare_outputs(networks, image[None], outputs)


def test_strokes_become_the_image_shown_and_the_networks_agree(browser, small_site):
    networks = _page_networks(small_site)
    worst = 0.0
    with serve(small_site) as url:
        open_page(browser, url)
        for name, strokes in STROKES.items():
            browser.find_element("id", "nnd-clear").click()
            _draw(browser, strokes, kind="touch" if name == "seven" else "mouse")
            image, diff = _check_drawing(browser, networks)
            worst = max(worst, diff)
            assert image.max() > 0.5, f"{name}: no ink reached the image"
            rows, cols = np.nonzero(image.reshape(28, 28))
            assert max(np.ptp(rows), np.ptp(cols)) + 1 <= drawing.BOX + 1, name
        # undo takes the last stroke away; clear leaves nothing
        browser.find_element("id", "nnd-undo").click()
        image, _ = _check_drawing(browser, networks)
        assert image.sum() > 0
        browser.find_element("id", "nnd-clear").click()
        image, _ = _check_drawing(browser, networks)
        assert image.sum() == 0
    print(f"\n{len(STROKES)} drawings × {len(networks)} networks: max |page − nnlib| = {worst:.2e}")


def test_show_me_buttons(browser, small_site):
    from selenium.webdriver.support.ui import Select
    networks = _page_networks(small_site)
    _, images, labels = export.read_samples(small_site / "draw" / "samples.js")
    with serve(small_site) as url:
        open_page(browser, url)
        browser.find_element("id", "nnd-random").click()
        state = browser.execute_script("nnlibDraw.flush(); return [nnlibDraw.state.source, nnlibDraw.state.sample]")
        assert state[0] == "sample"
        for key, (model, payload) in networks.items():
            Select(browser.find_element("id", "nnd-wrong-net")).select_by_value(key)
            browser.find_element("id", "nnd-wrong").click()
            i = browser.execute_script("nnlibDraw.flush(); return nnlibDraw.state.sample")
            predictions = export.page_predict_proba(model, payload["input"], images).argmax(axis=1)
            if (predictions == labels).all():  # nothing to show: the page says so
                assert "every shipped test image right" in browser.find_element("css selector", ".nnd-note").text
                continue
            assert predictions[i] != labels[i], f"{key}: the image shown as wrong is read correctly"


def test_page_works_offline_from_a_static_server(browser, built_html):
    with serve(built_html) as url:
        open_page(browser, url)
        resources = browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
        status = browser.find_element("id", "nnd-status").text
        log = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    # The theme's own pages declare sphinx-thebe's settings twice (a SyntaxError on every page of
    # the book, harmless); what must not happen is an error in the page's scripts or a failed load.
    errors = [m for m in log if "/draw/" in m or ("Failed to load" in m and "favicon.ico" not in m)]
    outside = [r for r in resources if not r.startswith(url)]
    assert not outside, f"the page fetched from elsewhere: {outside}"
    assert any(r.endswith("/draw/samples.js") for r in resources)
    assert status.endswith(" loaded"), status
    assert not errors, errors
