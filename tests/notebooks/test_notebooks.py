"""Both notebooks run end to end with papermill on a store the test builds, and define no code."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from tests.flows.test_briefing import (
    assignments_frame,
    copy_store,
    records_frame,
    scores_frame,
    terms_frame,
)

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    store = copy_store(home / "warehouse.duckdb")
    # this week: one more quantum paper, a new term, and AI moves from monitor to nurture
    new = (
        records_frame()
        .iloc[[0]]
        .assign(record_id="doi:10.1/new-q", title="New squeezed-light sensor")
    )
    store.replace_rows("records", "s2", pd.concat([records_frame(), new]))
    extra = assignments_frame().iloc[[0]].assign(record_id="doi:10.1/new-q")
    store.replace_rows("assignments", "s2", pd.concat([assignments_frame(), extra]))
    scores = scores_frame()
    scores.loc[scores["domain"] == "ai_ml", "class"] = "nurture"
    store.replace_rows("scores", "s2", scores)
    terms = terms_frame()
    store.replace_rows(
        "emerging_terms", "s2", pd.concat([terms, terms.iloc[[0]].assign(term="brandnewterm")])
    )
    return home


def figures(nb: nbformat.NotebookNode) -> int:
    """Cells that drew a figure (a PNG among their outputs)."""
    return sum(
        any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
        for cell in nb.cells
    )


def outputs(nb: nbformat.NotebookNode) -> str:
    """Every text a notebook printed or displayed."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.parametrize("name", ["deep_dive.ipynb", "weekly_review.ipynb"])
def test_notebooks_import_the_code_and_define_none(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
    for cell in code:
        tree = ast.parse(cell.source)
        defined = [
            n
            for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
        ]
        assert defined == [], cell.source
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        for node in imports:
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            assert module.split(".")[0] in {"horizon", "pandas", "matplotlib"}, module


def test_deep_dive_runs_on_a_domain(home, tmp_path):
    out = tmp_path / "deep_dive.out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "deep_dive.ipynb"), str(out), parameters={"domain": "quantum", "home": str(home)},
        kernel_name="python3", cwd=str(tmp_path), progress_bar=False,
    )  # fmt: skip
    book = nbformat.read(out, as_version=4)
    text = outputs(book)
    # axes over scans, documents per year, Japan's shares, countries, evidence, links, terms
    assert figures(book) >= 6
    assert '{"' not in text and "..." not in text  # no JSON cells, no truncated tables
    assert "scan s2 · domain quantum" in text
    assert "Open quantum error correction" in text  # its evidence
    assert "openterm" in text and "JP" in text  # its emerging terms and leading country
    assert "量子技術の根拠" in text


def test_weekly_review_compares_the_last_two_scans(home, tmp_path):
    out = tmp_path / "weekly_review.out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / "weekly_review.ipynb"), str(out), parameters={"home": str(home)},
        kernel_name="python3", cwd=str(tmp_path), progress_bar=False,
    )  # fmt: skip
    book = nbformat.read(out, as_version=4)
    text = outputs(book)
    assert figures(book) >= 3  # composite changes, ranks before and now, new documents, new terms
    assert "from s1 to s2" in text
    assert "class_changed" in text and "unchanged" in text
    assert "quantum    1.0" in text  # one new record this week
    assert "brandnewterm" in text and "openterm" not in text
