"""Briefing folders: workbook, CSV, Parquet, data dictionary, manifest, audit, sharing scope."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import hashlib
import json
import re
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from flows.briefing import build_briefing
from flows.briefing_dictionary import DESCRIPTIONS_EN, DESCRIPTIONS_JA
from flows.briefing_scope import BriefingError
from flows.briefing_tables import EXPORT_TABLES, arrow_schema, data_dictionary
from horizon.schemas import TABLES, Sharing
from horizon.store import Store

SHA = "0" * 64
RECORDS = [
    # record_id, kind, title, sharing, year, countries, domains, url
    ("doi:10.1/open-q", "paper", "Open quantum error correction", "CLEAR", 2021, {"JP": 1.0}, ["quantum"], "https://doi.org/10.1/open-q"),
    ("doi:10.1/green-q", "paper", "Green trapped-ion qubits", "GREEN", 2022, {"JP": 0.5, "US": 0.5}, ["quantum"], "https://doi.org/10.1/green-q"),
    ("doi:10.1/amber-q", "paper", "Amber photonic quantum chip", "AMBER", 2023, {"CN": 1.0}, ["quantum", "semiconductors"], "https://doi.org/10.1/amber-q"),
    ("doi:10.1/red-s", "patent", "Red secret wafer bonding process", "RED", 2024, {"JP": 1.0}, ["semiconductors"], "https://example.org/red"),
    ("arxiv:2401.00001", "paper", '=HYPERLINK("http://evil.example","click")', "CLEAR", 2024, {"US": 1.0}, ["semiconductors"], "javascript:alert(1)"),
    ("patent:JP123", "patent", "Strict amber LLM accelerator", "AMBER+STRICT", 2023, {"JP": 1.0}, ["ai_ml"], None),
]  # fmt: skip
LABELS = {
    "quantum": ("Quantum", "量子技術"),
    "semiconductors": ("Semiconductors", "半導体"),
    "ai_ml": ("AI", "人工知能"),
}


def records_frame() -> pd.DataFrame:
    """The records table rows."""
    return pd.DataFrame(
        [
            {
                "record_id": rid, "kind": kind, "source": "papers_openalex,patents_epo_ops", "title": title,
                "text": f"text of {title}", "language": "en", "published_date": dt.date(year, 6, 1),
                "countries": [{"country": c, "weight": w} for c, w in cs.items()], "url": url,
                "sharing": label, "raw_sha256": SHA, "fetched_at": dt.datetime(2026, 11, 2, 9, 0),
            }
            for rid, kind, title, label, year, cs, _, url in RECORDS
        ]
    )  # fmt: skip


def assignments_frame() -> pd.DataFrame:
    """Each record split equally over its domains."""
    return pd.DataFrame(
        [
            {
                "record_id": r[0],
                "domain": d,
                "confidence": 0.9,
                "share": 1 / len(r[6]),
                "reason": "code",
                "sharing": r[3],
            }
            for r in RECORDS
            for d in r[6]
        ]
    )


def scores_frame(offset: float = 0.0) -> pd.DataFrame:
    """Scores for the three domains with rank bands, rationales naming the evidence."""
    rows = []
    for rank, (domain, cls, js, fa, so) in enumerate(
        [
            ("quantum", "protect", 0.8, 0.7, 0.6),
            ("semiconductors", "nurture", 0.3, 0.9, 0.4),
            ("ai_ml", "monitor", 0.2, 0.2, 0.9),
        ],
        start=1,
    ):
        rows.append({
            "domain": domain, "label_en": LABELS[domain][0], "label_ja": LABELS[domain][1],
            "japan_strength_score": js, "foreign_activity_score": fa, "socioeconomic_score": so,
            "composite_score": round((js + fa + so) / 3 - offset * rank, 4), "rank": rank,
            "rank_low": max(1, rank - 1), "rank_high": rank + 1, "class": cls, "maturity": "applied",
            "rationale_en": f"{domain}: strong record", "rationale_ja": f"{LABELS[domain][1]}の根拠",
            "n_records": 2,
        })  # fmt: skip
    return pd.DataFrame(rows)


def evidence_frame() -> pd.DataFrame:
    """Evidence for every assignment, labelled as its record."""
    return pd.DataFrame(
        [
            {
                "domain": d,
                "axis": "japan_strength",
                "record_id": r[0],
                "weight": 0.5,
                "rank": i + 1,
                "sharing": r[3],
            }
            for i, r in enumerate(RECORDS)
            for d in r[6]
        ]
    )


def terms_frame() -> pd.DataFrame:
    """Emerging terms: one from a CLEAR record, one also from an AMBER one, one only from RED."""
    rows = [
        ("openterm", "quantum", ["doi:10.1/open-q"], "CLEAR"),
        ("mixedterm", "quantum", ["doi:10.1/open-q", "doi:10.1/amber-q"], "AMBER"),
        ("redonlyterm", "semiconductors", ["doi:10.1/red-s"], "RED"),
    ]
    return pd.DataFrame(
        [
            {"term": t, "language": "en", "domain_hint": d, "first_seen_date": dt.date(2026, 10, 1),
             "weeks": {"2026-W40": len(ids)}, "sources": {"papers_openalex": len(ids)}, "count": len(ids),
             "growth": 1.5, "burst_weight": 2.0, "record_ids": ids, "sharing": label}
            for t, d, ids, label in rows
        ]
    )  # fmt: skip


def make_store(path: Path) -> Store:
    """Two completed scans: s1 (older) and s2 with mixed labels."""
    store = Store(path)
    store.migrate()
    for i, scan_id in enumerate(["s1", "s2"]):
        store.begin_scan(
            scan_id,
            demo=True,
            code_version="t",
            config_sha256={"weights.yaml": "ab" * 32},
            parameters={},
        )
        with store.connect() as con:
            con.execute(
                "UPDATE scans SET started_at = ? WHERE scan_id = ?",
                [dt.datetime(2026, 11, 1 + 7 * i), scan_id],
            )
        store.replace_rows("records", scan_id, records_frame())
        store.replace_rows("assignments", scan_id, assignments_frame())
        store.replace_rows("scores", scan_id, scores_frame(offset=0.05 * (1 - i)))
        store.replace_rows("evidence", scan_id, evidence_frame())
        store.replace_rows(
            "indicators",
            scan_id,
            pd.DataFrame(
                [
                    {"domain": "quantum", "country": "JP", "window": "2021-2025", "indicator": "paper_share", "value": 0.4, "inputs": {"n": 3}, "incomplete": False},
                    {"domain": "semiconductors", "country": "WORLD", "window": "2021-2025", "indicator": "cagr", "value": 0.1, "inputs": {"n": 2}, "incomplete": True},
                ]
            ),
        )  # fmt: skip
        store.replace_rows("emerging_terms", scan_id, terms_frame())
        store.finish_scan(scan_id, "completed")
    return store


def fake_rescore(seen: list[set[str]]):
    """A rescore that records what it was given and scores it recognisably (composite 0.111)."""

    def rescore(records: pd.DataFrame):
        seen.append(set(records["record_id"]))
        scores = scores_frame().drop(columns=["label_en", "label_ja"]).assign(composite_score=0.111)
        evidence = evidence_frame()
        return {
            "scores": scores,
            "indicators": pd.DataFrame([{"domain": "quantum", "country": "JP", "window": "2021-2025", "indicator": "paper_share", "value": 0.25}]),
            "evidence": evidence[evidence["record_id"].isin(set(records["record_id"]))],
        }  # fmt: skip

    return rescore


@functools.lru_cache(maxsize=1)
def _template() -> Path:
    folder = tempfile.mkdtemp(prefix="briefing-store-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "warehouse.duckdb"
    make_store(path)
    return path


def copy_store(path: Path) -> Store:
    """A fresh copy of the two-scan store (built once per test session)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template(), path)
    return Store(path)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return copy_store(tmp_path / "warehouse.duckdb")


