"""The streamed workbook: text that reads as a formula or an error code stays text, numbers keep
their formats, and links stay on the evidence's title and URL cells only."""

from __future__ import annotations

import openpyxl
import pandas as pd

from flows.briefing_excel import write_workbook
from flows.briefing_tables import EXPORT_TABLES, data_dictionary


def test_cells_keep_their_types_formats_and_links(tmp_path):
    tables = {n: pd.DataFrame(columns=t.names) for n, t in EXPORT_TABLES.items()}
    names = EXPORT_TABLES["indicators"].names
    tables["indicators"] = pd.DataFrame(
        [dict.fromkeys(names, None) | {"domain": d, "indicator": i, "value": v}
         for d, i, v in (("=1+1", "#N/A", 0.25), ("quantum", "fwci", float("nan")))]
    )  # fmt: skip
    names = EXPORT_TABLES["evidence"].names
    tables["evidence"] = pd.DataFrame(
        [dict.fromkeys(names, None) | {"title": t, "url": u}
         for t, u in (("Open result", "https://doi.org/10.1/a"), ("Hidden", "javascript:x"))]
    )  # fmt: skip
    path = write_workbook(tmp_path / "b.xlsx", tables, data_dictionary(), "en", [("Scan", "s1")])
    wb = openpyxl.load_workbook(path)
    ind = wb["Indicators"]
    col = {n: k + 1 for k, n in enumerate(EXPORT_TABLES["indicators"].names)}
    domain, indicator = ind.cell(2, col["domain"]), ind.cell(2, col["indicator"])
    assert (domain.value, domain.data_type) == ("=1+1", "s")
    assert (indicator.value, indicator.data_type) == ("#N/A", "s")
    value = ind.cell(2, col["value"])
    assert (value.value, value.number_format) == (0.25, "0.000")
    assert ind.cell(3, col["value"]).value is None  # NaN
    ev = wb["Evidence"]
    names = EXPORT_TABLES["evidence"].names
    title, url = names.index("title") + 1, names.index("url") + 1
    assert ev.cell(row=2, column=title).hyperlink.target == "https://doi.org/10.1/a"
    assert ev.cell(row=2, column=url).hyperlink.target == "https://doi.org/10.1/a"
    assert ev.cell(row=3, column=title).hyperlink is None  # no javascript: link
    assert all(c.hyperlink is None for c in ev[2] if c.column not in (title, url))
    last = ind.cell(1, len(col)).column_letter
    assert ind.freeze_panes == "A2" and ind.auto_filter.ref == f"A1:{last}3"
