"""The Whoosh analyzers: one for matching (normalised and stemmed), one for spelling."""

import re
from functools import cache, lru_cache

from whoosh.analysis import Analyzer, Filter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.acore import Token
from whoosh.lang import stemmer_for_language, stopwords_for_language

from peacemap.search.text import arabic_stem, normalise

STOP_WORDS = (
    frozenset(stopwords_for_language("en"))
    | frozenset(stopwords_for_language("fr"))
    | {"les", "des", "du", "aux", "au", "d", "l", "s"}
)
# Letters and digits of any script, with the combining marks (accents, Arabic harakat) that
# decorate them: "تُمْبُكْتُو" is one word, not six. Apostrophes split words, typographic ones
# too: ’ is not a letter, but the modifier letter ʼ (U+02BC) is one to `\w`, so it is left out.
SPELLING_MIN = 3  # shorter words are never suggested
WORD = r"(?:[^\W\u02bc]|[\u0300-\u036f\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed])+"


class NormaliseFilter(Filter):
    """Apply `normalise` to every token (accents, Arabic letter forms, spelling variants)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = normalise(token.text)
            if token.text:
                yield token


class ArabicStemFilter(Filter):
    """Light-stem Arabic words (`text.arabic_stem`); other words pass as they are."""

    is_morph = True  # left out, as the English stemmer is, when a query asks for no_morph

    def __call__(self, tokens):
        for token in tokens:
            if not token.stopped:
                token.text = arabic_stem(token.text)
            yield token


def _tokens():
    # Apostrophes split words (l'ONG, l’ONG, lʼONG -> l, ong).
    return RegexTokenizer(WORD)


def reference_text_analyzer():
    """Tokenise, normalise, drop French and English stop words, stem (English, and Arabic
    lightly), as a chain of Whoosh filters: the definition `TextAnalyzer` reproduces in one
    pass."""
    return (
        _tokens()
        | NormaliseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(lang="en", cachesize=50_000)
        | ArabicStemFilter()
    )


_stem_word = lru_cache(maxsize=200_000)(stemmer_for_language("en"))


def _stem(text):
    """The stem of a word: English (Porter), then Arabic (light). A number has no suffix to
    strip and is kept as it is: a rebuild meets thousands of numbers found once, and the
    stemmer takes 20 µs a word."""
    return text if text.isdigit() else arabic_stem(_stem_word(text))


class TextAnalyzer(Analyzer):
    """`reference_text_analyzer` in one generator with per-word caches.

    Whoosh runs a chain of four generators per token; indexing spends a fifth of its time
    there. Same tokens, positions (stop words renumbered away), offsets and modes.
    """

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        no_morph=False,
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pieces = _WORD.finditer(value) if tokenize else (_Whole(value),)
        pos = None
        for index, found in enumerate(pieces):
            word = found.group(0)
            text = normalise(word)
            if not text:
                continue
            if text in STOP_WORDS:
                if removestops:
                    continue
                token.stopped = True
                if positions:
                    token.pos = start_pos + index
            else:
                token.stopped = False
                if not no_morph:
                    text = _stem(text)
                if positions:
                    pos = start_pos + index if pos is None else pos + 1
                    token.pos = pos
            token.text = text
            token.boost = 1.0
            if keeporiginal:
                token.original = word
            if chars:
                token.startchar = start_char + found.start()
                token.endchar = start_char + found.end()
            yield token


def indexed_word(word):
    """What TextAnalyzer makes of one word (as `WORD` finds them): its term, None if dropped."""
    text = normalise(word)
    return _stem(text) if text and text not in STOP_WORDS else None


def spelling_word(word):
    """What the spelling analyzer makes of one word: its term, None if dropped."""
    text = normalise(word)
    return text if len(text) >= SPELLING_MIN and text not in STOP_WORDS else None


class _Whole:
    """The whole value as one match (tokenize=False)."""

    def __init__(self, value):
        self.value = value

    def group(self, _number):
        return self.value

    def start(self):
        return 0

    def end(self):
        return len(self.value)


@cache
def text_analyzer():
    """Tokenise, normalise, drop French and English stop words, stem (English, Arabic)."""
    return TextAnalyzer()


@cache
def spelling_analyzer():
    """Normalised but unstemmed words, for "did you mean"."""
    return _tokens() | NormaliseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=SPELLING_MIN)


_WORD = re.compile(WORD)


def words(text):
    """The words of `text` as written (accents, case and hamza kept)."""
    return _WORD.findall(text)


@lru_cache(maxsize=100_000)
def _indexed_form(word):
    """What the text analyzer makes of one word (None for a stop word)."""
    return next((token.text for token in text_analyzer()(word)), None)


@lru_cache(maxsize=20_000)
def word_spans(text):
    """((start, end, indexed form)) of every word of `text` that the index keeps: a summary
    shown again under another query is not analysed again."""
    spans = []
    for found in _WORD.finditer(text):
        form = _indexed_form(found.group())
        if form is not None:
            spans.append((found.start(), found.end(), form))
    return tuple(spans)


def matching_spans(text, terms):
    """[(start, end)] of the words of `text` whose indexed form is in `terms` (snippets)."""
    return [(start, end) for start, end, form in word_spans(text) if form in terms]
