"""The batch-1 greedy decoder, as upstream r1.0's decoders.py decodes one utterance: the reference
that the project's one decoder (rnnt_ov/decoding.py) is held to in the tests.

A model is three callables on numpy arrays:

    encode(features (T, B, 240) float32, lengths (B,) int64) -> (encoded (B, T', 1024), lengths (B,))
    predict(label, state) -> (g (1, 1, 320), state)
        label None is the start of a sequence (r1.0: a zero input, state None); else 0..27
    join(f (1, 1, 1024), g (1, 1, 320)) -> logits (29,), blank last

Per encoder frame at most 30 joint evaluations; a non-blank symbol is emitted and advances the
prediction network, blank moves to the next frame.
"""
import numpy as np

from rnnt_ov.interface import BLANK

MAX_SYMBOLS_PER_FRAME = 30


def greedy_decode(encoded, length, predict, join, steps=None):
    """Labels of one utterance. encoded: (T', 1024). Appends each step's logits to `steps`."""
    labels = []
    g, next_state = predict(None, None)
    for t in range(int(length)):
        f = encoded[None, t:t + 1]                       # (1, 1, 1024)
        for _ in range(MAX_SYMBOLS_PER_FRAME):
            logits = join(f, g)
            if steps is not None:
                steps.append(np.array(logits, dtype=np.float32))
            symbol = int(np.argmax(logits))
            if symbol == BLANK:
                break
            labels.append(symbol)
            g, next_state = predict(symbol, next_state)
    return labels


def decode(features, lengths, encode, predict, join, steps=None):
    """Labels of each utterance of a batch: features (T, B, 240), lengths (B,)."""
    encoded, encoded_lengths = encode(features, lengths)
    return [greedy_decode(encoded[row], encoded_lengths[row], predict, join, steps)
            for row in range(encoded.shape[0])]


def callables(runtime):
    """encode, predict, join over a runtime of rnnt_ov.runtimes (run(network, feed), start())."""
    start = runtime.start()

    def encode(features, lengths):
        out = runtime.run("encoder", {"input.1": features, "1": lengths})
        return out["encoded"], np.broadcast_to(out["encoded_lengths"], out["encoded"].shape[:1])

    def predict(label, state):
        if label is None:
            return start.g, (start.h, start.c)
        out = runtime.run("prediction", {"input.1": np.array([[label]], dtype=np.int64), "1": state[0], "2": state[1]})
        return out["prediction_out"], (out["new_hidden_h"], out["new_hidden_c"])

    def join(f, g):
        return runtime.run("joint", {"0": f, "1": g})["logits"].reshape(-1)

    return encode, predict, join
