"""Tables that fit the page: formatted numbers, natural order, and a table too wide for the
content column split into parts.

``nnlib.book.chapter.table`` renders every table of a chapter through :func:`to_html`:

- numbers are formatted by column (:func:`format_column`): whole numbers as such (with thousands
  separators from 10,000 up), other numbers with the decimals their column needs — at most four
  significant digits and no trailing zeros beyond what the column's values have ("0.019", not
  pandas' "0.019000"); a missing number as "–", a missing text (NaN in a column of text) as an
  empty cell;
- rows that were sorted as strings by a column of names are put in natural order
  (:func:`natural_order`: "1×2" before "1×16", "c2" before "c10");
- the table's width in the content column is estimated from its text (:func:`column_widths`); a
  table whose narrowest layout (every cell wrapped at its spaces) is wider than the column is
  split into parts (:func:`split_columns`), each repeating the columns that name the rows;
- the HTML carries the class ``nnlib-table`` (padding, font size and wrapping in the book's
  ``_static/nnlib.css``) and a fixed id, so that rerunning a chapter writes the same bytes.
"""
from __future__ import annotations

import functools
import math
import numbers
import re
from typing import Any, Sequence

CONTENT_PX = 672  # the content column at a 1280-pixel window (676 CSS px beside a scroll bar), less a margin
FONT_PX = 13.6  # the tables' font size (0.85rem in _static/nnlib.css)
PAD_PX = 2 * 7.2 + 2  # a cell's horizontal padding (0.45rem of 16 px each side, _static/nnlib.css) and border
SEPARATOR_FROM = 10_000  # whole numbers this large get thousands separators
DASH = "–"


# ---------------------------------------------------------------- numbers
def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _decimals(v: float) -> int:
    """Decimals to show ``v`` with at most 4 significant digits, without trailing zeros."""
    if v == 0 or not math.isfinite(v):
        return 0
    wanted = max(0, 3 - math.floor(math.log10(abs(v))))
    text = f"{v:.{min(wanted, 10)}f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def format_column(values: Sequence[Any]) -> list[str]:
    """The cells of one column as text: numbers formatted alike (see the module's docstring),
    anything else with ``str`` (None as an empty cell)."""
    nums = [float(v) for v in values if _is_number(v) and not math.isnan(float(v))]
    whole = all(math.isfinite(v) and v == int(v) for v in nums)
    decimals = 0 if whole else max((_decimals(v) for v in nums if math.isfinite(v)), default=0)
    separators = any(abs(v) >= SEPARATOR_FROM for v in nums if math.isfinite(v))
    missing = "" if any(isinstance(v, str) for v in values) else DASH  # a column of text: an empty cell

    def one(v: Any) -> str:
        if v is None:
            return ""
        if not _is_number(v):
            return str(v)
        v = float(v)
        if math.isnan(v):
            return missing
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        return f"{v:,.{decimals}f}" if separators else f"{v:.{decimals}f}"

    return [one(v) for v in values]


def format_frame(df: Any) -> Any:
    """A copy of ``df`` whose every cell is text (:func:`format_column`, column by column)."""
    out = df.copy()
    for col in out.columns:
        out[col] = format_column(list(df[col]))
    return out.astype(object)


# ---------------------------------------------------------------- order
def natural_key(text: Any) -> tuple:
    """Sort key reading the digits in a name as numbers: "1×2" < "1×16" < "1×32"."""
    parts = re.split(r"(\d+(?:\.\d+)?)", str(text))
    return tuple((0, float(p), "") if i % 2 else (1, 0.0, p.lower()) for i, p in enumerate(parts) if p)


def natural_order(df: Any, columns: int = 3) -> Any:
    """``df`` with its rows in natural order if they are in string order.  The first ``columns``
    columns of text are read in turn, each within the runs of equal values of those before it: a
    column sorted both as strings and naturally groups the rows (go on to the next); the first
    sorted as strings but not naturally is re-sorted naturally within its runs; a column sorted
    neither way means an order of its own (e.g. by accuracy), which is kept."""
    names = list(df.columns[:columns])
    for i, col in enumerate(names):
        values = [str(v) for v in df[col]]
        if not all(isinstance(v, str) for v in df[col]) or len(set(values)) < 2:
            continue
        groups = [tuple(str(v) for v in row) for row in df[names[:i]].itertuples(index=False)] if i else [()] * len(df)
        runs: dict[tuple, list[int]] = {}
        for row, g in enumerate(groups):
            runs.setdefault(g, []).append(row)
        if any(rows != list(range(rows[0], rows[0] + len(rows))) for rows in runs.values()):
            return df  # the columns before are not grouped: not a sorted table
        as_strings = all(values[a] <= values[b] for rows in runs.values() for a, b in zip(rows, rows[1:]))
        naturally = all(natural_key(values[a]) <= natural_key(values[b])
                        for rows in runs.values() for a, b in zip(rows, rows[1:]))
        if as_strings and not naturally:
            order = [r for rows in runs.values() for r in sorted(rows, key=lambda r: natural_key(values[r]))]
            return df.iloc[order]
        if not as_strings:
            return df  # an order of its own
        # sorted both ways: a grouping column; the next one may be the string-sorted one
    return df


