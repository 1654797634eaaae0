"""The Whoosh analyzers: one for matching (normalised and stemmed), one for spelling."""

import re
from functools import cache, lru_cache

from whoosh.analysis import Filter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language

from peacemap.search.text import normalise

STOP_WORDS = (
    frozenset(stopwords_for_language("en"))
    | frozenset(stopwords_for_language("fr"))
    | {"les", "des", "du", "aux", "au", "d", "l", "s"}
)
# Letters and digits of any script, with the combining marks (accents, Arabic harakat) that
# decorate them: "تُمْبُكْتُو" is one word, not six.
WORD = r"[\w\u0300-\u036f\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed]+"


class NormaliseFilter(Filter):
    """Apply `normalise` to every token (accents, Arabic letter forms, spelling variants)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = normalise(token.text)
            if token.text:
                yield token


def _tokens():
    # Apostrophes split words (l'ONG -> l, ong).
    return RegexTokenizer(WORD)


@cache
def text_analyzer():
    """Tokenise, normalise, drop French and English stop words, stem (Porter, English)."""
    return (
        _tokens()
        | NormaliseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(lang="en", cachesize=50_000)
    )


@cache
def spelling_analyzer():
    """Normalised but unstemmed words, for "did you mean"."""
    return _tokens() | NormaliseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=3)


_WORD = re.compile(WORD)


@lru_cache(maxsize=100_000)
def _indexed_form(word):
    """What the text analyzer makes of one word (None for a stop word)."""
    return next((token.text for token in text_analyzer()(word)), None)


def matching_spans(text, terms):
    """[(start, end)] of the words of `text` whose indexed form is in `terms` (snippets)."""
    return [found.span() for found in _WORD.finditer(text) if _indexed_form(found.group()) in terms]
