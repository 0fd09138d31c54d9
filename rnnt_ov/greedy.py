"""Greedy RNN-T decoding as upstream r1.0 does it (decoders.py), over any runtime.

A runtime is three callables on numpy arrays:

    encode(features (T, B, 240) float32, lengths (B,) int64) -> (encoded (B, T', 1024), lengths (B,))
    predict(label, state) -> (g (1, 1, 320), state)
        label None is the start of a sequence (r1.0: a zero input, state None); else 0..27
    join(f (1, 1, 1024), g (1, 1, 320)) -> logits (29,), blank last

Per encoder frame at most 30 joint evaluations; a non-blank symbol is emitted and advances the
prediction network, blank moves to the next frame. Upstream re-runs the prediction network on
every joint evaluation with the same (label, state) until a symbol is emitted; its output depends
on nothing else, so it is computed once per emitted symbol here: same tokens, fewer calls.
"""
import numpy as np

from . import interface

BLANK = interface.BLANK
MAX_SYMBOLS_PER_FRAME = 30


def greedy_decode(encoded, length, predict, join, steps=None,
                  blank=BLANK, max_symbols=MAX_SYMBOLS_PER_FRAME):
    """Labels of one utterance. encoded: (T', 1024). Appends each step's logits to `steps`."""
    labels = []
    g, next_state = predict(None, None)
    for t in range(int(length)):
        f = encoded[None, t:t + 1]                       # (1, 1, 1024)
        for _ in range(max_symbols):
            logits = join(f, g)
            if steps is not None:
                steps.append(np.array(logits, dtype=np.float32))
            symbol = int(np.argmax(logits))
            if symbol == blank:
                break
            labels.append(symbol)
            g, next_state = predict(symbol, next_state)
    return labels


def decode(features, lengths, encode, predict, join, steps=None):
    """Labels of each utterance of a batch: features (T, B, 240), lengths (B,)."""
    encoded, encoded_lengths = encode(features, lengths)
    return [greedy_decode(encoded[row], encoded_lengths[row], predict, join, steps)
            for row in range(encoded.shape[0])]


def to_text(labels, alphabet):
    """Labels as text through the alphabet of rnnt.toml ([labels] labels: space, a-z, ')."""
    return "".join(alphabet[label] for label in labels)