# ---------------------------------------------------------------- width
@functools.lru_cache(maxsize=4096)
def _text_px(text: str, bold: bool = False) -> float:
    """Width in CSS pixels of ``text`` at FONT_PX in DejaVu Sans (the fallback font of Chromium on
    Debian, wider than most system fonts: a safe estimate), from matplotlib's font metrics."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path
    if not text:
        return 0.0
    prop = FontProperties(family="DejaVu Sans", size=FONT_PX, weight="bold" if bold else "normal")
    width, _, _ = text_to_path.get_text_width_height_descent(text, prop, ismath=False)
    return float(width)


def _tokens(text: str) -> list[str]:
    """The pieces a browser cannot break: words, split also after hyphens."""
    plain = re.sub(r"<[^>]+>", "", text)  # cells may hold links
    return [t for word in plain.split() for t in re.findall(r"[^-]*-|[^-]+", word)] or [""]


def column_widths(df: Any) -> list[tuple[float, float]]:
    """(narrowest, widest) estimated width in pixels of each column of a text frame: the longest
    unbreakable piece of its cells and header (cells wrap at spaces and after hyphens), and its
    longest cell unwrapped; both with the cell's padding."""
    out = []
    for col in df.columns:
        cells = [str(v) for v in df[col]]
        narrow = max([_text_px(t) for c in cells for t in _tokens(c)] +
                     [_text_px(t, bold=True) for t in _tokens(str(col))])
        wide = max([_text_px(re.sub(r"<[^>]+>", "", c)) for c in cells] + [narrow])
        out.append((narrow + PAD_PX, wide + PAD_PX))
    return out


def key_columns(df: Any, most: int = 4, share: float = 0.6, width: float = CONTENT_PX) -> list[str] | None:
    """The leading columns that tell the rows apart (at most ``most``, together at most ``share``
    of ``width`` pixels wide), to repeat in every part of a split table; None if there are none."""
    cols = list(df.columns)
    widths = [narrow for narrow, _ in column_widths(df)]
    for n in range(1, min(most, len(cols) - 1) + 1):
        if sum(widths[:n]) > share * width:
            return None
        if not df.duplicated(subset=cols[:n]).any():
            return cols[:n]
    return None


ROW = "#"  # the column that numbers the rows of a split table without key columns


def split_columns(df: Any, width: float = CONTENT_PX, keys: Sequence[str] | None = None) -> list[list[str]]:
    """The columns of each part of a text frame: one part if its narrowest layout fits ``width``
    pixels, else parts that each fit, each starting with ``keys`` (default :func:`key_columns`;
    the caller numbers the rows in a column :data:`ROW` where there are none) and taking the
    other columns in order."""
    widths = dict(zip(df.columns, (narrow for narrow, _ in column_widths(df))))
    width *= 0.97  # a margin for rounding and borders
    if sum(widths.values()) <= width:
        return [list(df.columns)]
    keys = list(keys) if keys is not None else (key_columns(df, width=width) or [df.columns[0]])
    budget = width - sum(widths[k] for k in keys)
    parts: list[list[str]] = []
    current: list[str] = []
    used = 0.0
    for col in (c for c in df.columns if c not in keys):
        if current and used + widths[col] > budget:
            parts.append(current)
            current, used = [], 0.0
        current.append(col)
        used += widths[col]
    if current:
        parts.append(current)
    return [keys + part for part in parts]


# ---------------------------------------------------------------- HTML
def _styled(frame: Any, uid: str, caption: str | None) -> str:
    style = frame.style.hide(axis="index").set_uuid(uid).set_table_attributes('class="nnlib-table"')
    if caption:
        style = style.set_caption(caption)
    return style.to_html()


def to_html(df: Any, key: str, parts: Sequence[Sequence[str]] | None = None, order: bool = True,
            width: float = CONTENT_PX) -> str:
    """The HTML of ``df`` (its index dropped) for a chapter page: formatted, in natural order
    (unless ``order`` is False), split into parts if too wide for ``width`` pixels.  ``parts``:
    the columns of each part, to split by hand (the columns naming the rows are added to each
    part that lacks them)."""
    frame = df.reset_index(drop=True)
    if order:
        frame = natural_order(frame).reset_index(drop=True)
    text = format_frame(frame)
    fits = parts is None and sum(narrow for narrow, _ in column_widths(text)) <= 0.97 * width
    if fits:
        return _styled(text, key, None)
    keys = key_columns(text, width=width)
    if keys is None:  # nothing short tells the rows apart: number them in every part
        text.insert(0, ROW, [str(i) for i in range(1, len(text) + 1)])
        keys = [ROW]
    if parts is not None:
        groups = [[k for k in keys if k not in p] + [c for c in p if c != ROW] for p in parts]
    else:
        groups = split_columns(text, width, keys=keys)
    if len(groups) == 1:
        return _styled(text[groups[0]], key, None)
    return "\n".join(_styled(text[cols], f"{key}-{i}", f"Part {i} of {len(groups)}")
                     for i, cols in enumerate(groups, 1))
