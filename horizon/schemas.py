"""Record and table schemas: the one source of truth for every stage boundary."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

RECORD_ID_RE = re.compile(r"^(doi|arxiv|openalex|patent|fr|url|crossref|govuk|oai|demo):\S+$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


class Kind(StrEnum):
    """What a record is."""

    paper = "paper"
    patent = "patent"
    policy = "policy"


class Sharing(StrEnum):
    """Traffic Light Protocol 2.0 label, set by whoever provides the source."""

    clear = "CLEAR"
    green = "GREEN"
    amber = "AMBER"
    amber_strict = "AMBER+STRICT"
    red = "RED"

    @property
    def level(self) -> int:
        """Order CLEAR < GREEN < AMBER < AMBER+STRICT < RED."""
        return _TLP_ORDER.index(self)

    @classmethod
    def parse(cls, value: str) -> Sharing:
        """Read a label as written in config or on the command line (`amber-strict`, `TLP:RED`)."""
        text = value.strip().upper().removeprefix("TLP:").replace("-", "+").replace("_", "+")
        return cls(text)


_TLP_ORDER = [Sharing.clear, Sharing.green, Sharing.amber, Sharing.amber_strict, Sharing.red]


class CountryWeight(BaseModel):
    """One country's fractional credit for a record."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    country: str
    weight: float = Field(ge=0.0, le=1.0)

    @field_validator("country")
    @classmethod
    def _alpha2(cls, value: str) -> str:
        value = value.upper()
        if not COUNTRY_RE.match(value):
            raise ValueError(f"country must be an ISO 3166 alpha-2 code, got {value!r}")
        return value


