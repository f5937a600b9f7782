"""The tables of a briefing: their columns (drawn from horizon.schemas TABLES, the one source of
truth), Japanese and English labels, typed frames for Excel, CSV and Parquet, and the data dictionary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from flows.briefing_dictionary import describe
from horizon.api import diff_scores, join_evidence
from horizon.schemas import TABLES, Column, ColumnType

Language = str  # "ja" | "en"

CLASS_LABELS = {
    "ja": {"protect": "守る", "nurture": "育てる", "monitor": "注視"},
    "en": {"protect": "Protect", "nurture": "Nurture", "monitor": "Monitor"},
}
MATURITY_LABELS = {
    "ja": {"basic_research": "基礎研究", "applied": "応用研究", "implementation": "社会実装"},
    "en": {
        "basic_research": "Basic research",
        "applied": "Applied",
        "implementation": "Implementation",
    },
}
AXIS_LABELS = {
    "ja": {
        "japan_strength": "日本の技術的強み",
        "foreign_activity": "諸外国の研究開発状況",
        "socioeconomic": "内外の社会経済の動向",
    },
    "en": {
        "japan_strength": "Japan's technological strength",
        "foreign_activity": "Foreign R&D activity",
        "socioeconomic": "Domestic and international socioeconomic trends",
    },
}
STATUS_LABELS = {
    "ja": {
        "new": "新規", "dropped": "除外", "class_changed": "区分変更",
        "moved_beyond_band": "順位帯を超えて変動", "moved": "順位変動", "unchanged": "変化なし",
    },
    "en": {
        "new": "New", "dropped": "Dropped", "class_changed": "Class changed",
        "moved_beyond_band": "Moved beyond rank band", "moved": "Moved", "unchanged": "Unchanged",
    },
}  # fmt: skip
WITHHELD_NOTE = {
    "ja": "非開示資料を含む数値（共有範囲外の文書を含めて算出）",
    "en": "includes withheld material (figures computed with documents above this audience)",
}
AXIS_COLUMNS = {"japan_strength_score": "japan_strength", "foreign_activity_score": "foreign_activity",
                "socioeconomic_score": "socioeconomic"}  # fmt: skip


@dataclass(frozen=True)
class ExportColumn:
    """A column of a briefing table: its definition and where it comes from (`table.column`)."""

    column: Column
    source: str
    header_ja: str
    header_en: str

    @property
    def name(self) -> str:
        """Column name (snake_case, as in CSV and Parquet)."""
        return self.column.name

    def header(self, language: Language) -> str:
        """Header in the briefing language."""
        return self.header_ja if language == "ja" else self.header_en


@dataclass(frozen=True)
class ExportTable:
    """A briefing table: a sheet, a CSV and a Parquet file."""

    name: str
    sheet_ja: str
    sheet_en: str
    columns: tuple[ExportColumn, ...]

    def sheet(self, language: Language) -> str:
        """Sheet name in the briefing language (≤ 31 characters, none of `[]:*?/\\`)."""
        return self.sheet_ja if language == "ja" else self.sheet_en

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]


def _human(name: str) -> str:
    return name.replace("_", " ").capitalize()


def stored(
    table: str, column: str, header_en: str | None = None, header_ja: str | None = None
) -> ExportColumn:
    """A column exported as the store holds it (definition taken from TABLES)."""
    col = next(c for c in TABLES[table].columns if c.name == column)
    return ExportColumn(
        col, f"{table}.{column}", header_ja or col.description_ja, header_en or _human(column)
    )


def derived(
    name: str, type_: ColumnType, description: str, ja: str, header_en: str | None = None
) -> ExportColumn:
    """A column the briefing computes."""
    col = Column(name=name, type=type_, description=description, description_ja=ja)
    return ExportColumn(col, "derived", ja, header_en or _human(name))


def _axis(name: str) -> ExportColumn:
    axis = AXIS_COLUMNS[name]
    return stored("scores", name, AXIS_LABELS["en"][axis], AXIS_LABELS["ja"][axis])


DOMAIN_LABEL = derived(
    "domain_label", "VARCHAR", "Domain name in the briefing language", "領域名", "Domain name"
)
INCLUDES_WITHHELD = derived(
    "includes_withheld", "BOOLEAN", "The figures include material withheld from this audience",
    "非開示資料を含む", "Includes withheld material",
)  # fmt: skip

EXPORT_TABLES: dict[str, ExportTable] = {
    t.name: t
    for t in [
        ExportTable("priority_list", "優先リスト", "Priority list", (
            stored("scores", "rank"), stored("scores", "domain"), DOMAIN_LABEL,
            stored("scores", "class", "Class code", "区分コード"),
            derived("class_label", "VARCHAR", "Class in the briefing language", "区分名", "Class name"),
            stored("scores", "composite_score", "Composite score"),
            derived("rank_band", "VARCHAR", "5th–95th percentile rank band", "順位帯(5–95%)", "Rank band (5–95%)"),
            stored("scores", "rank_low"), stored("scores", "rank_high"),
            _axis("japan_strength_score"), _axis("foreign_activity_score"), _axis("socioeconomic_score"),
            stored("scores", "maturity", "Maturity code", "成熟度コード"),
            derived("maturity_label", "VARCHAR", "Maturity band in the briefing language", "成熟度帯", "Maturity band"),
            derived("rationale", "VARCHAR", "Rationale in the briefing language", "根拠", "Rationale"),
            stored("scores", "n_records", "Records"),
            derived("evidence_count", "BIGINT", "Evidence documents listed for the domain", "根拠文書数", "Evidence documents"),
            INCLUDES_WITHHELD,
        )),
        ExportTable("indicators", "指標", "Indicators", (
            stored("indicators", "domain"), DOMAIN_LABEL, stored("indicators", "indicator"),
            stored("indicators", "country"), stored("indicators", "window"),
            stored("indicators", "value"), stored("indicators", "incomplete"),
            stored("indicators", "inputs"), INCLUDES_WITHHELD,
        )),
        ExportTable("evidence", "根拠文書", "Evidence", (
            stored("evidence", "domain"), DOMAIN_LABEL, stored("evidence", "axis", "Axis code", "軸コード"),
            derived("axis_label", "VARCHAR", "Axis in the briefing language", "軸名", "Axis name"),
            stored("evidence", "indicator"), stored("evidence", "window"),
            stored("evidence", "rank"), stored("records", "title"), stored("records", "url"),
            stored("records", "published_date"), stored("records", "kind"), stored("records", "source"),
            derived("countries", "VARCHAR", "Countries with fractional weights (JP 0.50; US 0.50)", "国（分数計数）", "Countries"),
            stored("evidence", "weight"), stored("evidence", "record_id"), stored("evidence", "sharing", "TLP"),
        )),
        ExportTable("emerging_terms", "新興用語", "Emerging terms", (
            stored("emerging_terms", "term"), stored("emerging_terms", "language"),
            stored("emerging_terms", "domain_hint"), DOMAIN_LABEL,
            stored("emerging_terms", "first_seen_date"), stored("emerging_terms", "count"),
            stored("emerging_terms", "growth"), stored("emerging_terms", "burst_weight"),
            stored("emerging_terms", "weeks"), stored("emerging_terms", "sources"),
            stored("emerging_terms", "record_ids"), stored("emerging_terms", "sharing", "TLP"),
            INCLUDES_WITHHELD,
        )),
        ExportTable("changes", "前回からの変化", "Changes", (
            stored("scores", "domain"), DOMAIN_LABEL,
            derived("status", "VARCHAR", "new | dropped | class_changed | moved_beyond_band | moved | unchanged", "変化コード", "Change code"),
            derived("status_label", "VARCHAR", "Change in the briefing language", "変化の内容", "Change (label)"),
            derived("rank_before", "DOUBLE", "Rank in the previous scan", "前回順位", "Previous rank"),
            stored("scores", "rank"),
            derived("rank_change", "DOUBLE", "Places moved up (negative: down)", "順位変動", "Rank change"),
            stored("scores", "rank_low"), stored("scores", "rank_high"),
            derived("class_before", "VARCHAR", "Class in the previous scan", "前回区分コード", "Previous class code"),
            stored("scores", "class", "Class code", "区分コード"),
            derived("composite_score_before", "DOUBLE", "Composite in the previous scan", "前回総合優先度", "Previous composite"),
            stored("scores", "composite_score", "Composite score"),
            derived("composite_change", "DOUBLE", "Change of the composite", "総合優先度の変化", "Composite change"),
            derived("previous_scan_id", "VARCHAR", "Scan compared with", "比較対象スキャン", "Previous scan"),
            INCLUDES_WITHHELD,
        )),
        ExportTable("trends", "年次推移", "Yearly trends", (
            stored("assignments", "domain"), DOMAIN_LABEL,
            derived("year", "INTEGER", "Publication (or priority) year", "年", "Year"),
            derived("records", "DOUBLE", "Records of the year, counted fractionally by domain share", "件数(分数計数)", "Records"),
        )),
    ]
}  # fmt: skip
DICTIONARY_COLUMNS = (
    "table",
    "column",
    "header_ja",
    "header_en",
    "type",
    "description",
    "description_ja",
    "source",
)

_ARROW: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(), "JSON": pa.string(), "DOUBLE": pa.float64(), "BIGINT": pa.int64(),
    "INTEGER": pa.int32(), "BOOLEAN": pa.bool_(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()),
}  # fmt: skip


def arrow_schema(table: ExportTable) -> pa.Schema:
    """The Parquet schema of a briefing table, from its column types."""
    return pa.schema([pa.field(c.name, _ARROW[c.column.type]) for c in table.columns])


def data_dictionary() -> pd.DataFrame:
    """One row per exported column, generated from EXPORT_TABLES (and through them, TABLES)."""
    rows = [
        (
            t.name,
            c.name,
            c.header_ja,
            c.header_en,
            c.column.type,
            describe(t.name, c.name, "en", c.column.description),
            describe(t.name, c.name, "ja", c.column.description_ja),
            c.source,
        )
        for t in EXPORT_TABLES.values()
        for c in t.columns
    ]
    return pd.DataFrame(rows, columns=list(DICTIONARY_COLUMNS))


def conform_export(frame: pd.DataFrame, table: ExportTable) -> pd.DataFrame:
    """The frame with exactly the table's columns, typed as declared (missing ones empty)."""
    out = pd.DataFrame(index=frame.index)
    for c in table.columns:
        values = (
            frame[c.name]
            if c.name in frame.columns
            else pd.Series(None, index=frame.index, dtype=object)
        )
        out[c.name] = _typed(values, c.column.type)
    return out.reset_index(drop=True)


