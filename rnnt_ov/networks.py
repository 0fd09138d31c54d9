"""The three IR compiled for decoding a batch of utterances: what transcribe, wer, the quantizer's
validation, verify's decode and the MLPerf harness all run (through recognizer.Recognizer).

Decoding networks, for OpenVINO here and for PyTorch or ONNX Runtime in runtimes.DecodingNetworks,
offer the same calls on numpy arrays, for any number n of rows:

    encode(features (T, B, 240) padded, lengths (B,)) -> encoded (B, ceil(T/2), 1024), lengths (B,)
    predict(labels (n,) int64, (h, c) each (2, n, 320)) -> g (n, 1, 320), (h, c)
    join(f (n, 1, 1024), g (n, 1, 320)) -> logits (n, 29), blank last
    start                     r1.0's start-of-sequence step (interface.StartStep)
    precision                 what the CPU computes in: "f32", "bf16", ...
"""
import numpy as np
import openvino as ov

from . import graph
from .interface import ENCODER_FEATURES, ENCODER_HIDDEN, StartStep, encoded_frames
from .ir import checked_start, load_start, read_network, renamed_note


# Rows x frames per encoder call at most. Given a whole batch, the CPU plugin's LSTMs compute
# the input half of every frame's gates at once (4096 values per row and frame per layer): for a
# batch of 256 utterances of up to 15 s that is 2 GB, and on 2 Zen 4 cores (INT8, the load set)
# such a batch ran at 40.9 ms per utterance against 17.9 for batches of 32. In chunks of 16 frames
# the 256 ran at 16.4 ms: a large batch then costs nothing, and its recurrent matrix products reuse
# each weight for more rows (the record's code runs batches of 256).
ROW_FRAMES = 4096
MIN_CHUNK = 16

# The encoder is called in few shapes: rows and frames rounded up to a power of two up to 16 and
# to a multiple of 16 from there (call_shape; the padding is zeros, of length 0 past each row's
# end). The CPU plugin prepares its LSTMs anew for every new shape, and a long batch's rows leave
# its chunks one by one: on 2 Emerald Rapids cores (INT8, the load set, encoder alone, ms per
# utterance) batches of 256 took 35.1 with calls of every shape, 15.3 in these; 128: 27.9 and
# 15.1; 32: 19.0 and 18.9.
SHAPE_STEP = 16


