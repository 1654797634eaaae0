"""The top of a BM25 ranking from cached impacts.

Every match is scored when there are few. Otherwise a short threshold-algorithm walk comes
first (skipped for four lists or more), then MaxScore narrowing on bitsets, with the walk's
k-th best score as a floor; the candidates left are all scored, or the walk goes on over them.
"""

import heapq
from itertools import repeat
from operator import add, itemgetter, mul

from peacemap.search.whoosh.segments import bitmap_of, first_bits, iter_bits

DIRECT = 1000  # up to this many matches, every match is scored; above, threshold algorithm
CANDIDATES = 2000  # MaxScore: when at most this many candidates remain, all are scored,
NARROWED = 0.5  # ... if MaxScore left at most this share of the matches (else the walk goes on)
SAMPLE = 200  # documents scored for MaxScore's lower bound
COMBINED = 5  # MaxScore: lists enumerated in every combination (2^5 intersections at most)
BUDGET = 256  # postings the threshold algorithm may read before MaxScore narrows the matches
# With this many lists or more, the walk's bound (the sum of the lists' current impacts) falls
# too slowly to stop within the budget: MaxScore narrowing comes first.
WALK_FIRST_BELOW = 4
CHUNK = 16  # documents taken from each list at a time by the threshold algorithm


def segment_top(local, lists, limit, size):
    """[(score, -docnum)] of the best local documents."""
    if not lists:  # nothing to score (an empty query): document order
        return [(0.0, -docnum) for docnum in first_bits(local, limit)]
    weights = [(postings.impacts, scale) for postings, scale in lists]
    score = _scorer(weights)
    if local.bit_count() <= DIRECT:
        return _scored(local, weights, limit)
    walk = _ThresholdWalk(local, lists, limit, size, score)
    if len(lists) < WALK_FIRST_BELOW and walk.run(BUDGET):
        return walk.heap
    # Many ties at the top (a word rare in names and common in text): narrow the matches,
    # with the k-th best score found so far as a floor.
    floor = walk.heap[0][0] if len(walk.heap) == limit else 0.0
    candidates = _max_score_candidates(local, lists, limit, score, floor)
    count = candidates.bit_count()
    if count <= CANDIDATES and count <= local.bit_count() * NARROWED:
        return _scored(candidates, weights, limit)
    walk.narrow(candidates)  # no longer matching documents cannot reach the top
    return walk.heap if walk.run(None) else _scored(candidates, weights, limit)


def _scored(local, weights, limit):
    """[(score, -docnum)] of the best `limit` documents of `local`, every one scored."""
    docs = iter_bits(local)
    totals = scores(docs, weights)
    best = heapq.nlargest(limit, range(len(docs)), key=totals.__getitem__)  # ties: lower first
    return [(totals[i], -docs[i]) for i in best]


def scores(docs, weights):
    """The score of each of `docs` for [(impacts, scale)], list by list rather than document by
    document: C-level maps, with the same additions in the same order as `_scorer`."""
    totals = None
    for impacts, scale in weights:
        if isinstance(impacts, dict):  # a rare term's impacts: absent means 0
            levels = map(impacts.get, docs, repeat(0))
        elif len(docs) > 1:
            levels = itemgetter(*docs)(impacts)
        else:
            levels = [impacts[docnum] for docnum in docs]
        scaled = map(mul, levels, repeat(scale))
        totals = list(scaled) if totals is None else list(map(add, totals, scaled))
    return totals


class _ThresholdWalk:
    """The threshold algorithm, a chunk of each list at a time: walk the lists from their
    highest impacts; stop when no document not yet seen can beat the k-th best found.
    It can stop at a budget of postings read and go on later where it stopped."""

    def __init__(self, local, lists, limit, size, score):
        self.size, self.limit, self.score = size, limit, score
        self.bitmap = bitmap_of(local, size)
        self.heap, self.seen = [], set()
        self.lists = [(p.order, p.impacts, scale, p.complete) for p, scale in lists]
        self.depth = 0

    def narrow(self, bits):
        """Consider only these documents from now on."""
        self.bitmap = bitmap_of(bits, self.size)

    def run(self, budget):
        """True when the top is found; False when `budget` postings (across lists) were read
        first, or when a list whose head only is kept runs out."""
        heap, seen, limit, score, bitmap = self.heap, self.seen, self.limit, self.score, self.bitmap
        lists = self.lists
        deepest = max(len(order) for order, _, _, _ in lists)
        while self.depth < deepest:
            depth = self.depth
            if budget is not None and depth * len(lists) > budget:
                return False
            threshold = 0.0
            for order, impacts, scale, complete in lists:
                chunk = order[depth : depth + CHUNK]
                if not complete and len(chunk) < CHUNK:
                    return False  # only the head of this list is kept: no bound beyond it
                if not chunk:
                    continue
                threshold += impacts[chunk[-1]] * scale
                for docnum in chunk:
                    if docnum in seen or not bitmap[docnum >> 3] >> (docnum & 7) & 1:
                        continue
                    seen.add(docnum)
                    entry = (score(docnum), -docnum)
                    if len(heap) < limit:
                        heapq.heappush(heap, entry)
                    elif entry > heap[0]:
                        heapq.heapreplace(heap, entry)
            self.depth = depth + CHUNK
            if len(heap) == limit and heap[0][0] >= threshold:
                return True
        return True


