from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.normalize import detect_language, normalize_term, normalize_text, to_original


def test_ascii_text_is_lowercased_and_hyphens_become_spaces():
    norm, offsets = normalize_text("High-Performance\nComputing")
    assert norm == "high performance computing"
    assert offsets is None


def test_full_and_half_width_forms_are_unified_with_offsets_back():
    text = "ＧａＮとｺﾝﾋﾟｭｰﾀｰ"
    norm, offsets = normalize_text(text)
    assert norm == "ganとコンピュータ"
    # "コ" (normalised index 4) comes from "ｺ" at index 4 of the input; the end maps to len(text)
    assert text[to_original(offsets, 4)] == "ｺ"
    assert to_original(offsets, len(norm)) == len(text)


def test_katakana_variants_match_each_other():
    assert normalize_term("コンピューター") == normalize_term("コンピュータ")
    assert normalize_term("ヴァイオリン") == normalize_term("バイオリン")
    assert normalize_term("サーバ‐") == normalize_term("サーバー")


def test_detect_language_by_script():
    assert detect_language("Quantum key distribution over fibre") == "en"
    assert detect_language("量子鍵配送の実証実験を行った。") == "ja"
    assert detect_language("量子密钥分发网络") == "zh"
    assert detect_language("양자 암호 통신") == "ko"
    assert detect_language("1234 !!") == "und"


def test_nfkc_stable_english_keeps_identity_offsets():
    text = "Funding of €40 million — the ministry’s Café-Lab"
    norm, offsets = normalize_text(text)
    assert offsets is None
    assert norm == "funding of €40 million   the ministry’s café lab"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["GaN", " ", "-", "€", "—", "é", "ﬁ", "Ｇａ", "ｺﾝﾋﾟｭｰﾀｰ", "㈱", "İ",
                                 "ヴァ", "ー", "ガ", "\n", "x"]), max_size=20))  # fmt: skip
def test_offsets_map_every_normalised_char_back_in_order(parts):
    text = "".join(parts)
    norm, offsets = normalize_text(text)
    if offsets is None:
        assert len(norm) == len(text)
    else:
        assert len(offsets) == len(norm) + 1 and offsets[-1] == len(text)
        assert offsets == sorted(offsets) and all(0 <= o <= len(text) for o in offsets)