def call_shape(n, step=SHAPE_STEP):
    """The size an encoder call pads n rows or frames to: a power of two up to `step`, a
    multiple of `step` from there."""
    return 1 << max(int(n) - 1, 0).bit_length() if n <= step else -(-int(n) // step) * step


def encoder_chunk(batch):
    """Input frames per encoder call for a batch of `batch` rows: a multiple of SHAPE_STEP (so
    even), MIN_CHUNK at least."""
    return max(MIN_CHUNK, ROW_FRAMES // max(batch, 1) // SHAPE_STEP * SHAPE_STEP)


def _frames_padded(features, frames):
    """features (T, B, 240) with zero frames after them up to `frames`."""
    if features.shape[0] >= frames:
        return features
    return np.concatenate([features, np.zeros((frames - features.shape[0], *features.shape[1:]), features.dtype)])


def compile_config(precision, threads):
    """CPU plugin settings: latency first; precision "f32", or None for the CPU's default."""
    config = {"PERFORMANCE_HINT": "LATENCY"}
    if precision:
        config["INFERENCE_PRECISION_HINT"] = precision
    if threads:
        config["INFERENCE_NUM_THREADS"] = threads
    return config


def cpu_name():
    return ov.Core().get_property("CPU", "FULL_DEVICE_NAME")


def cpu_default_precision():
    """The inference precision the CPU plugin picks when not told: bf16 on CPUs with avx512_bf16
    or AMX, f32 elsewhere."""
    return ov.Core().get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()


class BoundRequest:
    """An infer request whose static inputs live in numpy buffers it shares: a call copies the
    inputs in and runs, which costs a third of infer(dict) on tiny networks. Dynamic inputs are
    passed as they are. Returns copies of the outputs, by name."""

    def __init__(self, compiled):
        self.request = compiled.create_infer_request()
        self.buffers = {}
        for i, port in enumerate(compiled.inputs):
            if port.get_partial_shape().is_static:
                buffer = np.zeros(port.get_shape(), port.get_element_type().to_dtype())
                self.request.set_input_tensor(i, ov.Tensor(buffer, shared_memory=True))
                self.buffers[port.get_any_name()] = buffer
            else:
                self.buffers[port.get_any_name()] = None
        self.outputs = [port.get_any_name() for port in compiled.outputs]

    def __call__(self, feed):
        dynamic = {}
        for name, buffer in self.buffers.items():
            if buffer is None:
                dynamic[name] = feed[name]
            else:
                np.copyto(buffer, feed[name])
        self.request.infer(dynamic)
        return {name: self.request.get_output_tensor(i).data.copy() for i, name in enumerate(self.outputs)}


class OpenVINONetworks:
    """The IR of a folder, for decoding: the encoder with dynamic batch and time axes, fed padded
    utterances, each row's length (graph.mask_padded_frames makes every row exact, whatever the
    IR's own shape) and its LSTMs' states (whole utterances, or chunks of them); and the
    prediction network compiled for each batch size asked for (the decoder asks for powers of
    two), its inputs bound to numpy buffers.

    The joint network's first layer, W1 [f; g] + b1, is split in two (projected=True): W1_f f + b1
    ends the encoder, once for every frame in one large matrix product, and W1_g g ends the
    prediction network, once for every symbol emitted; a decoding step is then ReLU(sum) times W2
    plus b2, in numpy, for the rows still decoding: no call into OpenVINO. projected=False
    runs the joint IR as it is (the quantizer records its inputs), as does a joint of another shape
    (an INT8 joint). The prediction network's first LSTM reads the label as a one-hot row of a
    table, W_ih E^T, instead of its embedding against W_ih (graph.embedding_as_table): a quarter
    fewer multiply-adds per symbol, decoding 7-11% faster.

    precision: "f32", or None for the CPU's default. start: the start step where the folder has
    none (verify computes it with PyTorch). encoder: an ov.Model to use instead of the folder's
    encoder (the quantizer's candidates). config: more CPU plugin settings."""

    def __init__(self, folder, precision="f32", threads=None, start=None, encoder=None, config=None,
                 projected=True):
        self.core = ov.Core()
        self.config = {**compile_config(precision, threads), **(config or {})}
        self.folder, self.renamed = folder, {}
        if encoder is None:
            encoder, self.renamed["encoder"] = read_network(self.core, folder, "encoder")
        self.models, self.requests = {}, {}
        for network in ("prediction", "joint"):
            self.models[network], self.renamed[network] = read_network(self.core, folder, network)
        start = checked_start(start or load_start(folder), folder)
        graph.embedding_as_table(self.models["prediction"])
        self.exact = graph.mask_padded_frames(encoder)
        graph.pair_frames(encoder)
        graph.quantize_after_squeeze(encoder)
        graph.match_int8_lstm_scales(encoder)     # INT8 sets quantized before quantize.py did so itself
        layers = graph.joint_layers(self.models["joint"]) if projected else None
        self.projected = layers is not None
        if self.projected:
            w1, b1, w2, b2 = layers
            w1_f, w1_g = w1[:, :ENCODER_HIDDEN], w1[:, ENCODER_HIDDEN:]
            encoder = graph.project_output(encoder, "encoded", w1_f, b1)
            self.models["prediction"] = graph.project_output(self.models["prediction"], "prediction_out", w1_g)
            self.w2t, self.b2 = np.ascontiguousarray(w2.T), b2
            start = StartStep(np.asarray(start.g, np.float32) @ w1_g.T, start.h, start.c)
        encoder.reshape({"input.1": [-1, -1, ENCODER_FEATURES], "1": [-1]})
        # One encoder for whole utterances and for chunks of them (continuous batching): its LSTMs'
        # states are inputs and outputs (graph.carry_lstm_state), zeros for a new utterance, so
        # that an utterance gets the same numbers bit for bit whole or a chunk at a time, at every
        # precision. (The INT8 encoder as NNCF leaves it starts from a quantized constant state of
        # its own: the first 20-50 frames of a whole utterance came out otherwise, up to 0.3.)
        graph.carry_lstm_state(encoder)
        config = self.config
        if graph.int8_lstms(encoder):
            # OpenVINO's CPU plugin caches the kernels it makes per shape and gave an int8 LSTM the
            # one made for another LSTM of the same shape, whose quantization differs (2026.4): a
            # chunk's numbers depended on the shapes run before it (up to 0.27 off). Without the
            # cache each LSTM makes its own; Offline and Server ran no slower (docs/int8.md).
            config = {**config, "CPU_RUNTIME_CACHE_CAPACITY": 0}
        self.encoder = self.core.compile_model(encoder, "CPU", config)
        self.states = [port.get_any_name() for port in self.encoder.inputs if port.get_any_name() not in ("input.1", "1")]
        self.precision = self.encoder.get_property("INFERENCE_PRECISION_HINT").get_type_name()
        self.start = start

    def request(self, network, batch):
        """An infer request of `network` at `batch`, compiled on first use."""
        key = (network, batch)
        if key not in self.requests:
            model = self.models[network].clone()
            graph.set_batch(model, network, batch)
            self.requests[key] = BoundRequest(self.core.compile_model(model, "CPU", self.config))
        return self.requests[key]

    def initial_state(self, batch):
        """The LSTMs' states of `batch` new utterances, for encode_chunk: zeros."""
        return {name: np.zeros((batch, 1, ENCODER_HIDDEN), np.float32) for name in self.states}

    def encoder_inputs(self, features, lengths, state=None):
        """The encoder's inputs: features (T, B, 240), lengths (B,), and the LSTMs' states (new
        utterances by default)."""
        return {"input.1": features, "1": np.asarray(lengths, np.int64),
                **(state if state is not None else self.initial_state(features.shape[1]))}

    def encode(self, features, lengths, chunk=None):
        """Encoded frames (B, ceil(T/2), 1024), or projected by the joint's first layer (512).
        A batch longer than `chunk` frames (by default ROW_FRAMES / B, a multiple of 16) is
        encoded a chunk at a time by encode_chunk, the rows that have ended left out: the same
        numbers bit for bit on every row's frames (those past a row's end are zeros or padding).
        Where every row ends within the call (the whole batch, or its last chunk), its frames
        are padded to call_shape() with zeros."""
        lengths = np.asarray(lengths, np.int64)
        chunk = chunk or encoder_chunk(features.shape[1])
        if features.shape[0] <= chunk or not (lengths > 0).any():
            encoded, _, _ = self.encode_chunk(_frames_padded(features, call_shape(features.shape[0])), lengths,
                                              self.initial_state(features.shape[1]))
            return encoded[:, :encoded_frames(features.shape[0])], encoded_frames(lengths)
        state = self.initial_state(features.shape[1])
        encoded = None
        for first in range(0, int(lengths.max()), chunk):
            rows = np.flatnonzero(lengths > first)
            # The last chunk: to the longest row's end, padded (every row ends in it).
            span = min(chunk, call_shape(int(lengths[rows].max()) - first))
            part, taken = features[first:first + span], {name: values[rows] for name, values in state.items()}
            if rows.size < features.shape[1]:
                part = part[:, rows]
            out, _, after = self.encode_chunk(_frames_padded(part, span), np.minimum(lengths[rows] - first, span), taken)
            if encoded is None:
                encoded = np.zeros((features.shape[1], encoded_frames(features.shape[0]), out.shape[2]), out.dtype)
            kept = min(out.shape[1], encoded.shape[1] - first // 2)
            encoded[rows, first // 2:first // 2 + kept] = out[:, :kept]
            for name, values in after.items():
                state[name][rows] = values
        return encoded, encoded_frames(lengths)

    def encode_chunk(self, features, lengths, state):
        """The next chunk of frames of each row: features (C, B, 240) padded, C even; lengths (B,)
        the row's valid frames in it; state {"h0", "c0", ...: (B, 1, 1024)} as the last chunk
        left it (initial_state for a new utterance). Returns encoded frames as encode() does,
        their number per row, and the state after this chunk (after all C frames: a row that goes
        on to a next chunk must fill this one). A row encoded so, chunk after chunk, gets what
        encode() gives it whole, bit for bit. The call's rows are padded to call_shape() (rows
        of zeros, of length 0); its frames are the caller's: C = call_shape(C) calls fastest."""
        lengths = np.asarray(lengths, np.int64)
        rows = features.shape[1]
        padded = call_shape(rows)
        if padded != rows:
            features = np.concatenate([features, np.zeros((features.shape[0], padded - rows, features.shape[2]), np.float32)], axis=1)
            lengths = np.concatenate([lengths, np.zeros(padded - rows, np.int64)])
            state = {name: np.concatenate([values, np.zeros((padded - rows, *values.shape[1:]), values.dtype)])
                     for name, values in state.items()}
        out = self.encoder(self.encoder_inputs(features, lengths, state))
        after = {name: out[self.encoder.output(f"{name}_out")][:rows] for name in state}
        return out[self.encoder.output(0)][:rows], encoded_frames(lengths[:rows]), after

    def predict(self, labels, state):
        out = self.request("prediction", len(labels))({"input.1": labels.reshape(-1, 1), "1": state[0], "2": state[1]})
        g = out["prediction_out_projected" if self.projected else "prediction_out"]
        return g, (out["new_hidden_h"], out["new_hidden_c"])

    def join(self, f, g):
        if self.projected:
            return np.maximum(f[:, 0] + g[:, 0], 0) @ self.w2t + self.b2
        return self.request("joint", f.shape[0])({"0": f, "1": g})["logits"].reshape(f.shape[0], -1)

    def note(self):
        """One line if the IR's ports were matched by position and shape, else None."""
        return renamed_note(self.folder, self.renamed)
