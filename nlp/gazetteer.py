"""Country names (English and Japanese) and organisation patterns for policy texts."""

from __future__ import annotations

#: ISO 3166 alpha-2 → names as they appear in policy announcements (EN, JA; adjectives excluded).
COUNTRIES: dict[str, tuple[str, ...]] = {
    "JP": ("Japan", "日本", "日本国", "わが国", "我が国"),
    "US": (
        "United States",
        "United States of America",
        "U.S.",
        "USA",
        "America",
        "米国",
        "アメリカ",
        "アメリカ合衆国",
    ),
    "CN": ("China", "People's Republic of China", "PRC", "中国", "中華人民共和国"),
    "KR": ("South Korea", "Republic of Korea", "Korea", "韓国", "大韓民国"),
    "KP": ("North Korea", "DPRK", "北朝鮮"),
    "TW": ("Taiwan", "台湾"),
    "GB": ("United Kingdom", "UK", "U.K.", "Britain", "Great Britain", "英国", "イギリス"),
    "DE": ("Germany", "ドイツ"),
    "FR": ("France", "フランス"),
    "IT": ("Italy", "イタリア"),
    "ES": ("Spain", "スペイン"),
    "NL": ("Netherlands", "the Netherlands", "オランダ"),
    "BE": ("Belgium", "ベルギー"),
    "CH": ("Switzerland", "スイス"),
    "AT": ("Austria", "オーストリア"),
    "SE": ("Sweden", "スウェーデン"),
    "NO": ("Norway", "ノルウェー"),
    "DK": ("Denmark", "デンマーク"),
    "FI": ("Finland", "フィンランド"),
    "IE": ("Ireland", "アイルランド"),
    "PL": ("Poland", "ポーランド"),
    "CZ": ("Czech Republic", "Czechia", "チェコ"),
    "HU": ("Hungary", "ハンガリー"),
    "PT": ("Portugal", "ポルトガル"),
    "GR": ("Greece", "ギリシャ"),
    "EE": ("Estonia", "エストニア"),
    "UA": ("Ukraine", "ウクライナ"),
    "RU": ("Russia", "Russian Federation", "ロシア"),
    "TR": ("Turkey", "Türkiye", "トルコ"),
    "IL": ("Israel", "イスラエル"),
    "SA": ("Saudi Arabia", "サウジアラビア"),
    "AE": ("United Arab Emirates", "UAE", "アラブ首長国連邦"),
    "IR": ("Iran", "イラン"),
    "IN": ("India", "インド"),
    "PK": ("Pakistan", "パキスタン"),
    "SG": ("Singapore", "シンガポール"),
    "MY": ("Malaysia", "マレーシア"),
    "TH": ("Thailand", "タイ王国"),
    "VN": ("Vietnam", "Viet Nam", "ベトナム"),
    "ID": ("Indonesia", "インドネシア"),
    "PH": ("Philippines", "the Philippines", "フィリピン"),
    "AU": ("Australia", "オーストラリア", "豪州"),
    "NZ": ("New Zealand", "ニュージーランド"),
    "CA": ("Canada", "カナダ"),
    "MX": ("Mexico", "メキシコ"),
    "BR": ("Brazil", "ブラジル"),
    "AR": ("Argentina", "アルゼンチン"),
    "CL": ("Chile", "チリ共和国"),
    "ZA": ("South Africa", "南アフリカ"),
    "EG": ("Egypt", "エジプト"),
    "NG": ("Nigeria", "ナイジェリア"),
    "KE": ("Kenya", "ケニア"),
}

#: Organisation patterns for the spaCy Matcher: heads that end or start an organisation name.
ORG_SUFFIXES_EN: tuple[str, ...] = (
    "Agency", "Ministry", "Department", "Office", "Commission", "Council", "Institute",
    "University", "Administration", "Bureau", "Authority", "Foundation", "Corporation",
    "Inc.", "Ltd.", "Co.", "Laboratory", "Laboratories", "Organization", "Organisation",
)  # fmt: skip
ORG_ACRONYMS: tuple[str, ...] = (
    "NASA", "DARPA", "NSF", "NIST", "DOE", "DOD", "DoD", "NIH", "JAXA", "JST", "NEDO", "AIST",
    "RIKEN", "METI", "MEXT", "MIC", "CSTI", "JSPS", "AMED", "NICT", "ESA", "EU", "OECD", "WTO",
    "NATO", "IAEA", "UN", "WHO", "ISO", "IEEE", "CERN", "BIS", "USPTO", "EPO", "JPO", "WIPO",
)  # fmt: skip
ORG_SUFFIXES_JA: tuple[str, ...] = (
    "省", "庁", "府", "委員会", "機構", "研究所", "大学", "株式会社", "財団", "協会", "本部", "会議",
)  # fmt: skip
