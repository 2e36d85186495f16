"""Figures that a reader can read on the page: the book's matplotlib style, and the fitting every
figure of a chapter gets when it is displayed or glued.

The book's content column is about 688 CSS pixels wide in a 1280-pixel window, where Jupyter
Book shows a figure at no more than its natural size.  So a figure is drawn for that width
(:data:`PAGE_WIDTH` inches at :data:`DPI` dots per inch) and shown at 1×, with its text at least
:data:`MIN_FONT` points — never shrunk by the browser into unreadable print.

:func:`install` (called by ``nnlib.book.chapter.start``) sets the style and makes IPython pass every
matplotlib figure through :func:`fit` before it is rendered:

- a figure wider than the column is given the column's width, keeping its text sizes in points;
  a single row of panels too narrow at that width (< :data:`MIN_PANEL` inches each) is
  re-arranged into rows (three panels become a column of three, six heat maps two rows of three);
- text smaller than :data:`MIN_FONT` points is enlarged (ticks, legends, titles, annotations),
  markers smaller than :data:`MIN_MARKER` points are enlarged, and tick labels that would still
  overlap are thinned;
- the figure is laid out again for its new size (room kept for legends placed on the figure);
- a figure whose SVG is small (few points, :data:`SVG_MAX_BYTES`) is rendered as SVG, which stays
  sharp at any zoom; a figure with many points as a PNG of the column's width.

The style (:func:`rc`) is applied again before every cell if a cell replaced it (e.g.
``seaborn.set_theme``), so figures keep the book's sizes and its colour-and-marker cycle.
Rendering is deterministic (fixed SVG ids, no dates), so rerunning a chapter writes the same bytes.
"""
from __future__ import annotations

import io
import math
import warnings
from typing import Any

PAGE_WIDTH = 6.7  # inches: the content column (~688 CSS px at 1280 px) at DPI, less a margin
DPI = 100
MIN_FONT = 10.0  # points; at DPI and 1× that is ~14 px, the size of the page's small print
MIN_MARKER = 6.0  # points: squares, circles and triangles can be told apart
MIN_PANEL = {"plot": 3.2, "image": 2.0}  # inches a panel needs at MIN_FONT (axes with images: heat maps)
SVG_MAX_BYTES = 400_000  # larger SVGs (many points) are rendered as PNG instead
# Colour-blind-safe colours (seaborn's "colorblind" palette, with a red for C3 and an olive for C8 that
# stand further apart from C1 and from white) paired with distinct markers, so that
# two series differ in shape as well as in colour.
COLORS = ["#0173B2", "#DE8F05", "#029E73", "#CC3311", "#CC78BC", "#CA9161", "#FBAFE4", "#949494",
          "#999933", "#56B4E9"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "h"]
_SHAPES = set("os^v<>DdpPXhH*8")  # markers whose shape tells series apart (not caps, ticks, pixels)


def rc() -> dict[str, Any]:
    """The book's rcParams: figure size and resolution for the content column, text sizes at
    least MIN_FONT, the colour-and-marker cycle, and deterministic SVG output."""
    from cycler import cycler
    return {
        "figure.figsize": (PAGE_WIDTH, 4.0), "figure.dpi": DPI, "savefig.dpi": DPI,
        "font.size": 11.0, "axes.titlesize": 11.0, "axes.labelsize": 11.0, "figure.titlesize": 12.0,
        "xtick.labelsize": MIN_FONT, "ytick.labelsize": MIN_FONT, "legend.fontsize": MIN_FONT,
        "legend.title_fontsize": MIN_FONT, "lines.markersize": MIN_MARKER,
        "axes.prop_cycle": cycler(color=COLORS) + cycler(marker=MARKERS),
        "svg.hashsalt": "nnlib", "svg.fonttype": "path",
    }


def apply() -> None:
    """Set the book's rcParams (:func:`rc`) where they differ."""
    import matplotlib as mpl
    wanted = rc()
    changed = {k: v for k, v in wanted.items() if mpl.rcParams[k] != mpl.rcParams.validate[k](v)}
    if changed:
        mpl.rcParams.update(changed)


# ---------------------------------------------------------------- fitting one figure
def _panels(fig: Any) -> list[Any] | None:
    """The figure's axes if they are one row of panels of one grid (nothing else on the figure:
    no colour bars, no insets), in order; else None."""
    axes = [ax for ax in fig.axes if ax.get_visible()]
    specs = [ax.get_subplotspec() for ax in axes]
    if len(axes) < 2 or any(s is None for s in specs):
        return None
    grid = specs[0].get_gridspec()
    if any(s.get_gridspec() is not grid for s in specs) or grid.nrows != 1:
        return None
    cols = [s.colspan for s in specs]
    if any(len(c) != 1 for c in cols) or len({c.start for c in cols}) != len(axes):
        return None
    return [ax for _, ax in sorted(zip([c.start for c in cols], axes), key=lambda p: p[0])]


