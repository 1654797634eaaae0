"""Text normalisation shared by indexing and querying (no Whoosh here)."""

import re
import unicodedata
from functools import lru_cache

# Arabic: letters written several ways are one letter for search.
_ARABIC = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ؤ": "و",
        "ئ": "ي",
        "ـ": None,  # tatweel
    }
)
# Ligatures are two letters for search ("Œuvre" is found by "oeuvre"); NFKD leaves œ and æ.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
_SUFFIXES = ((re.compile(r"isation(s?)$"), r"ization\1"), (re.compile(r"eaux$"), "eau"))


@lru_cache(maxsize=200_000)
def normalise(word):
    """Lower case, no accents or Arabic diacritics, ligatures as two letters (œ: oe), one
    spelling per Arabic letter, British -isation read as -ization, French -eaux plurals as
    -eau."""
    word = word.casefold().translate(_ARABIC).translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", word)
    word = "".join(c for c in decomposed if not unicodedata.combining(c))
    for pattern, replacement in _SUFFIXES:
        word = pattern.sub(replacement, word)
    return word


# A light Arabic stemmer (after Larkey's light10), on normalised words (ة is ه, ى is ي here).
# Suffixes first, longest first, one at most: ها ات ون ين ان يه (ية) ه (ة) ي, each only when
# three letters stay. Then one prefix: the article with what may lead it (وال بال كال فال لل
# ولل وبال ال) when two letters stay, "and" (و) when three stay, and ب ل ف ك when four stay:
# those letters begin many words ("كتاب", "فريق"), which a shorter rest would destroy.
_AR_SUFFIXES = ("ها", "ات", "ون", "ين", "ان", "يه", "ه", "ي")
_AR_ARTICLES = ("وبال", "وال", "بال", "كال", "فال", "ولل", "لل", "ال")
_AR_LETTERS = re.compile(r"[\u0621-\u064a]+")


@lru_cache(maxsize=200_000)
def arabic_stem(word):
    """The light stem of a normalised Arabic word ("السلام", "للسلام", "سلام": "سلام"); any
    other word as it is."""
    if not _AR_LETTERS.fullmatch(word):
        return word
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    for article in _AR_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            return word[len(article) :]
    if word[0] == "و" and len(word) >= 4:
        return word[1:]
    if word[0] in "بلفك" and len(word) >= 5:
        return word[1:]
    return word
