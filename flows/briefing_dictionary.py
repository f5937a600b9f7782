"""What each exported column means, in Japanese and English, for the data dictionary.

The store's schema (horizon.schemas) gives each column a short Japanese label, used as the
Japanese header; a reader of the dictionary needs a sentence. Keyed by column name, or by
`table.column` where one name means different things in two tables. English text is given only
where the schema's description is too thin to stand alone.
"""

from __future__ import annotations

DESCRIPTIONS_JA: dict[str, str] = {
    "rank": "総合優先度による順位（1が最も優先度が高い）。",
    "evidence.rank": "同じ軸の根拠文書の中での並び順（1が最も寄与が大きい）。",
    "domain": "技術領域の識別子（タクソノミーのスラッグ。例: quantum）。言語によらず一定。",
    "domain_label": "技術領域の名称（ブリーフィングの言語による）。",
    "class": "区分のコード: protect（守る）、nurture（育てる）、monitor（注視）。",
    "class_label": "区分の名称（ブリーフィングの言語による）。",
    "composite_score": "三つの軸を重み付けして合成した総合優先度（0〜1、大きいほど優先）。",
    "rank_band": "重み・正規化・集計方法を変えたモンテカルロ試行での順位の範囲（5〜95パーセンタイル）。",
    "rank_low": "モンテカルロ試行での順位の5パーセンタイル（最も良い側）。",
    "rank_high": "モンテカルロ試行での順位の95パーセンタイル（最も悪い側）。",
    "japan_strength_score": "我が国の技術的強みの軸（0〜1）: 日本の論文・特許・Top10%論文のシェア等から算出。",
    "foreign_activity_score": "諸外国の研究開発状況の軸（0〜1）: 海外の件数、成長率、急増、特化国数等から算出。",
    "socioeconomic_score": "内外の社会経済の動向の軸（0〜1）: 国内外の政策発表の強度、勢い、予算等から算出。",
    "maturity": "成熟度のコード: basic_research（基礎研究）、applied（応用研究）、implementation（社会実装）。",
    "maturity_label": "成熟度の名称（ブリーフィングの言語による）。",
    "rationale": "指標の値から定型文で生成した評価の根拠（ブリーフィングの言語による）。",
    "n_records": "この領域に割り当てられた文書の件数（共有範囲内の文書のみ）。",
    "evidence_count": "根拠文書の表に載っているこの領域の文書の数。",
    "includes_withheld": "真の場合、数値はこの提供先に開示できない文書も含めて計算されている。",
    "indicator": "指標の名前（定義は docs/methodology.md）。",
    "country": "国（ISO 3166-1 alpha-2 コード）。全世界の値は WORLD。",
    "window": "指標を計算した期間（例: 2021-2025）。",
    "value": "指標の値（単位は指標による。シェアは0〜1）。",
    "incomplete": "真の場合、期間の最終年はまだ索引付けが進行中で値が小さめに出る。",
    "inputs": "値の計算に使った件数とパラメータ（JSON）。",
    "axis": "根拠となる軸のコード: japan_strength、foreign_activity、socioeconomic。",
    "axis_label": "軸の名称（ブリーフィングの言語による）。",
    "title": "文書のタイトル（原語のまま）。",
    "url": "文書の掲載ページのURL（http/httpsのみリンクになる）。",
    "published_date": "公開日（論文・政策）または優先日（特許）。",
    "kind": "文書の種別: paper（論文）、patent（特許）、policy（政策発表）。",
    "source": "この文書を取得した情報源（複数の場合はカンマ区切り）。",
    "countries": "文書の国と分数計数の重み（例: JP 0.50; US 0.50）。",
    "weight": "この文書が軸の値に寄与する重み。",
    "record_id": "文書の識別子（DOI、特許番号など）。",
    "sharing": "文書に情報提供者が付けた共有範囲（TLP 2.0）。",
    "emerging_terms.sharing": "この用語が現れた文書のうち最も制限の強い共有範囲（TLP 2.0）。",
    "term": "タクソノミーにない新しい技術用語の候補（正規化した語句）。",
    "language": "用語の言語: en（英語）または ja（日本語）。",
    "domain_hint": "同じ文書に現れたタクソノミー用語から推定した、最も多い技術領域。",
    "first_seen_date": "この用語を含む文書の最も早い公開日。",
    "count": "この用語を含む文書の件数。",
    "growth": "直近の週の件数と、その前の同じ長さの週の件数の差の比（(直近 − 前) / max(前, 1)）。",
    "burst_weight": "Kleinbergの2状態モデルによる急増（バースト）の強さ。0は急増なし。",
    "weeks": 'ISO週ごとの文書件数（JSON: {"2026-W40": 件数}）。',
    "sources": "情報源ごとの文書件数（JSON）。",
    "record_ids": "この用語を含む文書の例（識別子のリスト）。",
    "status": "前回からの変化のコード: new、dropped、class_changed、moved_beyond_band、moved、unchanged。",
    "status_label": "前回からの変化の内容（ブリーフィングの言語による）。",
    "rank_before": "前回のスキャンでの順位。",
    "rank_change": "順位の上昇幅（負の値は下降）。",
    "class_before": "前回のスキャンでの区分のコード。",
    "composite_score_before": "前回のスキャンでの総合優先度。",
    "composite_change": "総合優先度の変化（今回 − 前回）。",
    "previous_scan_id": "比較の対象とした前回のスキャンの識別子。",
    "year": "公開年（特許は優先年）。",
    "records": "その年の文書件数（各文書を領域への割当比率で按分した分数計数）。",
}
DESCRIPTIONS_EN: dict[str, str] = {
    "value": "The indicator's value (unit depends on the indicator; shares are in [0, 1]).",
    "title": "The document's title, in its own language.",
    "url": "The document's landing page (linked only where it is http or https).",
    "record_id": "The document's identifier (DOI, patent number, …).",
    "sharing": "The sharing label (TLP 2.0) the information provider set on the document.",
    "language": "The term's language: en (English) or ja (Japanese).",
    "weight": "How much the document contributes to the axis.",
    "evidence.rank": "Order among the axis's evidence documents (1 = contributes most).",
    "weeks": 'Documents per ISO week (JSON: {"2026-W40": count}).',
    "sources": "Documents per source (JSON).",
    "record_ids": "A few documents that contain the term (identifiers).",
}


def describe(table: str, column: str, language: str, fallback: str) -> str:
    """The column's description in `language` (`fallback`: the schema's English text)."""
    found = DESCRIPTIONS_JA if language == "ja" else DESCRIPTIONS_EN
    return found.get(f"{table}.{column}") or found.get(column) or fallback
