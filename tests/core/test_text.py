"""Text helpers: clean_text, match_key (duplicate matching) and bigram_tokens (Chinese full-text search)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.core.text import bigram_tokens, clean_text, match_key

PURE = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("spelling", [
    "长沙某某 有限公司",
    "长沙某某有限公司",
    " 长沙某某　有限公司 ",       # ideographic space
    "长沙某某（有限）公司",       # full-width brackets
    "长沙某某-有限公司。",
])
def test_match_key_ignores_spacing_and_punctuation(spelling):
    assert match_key(spelling) == match_key("长沙某某有限公司") == "长沙某某有限公司"


def test_match_key_folds_width_and_case():
    assert match_key("ＡＢＣ科技") == match_key("abc科技") == match_key("ABC 科技") == match_key("A.B.C. 科技")
    assert match_key("Straße GmbH") == match_key("STRASSE gmbh")
    assert match_key("华为P30") == match_key("华为ｐ３０")


def test_match_key_keeps_different_parties_apart():
    assert match_key("长沙某某有限公司") != match_key("株洲某某有限公司")
    assert match_key("P30") != match_key("P31")


@pytest.mark.parametrize("value", [None, "", "   ", "——", "（）", "!?"])
def test_match_key_of_nothing_is_none(value):
    assert match_key(value) is None


def test_match_key_is_bounded_to_the_column_length():
    assert len(match_key("长" * 500)) == 200


def test_clean_text_strips_nul_and_control_characters():
    assert clean_text("长沙\x00某某\x07公司\x1b") == "长沙某某公司"
    assert clean_text("a\u200bb\ufeff") == "ab"       # zero-width space, BOM
    assert clean_text("\x00 \x01 ") is None


def test_clean_text_keeps_supplementary_characters_and_emoji():
    assert clean_text("  𠮷野家 😀 ") == "𠮷野家 😀"
    family = "👨\u200d👩\u200d👧"                      # the joiner holds the emoji sequence together
    assert clean_text(family) == family


def test_clean_text_normalizes_to_nfc():
    assert clean_text("e\u0301") == "é"


def test_clean_text_multiline_keeps_line_breaks():
    assert clean_text("第一行\r\n第二行\n\t第三行\x00", multiline=True) == "第一行\n第二行\n\t第三行"
    assert clean_text("old mac\rline", multiline=True) == "old mac\nline"


def test_clean_text_single_line_turns_line_breaks_into_spaces():
    assert clean_text("Acme\nCorp") == "Acme Corp"
    assert clean_text("Acme\r\nCorp\tLtd") == "Acme Corp Ltd"
    assert "\n" not in clean_text("长沙\n某某")


@pytest.mark.parametrize("value", [None, "", "  \n\t "])
def test_clean_text_blank_is_none(value):
    assert clean_text(value) is None
    assert clean_text(value, multiline=True) is None


@PURE
@given(st.text())
def test_clean_text_output_has_no_control_characters(value):
    cleaned = clean_text(value)
    if cleaned is not None:
        assert cleaned == cleaned.strip()
        assert not any(ord(ch) < 32 or ord(ch) == 127 or 0xD800 <= ord(ch) <= 0xDFFF for ch in cleaned)
        assert clean_text(cleaned) == cleaned


def test_bigram_tokens_chinese():
    tokens = bigram_tokens("长沙某某").split()
    assert {"长沙", "沙某", "某某"} <= set(tokens)
    assert "长沙某" not in tokens


def test_bigram_tokens_mixed_text():
    tokens = set(bigram_tokens("华为P30手机 ABC Tech").split())
    assert {"华为", "手机", "p30", "abc", "tech"} <= tokens
    assert "为p" not in tokens


def test_bigram_tokens_several_texts_without_duplicates():
    joined = bigram_tokens("专利", None, "", "专利 侵权")
    assert joined.split().count("专利") == 1
    assert "侵权" in joined.split()


def test_bigram_tokens_folds_width_and_case():
    assert bigram_tokens("ＡＢＣ") == bigram_tokens("abc") == "abc"


def test_bigram_tokens_empty():
    assert bigram_tokens() == ""
    assert bigram_tokens(None, "", "！？") == ""


def test_bigram_tokens_rare_ideographs_stay_in_their_run():
    tokens = bigram_tokens("张\U00030000三").split()   # U+30000: CJK Extension G
    assert "张\U00030000" in tokens
    assert "\U00030000三" in tokens


@PURE
@given(st.text(alphabet="长沙株洲湘潭某科技有限公司华为手机专利假冒ABCxyz0123 ", min_size=1, max_size=30),
       st.data())
def test_bigram_query_tokens_are_contained_in_the_document(document, data):
    """Every substring query (≥ 1 CJK character or a whole word) finds the document it came from: the
    PostgreSQL search ANDs the query's tokens, so each must be among the document's tokens."""
    start = data.draw(st.integers(min_value=0, max_value=len(document) - 1))
    end = data.draw(st.integers(min_value=start + 1, max_value=len(document)))
    query = document[start:end]
    latin_cut = (start > 0 and document[start - 1].isascii() and document[start - 1].isalnum()
                 and query[0].isascii() and query[0].isalnum()) or (
        end < len(document) and document[end].isascii() and document[end].isalnum()
        and query[-1].isascii() and query[-1].isalnum())
    if latin_cut:
        return  # part of a Latin word: a word-level index cannot promise that (SQLite's LIKE can)
    assert set(bigram_tokens(query).split()) <= set(bigram_tokens(document).split())


# Rare characters: kept; only what is unsafe goes -------------------------------------------------------------

RARE = [
    "\U00030000",   # CJK Extension G (Unicode 13)
    "\U00031350",   # CJK Extension H (Unicode 15): unassigned to Python 3.11's Unicode 14
    "\U0002ebf0",   # CJK Extension I (Unicode 15.1)
    "\ue000",       # Private Use Area: 生僻字 of older GB 18030 systems
    "\ue816",
    "\U000f0001",   # supplementary private use
]


@pytest.mark.parametrize("char", RARE)
def test_clean_text_keeps_rare_and_private_use_characters_of_names(char):
    name = f"张{char}明"
    assert clean_text(name) == name
    assert clean_text(f"长沙{char}科技有限公司", multiline=True) == f"长沙{char}科技有限公司"
    assert match_key(name) == f"张{char}明"
    assert match_key(f"张{char}明") != match_key("张明")


def test_clean_text_keeps_joiners_and_variation_selectors():
    assert clean_text("葛\U000e0100城") == "葛\U000e0100城"     # ideographic variation selector
    assert clean_text("\u2764\ufe0f") == "\u2764\ufe0f"
    assert clean_text("می\u200cخواهم") == "می\u200cخواهم"      # ZWNJ (Persian)


@pytest.mark.parametrize("unsafe", ["\u202e", "\u202d", "\u202a", "\u2066", "\u2067", "\u2068", "\u2069",
                                    "\u200e", "\u200f", "\u061c", "\x85", "\x9b", "\x7f", "\u2060", "\ufeff",
                                    "\U000e0041", "\ufffe", "\U0003ffff"])
def test_clean_text_drops_bidi_controls_and_invisible_characters(unsafe):
    cleaned = clean_text(f"张三{unsafe}有限公司")
    assert unsafe not in cleaned
    assert cleaned in ("张三有限公司", "张三 有限公司")   # NEL is a line break: a space in a one-line field


def test_clean_text_treats_other_line_separators_as_line_breaks():
    assert clean_text("甲\u2028乙\x0b丙\x0c丁\x85戊", multiline=True) == "甲\n乙\n丙\n丁\n戊"
    assert clean_text("甲\u2029乙") == "甲 乙"


_NAME_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
    blacklist_characters="\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
                         "\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\ufeff\ufff9\ufffa\ufffb")


@PURE
@given(st.text(_NAME_CHARS, min_size=1, max_size=20))
def test_clean_text_keeps_every_character_that_is_not_unsafe(value):
    """Whatever a name holds (private use, unassigned, any script) is kept, NFC-normalized and stripped."""
    import unicodedata

    value = "".join(ch for ch in value if not (0xE0000 <= ord(ch) <= 0xE007F or ord(ch) & 0xFFFE == 0xFFFE
                                               or 0xFDD0 <= ord(ch) <= 0xFDEF))
    expected = unicodedata.normalize("NFC", value).strip() or None
    assert clean_text(value) == expected
