"""Utterance lengths like MLPerf's: dev-clean's, as the load set (measure/loadset.py) and the
Offline batch search (fastest.py) draw them."""
import numpy as np

# MLPerf's set: dev-clean's 2513 utterances of 15 s or less (upstream's dev-clean-wav.json, r1.0),
# counted per second of duration: 37 of 1-2 s (the shortest is 1.445 s), 363 of 2-3 s, ...; mean 6.25 s.
DEV_CLEAN_SECONDS = {1: 37, 2: 363, 3: 363, 4: 355, 5: 250, 6: 240, 7: 204, 8: 179, 9: 144, 10: 135,
                     11: 91, 12: 54, 13: 49, 14: 49}
SHORTEST, LONGEST = 1.445, 14.995


def durations(count, seed):
    """`count` durations in seconds with dev-clean's histogram: each second's share of the count
    (largest remainders), spread evenly within that second, in a shuffled order."""
    shares = np.array(list(DEV_CLEAN_SECONDS.values()), np.float64)
    shares = shares / shares.sum() * count
    per_second = np.floor(shares).astype(int)
    per_second[np.argsort(per_second - shares)[:count - per_second.sum()]] += 1
    found = np.concatenate([second + (np.arange(n) + 0.5) / n
                            for second, n in zip(DEV_CLEAN_SECONDS, per_second) if n])
    np.random.default_rng(seed).shuffle(found)
    return np.clip(found, SHORTEST, LONGEST).round(3)
