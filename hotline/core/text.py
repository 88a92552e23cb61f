"""Text helpers: keys for duplicate matching and bigram tokens for Chinese full-text search."""

from __future__ import annotations

import re
import unicodedata

#: CJK ideographs: Extension A, the basic block, compatibility ideographs, Extensions B–I (planes 2 and 3), and
#: the Private Use Area, where older GB 18030 systems put 生僻字.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\ue000-\uf8ff\uf900-\ufaff\U00020000-\U0003ffff]+")
_WORD = re.compile(r"[0-9a-z]+")


#: Line and paragraph separators other than LF: vertical tab, form feed, NEL, U+2028, U+2029.
_OTHER_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})

#: What text fields drop: C0 and C1 control characters and DEL (tab and line break are handled above), surrogates
#: (``"\ud800"`` in JSON is no character), the bidi controls that reorder what is shown (LRM, RLM, ALM,
#: embeddings, overrides, isolates: "Trojan Source" text), invisible characters with no use in a name (zero-width
#: space, word joiner and invisible operators, BOM, the deprecated format controls, interlinear annotation, the
#: tag characters that can smuggle hidden ASCII) and noncharacters. Everything else is kept: private use
#: characters (生僻字 of older GB 18030 systems), code points this Python does not know yet (newer CJK extensions),
#: ZWNJ / ZWJ and variation selectors (emoji sequences, ideographic variants, Persian and Indic spelling).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff"
    "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ufdd0-\ufdef\U000e0000-\U000e007f]"
    "|[\ufffe\uffff\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe\U0004ffff"
    "\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff\U0009fffe"
    "\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff\U000cfffe\U000cffff\U000dfffe\U000dffff"
    "\U000efffe\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff]"
)


def clean_text(value: str | None, *, multiline: bool = False) -> str | None:
    """Strip, NFC-normalize and drop what is unsafe in stored text (``_UNSAFE``: control characters, bidi
    controls, invisible format characters); blank → None.

    Only characters known to be unsafe go: a name keeps every character it holds, including private use
    characters and code points newer than this Python's Unicode tables (unassigned to it, assigned in Unicode
    15+, e.g. CJK Extension H).
    """
    if value is None:
        return None
    # Line breaks first (CR LF and a lone CR both end a line), before CR is dropped as a control character.
    value = value.replace("\r\n", "\n").replace("\r", "\n").translate(_OTHER_BREAKS)
    if not multiline:
        # A line break pasted into a one-line field separates words: keep a space, do not glue them together.
        value = value.replace("\n", " ").replace("\t", " ")
    keep = "\n\t" if multiline else ""
    value = _UNSAFE.sub(lambda m: m.group() if m.group() in keep else "", value)
    value = unicodedata.normalize("NFC", value).strip()
    return value or None


def _key_char(ch: str) -> bool:
    """Letters and digits, and the private use and (to this Python) unassigned characters a name may hold."""
    category = unicodedata.category(ch)
    return category[0] in "LN" or category in ("Co", "Cn")


def match_key(value: str | None) -> str | None:
    """What two spellings of the same party share: NFKC, case-folded, no spaces or punctuation."""
    if not value:
        return None
    folded = unicodedata.normalize("NFKC", value).casefold()
    key = "".join(ch for ch in folded if _key_char(ch))
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


def cjk_tokens(text: str | None) -> str:
    """The Chinese tokens of a query for the bigram tsvector: the bigrams of its runs, and the single character
    of a one-character run (a document holds every single character of its runs, so one covered by a bigram
    narrows nothing more). Latin words and numbers are left out: a fragment (``P3`` of ``P30``, ``ZL2014`` of
    ``ZL201410…``) is no word of the index, so the substring test that follows decides for them."""
    runs = cjk_runs(text)
    return " ".join(dict.fromkeys([r for r in runs if len(r) == 1]
                                  + [r[i:i + 2] for r in runs for i in range(len(r) - 1)]))
