"""Pure text helpers for the search index: folding, a light Ukrainian stemmer, plain text.

No search library here: ``search.py`` wires these into its analysers.
"""

from __future__ import annotations

import html
import re
import unicodedata

_CYRILLIC_FOLD = {"ё": "е", "\u0301": "", "\u0300": "", "’": "", "ʼ": "", "'": "", "`": ""}


def _latin_fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord(k): v for k, v in _CYRILLIC_FOLD.items()}
    for cp in range(0xC0, 0x250):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base and base != ch and base.isascii():
            table[cp] = base
    table.update({ord("ß"): "ss", ord("æ"): "ae", ord("ø"): "o", ord("œ"): "oe", ord("ł"): "l"})
    return table


_FOLD = _latin_fold_table()


def fold(word: str) -> str:
    """Fold case and accents: Latin letters lose diacritics, ``ё`` becomes ``е``, stress goes."""
    return word.lower().translate(_FOLD)


# A light Ukrainian stemmer: longest-suffix stripping with a minimum stem, in the spirit of
# the "light" stemmers for Slavic languages (no dictionary, no derivational suffixes).
_UK_REFLEXIVE = ("ся", "сь", "ться")
_UK_SUFFIXES = tuple(
    sorted(
        set(
            """а я о е є у ю і ї и й ь ою ею ям ах ях ами ями ові еві ів їв ом ем ий ій ої ого
            ому ими іми их іх ую юю ая яя ати ити іти ть ив ила ило или ла ло ли ти уть ють
            ять ить іть ите ути ув ула ули уло ємо емо имо ете єте ймо йте ння ості ість ному
            ним ною ній ного ні на не ну""".split()
        ),
        key=len,
        reverse=True,
    )
)
_UK_MIN_STEM = 3


def stem_uk(word: str) -> str:
    """Strip one reflexive ending and the longest inflectional ending, keeping 3+ letters."""
    for ending in _UK_REFLEXIVE:
        if word.endswith(ending) and len(word) - len(ending) >= _UK_MIN_STEM + 1:
            word = word[: -len(ending)]
            break
    for ending in _UK_SUFFIXES:
        if word.endswith(ending) and len(word) - len(ending) >= _UK_MIN_STEM:
            return word[: -len(ending)]
    return word


UK_STOPWORDS = frozenset(
    """а або але би б в у від до для же з із зі за й і та так то як що це цей ця ці
    на над не ні по при про під о об же чи ще вже там тут де коли тому бо він вона воно вони
    ми ви я ти мене мені мій моя моє мої ваш ваша ваше наш наша його її їх цього цьому який
    яка яке які є був була було були буде бути може можна треба має мати""".split()
)

_MD_DROP = re.compile(r"^\s*(```|~~~).*$|</?[A-Za-z][^<>]*>", re.M)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(
    r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+\.\s+)|[*`~]+|^\s*\|?[-:| ]{3,}\|?\s*$", re.M
)
_SPACES = re.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """Markdown reduced to plain text: code kept, fences, marks, tags and link targets gone."""
    text = _MD_DROP.sub(" ", markdown)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_MARKS.sub("", text)
    return _SPACES.sub(" ", text.replace("|", " ")).strip()


_WORD = re.compile(r"\w+(?:['’ʼ.]\w+)*")


def snippet(text: str, spans: list[tuple[int, int]], width: int = 220, lead: int = 40) -> str:
    """An HTML-safe excerpt of text around the densest matched spans, each in ``<mark>``."""
    spans = sorted(set(spans), key=lambda span: (span[0], -span[1]))  # longest first at a start
    hits = [(s, e, text[s:e].lower()) for s, e in spans if 0 <= s < e <= len(text)]
    if not hits:
        return _escape(text[:width]) + ("…" if len(text) > width else "")
    firsts = range(min(len(hits), 60))
    best = max(firsts, key=lambda i: (_distinct_within(hits, i, width - lead), -i))
    start = max(0, hits[best][0] - lead)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(text), start + width)
    end = end if end == len(text) else max(text.rfind(" ", start, end), hits[best][1])
    out, pos = ["…" if start else ""], start
    for s, e, _ in hits:
        if s >= max(start, pos) and e <= end:
            out += [_escape(text[pos:s]), f"<mark>{_escape(text[s:e])}</mark>"]
            pos = e
    out += [_escape(text[pos:end]), "…" if end < len(text) else ""]
    return "".join(out)


def _distinct_within(hits: list[tuple[int, int, str]], i: int, width: int) -> int:
    limit = hits[i][0] + width
    words = set()
    for _, end, word in hits[i:]:
        if end > limit:
            break
        words.add(word)
    return len(words)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
