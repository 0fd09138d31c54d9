"""The shared greedy decoder, on a tiny hand-made model whose right answer is known."""
import numpy as np

from rnnt_ov import greedy

BLANK = greedy.BLANK


def scripted_model(script):
    """A model that emits script[t] (a list of labels) at encoder frame t, then blank.

    The encoder output row t holds t; the prediction output holds how many labels were fed.
    Calls are logged so the test can check what the decoder asked for.
    """
    planned = np.cumsum([len(labels) for labels in script])   # labels due by the end of frame t
    flat = [label for labels in script for label in labels]
    calls = []

    def encode(features, lengths):
        t = features.shape[0]
        return np.arange(t, dtype=np.float32).reshape(1, t, 1), lengths

    def predict(label, state):
        calls.append(("predict", label, state))
        fed = 0 if label is None else state + 1
        return np.full((1, 1, 1), fed, np.float32), fed

    def join(f, g):
        t, fed = int(f[0, 0, 0]), int(g[0, 0, 0])
        logits = np.zeros(29, np.float32)
        logits[flat[fed] if fed < planned[t] else BLANK] = 1.0
        calls.append(("join", t, fed))
        return logits

    return encode, predict, join, calls


def decode(script):
    encode, predict, join, calls = scripted_model(script)
    features = np.zeros((len(script), 1, 240), np.float32)
    steps = []
    labels = greedy.decode(features, np.array([len(script)]), encode, predict, join, steps)
    return labels[0], steps, calls


def test_emits_each_frames_symbols_then_moves_on_at_blank():
    labels, steps, calls = decode([[8, 5], [], [12, 12, 15], [0]])
    assert labels == [8, 5, 12, 12, 15, 0]
    assert len(steps) == 6 + 4                               # every symbol, and one blank per frame
    assert greedy.to_text(labels, [" "] + [chr(c) for c in range(97, 123)] + ["'"]) == "hello "


def test_starts_with_the_start_of_sequence_step_and_predicts_once_per_symbol():
    labels, _, calls = decode([[3], [4, 5]])
    predicts = [call for call in calls if call[0] == "predict"]
    assert predicts[0] == ("predict", None, None)
    assert [call[1] for call in predicts[1:]] == labels     # each emitted label fed back, in order
    assert len(predicts) == len(labels) + 1


def test_at_most_30_symbols_per_frame_the_rest_on_the_next_frame():
    labels, steps, calls = decode([[7] * 35, []])
    assert labels == [7] * 35
    joins = [call for call in calls if call[0] == "join"]
    assert sum(1 for call in joins if call[1] == 0) == 30   # frame 0: 30 symbols, cut off
    assert sum(1 for call in joins if call[1] == 1) == 6    # frame 1: the other 5, then blank


def test_silence_decodes_to_nothing():
    labels, steps, _ = decode([[], [], []])
    assert labels == [] and len(steps) == 3
