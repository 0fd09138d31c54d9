"""Greedy decoding on tiny hand-made models whose right answer is known: the batch-1 reference
decoder (upstream's decisions, tests/reference_greedy.py), and the project's one decoder
(rnnt_ov/decoding.py), which must give every row of a batch what the reference gives it."""
import numpy as np
import pytest

import reference_greedy
from rnnt_ov.decoding import GreedyDecoder, Hypotheses, bucket
from rnnt_ov.interface import BLANK, StartStep
from rnnt_ov.text import to_text


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
    labels = reference_greedy.decode(features, np.array([len(script)]), encode, predict, join, steps)
    return labels[0], steps, calls


def test_emits_each_frames_symbols_then_moves_on_at_blank():
    labels, steps, calls = decode([[8, 5], [], [12, 12, 15], [0]])
    assert labels == [8, 5, 12, 12, 15, 0]
    assert len(steps) == 6 + 4                               # every symbol, and one blank per frame
    assert to_text(labels, [" "] + [chr(c) for c in range(97, 123)] + ["'"]) == "hello "


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


# The batched decoder: every row gets exactly what the batch-1 decoder gives it.
def batched_scripted_model(scripts):
    """Row r emits scripts[r][t] (a list of labels) at its frame t, then blank. The encoder
    output holds (frame, row); the prediction output, how many labels the row has been fed."""
    planned = [np.cumsum([len(labels) for labels in script]) for script in scripts]
    flat = [[label for labels in script for label in labels] for script in scripts]
    width = max(len(script) for script in scripts)
    encoded = np.zeros((len(scripts), width, 1024), np.float32)
    encoded[:, :, 0] = np.arange(width)
    encoded[:, :, 1] = np.arange(len(scripts))[:, None]
    calls = {"join": 0, "predict": 0}

    def join(f, g):
        calls["join"] += 1
        logits = np.zeros((f.shape[0], 29), np.float32)
        for i in range(f.shape[0]):
            t, row, fed = int(f[i, 0, 0]), int(f[i, 0, 1]), int(g[i, 0, 0])
            due = planned[row][t] if t < len(planned[row]) else fed
            logits[i, flat[row][fed] if fed < due else BLANK] = 1.0
        return logits

    def predict(labels, state):
        calls["predict"] += 1
        h, c = state
        return h[0, :, :1][:, None, :] + 1, (h + 1, c)    # g = fed count + 1

    class Networks:
        start = StartStep(np.zeros((1, 1, 320), np.float32), np.zeros((2, 1, 320), np.float32),
                          np.zeros((2, 1, 320), np.float32))

    networks = Networks()
    networks.predict, networks.join = predict, join
    return encoded, networks, calls


def one_row(script, steps=None):
    """The same row through the batch-1 decoder (each step's logits appended to `steps`)."""
    encode, predict, join, _ = scripted_model(script)
    return reference_greedy.decode(np.zeros((len(script), 1, 240), np.float32), np.array([len(script)]),
                         encode, predict, join, steps)[0]


@pytest.mark.parametrize("frames_ahead", [1, 2, 4, 8])
def test_the_batched_decoder_gives_each_row_what_the_batch_1_decoder_gives_it(frames_ahead):
    scripts = [
        [[8, 5], [], [12, 12, 15], [0]],                   # the long row
        [[3]],                                              # finishes after one frame
        [[7] * 35, [], [1]],                                # 30 symbols, then the rest on the next frame
        [[], [], []],                                       # silence
        [[4, 4], [2]],
    ]
    encoded, networks, calls = batched_scripted_model(scripts)
    lengths = np.array([len(s) for s in scripts])
    trace = {}
    labels = GreedyDecoder(networks, frames_ahead=frames_ahead)(encoded, lengths, trace)
    assert labels == [one_row(script) for script in scripts]
    assert labels[2] == [7] * 35 + [1]
    # Each row's joint evaluations are the batch-1 decoder's (its symbols and one blank per frame,
    # none after 30 symbols), logged in order.
    row_steps = [sum(len(labels) + (len(labels) < 30) for labels in script) for script in scripts]
    assert [len(logits) for logits in trace["logits"]] == row_steps
    for script, logged in zip(scripts, trace["logits"]):
        alone = []
        one_row(script, alone)
        assert [np.argmax(x) for x in logged] == [np.argmax(x) for x in alone]
    # One joint call per step; a step looks frames_ahead frames ahead, so the longest row's
    # evaluations take fewer steps (one frame ahead: one each), and never the sum over rows.
    assert trace["steps"] == calls["join"]
    assert trace["steps"] == max(row_steps) if frames_ahead == 1 else trace["steps"] < max(row_steps)
    assert calls["predict"] <= sum(len(label) for label in labels)


def test_rows_past_their_length_are_masked_out():
    scripts = [[[1], [2], [3], [4]], [[5], [6], [9], [9]]]
    encoded, networks, _ = batched_scripted_model(scripts)
    # Row 1 is padding after 2 frames: what its frames 2 and 3 would emit must not appear.
    labels = GreedyDecoder(networks)(encoded, np.array([4, 2]))
    assert labels == [[1, 2, 3, 4], [5, 6]]


def test_batch_sizes_are_powers_of_two():
    assert [bucket(n) for n in (1, 2, 3, 4, 5, 16, 17, 64)] == [1, 2, 4, 4, 8, 16, 32, 64]


def test_batch_1_is_just_a_batch():
    script = [[8, 5], [], [12, 12, 15], [0]]
    encoded, networks, _ = batched_scripted_model([script])
    assert GreedyDecoder(networks)(encoded, np.array([len(script)])) == [one_row(script)]


def test_a_batch_decoded_a_chunk_of_frames_at_a_time_gets_the_labels_of_the_whole():
    """What continuous batching (rnnt_ov/streaming.py) relies on: Hypotheses carry each row's
    decoding (its prediction output and state, its labels) from one chunk of frames to the next,
    also when the chunk ends within a frame's 30 symbols' reach or after a row's end."""
    scripts = [[[8, 5], [], [12, 12, 15], [0]], [[7] * 35, [], [1]], [[3]], [[4, 4], [2]]]
    encoded, networks, _ = batched_scripted_model(scripts)
    lengths = np.array([len(s) for s in scripts])
    whole = GreedyDecoder(networks)(encoded, lengths)
    for split in (1, 2, 3):
        decoder, hypotheses = GreedyDecoder(networks), Hypotheses.starting(networks.start, len(scripts))
        decoder(encoded[:, :split], np.minimum(lengths, split), hypotheses=hypotheses)
        assert decoder(encoded[:, split:], np.clip(lengths - split, 0, None), hypotheses=hypotheses) == whole
