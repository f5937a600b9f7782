"""The briefing workbook (openpyxl): one sheet per table, localised headers, frozen header rows,
widths and number formats, links to the evidence; written so Excel opens it without repair.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from flows.briefing_tables import EXPORT_TABLES, ExportTable

MAX_CELL = 32_767  # Excel's limit on characters in a cell
MAX_LINK = 2_000  # Excel repairs a workbook whose hyperlink is longer than 2,079 characters
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
SHEET_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})
DICTIONARY_SHEET = {"ja": "データ辞書", "en": "Data dictionary"}
ABOUT_SHEET = {"ja": "概要", "en": "About"}
NUMBER_FORMATS = {
    "DOUBLE": "0.000", "BIGINT": "#,##0", "INTEGER": "0", "DATE": "yyyy-mm-dd", "RANK": "0",
    "RANK_CHANGE": "+0;-0;0",
}  # fmt: skip
RANK_TYPES = {"rank_low": "RANK", "rank_high": "RANK", "rank_before": "RANK",
              "rank_change": "RANK_CHANGE"}  # fmt: skip
LINKED = {"evidence": ("title", "url")}


def sheet_name(name: str) -> str:
    """A valid sheet name: no `[]:*?/\\`, not blank, at most 31 characters."""
    return (name.translate(SHEET_BAD).strip("'") or "Sheet")[:31]


def cell_text(value: str) -> str:
    """Text Excel accepts: no control characters, within the cell limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL]


def cell_value(value: Any) -> Any:
    """A Python value openpyxl writes cleanly (no NaN, no numpy types, naive datetimes)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return cell_text(value)
    return value


def display_width(text: str) -> int:
    """Columns a text takes: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def safe_link(url: Any) -> str | None:
    """An http(s) URL short enough for Excel, else None (no javascript:, file: or data: links)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    ok = url.lower().startswith(("http://", "https://")) and len(url) <= MAX_LINK
    return url if ok and not ILLEGAL_CHARACTERS_RE.search(url) else None


def _write_rows(
    ws: Any,
    headers: list[str],
    rows: list[list[Any]],
    types: list[str],
    links: list[str | None] | None = None,
    linked: tuple[int, ...] = (),
) -> None:
    """Header row, data rows as text or numbers (never formulas), widths and formats; `links`
    (one per data row, or None) on the cells of the columns `linked` (0-based).

    The sheet is streamed (a write-only workbook): what its top holds (widths, frozen panes,
    print setup) is set before the first row, and a cell object is made only where a cell needs
    more than its value (a format, a link, text that would read as a formula).
    """
    for c, header in enumerate(headers, start=1):
        sample = [display_width(str(r[c - 1])) for r in rows[:200] if r[c - 1] is not None]
        width = max([display_width(header), *sample], default=8)
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    _print_setup(ws)
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    head = []
    for h in headers:
        cell = WriteOnlyCell(ws, cell_text(h))
        cell.data_type = "s"
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        head.append(cell)
    ws.append(head)
    formats = [NUMBER_FORMATS.get(t) for t in types]
    for r, row in enumerate(rows):
        link = links[r] if links is not None else None
        out = []
        for c, value in enumerate(row):
            value = cell_value(value)
            fmt = formats[c] if value is not None else None
            # text openpyxl would read as a formula or an error code is made text below
            coded = isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES)
            here = link if c in linked else None
            if not (fmt or coded or here):
                out.append(value)
                continue
            cell = WriteOnlyCell(ws, value)
            if isinstance(value, str):
                cell.data_type = "s"  # a title starting with "=" stays text
            if fmt:
                cell.number_format = fmt
            if here:
                cell.hyperlink = here
                cell.style = "Hyperlink"
            out.append(cell)
        ws.append(out)


def _print_setup(ws: Any) -> None:
    """Printed on A4 landscape, every column on one page wide, the header row on each page."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.print_title_rows = "1:1"


def _sheet(wb: Workbook, title: str, warning: str | None) -> Any:
    """A streamed sheet; `warning` is its printed header and footer and colours its tab."""
    ws = wb.create_sheet(sheet_name(title))
    if warning:
        text = cell_text(warning)[:250].replace("&", "&&")  # & starts a header code
        ws.oddHeader.center.text = ws.oddFooter.center.text = text
        ws.sheet_properties.tabColor = "C00000"
    return ws


def _table_sheet(
    wb: Workbook, table: ExportTable, frame: pd.DataFrame, language: str, warning: str | None
) -> None:
    ws = _sheet(wb, table.sheet(language), warning)
    headers = [c.header(language) for c in table.columns]
    # ranks are whole places even where stored as DOUBLE (percentiles, the previous scan's)
    types = [RANK_TYPES.get(c.name, c.column.type) for c in table.columns]
    rows = frame[table.names].astype(object).values.tolist()
    links, linked = None, ()
    if table.name in LINKED:
        text_col, url_col = LINKED[table.name]
        links = [safe_link(url) for url in frame[url_col].tolist()]
        linked = (table.names.index(text_col), table.names.index(url_col))
    _write_rows(ws, headers, rows, types, links, linked)


def write_workbook(
    path: Path,
    tables: dict[str, pd.DataFrame],
    dictionary: pd.DataFrame,
    language: str,
    about: list[tuple[str, Any]],
    *,
    warning: str | None = None,
) -> Path:
    """Write the workbook: About, one sheet per briefing table, and the data dictionary.

    `warning` (an unfinished scan read anyway) is every sheet's printed header and footer and
    colours every tab; the About sheet's note carries it too.
    """
    wb = Workbook(write_only=True)
    first = _sheet(wb, ABOUT_SHEET[language], warning)
    heads = {"ja": ["項目", "内容"], "en": ["Item", "Value"]}[language]
    _write_rows(first, heads, [[k, str(v)] for k, v in about], ["VARCHAR", "VARCHAR"])
    for name, table in EXPORT_TABLES.items():
        _table_sheet(wb, table, tables[name], language, warning)
    ws = _sheet(wb, DICTIONARY_SHEET[language], warning)
    cols = [
        "table",
        "column",
        f"header_{language}",
        "type",
        "description" if language == "en" else "description_ja",
        "source",
    ]
    heads = {
        "ja": ["表", "列名", "見出し", "型", "説明", "出所"],
        "en": ["Table", "Column", "Header", "Type", "Description", "Source"],
    }[language]
    _write_rows(ws, heads, dictionary[cols].astype(object).values.tolist(), ["VARCHAR"] * len(cols))
    wb.save(path)
    return path
