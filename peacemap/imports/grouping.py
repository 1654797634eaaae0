"""Telling organisations apart: spelling variants of one name, and acronyms two organisations
share.

Two names are one organisation's when they have the same `name_key` (case, accents,
ligatures, apostrophes, punctuation and stop words aside), when they differ by one typo in
one word ("Wrold Vision"), or when they share an acronym and one name is the other with
words added. An acronym alone never joins two organisations: "DRC" is a Danish charity and
a regional directorate.
"""

from collections import Counter
from dataclasses import dataclass, fields

from peacemap.moderation.duplicates import name_key, spelling

TYPO_MIN = 4  # shorter words are other words, not typos ("Gao", "Gap")
LONG_WORD = 8  # a word this long may have two typos


def _distance(first, second, limit=2):
    """Edits (insert, delete, substitute, swap two neighbours) from one word to the other,
    counting no further than `limit` + 1."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(second) + 1))
    for i, a in enumerate(first, start=1):
        current = [i]
        for j, b in enumerate(second, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def typo(first_key, second_key):
    """True when two name keys differ by a typo in one word: "wrold vision" and "world vision",
    never "section 1" and "section 2" or "femmes kati" and "femmes kita"."""
    a, b = first_key.split(), second_key.split()
    if len(a) != len(b):
        return False
    different = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(different) != 1:
        return False
    x, y = different[0]
    if x.isdigit() or y.isdigit() or min(len(x), len(y)) < TYPO_MIN:
        return False
    return _distance(x, y) <= (2 if min(len(x), len(y)) >= LONG_WORD else 1)


def similar_names(first, second):
    """True when two names, with one acronym, are one organisation's: spellings of one name,
    one typo apart, or one name is the other with words added ("Norwegian Refugee Council
    (NRC)"). Letter-by-letter likeness is not enough: "Jeunes de Kati" and "Jeunes de Kita"
    are two towns' associations, "Section 1" and "Section 2" two sections."""
    first_key, second_key = name_key(first), name_key(second)
    if first_key == second_key or typo(first_key, second_key):
        return True
    a, b = set(first_key.split()), set(second_key.split())
    return min(len(a), len(b)) >= 2 and (a <= b or b <= a)


def same_organisation(first, second):
    """(same, reason) for two (name, acronym) pairs (either acronym may be empty)."""
    first_key, second_key = name_key(first[0]), name_key(second[0])
    acronyms = spelling(first[1]), spelling(second[1])
    if first_key == second_key:
        return True, "same name"
    if all(acronyms) and acronyms[0] != acronyms[1]:
        return False, None
    if typo(first_key, second_key):
        return True, "spelling variant"
    if acronyms[0] and acronyms[0] == acronyms[1]:
        if similar_names(first[0], second[0]):
            return True, "same acronym and similar name"
        return False, "same acronym, names differ"
    return False, None


@dataclass
class Note:
    """A line of the summary about two organisations: grouped, merged or possibly the same."""

    line: int
    name: str
    other_line: int | None
    other_name: str
    reason: str
    grouped: bool = False  # else the two are kept apart


def _merge(into, other):
    """Fold what the rows said of `other` into `into`, field by field by kind of value."""
    for item in fields(into):
        mine, theirs = getattr(into, item.name), getattr(other, item.name)
        if isinstance(mine, Counter):
            mine.update(theirs)
        elif isinstance(mine, set):
            mine |= theirs
        elif isinstance(mine, dict):
            for key, value in theirs.items():
                mine.setdefault(key, value)
        elif isinstance(mine, list):
            mine.extend(value for value in theirs if value not in mine)
    into.line = min(into.line, other.line)


def _acronym(org):
    return org.acronyms.most_common(1)[0][0] if org.acronyms else ""


def _rows(org):
    return sum(org.countries.values()) or 1


def group_variants(organisations):
    """Group the organisations aggregated from one file that are one organisation.

    `organisations` are the aggregator's (name, line, acronyms, countries... per spelling).
    Returns (kept, alternates, notes): the organisations left, each under its most used
    spelling; {id(kept organisation): other spellings worth keeping as alternate names};
    and the summary notes (grouped, and same acronym with names that differ).
    """
    orgs = list(organisations)
    parent = list(range(len(orgs)))

    def root(index):
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    notes, candidates, why = [], {}, {}
    for index, org in enumerate(orgs):
        key = name_key(org.name)
        words = key.split()
        # Names that may be variants share their key, or their key but one word, or an acronym.
        buckets = [("key", key), ("acronym", spelling(_acronym(org)))]
        buckets += [("typo", len(words), i, *words[:i], *words[i + 1 :]) for i in range(len(words))]
        for bucket in buckets:
            if bucket[1]:
                candidates.setdefault(bucket, []).append(index)
    seen, told = set(), set()
    for members in candidates.values():
        for position, first in enumerate(members):
            for second in members[position + 1 :]:
                if (first, second) in seen or root(first) == root(second):
                    continue
                seen.add((first, second))
                a, b = orgs[first], orgs[second]
                same, reason = same_organisation((a.name, _acronym(a)), (b.name, _acronym(b)))
                if same:
                    parent[root(second)] = root(first)
                    why.setdefault(second, reason)
                    why.setdefault(first, reason)
                elif reason and second not in told:  # once, against the first of them
                    told.add(second)
                    notes.append(Note(b.line, b.name, a.line, a.name, reason))
    groups = {}
    for index in range(len(orgs)):
        groups.setdefault(root(index), []).append(index)
    kept, alternates = [], {}
    for members in groups.values():
        members.sort(key=lambda index: (-_rows(orgs[index]), orgs[index].line))
        main = orgs[members[0]]
        spellings = {spelling(main.name)}
        others = []
        for index in members[1:]:
            other = orgs[index]
            reason = why.get(index, "same organisation")
            notes.append(Note(other.line, other.name, main.line, main.name, reason, True))
            if spelling(other.name) not in spellings:  # not merely case, accents or ligatures
                spellings.add(spelling(other.name))
                others.append(other.name)
            _merge(main, other)
        kept.append(main)
        if others:
            alternates[id(main)] = others
    kept.sort(key=lambda org: org.line)
    notes.sort(key=lambda note: note.line)
    return kept, alternates, notes
