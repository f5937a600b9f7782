"""Calibration against published national statistics: Japan's share of the scan's papers and
patents in a field, next to the share NSF's Science & Engineering Indicators publish for it.

A crawl that over- or under-samples Japan shows itself here before it shows in the list: every
Japan-strength indicator is a share, so a scan whose Japanese share is off by a factor of two in a
field is reading a biased sample of it. The published figures are the NCSES SEI tables (public
domain), reduced to one row per field in `data/reference/nsf_sei_japan_shares.csv` by
`build_reference` (provenance in each row: table, year, counting, Japan and world values).

Like with like: fractional counting on both sides where SEI counts fractionally (articles by
author country, USPTO patents by inventor country), whole counting for the AI-article table, which
SEI publishes whole-counted. A field is read from the record's own codes: arXiv categories and
OpenAlex/Crossref field names for papers (SEI fields come from Scopus journal classification, so
the match is approximate and said so), the WIPO IPC-technology concordance fields for patents
(Schmoch 2008, as revised by WIPO in 2019: the fields SEI's patent tables use). Records without a
country are left out of both numerator and denominator, and counted.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.inputs import decode_json, explode_countries

#: The committed reference table (one row per field; see `build_reference`).
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference" / "nsf_sei_japan_shares.csv"
#: A scan share this many times the published one (or its inverse) is flagged.
FACTOR = 2.0
#: Below this many records with a country, a field's share is not compared (a share of 3 records
#: says nothing about sampling); the count is shown instead.
MIN_RECORDS = 30
REFERENCE_COLUMNS = ["field", "kind", "label", "file", "table_id", "table_field", "year",
                     "counting", "japan", "world", "share"]  # fmt: skip

# --- fields: what SEI publishes, and how a record of the scan is placed in it --------------------
_PHYSICS_ARXIV = re.compile(r"^(physics\.|quant-ph|cond-mat|hep-|nucl-|gr-qc|nlin\.)")


def _arxiv(pattern: str) -> Callable[[dict], bool]:
    rx = re.compile(pattern)
    return lambda codes: any(rx.match(str(c)) for c in codes.get("arxiv") or ())


def _names(*names: str) -> Callable[[dict], bool]:
    wanted = {n.casefold() for n in names}
    return lambda codes: any(str(t).casefold() in wanted for t in codes.get("topics") or ())


def _ipc(*prefixes: str) -> Callable[[dict], bool]:
    """A patent in a WIPO field: any of its IPC (else CPC) symbols starts with one of `prefixes`."""

    def match(codes: dict) -> bool:
        symbols = codes.get("ipc") or codes.get("cpc") or ()
        return any(str(s).replace(" ", "").upper().startswith(prefixes) for s in symbols)

    return match


def _either(*tests: Callable[[dict], bool]) -> Callable[[dict], bool]:
    return lambda codes: any(t(codes) for t in tests)


@dataclass(frozen=True)
class Field:
    """A field SEI publishes Japan's share for, and which scan records fall in it."""

    key: str
    kind: str  # paper | patent
    label: str
    file: str  # NSF SEI file in the reference folder
    table_id: str
    table_field: str
    counting: str  # fractional | whole (of the scan side, as of the published table)
    member: Callable[[dict], bool] | None = None  # None: every record of the kind
    assigned: str | None = None  # a domain: records assigned to it (the AI-article table)


_ARTICLES = "articles_fractional_by_field.csv"
_PAT_SECTOR = "uspto_patents_by_wipo_sector.csv"
_PAT_FIELD = "uspto_patents_by_wipo35_field_sei2022.csv"
#: WIPO concordance field 16 (pharmaceuticals): A61K except cosmetics (A61K8), and A61P.
_PHARMA = (*(f"A61K{g}/" for g in (6, 9, 31, 33, 35, 36, 38, 39, 41, 45, 47, 48, 49, 50, 51,
                                    101, 103, 125, 127, 129, 131, 133, 135)), "A61P")  # fmt: skip

