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
