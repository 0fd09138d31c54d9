"""Transcripts normalised as upstream r1.0's manifest reader does it, and labels to text.

The expected strings are what upstream's own parts/manifest.py normalize_string returned for the
same input (run once from a local fetch of r1.0, not committed), quirks included: unidecode turns
"£" into "PS" before the pounds rule can see it."""
import pytest

from rnnt_ov.text import normalize, to_text

ALPHABET = [" "] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["'"]


@pytest.mark.parametrize("raw,normalised", [
    ("HELLO WORLD", "hello world"),
    ("It's 8:05, Mr. Smith!", "it's eight zero five mister smith"),
    ("He paid $3.50 and £12 in 1999.", "he paid three dollars fifty cents and pstwelve in nineteen ninety nine"),
    ("Dr. Jekyll & Mr. Hyde + co.", "doctor jekyll and mister hyde plus company"),
    ("Café naïve — über", "cafe naive uber"),
    ("the 21st of May, 2005", "the twenty first of may two thousand five"),
    ("call 0123 or 1234567890123",
     "call zero one two three or one two three four five six seven eight nine zero one two three"),
    ("  multiple   spaces\tand\nlines ", "multiple spaces and lines"),
    ("ÆØÅ æøå ß", "aeoa aeoa ss"),
    ("Quotes: \"yes\" 'no'", "quotes yes 'no'"),
    ("100,000 dollars", "one hundred thousand dollars"),
    ("3.14159 is pi", "three point fourteen thousand one hundred fifty nine is pi"),
])
def test_transcripts_normalise_as_upstreams_reader_does(raw, normalised):
    assert normalize(raw, ALPHABET) == normalised


def test_labels_become_text_through_the_alphabet():
    assert to_text([8, 5, 12, 12, 15, 0, 27], ALPHABET) == "hello '"