def _columns(n: int, most: int) -> int:
    """Panels per row for ``n`` panels when at most ``most`` fit: the largest count that fills
    every row (so that no panel is left alone on a row beside a gap)."""
    return max(c for c in range(1, min(n, most) + 1) if n % c == 0)


def _restack(fig: Any, panels: list[Any], columns: int) -> int:
    """Put ``panels`` on a grid of ``columns`` columns; returns the number of rows.  A panel that
    lands in the first column gets back the y tick labels and y label that sharing hid."""
    from matplotlib.gridspec import GridSpec
    rows = math.ceil(len(panels) / columns)
    grid = GridSpec(rows, columns, figure=fig)
    first = panels[0]
    for i, ax in enumerate(panels):
        ax.set_subplotspec(grid[i // columns, i % columns])
        if i % columns == 0 and i:
            ax.yaxis.set_tick_params(which="both", labelleft=True)
            if not ax.get_ylabel() and ax.get_shared_y_axes().joined(ax, first):
                ax.set_ylabel(first.get_ylabel())
    return rows


def _font_size(text: Any) -> float:
    return float(text.get_fontsize())


def _enlarge_text(fig: Any) -> bool:
    """Text below MIN_FONT points raised to it (tick labels of ticks made later included);
    True if anything changed."""
    from matplotlib.text import Text
    changed = False
    for ax in fig.axes:
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            sizes = [_font_size(t.label1) for t in ticks]
            if sizes and min(sizes) < MIN_FONT:
                ax.tick_params(axis=name, which="both", labelsize=MIN_FONT)
                changed = True
        legend = ax.get_legend()
        changed |= _enlarge_legend(legend) if legend is not None else False
    for legend in fig.legends:
        changed |= _enlarge_legend(legend)
    for text in fig.findobj(Text):
        if text.get_text() and _font_size(text) < MIN_FONT:
            text.set_fontsize(MIN_FONT)
            changed = True
    return changed


def _enlarge_legend(legend: Any) -> bool:
    """A legend's handles are sized from its font size: raise it with the texts."""
    size = getattr(legend, "_fontsize", None)
    if isinstance(size, (int, float)) and size < MIN_FONT:
        legend._fontsize = MIN_FONT
        return True
    return False


def _enlarge_markers(fig: Any) -> None:
    """Shape markers below MIN_MARKER points raised to it; on a line of many points, a marker on
    about every fifteenth point only (the cycle gives every line a marker)."""
    from matplotlib.lines import Line2D
    for line in fig.findobj(Line2D):
        marker = line.get_marker()
        if not isinstance(marker, str) or marker not in _SHAPES:
            continue
        if line.get_markersize() < MIN_MARKER:
            line.set_markersize(MIN_MARKER)
        n = len(line.get_xdata(orig=False))
        if n > 40 and line.get_markevery() is None and line.get_linestyle() not in ("None", "", " "):
            line.set_markevery(max(1, n // 15))


def _narrow_legends(fig: Any) -> None:
    """A legend wider than the figure (a row of many entries) gets fewer columns, so that the
    saved image is not wider than the column."""
    renderer = fig.canvas.get_renderer()
    limit = fig.get_figwidth() * fig.dpi * 0.98
    for legend in list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]:
        ncols = getattr(legend, "_ncols", 1)
        while ncols > 1 and legend.get_window_extent(renderer).width > limit:
            ncols -= 1
            if not _set_columns(legend, ncols):
                break


def _set_columns(legend: Any, ncols: int) -> bool:
    """Rebuild a legend's box with ``ncols`` columns (matplotlib lays a legend out once, when it
    is made); False if this matplotlib does not allow it."""
    try:
        title = legend.get_title()
        text, prop = title.get_text(), title.get_fontproperties()
        legend.set_ncols(ncols)
        legend._init_legend_box(list(legend.legend_handles), [t.get_text() for t in legend.texts],
                                getattr(legend, "_markerfirst", True))
        legend._set_loc(legend._loc)
        legend.set_title(text or None, prop=prop)
        return True
    except (AttributeError, TypeError):
        return False


def _layout(fig: Any) -> None:
    """Lay the figure out again for its size: tight layout, keeping the room that legends placed
    on the figure itself (fig.legend) need at its edges.  A constrained layout redoes itself."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        renderer = fig.canvas.get_renderer()
        rect = [0.0, 0.0, 1.0, 1.0]
        for legend in fig.legends:
            box = legend.get_window_extent(renderer).transformed(fig.transFigure.inverted())
            cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
            if box.height < 0.5 and cy < 0.35:
                rect[1] = max(rect[1], box.y1 + 0.01)
            elif box.height < 0.5 and cy > 0.65:
                rect[3] = min(rect[3], box.y0 - 0.01)
            elif cx > 0.65:
                rect[2] = min(rect[2], box.x0 - 0.01)
            elif cx < 0.35:
                rect[0] = max(rect[0], box.x1 + 0.01)
        fig.tight_layout(rect=tuple(rect))


def _thin_ticks(fig: Any) -> None:
    """Where tick labels of an axis overlap, keep every label that clears the one kept before it
    (from the left, or from the bottom) and blank the others."""
    from matplotlib.ticker import FixedFormatter, FixedLocator
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for axis, horizontal in ((ax.xaxis, True), (ax.yaxis, False)):
            lo, hi = sorted(axis.get_view_interval())
            ticks = [(t.get_loc(), t.label1) for t in axis.get_major_ticks()
                     if t.label1.get_visible() and t.label1.get_text() and lo <= t.get_loc() <= hi]
            if len(ticks) < 3:
                continue
            boxes = [(loc, label.get_text(), label.get_window_extent(renderer)) for loc, label in ticks]
            boxes.sort(key=lambda b: b[2].x0 if horizontal else b[2].y0)
            kept, edge, overlap = [], -math.inf, False
            for loc, text, box in boxes:
                start, end = (box.x0, box.x1) if horizontal else (box.y0, box.y1)
                if start >= edge + 3:
                    kept.append((loc, text))
                    edge = end
                else:
                    kept.append((loc, ""))
                    overlap = True
            if overlap:
                locs = [loc for loc, _ in kept]
                axis.set_major_locator(FixedLocator(locs))
                axis.set_major_formatter(FixedFormatter([text for _, text in kept]))


def fit(fig: Any) -> Any:
    """Make ``fig`` readable at 1× in the content column (see the module's docstring); returns
    it.  Fitting twice changes nothing."""
    if getattr(fig, "_nnlib_fitted", False):
        return fig
    width, height = fig.get_size_inches()
    resized = width > PAGE_WIDTH + 0.01
    panels = _panels(fig)
    if resized and panels:
        need = max(MIN_PANEL["image" if ax.images else "plot"] for ax in panels)
        columns = _columns(len(panels), max(1, int(PAGE_WIDTH // need)))
        if columns < len(panels):
            rows = _restack(fig, panels, columns)
            row = min(height, max(2.2, 0.42 * PAGE_WIDTH / columns))
            extra = 0.5 if (fig._suptitle is not None or fig.legends) else 0.0
            height = rows * row + extra
    if resized:
        fig.set_size_inches(PAGE_WIDTH, height)
    enlarged = _enlarge_text(fig)
    _enlarge_markers(fig)
    if resized or enlarged:
        _narrow_legends(fig)
        _layout(fig)
    _thin_ticks(fig)
    fig._nnlib_fitted = True
    return fig


# ---------------------------------------------------------------- rendering
def _save(fig: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buffer, format=fmt, dpi=DPI, bbox_inches="tight", pad_inches=0.05,
                facecolor="white", metadata=metadata)
    return buffer.getvalue()


def render(fig: Any) -> tuple[str, bytes]:
    """(MIME type, data) of the fitted figure: SVG if it is at most SVG_MAX_BYTES, else PNG."""
    fit(fig)
    svg = _save(fig, "svg")
    if len(svg) <= SVG_MAX_BYTES:
        return "image/svg+xml", svg
    return "image/png", _save(fig, "png")


def _choice(fig: Any) -> tuple[str, bytes]:
    """The figure's rendering, made once per display (the SVG formatter runs before the PNG one)."""
    cached = getattr(fig, "_nnlib_rendering", None)
    if cached is None:
        cached = fig._nnlib_rendering = render(fig)
    return cached


def _as_svg(fig: Any) -> str | None:
    fig._nnlib_rendering = None  # a new display: render again (the figure may have changed)
    mime, data = _choice(fig)
    return data.decode() if mime == "image/svg+xml" else None


def _as_png(fig: Any) -> bytes | None:
    mime, data = _choice(fig)
    fig._nnlib_rendering = None
    return data if mime == "image/png" else None


def _before_cell(*_: Any) -> None:
    """Before each cell: the book's style again, and the formatters (if a cell reset them)."""
    apply()
    _register()


def _register() -> None:
    from IPython import get_ipython
    from matplotlib.figure import Figure
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    for mime, function in (("image/svg+xml", _as_svg), ("image/png", _as_png)):
        formatters[mime].for_type(Figure, function)
        formatters[mime].enabled = True
    for mime in ("application/pdf", "image/jpeg"):
        formatters[mime].pop(Figure, None)


def install() -> bool:
    """Apply the book's style and, inside IPython, render every figure through :func:`fit` and
    :func:`render`; returns False outside IPython (only the style is applied)."""
    from IPython import get_ipython
    apply()
    shell = get_ipython()
    if shell is None:
        return False
    try:  # the inline backend registers its own formatters when it loads: load it first
        import matplotlib_inline.backend_inline  # noqa: F401
    except ImportError:
        pass
    _register()
    callbacks = shell.events.callbacks.get("pre_run_cell", [])
    if _before_cell not in callbacks:
        shell.events.register("pre_run_cell", _before_cell)
    return True
