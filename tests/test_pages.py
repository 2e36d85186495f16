"""What a reader sees, checked without a browser: numbers and order in tables (nnlib.book.tables),
figures fitted to the column (nnlib.book.figures), and the build's refusal of a broken page
(nnlib.book.sphinx_pages)."""
import json
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from nnlib.book import figures, sphinx_pages, tables  # noqa: E402


# ---------------------------------------------------------------- tables
def test_numbers_are_formatted_by_column():
    assert tables.format_column([0.019, -0.125, 0.5]) == ["0.019", "-0.125", "0.500"]
    assert tables.format_column([93.6612, 97.1, np.nan]) == ["93.66", "97.10", "–"]
    assert tables.format_column([41090, 7, 109386]) == ["41,090", "7", "109,386"]
    assert tables.format_column([12.0, 3.0]) == ["12", "3"]
    assert tables.format_column(["c2", None, True]) == ["c2", "", "True"]


def test_rows_sorted_as_strings_are_put_in_natural_order():
    df = pd.DataFrame({"dataset": ["a", "a", "a", "b", "b"],
                       "network": ["RNN 1×16", "RNN 1×2", "RNN 1×32", "MLP 10", "MLP 9"], "acc": [1, 2, 3, 4, 5]})
    out = tables.natural_order(df)
    assert list(out["network"]) == ["RNN 1×2", "RNN 1×16", "RNN 1×32", "MLP 9", "MLP 10"]
    assert list(out["acc"]) == [2, 1, 3, 5, 4]
    chosen = pd.DataFrame({"network": ["c2", "c10", "c1"], "acc": [3, 2, 1]})  # an order of its own
    assert tables.natural_order(chosen) is chosen


def test_a_table_too_wide_for_the_column_is_split_with_its_key_in_every_part():
    wide = pd.DataFrame({"network": ["StandardNet Medium", "RecursiveNet D4"],
                         **{f"measurement number {i}": [f"{i}.123456789", "1"] for i in range(12)}})
    html = tables.to_html(wide, "w")
    parts = re.findall(r'<table id="T_(w-\d)"', html)
    assert len(parts) >= 2 and html.count(">network<") == len(parts)
    for piece in html.split("</table>")[:-1]:
        headers = re.findall(r'class="col_heading[^"]*"[^>]*>([^<]*)<', piece)
        cells = pd.DataFrame({h: ["x" * 9] for h in headers})
        assert sum(n for n, _ in tables.column_widths(cells)) <= tables.CONTENT_PX
    narrow = pd.DataFrame({"network": ["c1"], "accuracy": [93.5]})
    assert tables.to_html(narrow, "n").count("<table") == 1
    assert 'class="nnlib-table"' in tables.to_html(narrow, "n")


def test_a_split_can_be_chosen_by_hand():
    df = pd.DataFrame({"name": ["a", "b"], "x": [1, 2], "y": [3, 4], "z": [5, 6]})
    html = tables.to_html(df, "h", parts=[["x"], ["y", "z"]])
    assert html.count("<table") == 2 and html.count(">name<") == 2 and "Part 2 of 2" in html


# ---------------------------------------------------------------- figures
def test_a_wide_row_of_panels_is_restacked_to_the_column_with_legible_text():
    figures.apply()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
    for ax in axes:
        ax.errorbar(np.arange(1, 40) * 1000, np.linspace(40, 99, 39), yerr=1, fmt="s", ms=3, label="x")
        ax.set_xscale("log")
        ax.tick_params(labelsize=6)
    axes[0].legend(fontsize=7)
    axes[0].set_ylabel("accuracy")
    figures.fit(fig)
    width, height = fig.get_size_inches()
    assert width == pytest.approx(figures.PAGE_WIDTH) and height > 6  # one panel per row
    assert [ax.get_subplotspec().colspan.start for ax in axes] == [0, 0, 0]
    assert all(ax.get_ylabel() == "accuracy" for ax in axes)
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    assert min(sizes) >= figures.MIN_FONT
    assert min(line.get_markersize() for ax in axes for line in ax.lines if line.get_marker() == "s") >= figures.MIN_MARKER
    mime, data = figures.render(fig)
    assert mime == "image/svg+xml" and b"<svg" in data
    assert figures.render(fig) == (mime, data)  # deterministic: no dates, fixed ids
    plt.close(fig)


def test_a_figure_with_many_points_is_a_png_of_the_column_width():
    from PIL import Image
    import io
    fig, ax = plt.subplots(figsize=(10, 4))
    rng = np.random.default_rng(0)
    ax.scatter(rng.normal(size=20000), rng.normal(size=20000), s=2)
    mime, data = figures.render(fig)
    assert mime == "image/png"
    assert Image.open(io.BytesIO(data)).size[0] <= figures.PAGE_WIDTH * figures.DPI + 10
    plt.close(fig)


def test_a_figure_legend_wider_than_the_column_gets_fewer_columns():
    fig, ax = plt.subplots(figsize=(9, 4))
    for j in range(5):
        ax.bar([j], [1], label=f"a rather long legend entry {j}")
    fig.legend(loc="lower center", ncols=5)
    figures.fit(fig)
    legend = fig.legends[0]
    assert legend.get_window_extent(fig.canvas.get_renderer()).width <= fig.get_figwidth() * fig.dpi
    plt.close(fig)


# ---------------------------------------------------------------- the build's guard
def test_the_build_refuses_a_page_with_an_error_and_says_how_to_restore_it():
    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "stream", "text": "fine"}]},
                    {"cell_type": "code", "outputs": [{"output_type": "error", "ename": "ChapterError",
                                                       "evalue": "unknown parameter seed", "traceback": []}]}]}
    errors = sphinx_pages.page_errors(nb)
    assert errors == [(2, "ChapterError", "unknown parameter seed")]
    message = sphinx_pages.refusal("book/study_004.ipynb", "study_004", errors)
    assert "book/study_004.ipynb holds 1 error output (cell 2: ChapterError: unknown parameter seed)" in message
    assert "git checkout book/study_004.ipynb" in message and "nnlib.book.chapter run study_004 --profile full" in message
    assert "\n" not in message


def test_the_build_hides_papermills_injected_cell():
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "source": "profile = 'full'"}]}
    assert sphinx_pages.hide_injected(nb) and "remove-cell" in nb["cells"][0]["metadata"]["tags"]
    assert not sphinx_pages.hide_injected(json.loads(json.dumps(nb)))


def test_a_missing_value_in_a_column_of_text_is_an_empty_cell():
    assert tables.format_column(["pooled", np.nan]) == ["pooled", ""]
    assert tables.format_column([1.5, np.nan]) == ["1.5", "–"]
