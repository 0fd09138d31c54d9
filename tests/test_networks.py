"""The IR compiled for decoding (rnnt_ov/networks.py), as every command runs it."""
import numpy as np
import openvino as ov
import pytest

import synthetic_dataset
from conftest import ir_dir
from rnnt_ov import features, graph
from rnnt_ov.decoding import GreedyDecoder
from rnnt_ov.networks import OpenVINONetworks, compile_config
from rnnt_ov.recognizer import Recognizer
from rnnt_ov.streaming import ContinuousBatch

pytestmark = pytest.mark.slow      # needs the IR that make builds


def test_the_joint_split_in_two_decodes_what_the_joint_ir_decodes(url_build):
    """W1 [f; g] + b1 as W1_f f + b1 at the end of the encoder and W1_g g at the end of the
    prediction network, the rest in numpy: the same labels, and logits within float rounding."""
    build, _ = url_build
    fb, window = features.load_featurizer(build / "weights" / "featurizer.npz")
    clips = [synthetic_dataset.speechlike(n, seconds) for n, seconds in enumerate((2.0, 3.1, 1.3))]
    padded, lengths = features.pad([features.features(c, fb, window) for c in clips])
    decoded = {}
    for projected in (True, False):
        networks = OpenVINONetworks(str(ir_dir(build)), "f32", projected=projected)
        encoded, frames = networks.encode(padded, lengths)
        assert encoded.shape[2] == (512 if projected else 1024)
        trace = {}
        decoded[projected] = GreedyDecoder(networks)(encoded, frames, trace), trace["logits"]
    (split, split_logits), (whole, whole_logits) = decoded[True], decoded[False]
    assert split == whole and sum(map(len, split)) > 50
    assert max(float(np.max(np.abs(a - b))) for rows in zip(split_logits, whole_logits)
               for a, b in zip(*rows)) < 1e-4


def test_the_prediction_network_fed_its_label_as_a_table_row_computes_the_irs_numbers(configured_builds):
    """graph.embedding_as_table: the first LSTM reads the label one-hot against W_ih E^T instead of
    its embedding against W_ih: at f32 the same outputs within float rounding, for every label
    (and zeros past the table, as the IR's Gather gives), in both converters' IR, FP32 and FP16."""
    build, _, _, _ = configured_builds
    core = ov.Core()
    rng = np.random.default_rng(2)
    labels = np.arange(29, dtype=np.int64).reshape(-1, 1)          # 28 labels, then one past the table
    state = [rng.standard_normal((2, len(labels), 320), dtype=np.float32) for _ in range(2)]
    for folder in (ir_dir(build), ir_dir(build, 300, 4, "FP16"), ir_dir(build, "dynamic", 4, "FP32", "ovc")):
        outputs = []
        for edited in (False, True):
            model = core.read_model(str(folder / "rnnt_prediction.xml"))
            if edited:
                assert graph.embedding_as_table(model)
            graph.set_batch(model, "prediction", len(labels))
            compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
            result = compiled({"input.1": labels, "1": state[0], "2": state[1]})
            outputs.append({port.get_any_name(): result[port] for port in compiled.outputs})
            lstm = next(op for op in model.get_ordered_ops() if op.get_type_name() == "LSTMSequence")
            assert lstm.get_input_partial_shape(0)[2].get_length() == (28 if edited else 320)
        for name, before in outputs[0].items():
            assert np.abs(before - outputs[1][name]).max() < 1e-5, (folder.name, name)


def encoder_outputs(xml, edited, precision, frames, lengths):
    """The encoder of an IR as OpenVINONetworks compiles it (padded frames masked), with or
    without the edits that make it faster; its output, and the operation types it executed."""
    core = ov.Core()
    model = core.read_model(str(xml))
    assert graph.mask_padded_frames(model)
    if edited:
        assert graph.pair_frames(model)
        graph.quantize_after_squeeze(model)
    model.reshape({"input.1": [-1, -1, 240], "1": [-1]})
    compiled = core.compile_model(model, "CPU", compile_config(precision, None))
    output = compiled({"input.1": frames, "1": lengths})[compiled.output(0)]
    return output, {op.get_rt_info()["layerType"].astype(str) for op in compiled.get_runtime_model().get_ops()}