def brief(store: Store, tmp_path: Path, audience: str, language: str = "ja", **kw) -> Path:
    return build_briefing(
        store, "s2", audience=Sharing.parse(audience), language=language,
        out_dir=tmp_path / "briefings" / "s2" / f"{audience}-{language}", run_by="tester", **kw,
    )  # fmt: skip


def all_text(folder: Path) -> str:
    """Every file of a folder as text (xlsx and parquet unpacked to their values)."""
    parts = []
    for path in folder.iterdir():
        if path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            parts += [
                str(c.value)
                for ws in wb
                for row in ws.iter_rows()
                for c in row
                if c.value is not None
            ]
            parts += [
                c.hyperlink.target
                for ws in wb
                for row in ws.iter_rows()
                for c in row
                if c.hyperlink
            ]
        elif path.suffix == ".parquet":
            parts.append(pq.read_table(path).to_pandas().to_csv())
        else:
            parts.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(parts)


def test_workbook_has_the_sheets_with_japanese_headers(store, tmp_path):
    folder = brief(store, tmp_path, "red", "ja")
    wb = openpyxl.load_workbook(next(folder.glob("*.xlsx")))
    assert wb.sheetnames == [
        "概要",
        "優先リスト",
        "指標",
        "根拠文書",
        "新興用語",
        "前回からの変化",
        "年次推移",
        "データ辞書",
    ]
    ws = wb["優先リスト"]
    headers = [c.value for c in ws[1]]
    for expected in (
        "区分コード",  # protect | nurture | monitor, named as codes beside their labels
        "成熟度コード",
        "区分名",
        "総合優先度",
        "順位帯(5–95%)",
        "日本の技術的強み",
        "諸外国の研究開発状況",
        "内外の社会経済の動向",
        "成熟度帯",
        "根拠",
    ):
        assert expected in headers
    assert ws.freeze_panes == "A2"
    row2 = dict(zip(headers, [c.value for c in ws[2]], strict=True))
    assert (row2["区分名"], row2["順位帯(5–95%)"], row2["領域名"]) == ("守る", "1–2", "量子技術")
    assert ws.cell(row=2, column=headers.index("総合優先度") + 1).number_format == "0.000"
    assert ws.cell(row=2, column=headers.index("順位(95%点)") + 1).number_format == "0"  # not 2.000
    changes = wb["前回からの変化"]
    ch = [c.value for c in changes[1]]
    assert changes.cell(row=2, column=ch.index("前回順位") + 1).number_format == "0"
    # printed A4 landscape, one page wide, the header row repeated (#19: 971 pages)
    for sheet in wb:
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0 and sheet.print_title_rows == "$1:$1"
    assert all(ws.column_dimensions[c].width >= 8 for c in "ABCDEF")
    ev = wb["根拠文書"]
    eh = [c.value for c in ev[1]]
    titles = {
        ev.cell(row=r, column=eh.index("タイトル") + 1).value: ev.cell(
            row=r, column=eh.index("タイトル") + 1
        )
        for r in range(2, ev.max_row + 1)
    }
    assert titles["Open quantum error correction"].hyperlink.target == "https://doi.org/10.1/open-q"
    evil = titles['=HYPERLINK("http://evil.example","click")']
    assert (
        evil.data_type == "s" and evil.hyperlink is None
    )  # text, not a formula; no javascript: link