def _typed(values: pd.Series, type_: str) -> pd.Series:
    if type_ == "DOUBLE":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if type_ in ("BIGINT", "INTEGER"):
        return (
            pd.to_numeric(values, errors="coerce")
            .round()
            .astype("Int64" if type_ == "BIGINT" else "Int32")
        )
    if type_ == "BOOLEAN":
        return values.map(
            lambda v: (
                None
                if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))
                else bool(v)
            )
        ).astype("boolean")
    if type_ == "DATE":
        return (
            pd.to_datetime(values, errors="coerce")
            .map(lambda v: None if pd.isna(v) else v.date())
            .astype(object)
        )
    if type_ == "TIMESTAMP":
        return pd.to_datetime(values, errors="coerce")
    if type_ == "JSON":
        return values.map(_json_text).astype(object)
    return values.map(
        lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
    ).astype(object)


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and pd.isna(value):
        return None
    if hasattr(value, "tolist"):
        value = value.tolist()
    return json.dumps(value, ensure_ascii=False, default=str)


def _labels(scores: pd.DataFrame, language: Language, taxonomy: Any) -> dict[str, str]:
    labels = {
        d.slug: (d.label_ja if language == "ja" else d.label_en)
        for d in getattr(taxonomy, "domains", ())
    }
    col = "label_ja" if language == "ja" else "label_en"
    if not scores.empty and col in scores.columns:
        labels.update(
            {
                d: lab
                for d, lab in zip(scores["domain"], scores[col], strict=True)
                if isinstance(lab, str)
            }
        )
    return labels