def assert_edits_keep_numbers(xml, precisions=(None,)):
    """The encoder edited (frames paired for time stacking, INT8 quantization after the Squeeze)
    computes the numbers of the IR's own graph, bit for bit, at odd and even lengths."""
    rng = np.random.default_rng(1)
    for precision in precisions:
        for frames in (157, 156):
            features = rng.standard_normal((frames, 3, 240), dtype=np.float32)
            lengths = np.array([frames, frames - 1, frames - 4], np.int64)
            before, _ = encoder_outputs(xml, False, precision, features, lengths)
            after, executed = encoder_outputs(xml, True, precision, features, lengths)
            assert np.array_equal(before, after), (precision, frames)
            assert "ScatterUpdate" not in executed and "ScatterNDUpdate" not in executed


def test_the_encoders_edits_for_speed_keep_every_number(url_build):
    build, _ = url_build
    assert_edits_keep_numbers(ir_dir(build) / "rnnt_encoder.xml", ("f32", None))


def test_continuous_batching_gives_each_utterance_the_labels_of_the_whole_utterance(url_build):
    """MLPerf's Server path (streaming.ContinuousBatch): utterances admitted as slots free, encoded
    a chunk of frames at a time from the LSTM states the last chunk left, decoded from where
    their decoding stood: at f32 each gets the labels the whole-utterance path gives it, and the
    chunks' encoder output equals the whole encoder's bit for bit."""
    build, _ = url_build
    recognizer = Recognizer.from_ir(str(ir_dir(build)), build / "weights" / "featurizer.npz", "f32")
    clips = [synthetic_dataset.speechlike(20 + n, seconds) for n, seconds in enumerate((2.0, 0.7, 3.1, 1.3, 2.4))]
    whole = [recognizer([clip])[0] for clip in clips]
    assert sum(map(len, whole)) > 50
    slots = ContinuousBatch(recognizer, slots=2, chunk=16)      # every utterance over several chunks, slots reused
    labels, waiting = {}, list(enumerate(clips))
    while waiting or slots.busy:
        slots.admit([waiting.pop(0) for _ in range(min(len(waiting), slots.free))])
        labels.update(slots.step())
    assert [labels[n] for n in range(len(clips))] == whole
    networks = recognizer.networks
    feats = features.pad([recognizer.features(clips[0])])[0]      # 67 frames: chunks of 16, the last of 3
    at_once, _ = networks.encode(feats, [len(feats)])
    state, parts = networks.initial_state(1), []
    for first in range(0, len(feats), 16):
        part, _, state = networks.encode_chunk(feats[first:first + 16], [len(feats[first:first + 16])], state)
        parts.append(part)
    assert np.array_equal(np.concatenate(parts, axis=1), at_once)


@pytest.mark.parametrize("precision", ["f32", None])
def test_a_long_batch_encoded_a_chunk_at_a_time_computes_every_rows_numbers(url_build, precision):
    """A batch longer than its chunk (by default 4096 row-frames per call: 128 frames at batch 32)
    is encoded a chunk at a time, the rows that ended left out: every row's frames are those of
    the whole batch encoded at once, bit for bit, at f32 and the CPU's default precision."""
    build, _ = url_build
    networks = OpenVINONetworks(str(ir_dir(build)), precision)
    rng = np.random.default_rng(3)
    lengths = np.array([157, 40, 101, 16, 130], np.int64)      # odd and even; rows ending in each chunk
    feats = rng.standard_normal((157, len(lengths), 240), dtype=np.float32)
    compiled, shapes = networks.encoder, []

    class Recording:            # the compiled encoder, recording the shape of every call
        def __call__(self, inputs):
            shapes.append(inputs["input.1"].shape[:2])
            return compiled(inputs)

        def __getattr__(self, name):
            return getattr(compiled, name)
    networks.encoder = Recording()
    whole, frames = networks.encode(feats, lengths, chunk=1000)
    chunked, chunked_frames = networks.encode(feats, lengths, chunk=32)
    assert np.array_equal(frames, chunked_frames)
    for row, valid in enumerate(frames):
        assert np.array_equal(chunked[row, :valid], whole[row, :valid]), row
    # Each call padded to call_shape: 157 frames of 5 rows as 160 of 8; chunks of 32 frames of
    # 5, 4, 3 and 3 rows as 8, 4, 4 and 4; the last, 29 frames of 2 rows (the 157 and the 130), as 32.
    assert shapes == [(160, 8), (32, 8), (32, 4), (32, 4), (32, 4), (32, 2)]
    assert whole.shape[:2] == chunked.shape[:2] == (5, 79)