def test_workbook_in_english(store, tmp_path):
    wb = openpyxl.load_workbook(next(brief(store, tmp_path, "red", "en").glob("*.xlsx")))
    assert wb.sheetnames[:3] == ["About", "Priority list", "Indicators"]
    headers = [c.value for c in wb["Priority list"][1]]
    assert "Japan's technological strength" in headers and "Class name" in headers
    assert (
        wb["Priority list"].cell(row=2, column=headers.index("Class name") + 1).value == "Protect"
    )


def test_parquet_and_csv_follow_the_documented_schema(store, tmp_path):
    folder = brief(store, tmp_path, "red")
    dictionary = pd.read_csv(folder / "data_dictionary.csv", encoding="utf-8-sig")
    for name, table in EXPORT_TABLES.items():
        pt = pq.read_table(folder / f"{name}.parquet")
        assert pt.schema.remove_metadata() == arrow_schema(table)
        documented = dictionary[dictionary["table"] == name]
        assert documented["column"].tolist() == pt.schema.names
        csv = pd.read_csv(folder / f"{name}.csv", encoding="utf-8-sig")
        assert csv.columns.tolist() == pt.schema.names and len(csv) == pt.num_rows
    assert (folder / "priority_list.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_data_dictionary_is_generated_from_tables(store, tmp_path):
    dictionary = pd.read_csv(
        brief(store, tmp_path, "red") / "data_dictionary.csv", encoding="utf-8-sig"
    )
    stored = dictionary[dictionary["source"] != "derived"]
    assert len(stored) > 20
    for row in stored.itertuples(index=False):
        table, column = row.source.split(".")
        col = next(c for c in TABLES[table].columns if c.name == column)
        assert (row.column, row.type) == (col.name, col.type)
        if column not in DESCRIPTIONS_EN and row.source not in DESCRIPTIONS_EN:
            assert row.description == col.description
    assert set(dictionary["table"]) == set(EXPORT_TABLES)


def test_data_dictionary_describes_every_column_in_both_languages():
    dictionary = data_dictionary()
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    for row in dictionary.itertuples(index=False):
        where = f"{row.table}.{row.column}"
        # a sentence in Japanese, never the header again (#19: 73 of 74 were)
        assert row.description_ja != row.header_ja and row.description_ja.endswith("。"), where
        assert japanese.search(row.description_ja), where
        assert row.description != row.header_en and len(row.description) > 10, where
    names = {c for c in dictionary["column"]} | {f"{t}.{c}" for t, c in zip(dictionary["table"], dictionary["column"], strict=True)}  # fmt: skip
    assert set(DESCRIPTIONS_JA) <= names and set(DESCRIPTIONS_EN) <= names  # none stale
    evidence_rank = dictionary[
        (dictionary["table"] == "evidence") & (dictionary["column"] == "rank")
    ]
    assert "軸" in evidence_rank["description_ja"].iloc[0]  # not the priority rank's text


def test_manifest_and_audit_row(store, tmp_path):
    folder = brief(store, tmp_path, "amber", rescore=fake_rescore([]))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["scan_id"], manifest["audience"], manifest["language"]) == (
        "s2",
        "AMBER",
        "ja",
    )
    assert manifest["config_sha256"] == {"weights.yaml": "ab" * 32}
    assert manifest["withheld"]["documents"] == 2 and manifest["previous_scan_id"] == "s1"
    assert manifest["source_snapshots"]["papers_openalex"]["records"] == 4
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == {p.name for p in folder.iterdir()} - {"manifest.json"}
    for name, entry in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"]
    audit = store.read("exports")
    assert len(audit) == 1
    row = audit.iloc[0]
    assert (row["scan_id"], row["audience"], row["language"], row["run_by"]) == (
        "s2",
        "AMBER",
        "ja",
        "tester",
    )
    assert json.loads(row["withheld"])["documents"] == 2
    assert {f["sha256"] for f in json.loads(row["files"])} == {
        f["sha256"] for f in manifest["files"]
    }