class Codes(BaseModel):
    """Classification codes a source attaches to a record."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    cpc: list[str] = Field(default_factory=list)
    ipc: list[str] = Field(default_factory=list)
    arxiv: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)


class Record(BaseModel):
    """A normalised paper, patent or policy announcement, with its provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    record_id: str
    kind: Kind
    source: str
    title: str = Field(min_length=1)
    text: str = ""
    language: str = "und"
    published_date: dt.date | None = None
    countries: list[CountryWeight] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    codes: Codes = Field(default_factory=Codes)
    cited_by_count: int | None = Field(default=None, ge=0)
    url: str | None = None
    sharing: Sharing = Sharing.clear
    raw_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    fetched_at: dt.datetime
    ids: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("record_id")
    @classmethod
    def _record_id(cls, value: str) -> str:
        if not RECORD_ID_RE.match(value):
            raise ValueError(
                f"record_id must look like doi:…, arxiv:…, openalex:W…, patent:…, fr:… or url:…, got {value!r}"
            )
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("title is empty")
        return value

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> Record:
        if self.countries:
            total = sum(c.weight for c in self.countries)
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"country weights must sum to 1, got {total:.6f}")
            if len({c.country for c in self.countries}) != len(self.countries):
                raise ValueError("a country is listed twice")
        return self

    def content_sha256(self) -> str:
        """Hash of what extraction and assignment read: reuse their results when it is unchanged."""
        return self._content_sha256(
            self.codes.model_dump(), [c.model_dump() for c in self.countries]
        )

    def _content_sha256(self, codes: dict[str, Any], countries: list[dict[str, Any]]) -> str:
        payload = json.dumps(
            [
                self.title,
                self.text,
                self.language,
                str(self.published_date),
                codes,
                countries,
                self.kind.value,
            ],
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def to_row(self, *, demo: bool = False) -> dict[str, Any]:
        """The record as a row of the `records` table (JSON columns as text)."""
        codes = self.codes.model_dump()
        countries = [c.model_dump() for c in self.countries]
        return {
            "record_id": self.record_id,
            "kind": self.kind.value,
            "source": self.source,
            "title": self.title,
            "text": self.text,
            "language": self.language,
            "published_date": self.published_date,
            "countries": json.dumps(countries),
            "organizations": json.dumps(self.organizations, ensure_ascii=False),
            "codes": json.dumps(codes, ensure_ascii=False),
            "cited_by_count": self.cited_by_count,
            "url": self.url,
            "sharing": self.sharing.value,
            "raw_sha256": self.raw_sha256,
            "fetched_at": (
                self.fetched_at.astimezone(dt.UTC).replace(tzinfo=None)
                if self.fetched_at.tzinfo
                else self.fetched_at
            ),
            "ids": json.dumps(sorted({self.record_id, *self.ids})),
            "content_sha256": self._content_sha256(codes, countries),
            "demo": demo,
        }

    @property
    def id_prefix(self) -> str:
        """The scheme of the record id (`doi`, `arxiv`, …)."""
        return self.record_id.split(":", 1)[0]


class Reject(BaseModel):
    """Input that was refused, kept with the reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    source: str
    reason: str
    url: str | None = None
    raw_sha256: str | None = None
    item: str | None = None


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming each failing field and what is wrong with it."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def validate_record(fields: dict[str, Any], source: str) -> Record | Reject:
    """Build a Record from raw fields, or a Reject saying why not."""
    try:
        return Record.model_validate(fields)
    except ValidationError as exc:
        item = str(fields.get("record_id") or fields.get("url") or "")[:200] or None
        return Reject(
            source=source,
            reason=describe_validation_error(exc),
            url=fields.get("url"),
            raw_sha256=fields.get("raw_sha256"),
            item=item,
        )


def fractional_weights(author_countries: list[list[str]]) -> list[CountryWeight]:
    """Author-level fractional counting: each author 1/|A|, split over their countries.

    Waltman & van Eck (2015); `methods.md` § Counting. Authors with no known country are dropped
    before dividing, so the weights sum to 1 whenever any country is known.
    """
    known = [sorted({c.upper() for c in cs if c}) for cs in author_countries]
    known = [cs for cs in known if cs]
    if not known:
        return []
    totals: dict[str, float] = {}
    for cs in known:
        for c in cs:
            totals[c] = totals.get(c, 0.0) + 1.0 / (len(known) * len(cs))
    norm = sum(totals.values())
    return [CountryWeight(country=c, weight=w / norm) for c, w in sorted(totals.items())]


# --- table schemas -------------------------------------------------------------------------------

ColumnType = Literal[
    "VARCHAR", "DOUBLE", "BIGINT", "INTEGER", "BOOLEAN", "DATE", "TIMESTAMP", "JSON", "VARCHAR[]"
]


class Column(BaseModel):
    """A column of a store table, with the text of the data dictionary."""

    model_config = ConfigDict(frozen=True)
    name: str
    type: ColumnType
    description: str
    description_ja: str = ""
    nullable: bool = True


class Table(BaseModel):
    """A store table: its columns, key and meaning."""

    model_config = ConfigDict(frozen=True)
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    def ddl(self) -> str:
        """CREATE TABLE statement for DuckDB."""
        cols = [f'"{c.name}" {c.type}{"" if c.nullable else " NOT NULL"}' for c in self.columns]
        if self.key:
            cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in self.key) + ")")
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  " + ",\n  ".join(cols) + "\n)"

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    @property
    def quoted(self) -> str:
        """Column names quoted for SQL (some, like `window`, are keywords)."""
        return ", ".join(f'"{c.name}"' for c in self.columns)


def _c(
    name: str, type_: ColumnType, description: str, ja: str = "", nullable: bool = True
) -> Column:
    return Column(
        name=name, type=type_, description=description, description_ja=ja, nullable=nullable
    )


SCAN_ID = _c("scan_id", "VARCHAR", "Scan that wrote the row", "スキャンID", nullable=False)
DOMAIN = _c("domain", "VARCHAR", "Technology domain slug (taxonomy)", "技術領域", nullable=False)

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            name="scans",
            description="One row per scan: the manifest.",
            key=("scan_id",),
            columns=(
                SCAN_ID,
                _c("started_at", "TIMESTAMP", "UTC start", "開始時刻", nullable=False),
                _c("finished_at", "TIMESTAMP", "UTC end", "終了時刻"),
                _c(
                    "status",
                    "VARCHAR",
                    "running | completed | partial | failed",
                    "状態",
                    nullable=False,
                ),
                _c(
                    "demo",
                    "BOOLEAN",
                    "True when the scan read the built-in demo corpus",
                    "デモデータ",
                ),
                _c("code_version", "VARCHAR", "horizon-scan version and git commit", "コード版"),
                _c("config_sha256", "JSON", "sha256 of every config file", "設定ハッシュ"),
                _c(
                    "source_counts",
                    "JSON",
                    "per source: responses, records, quarantined",
                    "ソース別件数",
                ),
                _c("parameters", "JSON", "sources, since, executor", "実行パラメータ"),
                _c("message", "VARCHAR", "why a scan is partial or failed", "メッセージ"),
            ),
        ),
        Table(
            name="raw_responses",
            description="Every response body fetched, kept immutable on disk by content hash.",
            key=("scan_id", "raw_sha256", "url"),
            columns=(
                SCAN_ID,
                _c("source", "VARCHAR", "Spider name", "ソース", nullable=False),
                _c("url", "VARCHAR", "Request URL", "URL", nullable=False),
                _c(
                    "raw_sha256",
                    "VARCHAR",
                    "sha256 of the body",
                    "生データハッシュ",
                    nullable=False,
                ),
                _c("path", "VARCHAR", "Path of the body under the workspace", "保存先"),
                _c("status", "INTEGER", "HTTP status", "HTTPステータス"),
                _c("content_type", "VARCHAR", "Content-Type header", "Content-Type"),
                _c("fetched_at", "TIMESTAMP", "UTC fetch time", "取得時刻"),
            ),
        ),
        Table(
            name="quarantine",
            description="Input refused by a parser or the record schema, with the reason.",
            columns=(
                SCAN_ID,
                _c("source", "VARCHAR", "Spider name", "ソース", nullable=False),
                _c("reason", "VARCHAR", "Why it was refused", "理由", nullable=False),
                _c("url", "VARCHAR", "Request URL", "URL"),
                _c("raw_sha256", "VARCHAR", "sha256 of the body", "生データハッシュ"),
                _c("item", "VARCHAR", "The refused item's id or a snippet", "対象"),
            ),
        ),
        Table(
            name="records",
            description="Normalised records (papers, patents, policy announcements).",
            key=("scan_id", "record_id"),
            columns=(
                SCAN_ID,
                _c(
                    "record_id",
                    "VARCHAR",
                    "Stable source-independent id (doi:…, arxiv:…, patent:…)",
                    "レコードID",
                    nullable=False,
                ),
                _c("kind", "VARCHAR", "paper | patent | policy", "種別", nullable=False),
                _c(
                    "source",
                    "VARCHAR",
                    "Sources that gave the record, comma-separated",
                    "ソース",
                    nullable=False,
                ),
                _c("title", "VARCHAR", "Title", "タイトル", nullable=False),
                _c("text", "VARCHAR", "Abstract or body text", "本文・要旨"),
                _c("language", "VARCHAR", "ISO 639-1 language", "言語"),
                _c(
                    "published_date",
                    "DATE",
                    "Publication (papers, policy) or priority (patents) date",
                    "公開日",
                ),
                _c(
                    "countries",
                    "JSON",
                    "[{country, weight}] fractional, summing to 1",
                    "国（分数計数）",
                ),
                _c("organizations", "JSON", "Organisations named by the source", "機関"),
                _c("codes", "JSON", "{cpc, ipc, arxiv, topics}", "分類コード"),
                _c("cited_by_count", "BIGINT", "Citations reported by the source", "被引用数"),
                _c("url", "VARCHAR", "Landing page", "URL"),
                _c(
                    "sharing",
                    "VARCHAR",
                    "TLP 2.0 label set by the provider",
                    "共有範囲(TLP)",
                    nullable=False,
                ),
                _c(
                    "raw_sha256",
                    "VARCHAR",
                    "Raw response the record came from",
                    "生データハッシュ",
                    nullable=False,
                ),
                _c("fetched_at", "TIMESTAMP", "UTC fetch time", "取得時刻"),
                _c("ids", "JSON", "Every identifier merged into this record", "統合ID"),
                _c(
                    "content_sha256",
                    "VARCHAR",
                    "Hash of the normalised content (reuse key)",
                    "内容ハッシュ",
                ),
                _c("demo", "BOOLEAN", "True for built-in demo data", "デモデータ"),
            ),
        ),
        Table(
            name="entities",
            description="Technology entities (and organisations, countries, money) found in records.",
            columns=(
                SCAN_ID,
                _c("record_id", "VARCHAR", "Record", "レコードID", nullable=False),
                _c("label", "VARCHAR", "TECH | ORG | GPE | MONEY", "種類", nullable=False),
                _c("text", "VARCHAR", "Surface form", "表記", nullable=False),
                _c("term_id", "VARCHAR", "Taxonomy term id (TECH)", "用語ID"),
                _c("subtech", "VARCHAR", "Sub-technology slug", "サブ技術"),
                _c("domain", "VARCHAR", "Domain slug", "技術領域"),
                _c("start_char", "INTEGER", "Start offset in title + text", "開始位置"),
                _c("end_char", "INTEGER", "End offset", "終了位置"),
                _c("value", "DOUBLE", "Amount for MONEY", "金額"),
                _c("currency", "VARCHAR", "ISO 4217 for MONEY", "通貨"),
                _c("sharing", "VARCHAR", "Label of the record it came from", "共有範囲(TLP)"),
            ),
        ),
        Table(
            name="assignments",
            description="Record-to-domain assignments with confidence and reason.",
            key=("scan_id", "record_id", "domain"),
            columns=(
                SCAN_ID,
                _c("record_id", "VARCHAR", "Record", "レコードID", nullable=False),
                DOMAIN,
                _c("confidence", "DOUBLE", "Confidence in [0, 1]", "確信度", nullable=False),
                _c(
                    "share",
                    "DOUBLE",
                    "Fraction of the record credited to the domain; sums to 1 per record",
                    "配分",
                    nullable=False,
                ),
                _c(
                    "reason",
                    "VARCHAR",
                    "code | entities | classifier, with the evidence",
                    "根拠",
                    nullable=False,
                ),
                _c("sharing", "VARCHAR", "Label of the record", "共有範囲(TLP)"),
            ),
        ),
        Table(
            name="emerging_terms",
            description="Candidate technology phrases not in the taxonomy, for analysts to review.",
            key=("scan_id", "term", "language"),
            columns=(
                SCAN_ID,
                _c("term", "VARCHAR", "Normalised phrase", "候補語", nullable=False),
                _c("language", "VARCHAR", "en | ja", "言語", nullable=False),
                _c(
                    "domain_hint",
                    "VARCHAR",
                    "Most frequent domain of taxonomy terms beside it",
                    "推定領域",
                ),
                _c("first_seen_date", "DATE", "Earliest publication date", "初出日"),
                _c("weeks", "JSON", "{ISO week: records}", "週別件数"),
                _c("sources", "JSON", "{source: records}", "ソース別件数"),
                _c("count", "BIGINT", "Records that contain it", "件数"),
                _c(
                    "growth",
                    "DOUBLE",
                    "(recent weeks − the weeks before) / max(before, 1)",
                    "伸び率",
                ),
                _c("burst_weight", "DOUBLE", "Kleinberg two-state burst weight", "バースト強度"),
                _c("record_ids", "JSON", "A few example records", "例"),
                _c(
                    "sharing",
                    "VARCHAR",
                    "Most restrictive TLP label of the records it came from",
                    "共有範囲(TLP)",
                ),
            ),
        ),
        Table(
            name="indicators",
            description="Indicators per domain, country and window, with their inputs.",
            columns=(
                SCAN_ID,
                DOMAIN,
                _c("country", "VARCHAR", "ISO alpha-2, or WORLD", "国"),
                _c("window", "VARCHAR", "Years covered, e.g. 2021-2025", "期間"),
                _c(
                    "indicator",
                    "VARCHAR",
                    "Indicator name (docs/methodology.md)",
                    "指標",
                    nullable=False,
                ),
                _c("value", "DOUBLE", "Value", "値"),
                _c("inputs", "JSON", "Counts and parameters behind the value", "入力"),
                _c(
                    "incomplete",
                    "BOOLEAN",
                    "The window's last year is still being indexed",
                    "不完全期間",
                ),
            ),
        ),
        Table(
            name="scores",
            description="The prioritised protect/nurture list.",
            key=("scan_id", "domain"),
            columns=(
                SCAN_ID,
                DOMAIN,
                _c("label_en", "VARCHAR", "Domain name in English", "領域名(英)"),
                _c("label_ja", "VARCHAR", "Domain name in Japanese", "領域名"),
                _c(
                    "japan_strength_score",
                    "DOUBLE",
                    "Japan's technological strength in [0, 1]",
                    "日本の技術的強み",
                ),
                _c(
                    "foreign_activity_score",
                    "DOUBLE",
                    "Foreign R&D activity in [0, 1]",
                    "諸外国の研究開発状況",
                ),
                _c(
                    "socioeconomic_score",
                    "DOUBLE",
                    "Domestic and international socioeconomic trend in [0, 1]",
                    "内外の社会経済動向",
                ),
                _c("composite_score", "DOUBLE", "Composite priority in [0, 1]", "総合優先度"),
                _c("rank", "INTEGER", "Rank by composite (1 = highest)", "順位"),
                _c("rank_low", "DOUBLE", "5th percentile rank over the Monte Carlo", "順位(5%点)"),
                _c(
                    "rank_high",
                    "DOUBLE",
                    "95th percentile rank over the Monte Carlo",
                    "順位(95%点)",
                ),
                _c("class", "VARCHAR", "protect | nurture | monitor", "区分"),
                _c(
                    "maturity",
                    "VARCHAR",
                    "basic_research | applied | implementation band",
                    "成熟度",
                ),
                _c(
                    "rationale_en", "VARCHAR", "Rationale generated from the indicators", "根拠(英)"
                ),
                _c(
                    "rationale_ja",
                    "VARCHAR",
                    "Rationale generated from the indicators (Japanese)",
                    "根拠",
                ),
                _c("n_records", "BIGINT", "Records assigned to the domain", "件数"),
                _c(
                    "base_composite_score",
                    "DOUBLE",
                    "Composite before expert adjustment",
                    "調整前の総合優先度",
                ),
                _c(
                    "judgement_adjustment",
                    "DOUBLE",
                    "Declared expert adjustment added to the composite",
                    "専門家による調整",
                ),
                _c("rank_median", "DOUBLE", "Median rank over the Monte Carlo", "順位(中央値)"),
                _c("class_rank", "INTEGER", "Rank by composite within the class", "区分内順位"),
                _c(
                    "maturity_band",
                    "VARCHAR",
                    "Maturity stages the bootstrap supports, e.g. basic_research–applied",
                    "成熟度の幅",
                ),
                _c(
                    "maturity_confidence",
                    "DOUBLE",
                    "Bootstrap share of the modal maturity stage",
                    "成熟度の確度",
                ),
                _c(
                    "lifecycle_stage",
                    "VARCHAR",
                    "emerging | growth | maturity | saturation (logistic fit)",
                    "ライフサイクル段階",
                ),
                _c(
                    "incomplete",
                    "BOOLEAN",
                    "The latest window's last year is still being indexed",
                    "不完全期間",
                ),
            ),
        ),
        Table(
            name="evidence",
            description="Documents behind each domain's axis scores.",
            columns=(
                SCAN_ID,
                DOMAIN,
                _c(
                    "axis",
                    "VARCHAR",
                    "japan_strength | foreign_activity | socioeconomic",
                    "軸",
                    nullable=False,
                ),
                _c("record_id", "VARCHAR", "Record", "レコードID", nullable=False),
                _c(
                    "weight",
                    "DOUBLE",
                    "The record's term in the indicator's sum (fractional weight × share, "
                    "× top-10% weight or recency where the indicator uses them)",
                    "寄与",
                ),
                _c("rank", "INTEGER", "Order within the axis", "順位"),
                _c("sharing", "VARCHAR", "Label of the record", "共有範囲(TLP)"),
                _c(
                    "indicator",
                    "VARCHAR",
                    "The indicator that counted the record (top10_share, paper_share, "
                    "patent_share, foreign_volume, policy_intensity_foreign, "
                    "policy_intensity_domestic)",
                    "指標",
                ),
                _c("window", "VARCHAR", "Scoring window the record was counted in", "期間"),
            ),
        ),
        Table(
            name="sensitivity",
            description="First-order sensitivity of the ranking to each weight and choice (Monte Carlo).",
            columns=(
                SCAN_ID,
                _c(
                    "parameter",
                    "VARCHAR",
                    "axis.indicator, composite.axis, normalisation or aggregation",
                    "パラメータ",
                    nullable=False,
                ),
                _c("domain", "VARCHAR", "Domain slug; NULL for the whole ranking", "技術領域"),
                _c("first_order", "DOUBLE", "Var(E[rank | parameter]) / Var(rank)", "一次感度指数"),
            ),
        ),
        Table(
            name="class_probabilities",
            description=(
                "Protect / nurture scores and each class's probability over the Monte Carlo"
                " (bootstrap of documents × weights × normalisation × thresholds)."
            ),
            columns=(
                SCAN_ID,
                DOMAIN,
                _c(
                    "strength_score",
                    "DOUBLE",
                    "Japan's strength S = mean RTA/(1 + RTA)",
                    "日本の強み",
                ),
                _c(
                    "pressure_score", "DOUBLE", "Foreign activity axis (pressure)", "外国からの圧力"
                ),
                _c("importance_score", "DOUBLE", "Foreign and socioeconomic axes", "重要度"),
                _c("protect_score", "DOUBLE", "strength × pressure", "守る指標"),
                _c("nurture_score", "DOUBLE", "importance × (1 − strength)", "育てる指標"),
                _c("p_protect", "DOUBLE", "Share of draws classed protect", "守る確率"),
                _c("p_nurture", "DOUBLE", "Share of draws classed nurture", "育てる確率"),
                _c("p_monitor", "DOUBLE", "Share of draws classed monitor", "注視確率"),
                _c(
                    "stable_class",
                    "VARCHAR",
                    "Class with P ≥ stable_min, else uncertain",
                    "安定区分",
                ),
                _c(
                    "home_papers",
                    "DOUBLE",
                    "Japan's fractional papers in the window",
                    "日本の論文数",
                ),
                _c("home_patents", "DOUBLE", "Japan's fractional patent families", "日本の特許数"),
                _c(
                    "home_top10",
                    "DOUBLE",
                    "Japan's fractional top-10% papers",
                    "日本のTop10%論文数",
                ),
                _c(
                    "small_counts",
                    "VARCHAR",
                    "Strength measures capped or left out for a small count (with the count)",
                    "少数件数の指標",
                ),
            ),
        ),
        Table(
            name="judgements",
            description="Expert ratings and notes stored beside the computed scores.",
            columns=(
                SCAN_ID,
                DOMAIN,
                _c("analyst", "VARCHAR", "Who judged", "分析者", nullable=False),
                _c("judgement_date", "DATE", "When", "判断日"),
                _c("rating", "VARCHAR", "CRDS-style ◎ ○ △ ×", "評価"),
                _c("note", "VARCHAR", "Analyst note", "メモ"),
                _c(
                    "adjustment", "DOUBLE", "Declared shift of the composite in [-0.2, 0.2]", "調整"
                ),
            ),
        ),
        Table(
            name="network_nodes",
            description="Technology network nodes: sub-technologies and domains.",
            columns=(
                SCAN_ID,
                _c(
                    "node_id",
                    "VARCHAR",
                    "Sub-technology slug, or domain:<slug>",
                    "ノードID",
                    nullable=False,
                ),
                _c("level", "VARCHAR", "subtech | domain", "階層", nullable=False),
                _c("label_en", "VARCHAR", "Name in English", "名称(英)"),
                _c("label_ja", "VARCHAR", "Name in Japanese", "名称"),
                _c("domain", "VARCHAR", "Domain slug", "技術領域"),
                _c("n_records", "BIGINT", "Records mentioning it", "件数"),
                _c("community", "INTEGER", "Louvain community (subtech level)", "コミュニティ"),
                _c(
                    "betweenness",
                    "DOUBLE",
                    "Betweenness centrality (sampled on large graphs)",
                    "媒介中心性",
                ),
                _c(
                    "burst_weight",
                    "DOUBLE",
                    "Kleinberg burst weight of its records per year",
                    "バースト強度",
                ),
                _c("sigma", "DOUBLE", "(betweenness + 1)^burst_weight (CiteSpace)", "シグマ"),
                _c(
                    "sharing",
                    "VARCHAR",
                    "Most restrictive TLP label of its records",
                    "共有範囲(TLP)",
                ),
            ),
        ),
        Table(
            name="network_edges",
            description="Co-occurrence of sub-technologies and convergence of domains.",
            columns=(
                SCAN_ID,
                _c("source_id", "VARCHAR", "Node", "始点", nullable=False),
                _c("target_id", "VARCHAR", "Node", "終点", nullable=False),
                _c("level", "VARCHAR", "subtech | domain", "階層", nullable=False),
                _c("weight", "DOUBLE", "Records in which both occur", "共起件数"),
                _c(
                    "sharing",
                    "VARCHAR",
                    "Most restrictive TLP label of those records",
                    "共有範囲(TLP)",
                ),
            ),
        ),
        Table(
            name="watermarks",
            description="Per-source high-water marks for incremental crawling.",
            key=("source",),
            columns=(
                _c("source", "VARCHAR", "Spider name", "ソース", nullable=False),
                _c("since_date", "DATE", "Next crawl asks from this date", "取得開始日"),
                _c("scan_id", "VARCHAR", "Scan that set it", "スキャンID"),
                _c("updated_at", "TIMESTAMP", "UTC", "更新時刻"),
            ),
        ),
        Table(
            name="exports",
            description="Audit of every briefing that left the store: who, when, for whom, which files.",
            key=("export_id",),
            columns=(
                _c("export_id", "VARCHAR", "Export", "エクスポートID", nullable=False),
                SCAN_ID,
                _c(
                    "audience",
                    "VARCHAR",
                    "TLP label of the audience",
                    "提供先(TLP)",
                    nullable=False,
                ),
                _c("language", "VARCHAR", "ja | en", "言語", nullable=False),
                _c("run_by", "VARCHAR", "Who ran the export", "実行者", nullable=False),
                _c("created_at", "TIMESTAMP", "UTC", "作成時刻", nullable=False),
                _c("out_dir", "VARCHAR", "Folder written", "出力先"),
                _c("files", "JSON", "[{path, bytes, sha256}]", "ファイル"),
                _c("withheld", "JSON", "Items withheld by sharing scope, per kind", "非開示件数"),
            ),
        ),
    ]
}