def priority_table(
    scores: pd.DataFrame, evidence: pd.DataFrame, language: Language, labels: dict[str, str]
) -> pd.DataFrame:
    """The protect/nurture list in the briefing language."""
    if scores.empty:
        return pd.DataFrame(columns=EXPORT_TABLES["priority_list"].names)
    out = scores.sort_values(["rank", "domain"], na_position="last").copy()
    out["domain_label"] = out["domain"].map(lambda d: labels.get(d, d))
    out["class_label"] = out["class"].map(lambda c: CLASS_LABELS[language].get(c, c))
    out["maturity_label"] = out["maturity"].map(lambda m: MATURITY_LABELS[language].get(m, m))
    out["rank_band"] = [
        f"{lo:.0f}–{hi:.0f}" if pd.notna(lo) and pd.notna(hi) else None
        for lo, hi in zip(out["rank_low"], out["rank_high"], strict=True)
    ]
    out["rationale"] = out["rationale_ja" if language == "ja" else "rationale_en"]
    counts = (
        evidence.groupby("domain")["record_id"].nunique()
        if not evidence.empty
        else pd.Series(dtype=int)
    )
    out["evidence_count"] = out["domain"].map(counts).fillna(0)
    return out


def build_tables(
    scoped: Any, previous: Any | None, language: Language, taxonomy: Any, trends: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Every briefing table, conformed, from a scoped scan (and the scoped previous scan) and the
    visible corpus's yearly counts (`flows.briefing_corpus.yearly_counts`)."""
    f = scoped.frames
    labels = _labels(f.scores, language, taxonomy)
    evidence = (
        join_evidence(f.evidence, f.records)
        if not f.evidence.empty
        else pd.DataFrame(columns=["domain", "axis", "rank", "record_id"])
    )
    tables: dict[str, pd.DataFrame] = {
        "priority_list": priority_table(f.scores, evidence, language, labels)
    }
    tables["indicators"] = f.indicators.copy()
    evidence["axis_label"] = evidence["axis"].map(lambda a: AXIS_LABELS[language].get(a, a))
    tables["evidence"] = evidence
    terms = f.emerging_terms.copy()
    if not terms.empty and "domain_hint" in terms.columns:
        terms["domain_label"] = terms["domain_hint"].map(lambda d: labels.get(d, d))
    tables["emerging_terms"] = terms
    before = (
        previous.frames.scores if previous is not None else pd.DataFrame(columns=f.scores.columns)
    )
    changes = (
        diff_scores(before, f.scores) if not f.scores.empty or not before.empty else pd.DataFrame()
    )
    if not changes.empty:
        changes["status_label"] = changes["status"].map(lambda s: STATUS_LABELS[language].get(s, s))
        changes["previous_scan_id"] = (
            previous.frames.scan["scan_id"] if previous is not None else None
        )
    tables["changes"] = changes
    tables["trends"] = trends.copy()
    marked = scoped.includes_withheld or (previous is not None and previous.includes_withheld)
    for name, frame in tables.items():
        if "domain" in frame.columns and "domain_label" not in frame.columns:
            frame["domain_label"] = frame["domain"].map(lambda d: labels.get(d, d))
        if name in ("priority_list", "indicators", "changes", "emerging_terms"):
            frame["includes_withheld"] = scoped.includes_withheld if name != "changes" else marked
        tables[name] = conform_export(frame, EXPORT_TABLES[name])
    return tables