FIELDS: tuple[Field, ...] = (
    Field("papers_all", "paper", "S&E articles, all fields", _ARTICLES, "SPBS-2",
          "all S&E fields", "fractional"),
    Field("papers_computer", "paper", "computer and information sciences", _ARTICLES, "SPBS-7",
          "computer and information sciences", "fractional",
          _either(_arxiv(r"^cs\."), _names("Computer Science"))),
    Field("papers_engineering", "paper", "engineering", _ARTICLES, "SPBS-8", "engineering",
          "fractional", _either(_arxiv(r"^eess\."), _names("Engineering"))),
    Field("papers_physics", "paper", "physics", _ARTICLES, "SPBS-14", "physics", "fractional",
          _either(_arxiv(_PHYSICS_ARXIV.pattern), _names("Physics and Astronomy"))),
    Field("papers_health", "paper", "health sciences", _ARTICLES, "SPBS-10", "health sciences",
          "fractional", _names("Medicine", "Nursing", "Health Professions", "Dentistry")),
    Field("papers_ai", "paper", "AI articles (whole counting)", "ai_articles.csv", "APBS-1",
          "artificial intelligence (AI)", "whole", assigned="ai_ml"),
    Field("patents_all", "patent", "USPTO patents, all technologies", _PAT_SECTOR, "SINV-4",
          "all technologies (total)", "fractional"),
    Field("patents_semiconductors", "patent", "semiconductors (WIPO field 8)", _PAT_SECTOR,
          "SINV-10", "semiconductors", "fractional", _ipc("H01L", "H10")),
    Field("patents_computer", "patent", "computer technology (WIPO field 6)", _PAT_FIELD,
          "SINV-50", "computer technology", "fractional",
          _ipc("G06C", "G06D", "G06E", "G06F", "G06G", "G06J", "G06K", "G06M", "G06N", "G06T",
               "G10L", "G11C", "G16B", "G16C", "G16Z")),
    Field("patents_biotechnology", "patent", "biotechnology (WIPO field 15)", _PAT_FIELD,
          "SINV-59", "biotechnology", "fractional",
          _ipc("C07G", "C07K", "C12M", "C12N", "C12P", "C12Q", "C12R", "C12S")),
    Field("patents_pharmaceuticals", "patent", "pharmaceuticals (WIPO field 16)", _PAT_FIELD,
          "SINV-60", "pharmaceuticals", "fractional", _ipc(*_PHARMA)),
)  # fmt: skip


#: Field names in the Japanese briefing.
LABELS_JA = {
    "papers_all": "S&E論文（全分野）", "papers_computer": "計算機・情報科学", "papers_engineering": "工学",
    "papers_physics": "物理学", "papers_health": "保健科学", "papers_ai": "AI論文（整数計数）",
    "patents_all": "米国特許（全技術）", "patents_semiconductors": "半導体（WIPO分野8）",
    "patents_computer": "コンピュータ技術（WIPO分野6）",
    "patents_biotechnology": "バイオテクノロジー（WIPO分野15）",
    "patents_pharmaceuticals": "医薬品（WIPO分野16）",
}  # fmt: skip


# --- the published side ----------------------------------------------------------------------------
def build_reference(nsf_dir: Path) -> pd.DataFrame:
    """Japan's and the world's value for every field, in the latest year both are published."""
    rows = []
    for f in FIELDS:
        values: dict[str, dict[str, float]] = {}
        with (Path(nsf_dir) / f.file).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                wanted = (row["table_id"], row["field"]) == (f.table_id, f.table_field)
                if wanted and row["country"] in ("Japan", "World"):
                    values.setdefault(row["year"], {})[row["country"]] = float(row["value"])
        years = sorted(y for y, v in values.items() if {"Japan", "World"} <= v.keys())
        if not years:
            raise ValueError(
                f"{f.file}: no Japan and World values for {f.table_id} {f.table_field!r}"
            )
        year = years[-1]
        japan, world = values[year]["Japan"], values[year]["World"]
        published_counting = "whole" if f.counting == "whole" else "fractional"
        rows.append((f.key, f.kind, f.label, f.file, f.table_id, f.table_field, year,
                     published_counting, japan, world, round(japan / world, 6)))  # fmt: skip
    return pd.DataFrame(rows, columns=REFERENCE_COLUMNS)


def load_reference(path: Path = REFERENCE) -> pd.DataFrame:
    """The committed reference table."""
    return pd.read_csv(path, dtype={"year": str})


