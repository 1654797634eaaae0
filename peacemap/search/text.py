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
