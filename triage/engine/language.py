"""Which of our four languages a text is written in: pure Python, no model to load.

Each word votes: a Cyrillic word for Ukrainian when it holds a letter only Ukrainian has (і ї є ґ)
or is a frequent Ukrainian function word, for Russian when it holds a letter only Russian has
(ы э ъ ё) or is a frequent Russian word; a Latin word for German when it holds an umlaut or ß or is
a frequent German word, for English when it is a frequent English word. Undecided words (a
Cyrillic word in neither list, a Latin noun such as "server") join whichever language of their
script leads (when tied: the default if it is of that script, else Russian or English). The
language with most words wins; a tie goes to the default when it is among the tied, and a text
without letters gives the default.
"""

from __future__ import annotations

import re
from collections import Counter

LANGUAGES = ("en", "ru", "uk", "de")
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_UK_LETTERS = set("іїєґ")
_RU_LETTERS = set("ыэъё")
_DE_LETTERS = set("äöüß")
_UK_WORDS = frozenset(
    "і й що як це не на до від для з за у в та але або чи ви ми вони він вона воно мене мені "
    "мій моя моє наш ваш цей ця ці його її їх є був була було будь ласка дякую коли чому де "
    "тут там вже ще також лише може можна треба потрібно немає після через під над між".split()
)
_RU_WORDS = frozenset(
    "и что как это не на до от для с за у в но или ли вы мы они он она оно меня мне мой моя "
    "моё наш ваш этот эта эти его её их есть был была было пожалуйста спасибо когда почему "
    "где здесь там уже ещё тоже только может можно надо нужно нет после через под над между "
    "могу всё почему".split()
)
_DE_WORDS = frozenset(
    "der die das und ist nicht ich sie wir ein eine einen mit auf für von zu den dem des "
    "sich es bei kann können wie was wo warum bitte danke mein meine unser kein keine "
    "auch noch schon nur aber oder wenn dass habe hat haben wird werden funktioniert geht "
    "im am zum zur vom beim nach seit mehr einem einer ihr ihre hallo guten tag ob sind "
    "war wurde immer jetzt heute alle".split()
)
_EN_WORDS = frozenset(
    "the and is not i you we a an with on for of to in it my our can how what where why "
    "please thanks this that does do doesn don isn won cannot have has be will from at "
    "when after are was there all but or me your hello hi any just get got still".split()
)


def word_language(word: str) -> str | None:
    """The vote of one lowercase word: en, de, ru, uk, "cyr" or "lat" (undecided), or None."""
    letters = set(word)
    if any("\u0400" <= ch <= "\u04ff" for ch in word):
        if letters & _UK_LETTERS or word in _UK_WORDS and word not in _RU_WORDS:
            return "uk"
        if letters & _RU_LETTERS or word in _RU_WORDS and word not in _UK_WORDS:
            return "ru"
        return "cyr"
    if letters & _DE_LETTERS:
        return "de"
    if not word.isascii():
        return None
    if word in _DE_WORDS and word not in _EN_WORDS:
        return "de"
    if word in _EN_WORDS and word not in _DE_WORDS:
        return "en"
    return "lat"


def detect_language(text: str, default: str = "en") -> str:
    """The language (en, ru, uk, de) of most words in text; default when nothing decides."""
    votes = Counter(word_language(w) for w in _WORD_RE.findall(text.lower()))
    votes.pop(None, None)
    for undecided, pair in (("cyr", ("uk", "ru")), ("lat", ("de", "en"))):
        count = votes.pop(undecided, 0)
        if count:
            votes[_leader(votes, pair, default)] += count
    ranked = votes.most_common()
    if not ranked:
        return default
    tied = [lang for lang, n in ranked if n == ranked[0][1]]
    return default if default in tied else min(tied, key=LANGUAGES.index)


def _leader(votes: Counter, pair: tuple[str, str], default: str) -> str:
    """The leading language of a script; when tied, the default if it is one, else the second."""
    first, second = pair
    if votes[first] != votes[second]:
        return first if votes[first] > votes[second] else second
    return default if default in pair else second
