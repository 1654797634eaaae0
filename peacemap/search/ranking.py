"""The top of a BM25 ranking from cached impacts: every match scored when few, else the
threshold algorithm with a budget, then MaxScore narrowing on bitsets when the top is full of
ties (a word rare in names and common in text)."""

import heapq

from peacemap.search.segments import bitmap_of, iter_bits

DIRECT = 1000  # up to this many matches, every match is scored; above, threshold algorithm
CANDIDATES = 6000  # MaxScore: when at most this many candidates remain, all are scored
SAMPLE = 200  # documents scored for MaxScore's lower bound
COMBINED = 5  # MaxScore: lists enumerated in every combination (2^5 intersections at most)
BUDGET = 800  # postings the threshold algorithm may read before MaxScore narrows the matches
CHUNK = 16  # documents taken from each list at a time by the threshold algorithm


def segment_top(local, lists, limit, size):
    """[(score, -docnum)] of the best local documents."""
    if not lists:  # nothing to score (an empty query): document order
        found = []
        for docnum in iter_bits(local):
            found.append((0.0, -docnum))
            if len(found) == limit:
                break
        return found
    score = _scorer([(postings.impacts, scale) for postings, scale in lists])
    if local.bit_count() <= DIRECT:
        return _scored(local, score, limit)
    found = _threshold_top(local, lists, limit, size, score, BUDGET)
    if found is not None:
        return found
    # Many ties at the top (a rare word in names, common words in text): narrow first.
    candidates = _max_score_candidates(local, lists, limit, score)
    if candidates.bit_count() <= CANDIDATES:
        return _scored(candidates, score, limit)
    found = _threshold_top(candidates, lists, limit, size, score, None)
    return found if found is not None else _scored(candidates, score, limit)


def _scored(local, score, limit):
    """[(score, -docnum)] of the best `limit` documents of `local`, every one scored."""
    best = heapq.nlargest(limit, iter_bits(local), key=score)  # ties: lower docnum first
    return [(score(docnum), -docnum) for docnum in best]


def _threshold_top(local, lists, limit, size, score, budget):
    """The threshold algorithm, a chunk of each list at a time: walk the lists from their
    highest impacts; stop when no document not yet seen can beat the k-th best found.
    Returns None when more than `budget` postings would be needed."""
    bitmap = bitmap_of(local, size)
    heap, seen = [], set()
    lists = [
        (postings.order, postings.impacts, scale, postings.complete) for postings, scale in lists
    ]
    depth, deepest = 0, max(len(order) for order, _, _, _ in lists)
    while depth < deepest:
        if budget is not None and depth * len(lists) > budget:
            return None
        threshold = 0.0
        for order, impacts, scale, complete in lists:
            chunk = order[depth : depth + CHUNK]
            if not complete and len(chunk) < CHUNK:
                return None  # only the head of this list is kept: no bound beyond it
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
        if len(heap) == limit and heap[0][0] >= threshold:
            break
        depth += CHUNK
    return heap


def _max_score_candidates(local, lists, limit, score):
    """The matches that can still be in the top `limit` (the MaxScore idea, on bitsets).

    A lower bound of the k-th best score (the floor) comes from real documents: those
    matching as many of the most valuable lists as possible. A document's score is at most
    the sum of the best contributions of the lists it is in. The few most valuable lists are
    enumerated in every combination; the rest count as if every document were in them. The
    candidates are the documents in a combination that can reach the floor: when names carry
    rare words, a few hundred documents out of tens of thousands.
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
    sample = []
    for docnum in iter_bits(rich):
        sample.append(docnum)
        if len(sample) == SAMPLE:
            break
    if len(sample) < limit:
        return local
    floor = heapq.nlargest(limit, map(score, sample))[-1]
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
    """A function: docnum -> score, for [(impacts, scale)] (unrolled for the usual sizes)."""
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
    if len(weights) == 6:
        (w0, s0), (w1, s1), (w2, s2), (w3, s3), (w4, s4), (w5, s5) = weights
        return lambda d: w0[d] * s0 + w1[d] * s1 + w2[d] * s2 + w3[d] * s3 + w4[d] * s4 + w5[d] * s5
    return lambda d: sum([w[d] * s for w, s in weights])