def _max_score_candidates(local, lists, limit, score, floor=0.0):
    """The matches that can still be in the top `limit` (the MaxScore idea, on bitsets).

    A lower bound of the k-th best score (the floor) comes from real documents: those
    matching as many of the most valuable lists as possible. A document's score is at most
    the sum of the best contributions of the lists it is in. The few most valuable lists are
    enumerated in every combination; the rest count as if every document were in them. The
    candidates are the documents in a combination that can reach the floor: when names carry
    rare words, a few hundred documents out of tens of thousands. A `floor` already known
    (real scores found by the threshold algorithm) is used when higher.
    """
    bounds = sorted(
        ((postings.impacts[postings.order[0]] * scale, postings) for postings, scale in lists),
        key=lambda pair: pair[0],
        reverse=True,
    )
    rich = local
    for _bound, postings in bounds:
        narrower = rich & postings.bits
        if narrower.bit_count() >= 2 * limit:
            rich = narrower
    sample = first_bits(rich, SAMPLE)
    if len(sample) >= limit:
        floor = max(floor, heapq.nlargest(limit, map(score, sample))[-1])
    if not floor:
        return local
    valuable, rest = bounds[:COMBINED], bounds[COMBINED:]
    slack = sum(bound for bound, _postings in rest)
    candidates = 0
    for mask in range(1, 1 << len(valuable)):
        chosen = [valuable[i] for i in range(len(valuable)) if mask >> i & 1]
        if sum(bound for bound, _postings in chosen) + slack < floor:
            continue
        bits = local
        for _bound, postings in chosen:
            bits &= postings.bits
        candidates |= bits
    if slack >= floor:  # the other lists alone could reach the floor
        candidates = local
    return candidates


def _scorer(weights):
    """A function: docnum -> score, for [(impacts, scale)].

    Written out for one to six lists (a query's words and their fields): a lambda that adds
    fixed terms scores 2.5 to 7 times faster than a loop over the lists (measured in this
    session: 7,143 documents, 1 list 0.30 ms against 2.14 ms, 6 lists 1.45 ms against
    3.60 ms). Longer queries take the loop. Every arity adds the same terms in the same
    order as `scores` (tests/test_search_engine.py checks each).
    """
    if len(weights) == 1:
        ((w0, s0),) = weights
        return lambda d: w0[d] * s0
    if len(weights) == 2:
        (w0, s0), (w1, s1) = weights
        return lambda d: w0[d] * s0 + w1[d] * s1
    if len(weights) == 3:
        (w0, s0), (w1, s1), (w2, s2) = weights
        return lambda d: w0[d] * s0 + w1[d] * s1 + w2[d] * s2
    if len(weights) == 4:
        (w0, s0), (w1, s1), (w2, s2), (w3, s3) = weights
        return lambda d: w0[d] * s0 + w1[d] * s1 + w2[d] * s2 + w3[d] * s3
    if len(weights) == 5:
        (w0, s0), (w1, s1), (w2, s2), (w3, s3), (w4, s4) = weights
        return lambda d: w0[d] * s0 + w1[d] * s1 + w2[d] * s2 + w3[d] * s3 + w4[d] * s4
    if len(weights) == 6:
        (w0, s0), (w1, s1), (w2, s2), (w3, s3), (w4, s4), (w5, s5) = weights
        return lambda d: w0[d] * s0 + w1[d] * s1 + w2[d] * s2 + w3[d] * s3 + w4[d] * s4 + w5[d] * s5
    return lambda d: sum([w[d] * s for w, s in weights])
