"""Text helpers: keys for duplicate matching and bigram tokens for Chinese full-text search."""

from __future__ import annotations

import re
import unicodedata

#: CJK ideographs: Extension A, the basic block, compatibility ideographs, Extensions B–H (planes 2 and 3).
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+")
_WORD = re.compile(r"[0-9a-z]+")


def clean_text(value: str | None, *, multiline: bool = False) -> str | None:
    """Strip, NFC-normalize and drop control characters (NUL and friends); blank → None."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value)
    # Line breaks first (CR LF and a lone CR both end a line), before CR is dropped as a control character.
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        # A line break pasted into a one-line field separates words: keep a space, do not glue them together.
        value = value.replace("\n", " ").replace("\t", " ")
    allowed = {"\n", "\t"} if multiline else set()
    value = "".join(ch for ch in value if ch in allowed or unicodedata.category(ch)[0] != "C"
                    or ch in ("\u200d",))
    value = value.strip()
    return value or None


def match_key(value: str | None) -> str | None:
    """What two spellings of the same party share: NFKC, case-folded, no spaces or punctuation."""
    if not value:
        return None
    folded = unicodedata.normalize("NFKC", value).casefold()
    key = "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")
    return key[:200] or None


def bigram_tokens(*texts: str | None) -> str:
    """Tokens for a 'simple' tsvector: CJK runs as single characters and overlapping bigrams, Latin
    words and numbers as lower-case words. The same function tokenizes documents and queries."""
    tokens: list[str] = []
    for text in texts:
        if not text:
            continue
        folded = unicodedata.normalize("NFKC", text).casefold()
        for run in _CJK.findall(folded):
            # Single characters as well as bigrams: a query whose CJK part is one character ("张", or the
            # "手" of "P30手") must find documents where that character sits inside a longer run.
            tokens.extend(run)
            tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
        tokens.extend(_WORD.findall(_CJK.sub(" ", folded)))
    return " ".join(dict.fromkeys(tokens))


def cjk_runs(text: str | None) -> list[str]:
    """The runs of Chinese characters in ``text`` (NFKC-normalized)."""
    if not text:
        return []
    return _CJK.findall(unicodedata.normalize("NFKC", text).casefold())
