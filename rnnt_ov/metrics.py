"""The word error rate, as upstream's metrics.py computes it: the word-level Levenshtein distance
summed over a set, over the number of reference words."""


def edit_distance(reference, hypothesis):
    """Levenshtein distance between two sequences (words, or labels): substitutions + deletions +
    insertions."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_item in enumerate(reference, 1):
        current = [i]
        for j, hyp_item in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref_item != hyp_item)))
        previous = current
    return previous[-1]


def word_error_rate(pairs):
    """(WER, errors, reference words) over (reference text, hypothesis text) pairs."""
    errors = words = 0
    for reference, hypothesis in pairs:
        errors += edit_distance(reference.split(), hypothesis.split())
        words += len(reference.split())
    return (errors / words if words else 0.0), errors, words