# --- the scan side --------------------------------------------------------------------------------
def scan_shares(records: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Per field: records of the kind in it, those with a country, Japan's (fractional or whole)
    count and share. `records` needs record_id, kind, countries and codes."""
    recs = records.reset_index(drop=True)
    codes = [c if isinstance(c, dict) else {} for c in decode_json(recs["codes"], {})]
    cw = explode_countries(recs["countries"])
    n = len(recs)
    has_country = np.zeros(n, dtype=bool)
    has_country[cw["pos"].to_numpy(dtype=int)] = True
    jp = cw[cw["country"] == "JP"]
    jp_frac = np.bincount(jp["pos"].to_numpy(dtype=int), weights=jp["weight"].to_numpy(float),
                          minlength=n)  # fmt: skip
    total_frac = np.bincount(cw["pos"].to_numpy(dtype=int), weights=cw["weight"].to_numpy(float),
                             minlength=n)  # fmt: skip
    jp_whole = jp_frac > 0
    by_domain: dict[str, set[str]] = {}
    if len(assignments):
        for d, ids in assignments.groupby("domain")["record_id"]:
            by_domain[str(d)] = set(ids)
    kinds = recs["kind"].astype(str).to_numpy()
    ids = recs["record_id"].astype(str).to_numpy()
    rows = []
    for f in FIELDS:
        member = kinds == f.kind
        if f.member is not None:
            member &= np.fromiter((f.member(c) for c in codes), bool, count=n)
        if f.assigned is not None:
            member &= np.isin(ids, list(by_domain.get(f.assigned, ())))
        counted = member & has_country
        if f.counting == "whole":
            japan, world = float(jp_whole[counted].sum()), float(counted.sum())
        else:
            japan, world = float(jp_frac[counted].sum()), float(total_frac[counted].sum())
        rows.append((f.key, int(member.sum()), int(counted.sum()), japan,
                     japan / world if world else None))  # fmt: skip
    return pd.DataFrame(rows, columns=["field", "records", "with_country", "japan", "share"])


def calibration(
    records: pd.DataFrame,
    assignments: pd.DataFrame,
    reference: pd.DataFrame | None = None,
    *,
    demo: bool = False,
    recorded: bool = False,
) -> dict[str, Any]:
    """The check as data: one row per field (scan share, published share, ratio, verdict), the
    fields that differ by more than FACTOR as warnings, and what the comparison can tell."""
    ref = load_reference() if reference is None else reference
    scan = scan_shares(records, assignments).set_index("field")
    rows, flagged = [], []
    for r in ref.itertuples(index=False):
        s = scan.loc[r.field] if r.field in scan.index else None
        n = int(s["with_country"]) if s is not None else 0
        share = None if s is None or pd.isna(s["share"]) else float(s["share"])
        row: dict[str, Any] = {
            "field": r.field, "kind": r.kind, "label": r.label,
            "label_ja": LABELS_JA.get(r.field, r.label),
            "records": int(s["records"]) if s is not None else 0, "with_country": n,
            "scan_share": None if share is None else round(share, 4),
            "published_share": round(float(r.share), 4),
            "published": f"NSF SEI {r.table_id}, {r.year}, {r.counting} counting",
            "table": f"{r.table_id} {r.year}",
            "ratio": None, "verdict": "",
        }  # fmt: skip
        if n < MIN_RECORDS:
            row["verdict"] = f"too few records with a country ({n} < {MIN_RECORDS})"
            row["verdict_ja"] = f"国のある文書が少なすぎる（{n} < {MIN_RECORDS}）"
        else:
            ratio = share / float(r.share) if float(r.share) else float("inf")
            row["ratio"] = round(ratio, 3)
            if ratio > FACTOR or ratio < 1 / FACTOR:
                row["verdict"] = f"differs by more than ×{FACTOR:g}"
                row["verdict_ja"] = f"{FACTOR:g}倍を超える乖離"
                flagged.append(row)
            else:
                row["verdict"] = f"within ×{FACTOR:g}"
                row["verdict_ja"] = f"{FACTOR:g}倍以内"
        rows.append(row)
    note = (
        "demo corpus: its Japanese shares are planted by the generator, so this comparison shows "
        "only that the check runs, not how a crawl samples Japan"
        if demo
        else "recorded responses: samples other projects recorded for their tests, not a crawl of "
        "any field, so a share far from the published one is expected and says nothing of a live "
        "crawl"
        if recorded
        else "a scan samples by query terms, not by field: a share off by ×2 says the crawl "
        "over- or under-samples Japan in that field, not that the published figure is wrong"
    )
    note_ja = (
        "デモコーパス: 日本のシェアは生成時に設定されたもので、この照合は検査が動くことを示すだけです"
        if demo
        else "記録済み応答: 他プロジェクトがテスト用に記録した標本で、分野のクロールではありません。"
        "公表値との乖離は想定内で、実際のクロールについては何も示しません"
        if recorded
        else "スキャンは分野ではなく検索語で標本を集めます。2倍を超える乖離は、その分野で日本を"
        "過大または過小に収集していることを示し、公表値の誤りを示すものではありません"
    )
    # a demo's or recordings' shares are not a crawl's: flagged in the table, not raised as warnings
    warnings = (
        []
        if demo or recorded
        else [
            f"Japan's share of {r['label']} is {r['scan_share']:.1%} in this scan against "
            f"{r['published_share']:.1%} published ({r['published']}; {r['with_country']} records)"
            for r in flagged
        ]
    )
    return {"fields": rows, "flagged": [r["field"] for r in flagged], "note": note,
            "note_ja": note_ja,
            "min_records": MIN_RECORDS, "factor": FACTOR, "warnings": warnings}  # fmt: skip


def fields_table(check: dict[str, Any] | None) -> pd.DataFrame:
    """The check's rows as a table (for the briefing)."""
    rows: Iterable[dict[str, Any]] = (check or {}).get("fields") or []
    return pd.DataFrame(list(rows))


def main(argv: list[str] | None = None) -> None:
    """`python -m scoring.calibration NSF_SEI_DIR [OUT]`: rebuild the committed reference table."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit("usage: python -m scoring.calibration NSF_SEI_DIR [OUT.csv]")
    out = Path(args[1]) if len(args) > 1 else REFERENCE
    out.parent.mkdir(parents=True, exist_ok=True)
    build_reference(Path(args[0])).to_csv(out, index=False, lineterminator="\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