def test_rescore_sees_only_visible_records_and_its_figures_are_exported(store, tmp_path):
    seen: list[set[str]] = []
    folder = brief(store, tmp_path, "green", rescore=fake_rescore(seen))
    visible = {"doi:10.1/open-q", "doi:10.1/green-q", "arxiv:2401.00001"}
    assert seen == [visible, visible]  # this scan and the previous one
    priority = pd.read_parquet(folder / "priority_list.parquet")
    assert priority["composite_score"].tolist() == [0.111] * 3
    assert not priority["includes_withheld"].any()
    evidence = pd.read_parquet(folder / "evidence.parquet")
    assert set(evidence["record_id"]) == visible
    # this rescoring finds no terms again: a stored term resting on an AMBER record is dropped,
    # one from visible records stays without the burst weight measured against every record
    terms = pd.read_parquet(folder / "emerging_terms.parquet").set_index("term")
    assert set(terms.index) == {"openterm"}
    assert terms.loc["openterm", "count"] == 1 and pd.isna(terms.loc["openterm", "burst_weight"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["redacted_cells"] == 0
    assert manifest["includes_withheld"] is False and manifest["withheld_kept"] == {}
    text = all_text(folder)
    for hidden in (
        "doi:10.1/amber-q",
        "Amber photonic",
        "doi:10.1/red-s",
        "Red secret wafer",
        "redonlyterm",
        "patent:JP123",
    ):
        assert hidden not in text


@pytest.mark.parametrize("found", [["openterm"], []])
def test_terms_found_again_on_visible_records_replace_the_stored_ones(store, tmp_path, found):
    def rescore(records: pd.DataFrame):
        terms = terms_frame().set_index("term").loc[found].reset_index()
        return {**fake_rescore([])(records), "emerging_terms": terms.assign(count=7)}

    folder = brief(store, tmp_path, "green", rescore=rescore, mark_withheld=True)
    terms = pd.read_parquet(folder / "emerging_terms.parquet")
    assert terms["term"].tolist() == found and terms["count"].tolist() == [7] * len(found)
    manifest = json.loads((folder / "manifest.json").read_text())
    # asked to mark, but everything was recomputed: nothing withheld is kept, and it says so
    assert manifest["mark_withheld"] is True and manifest["includes_withheld"] is False
    assert manifest["withheld_kept"] == {}
    assert not pd.read_parquet(folder / "emerging_terms.parquet")["includes_withheld"].any()


def test_withheld_material_without_rescore_is_refused_in_one_line(store, tmp_path):
    with pytest.raises(BriefingError) as info:
        brief(store, tmp_path, "clear")
    assert "2 documents" not in str(info.value) and "4 documents are above TLP:CLEAR" in str(
        info.value
    )
    assert "\n" not in str(info.value)
    assert not (tmp_path / "briefings" / "s2" / "clear-ja").exists()
    assert store.read("exports").empty


def test_marked_figures_are_labelled_in_every_file(store, tmp_path):
    folder = brief(store, tmp_path, "green", language="en", mark_withheld=True)
    priority = pd.read_csv(folder / "priority_list.csv", encoding="utf-8-sig")
    assert priority["includes_withheld"].all()
    assert "includes withheld material" in (next(folder.glob("*.html"))).read_text(encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["includes_withheld"] is True and manifest["mark_withheld"] is True
    kept = manifest["withheld_kept"]
    assert {"priority_list", "indicators", "emerging_terms", "network", "changes"} <= set(kept)
    terms = pd.read_parquet(folder / "emerging_terms.parquet").set_index("term")
    assert terms.loc["mixedterm", "count"] == 2  # the kept count, with the AMBER record
    assert terms["includes_withheld"].all()
    assert (
        json.loads(pq.read_schema(folder / "indicators.parquet").metadata[b"horizon"])[
            "includes_withheld"
        ]
        is True
    )
    wb = openpyxl.load_workbook(next(folder.glob("*.xlsx")))
    assert any(
        "includes withheld material" in str(c.value) for row in wb["About"].iter_rows() for c in row
    )
    text = all_text(folder)
    for hidden in ("doi:10.1/amber-q", "Amber photonic", "Red secret wafer", "redonlyterm"):
        assert hidden not in text


def test_red_audience_sees_everything_and_nothing_is_withheld(store, tmp_path):
    folder = brief(store, tmp_path, "red")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["withheld"] == {
        "documents": 0,
        "evidence_rows": 0,
        "emerging_terms": 0,
        "entities": 0,
    }
    assert len(pd.read_parquet(folder / "evidence.parquet")) == len(evidence_frame())
    changes = pd.read_parquet(folder / "changes.parquet").set_index("domain")
    assert changes.loc["semiconductors", "composite_change"] == pytest.approx(0.1)
    assert changes.loc["quantum", "previous_scan_id"] == "s1"


def test_rebuild_replaces_the_folder(store, tmp_path):
    first = brief(store, tmp_path, "red")
    (first / "stale.txt").write_text("old")
    second = brief(store, tmp_path, "red")
    assert second == first and not (second / "stale.txt").exists()
    assert len(store.read("exports")) == 2
    assert not [p for p in second.parent.iterdir() if p.name.startswith(".")]
