"""Every page of the built book as a reader sees it: headless Chromium at 1280 × 900.

For each page of ``_toc.yml``: no table and no figure is wider than the content column, no table
cell's text overflows its cell, every figure is an SVG or shown at ≥ 80 % of its natural size
(figures are drawn for the column, so the browser does not shrink their text), and no error is
visible (an exception's traceback, a docutils error message).

The book is $NNLIB_BOOK_HTML (a built book, as CI passes for _build/book-quick) or, without it,
the committed ``book/`` built now into a temporary folder.  Needs Debian's chromium and
chromium-driver and selenium, like the draw-page test (skipped without them, except under CI).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_draw_page import _need_browser, browser, serve  # noqa: F401  (browser: a fixture)

ROOT = Path(__file__).resolve().parents[1]
WINDOW = (1280, 900)
SMALLEST_SCALE = 0.8

pytestmark = pytest.mark.browser

MEASURE = """
const article = document.querySelector('article.bd-article') || document.querySelector('main');
const box = article.getBoundingClientRect(), style = getComputedStyle(article);
const left = box.left + parseFloat(style.paddingLeft), right = box.right - parseFloat(style.paddingRight);
const visible = el => !!(el.offsetParent || el.getClientRects().length) && getComputedStyle(el).visibility !== 'hidden';
const name = el => (el.id || el.className || el.tagName).toString().slice(0, 60);
const out = {column: right - left, wide: [], small: [], overflow: [], errors: [], tables: 0, figures: 0};
for (const t of article.querySelectorAll('table')) {
  if (!visible(t)) continue;
  out.tables += 1;
  const r = t.getBoundingClientRect();
  if (r.right > right + 1 || r.left < left - 1) out.wide.push(['table ' + name(t), Math.round(r.width)]);
  for (const c of t.querySelectorAll('td, th')) {
    if (c.scrollWidth > c.clientWidth + 1) { out.overflow.push([name(t), c.textContent.slice(0, 40)]); break; }
  }
}
for (const img of article.querySelectorAll('img')) {
  if (!visible(img)) continue;
  out.figures += 1;
  const r = img.getBoundingClientRect();
  const src = img.getAttribute('src') || '';
  if (r.right > right + 1 || r.left < left - 1) out.wide.push(['figure ' + src.split('/').pop(), Math.round(r.width)]);
  if (!/\\.svg$/i.test(src) && img.naturalWidth && r.width < 0.8 * img.naturalWidth)
    out.small.push([src.split('/').pop(), Math.round(r.width), img.naturalWidth]);
}
for (const e of article.querySelectorAll('.output.traceback, .output.error, .system-message, .admonition.error')) {
  if (visible(e)) out.errors.push(e.textContent.trim().slice(0, 120));
}
return out;
"""


def _pages() -> list[str]:
    toc = (ROOT / "_toc.yml").read_text()
    root = re.search(r"^root:\s*(\S+)", toc, flags=re.M).group(1)
    return [root] + re.findall(r"^\s*-\s*file:\s*(\S+)", toc, flags=re.M)


@pytest.fixture(scope="module")
def book_html(tmp_path_factory) -> Path:
    """$NNLIB_BOOK_HTML, or the committed book/ built now in a temporary copy."""
    _need_browser()
    given = os.environ.get("NNLIB_BOOK_HTML")
    if given:
        html = Path(given)
        assert (html / "index.html").exists(), f"{html}: not a built book (make book)"
        return html
    src = tmp_path_factory.mktemp("layout") / "book"
    shutil.copytree(ROOT / "book", src, ignore=shutil.ignore_patterns("_build"))  # links copied as files
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([str(jb), "build", "-q", str(src)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return src / "_build" / "html"


@pytest.fixture(scope="module")
def site(book_html):
    with serve(book_html) as url:
        yield url


@pytest.mark.parametrize("page", _pages())
def test_page_fits_the_column_at_1280_px(page, site, browser, book_html):  # noqa: F811
    if not (book_html / f"{page}.html").exists():
        pytest.fail(f"{page}.html is not in the built book")
    browser.set_window_size(*WINDOW)
    browser.get(f"{site}/{page}.html")
    seen = browser.execute_script(MEASURE)
    column = round(seen["column"])
    assert not seen["wide"], f"{page}: wider than the {column}-px content column: {seen['wide']}"
    assert not seen["overflow"], f"{page}: a cell's text overflows its cell (crushed column): {seen['overflow']}"
    assert not seen["small"], (f"{page}: figures shown below {SMALLEST_SCALE:.0%} of their natural size "
                               f"(shown px, natural px): {seen['small']}")
    assert not seen["errors"], f"{page}: an error is shown: {seen['errors']}"
