"""Continuous batching's steps (rnnt_ov/streaming.py), and a long batch encoded a chunk at a time
(networks.OpenVINONetworks.encode), on stand-in networks that record what they are asked: how
many frames each step encodes, and that every frame of every utterance is encoded once, in order.
(That the labels and numbers equal the whole-utterance path's, on the real IR, is
test_networks.py's.)"""
import numpy as np
import pytest

from rnnt_ov.interface import ENCODER_FEATURES, StartStep
from rnnt_ov.networks import OpenVINONetworks, call_shape, encoder_chunk
from rnnt_ov.streaming import ContinuousBatch


class RecordingNetworks:
    """encode_chunk records the rows' frames (each feature row holds its utterance's key and
    frame number) and the chunk's length; the state carries how many frames each row has seen."""

    start = StartStep(np.zeros((1, 1, 4), np.float32), np.zeros((2, 1, 4), np.float32), np.zeros((2, 1, 4), np.float32))

    def __init__(self):
        self.chunks, self.rows, self.seen = [], [], {}

    def initial_state(self, batch):
        return {"h0": np.zeros((batch, 1, 1), np.float32)}

    def encode_chunk(self, frames, lengths, state):
        self.chunks.append(frames.shape[0])
        self.rows.append(frames.shape[1])
        for row, length in enumerate(lengths):
            key, numbers = frames[0, row, 0], frames[:length, row, 1]
            assert state["h0"][row, 0, 0] == len(self.seen.get(key, []))      # the state it left
            self.seen.setdefault(key, []).extend(numbers.tolist())
        encoded = np.zeros((len(lengths), (frames.shape[0] + 1) // 2, 4), np.float32)
        return encoded, (lengths + 1) // 2, {"h0": state["h0"] + lengths.reshape(-1, 1, 1)}


class Recognizer:
    """Utterances given as their frame counts; decoding does nothing."""

    def __init__(self):
        self.networks = RecordingNetworks()
        self.decoder = lambda encoded, lengths, hypotheses: None

    def features_of(self, utterances):
        found = []
        for key, n in utterances:
            feats = np.zeros((n, ENCODER_FEATURES), np.float32)
            feats[:, 0], feats[:, 1] = key, np.arange(n)
            found.append(feats)
        return found


def serve(frames, slots, **chunks):
    """Admit utterances of the given frame counts as slots free, oldest first, step until all end.
    Returns the networks, the keys in the order they ended, and the frames the steps encoded."""
    recognizer = Recognizer()
    batch = ContinuousBatch(recognizer, slots, **chunks)
    waiting, ended = list(enumerate(frames)), []
    while waiting or batch.busy:
        batch.admit([(key, (key, n)) for key, n in (waiting.pop(0) for _ in range(min(len(waiting), batch.free)))])
        ended += [key for key, _ in batch.step()]
    return recognizer.networks, ended, batch.frames_encoded


def test_a_step_is_as_long_as_the_utterance_nearest_its_end_has_left_rounded_up_as_the_call_is():
    networks, ended, encoded = serve([100, 40, 250, 33], slots=2, chunk=128, shortest=32)
    # Rounded up to a multiple of 16, as the encoder call is: 100 and 40: 48 frames (the 40 end);
    # 52 of the 100 left and the new 250: 64 (the 100 end); the 250 at 64 and the new 33: 48 (the
    # 33 end); the 138 left alone: 128, then its last 10 (a step of 32 at most, padded only as far
    # as its longest row, rounded up: 16).
    assert networks.chunks == [48, 64, 48, 128, 16]
    assert ended == [1, 0, 3, 2]
    assert networks.seen == {key: list(range(n)) for key, n in enumerate([100, 40, 250, 33])}
    assert encoded == 2 * (48 + 64 + 48) + 128 + 16 == sum(c * r for c, r in zip(networks.chunks, networks.rows))


def test_no_step_is_shorter_than_the_shortest_unless_every_utterance_ends_in_it():
    networks, _, _ = serve([300, 10, 10, 10], slots=2, chunk=128, shortest=32)
    assert all(c >= 32 for c in networks.chunks) and min(networks.chunks) == 32
    networks, _, _ = serve([12, 14], slots=2, chunk=128, shortest=32)
    assert networks.chunks == [16]                # both end: only as long as the longest, rounded up


def test_fixed_chunks_when_the_shortest_is_the_longest():
    networks, _, _ = serve([300, 40], slots=2, chunk=128, shortest=128)
    assert networks.chunks == [128, 128, 48]


@pytest.mark.parametrize("chunk,shortest", [(127, 32), (128, 31), (0, 32)])
def test_a_chunk_of_an_odd_number_of_frames_is_refused(chunk, shortest):
    with pytest.raises(ValueError, match="even number"):
        ContinuousBatch(Recognizer(), 2, chunk=chunk, shortest=shortest)


def test_a_long_batch_is_encoded_a_chunk_at_a_time_its_ended_rows_left_out():
    """4096 row-frames per call at most (128 frames at batch 32, 16 at 256, a multiple of 16,
    whole below); each row from the state its last chunk left, every frame once and in order, a
    row left out of the chunks after its end, the last chunk as long as the longest row still in
    it, rounded up as calls are (call_shape)."""
    assert (encoder_chunk(1), encoder_chunk(32), encoder_chunk(48), encoder_chunk(256), encoder_chunk(1024)) == \
        (4096, 128, 80, 16, 16)
    networks = RecordingNetworks()
    lengths = np.array([70, 33, 16, 51], np.int64)
    feats = np.zeros((70, 4, ENCODER_FEATURES), np.float32)
    for row, length in enumerate(lengths):
        feats[:, row, 0] = row
        feats[:length, row, 1] = np.arange(length)
    encoded, frames = OpenVINONetworks.encode(networks, feats, lengths, chunk=16)
    assert encoded.shape == (4, 35, 4) and frames.tolist() == [35, 17, 8, 26]
    assert networks.chunks == [16, 16, 16, 16, 8] and networks.rows == [4, 3, 3, 2, 1]
    assert networks.seen == {row: list(range(n)) for row, n in enumerate(lengths)}


def test_encoder_calls_come_in_few_shapes():
    """Rows and frames of an encoder call are padded to a power of two up to 16, a multiple of 16
    beyond: the CPU plugin prepares its LSTMs again for every new shape."""
    assert [call_shape(n) for n in (1, 2, 3, 5, 9, 16, 17, 32, 33, 250, 256)] == \
        [1, 2, 4, 8, 16, 16, 32, 32, 48, 256, 256]
    assert len({call_shape(n) for n in range(1, 257)}) == 4 + 16
