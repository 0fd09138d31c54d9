"""The word error rate, as upstream's metrics.py computes it, on hand-made pairs."""
import pytest

from rnnt_ov.metrics import edit_distance, word_error_rate


@pytest.mark.parametrize("reference,hypothesis,errors", [
    ("the cat sat", "the cat sat", 0),
    ("the cat sat", "the bat sat", 1),           # substitution
    ("the cat sat", "the sat", 1),               # deletion
    ("the cat sat", "the cat sat down", 1),      # insertion
    ("a b c d", "", 4),
    ("", "a b", 2),
    ("one two three four", "four three two one", 4),
])
def test_word_edit_distance(reference, hypothesis, errors):
    assert edit_distance(reference.split(), hypothesis.split()) == errors


def test_wer_sums_errors_over_reference_words():
    wer, errors, words = word_error_rate([("a b c d", "a x c d"), ("e f", "e f g h")])
    assert (errors, words) == (3, 6) and wer == pytest.approx(0.5)


def test_no_reference_words_is_no_error_rate():
    assert word_error_rate([]) == (0.0, 0, 0)


def test_labels_compare_as_sequences_too():
    """verify compares decoded labels with the same distance."""
    assert edit_distance([1, 2, 3], [1, 3]) == 1
