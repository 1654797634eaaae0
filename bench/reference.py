"""The machine reference printed beside every benchmark's figures."""

import random
import time


def machine_reference():
    """Milliseconds of a fixed pure-Python workload (best of 5): how fast this machine runs
    Python at the moment. On a shared virtual machine it can vary twofold within minutes,
    and every figure here with it; compare runs only with similar references."""
    rng = random.Random(1)
    words = [str(rng.random()) for _ in range(20_000)]
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        counts = {}
        for word in sorted(words):
            counts[word[:4]] = counts.get(word[:4], 0) + len(word)
        best = min(best, time.perf_counter() - started)
    return best * 1000
