"""The three RNN-T networks behind one interface, for PyTorch, OpenVINO and ONNX Runtime.

Each runtime has `run(network, feed) -> {output name: array}` with the input and output names of
interface.NETWORKS (encoder "input.1" and lengths "1"; prediction "input.1", "1", "2"; joint "0",
"1"), and `start()`: the outputs of r1.0's start-of-sequence prediction step. `callables(runtime)`
turns one into the encode/predict/join of greedy.py.
"""
import os

import numpy as np
import openvino as ov

from .interface import NAMES as NETWORKS, NETWORKS as SPEC, START_STEP, InterfaceError, match


class TorchRuntime:
    """Upstream's PyTorch modules, eager, in eval mode."""

    def __init__(self, model, threads=None):
        import torch
        self.torch, self.model = torch, model
        if threads:
            torch.set_num_threads(threads)

    def run(self, network, feed):
        t = {k: self.torch.from_numpy(np.ascontiguousarray(v)) for k, v in feed.items()}
        with self.torch.no_grad():
            if network == "encoder":
                encoded, lengths = self.model.encoder(t["input.1"], t["1"])
                out = {"encoded": encoded, "encoded_lengths": lengths}
            elif network == "prediction":
                g, (h, c) = self.model.prediction(t["input.1"], (t["1"], t["2"]))
                out = {"prediction_out": g, "new_hidden_h": h, "new_hidden_c": c}
            else:
                out = {"logits": self.model.joint(t["0"], t["1"])}
        return {k: v.numpy() for k, v in out.items()}

    def start(self):
        with self.torch.no_grad():
            g, (h, c) = self.model.prediction(None)
        return {"prediction_out": g.numpy(), "new_hidden_h": h.numpy(), "new_hidden_c": c.numpy()}


def _ports(ports, documented):
    """(name, shape with -1 for dynamic dimensions, element type) of each port, named by its
    documented name where it carries one."""
    found = []
    for port in ports:
        names = port.get_names()
        name = next((n for n in sorted(names) if n in documented), next(iter(sorted(names)), "?"))
        shape = [d.get_length() if d.is_static else -1 for d in port.get_partial_shape()]
        found.append((name, shape, port.get_element_type().get_type_name()))
    return found


def read_network(core, folder, network, suffix=".xml"):
    """One network of a folder, its ports named as documented (interface.py). An IR made elsewhere,
    such as one converted by hand with the guide (outputs named by number), has its ports matched
    by position and shape and renamed in memory. Returns (model, {found name: documented name})."""
    path = os.path.join(folder, f"rnnt_{network}{suffix}")
    if not os.path.isfile(path):
        found = sorted(f for f in os.listdir(folder) if f.endswith(suffix)) if os.path.isdir(folder) else []
        expected = ", ".join(f"rnnt_{n}{suffix}" for n in NETWORKS)
        raise InterfaceError(f"{folder} has no rnnt_{network}{suffix}: expected {expected} "
                             f"(found: {', '.join(found) or 'no such file' if os.path.isdir(folder) else 'no such folder'})")
    model = core.read_model(path)
    spec = SPEC[network]
    inputs, outputs, renamed = match(network, _ports(model.inputs, {p.name for p in spec.inputs}),
                                     _ports(model.outputs, {p.name for p in spec.outputs}),
                                     os.path.basename(path))
    for ports, mapping in ((model.inputs, inputs), (model.outputs, outputs)):
        for name, index in mapping.items():
            if name not in ports[index].get_names():
                ports[index].get_tensor().set_names({name})
    return model, renamed


def renamed_note(folder, renamed):
    """One line saying which ports of an IR made elsewhere were matched by position and shape."""
    pairs = "; ".join(f"rnnt_{network}: " + ", ".join(f"{a} -> {b}" for a, b in names.items())
                      for network, names in renamed.items() if names)
    return f"note: {folder} does not use the documented names; matched by position and shape: {pairs}" if pairs else None


def encoder_input_shape(ir_dir):
    """(SEQ_LEN, BATCH, 240) of an IR set, read from its encoder; SEQ_LEN is None when the time
    axis is dynamic (SEQ_LEN=dynamic)."""
    model, _ = read_network(ov.Core(), ir_dir, "encoder")
    shape = model.input("input.1").get_partial_shape()
    return tuple(None if dim.is_dynamic else dim.get_length() for dim in shape)


def weight_precision(folder):
    """How an IR set's encoder computes: INT8 (quantized: FakeQuantize operations), else how it
    stores its weights, FP16 (compressed) or FP32."""
    model, _ = read_network(ov.Core(), folder, "encoder")
    ops = model.get_ops()
    if any(op.get_type_name() == "FakeQuantize" for op in ops):
        return "INT8"
    types = {op.get_output_element_type(0).get_type_name() for op in ops if op.get_type_name() == "Constant"}
    return "FP16" if "f16" in types else "FP32"


def load_start(folder):
    """r1.0's start-of-sequence step that the export wrote beside the networks; None if missing."""
    path = os.path.join(folder, START_STEP)
    if not os.path.isfile(path):
        return None
    with np.load(path) as start:
        return {k: start[k] for k in start.files}


def checked_start(start, folder):
    """The start step's outputs, or a one-line error for an IR set that has none (transcribe and
    the MLPerf harness run without PyTorch, which could compute it)."""
    if start is None:
        raise InterfaceError(
            f"{folder} has no {START_STEP}, r1.0's start-of-sequence step, which `make ir` writes "
            "beside the IR: without PyTorch it cannot be computed. `make verify IR_DIR=...` computes "
            f"it from PyTorch; if the IR came from the same checkpoint, copy build/onnx/{START_STEP} there")
    return start


def start_state(start):
    """The start step as the decoders take it: (prediction output, (h, c))."""
    return start["prediction_out"], (start["new_hidden_h"], start["new_hidden_c"])


def compile_config(precision, threads):
    """CPU plugin settings: latency first; precision "f32", or None for the CPU's default."""
    config = {"PERFORMANCE_HINT": "LATENCY"}
    if precision:
        config["INFERENCE_PRECISION_HINT"] = precision
    if threads:
        config["INFERENCE_NUM_THREADS"] = threads
    return config


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


class OpenVINORuntime:
    """OpenVINO on the CPU, from the IR (rnnt_*.xml) or straight from the ONNX files.

    precision: "f32" or None for the CPU's default (bf16 where the CPU has it). batch: reshape
    the prediction and joint networks to this batch size (decoding runs them at batch 1);
    encoder_batch: the same for the encoder. dynamic_time: give the encoder a dynamic time axis.
    """

    def __init__(self, folder, suffix=".xml", precision="f32", threads=None, batch=None,
                 encoder_batch=None, dynamic_time=False, start=None):
        self.core = ov.Core()
        config = compile_config(precision, threads)
        self.requests, self.renamed = {}, {}
        for network in NETWORKS:
            model, self.renamed[network] = read_network(self.core, folder, network, suffix)
            wanted = encoder_batch if network == "encoder" else batch
            if wanted:
                set_batch(model, network, wanted)
            if dynamic_time and network == "encoder":
                shape = model.input("input.1").get_partial_shape()
                shape[0] = -1
                model.reshape({"input.1": shape})
            compiled = self.core.compile_model(model, "CPU", config)
            self.requests[network] = BoundRequest(compiled)
        # What the CPU plugin chose: f32 when asked, else its default (bf16 on bf16-capable CPUs).
        self.precision = compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()
        self.folder = folder
        self._start = start or load_start(folder)

    def run(self, network, feed):
        return self.requests[network](feed)

    def start(self):
        return checked_start(self._start, self.folder)

    def note(self):
        """One line if the IR's ports were matched by position and shape, else None."""
        return renamed_note(self.folder, self.renamed)

    @staticmethod
    def cpu_name():
        return ov.Core().get_property("CPU", "FULL_DEVICE_NAME")

    @staticmethod
    def cpu_default_precision():
        """The inference precision the CPU plugin picks when not told: bf16 on CPUs with
        avx512_bf16 or AMX, f32 elsewhere."""
        return ov.Core().get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()


def set_batch(model, network, batch):
    """Reshape an OpenVINO model's inputs to another batch size. An IR encoder whose lengths
    were frozen keeps them: its encoded_lengths output then still has the IR's batch."""
    shapes = {}
    for port in model.inputs:
        shape = port.get_partial_shape()
        shape[SPEC[network].input(port.get_any_name()).batch_axis] = batch
        shapes[port.get_any_name()] = shape
    model.reshape(shapes)


try:                                   # openvino 2025 and later
    import openvino.opset13 as ops
except ImportError:                    # openvino 2024 (the mo route's environment)
    import openvino.runtime.opset13 as ops


def find_time_stacking(model):
    """The encoder's time-stacking concatenation: (T, B, H) and its shifted copy side by side into
    (T, B, 2H), of which every 2nd frame is kept. Returns the Concat node, or None."""
    for op in model.get_ordered_ops():
        if op.get_type_name() != "Concat" or op.get_input_size() != 2:
            continue
        shapes = [op.input(i).get_partial_shape() for i in range(2)] + [op.output(0).get_partial_shape()]
        if all(s.rank.is_static and s.rank.get_length() == 3 and s[2].is_static for s in shapes) \
                and op.get_axis() in (2, -1) and shapes[2][2].get_length() == 2 * shapes[0][2].get_length():
            return op
    return None


def mask_padded_frames(model):
    """Make an encoder compute, for each row of a padded batch, what it computes for that row alone.

    The LSTMs are unidirectional, so a row's frames do not depend on the padding after them, with
    one exception: time stacking pairs an odd-length row's last frame with the next one, which is
    zero for the row alone (r1.0's StackTime fills past the end with zeros) but the LSTM's output
    on padding in a batch. Zeroing the pre-stacking frames past each row's length (lengths: input
    "1", added back if the IR froze it) restores that. Returns False if the encoder has no
    stacking of that shape (then padded odd-length rows may differ in their last frame)."""
    stack = find_time_stacking(model)
    if stack is None:
        return False
    frames = stack.input(0).get_source_output()
    lengths = next((p for p in model.get_parameters() if "1" in p.output(0).get_names()), None)
    if lengths is None:
        lengths = ops.parameter([-1], ov.Type.i64, name="1")
        lengths.output(0).get_tensor().set_names({"1"})
        model.add_parameters([lengths])
    count = ops.gather(ops.shape_of(frames, ov.Type.i64), ops.constant(0, ov.Type.i64), ops.constant(0, ov.Type.i64))
    index = ops.range(ops.constant(0, ov.Type.i64), count, ops.constant(1, ov.Type.i64), ov.Type.i64)
    valid = ops.less(ops.unsqueeze(index, ops.constant(1, ov.Type.i64)),
                     ops.unsqueeze(ops.convert(lengths, ov.Type.i64), ops.constant(0, ov.Type.i64)))
    mask = ops.unsqueeze(ops.convert(valid, frames.get_element_type()), ops.constant(2, ov.Type.i64))
    masked = ops.multiply(frames, mask)
    keep = {masked.get_instance_id(), count.input(0).get_source_output().get_node().get_instance_id()}
    for target in list(frames.get_target_inputs()):
        if target.get_node().get_instance_id() not in keep:
            target.replace_source_output(masked.output(0))
    model.validate_nodes_and_infer_types()
    return True


class BatchedOpenVINO:
    """The IR for decoding several utterances at once (greedy_batched.py): the encoder with dynamic
    batch and time axes, fed padded utterances and each row's length (mask_padded_frames makes
    every row exact), and the prediction and joint networks compiled for each batch size asked
    for, their inputs bound to numpy buffers. precision: "f32", or None for the CPU's default."""

    def __init__(self, folder, precision="f32", threads=None, start=None):
        self.core = ov.Core()
        self.config = compile_config(precision, threads)
        self.folder, self.renamed = folder, {}
        encoder, self.renamed["encoder"] = read_network(self.core, folder, "encoder")
        self.exact = mask_padded_frames(encoder)
        encoder.reshape({"input.1": [-1, -1, 240], "1": [-1]})
        self.encoder = self.core.compile_model(encoder, "CPU", self.config)
        self.precision = self.encoder.get_property("INFERENCE_PRECISION_HINT").get_type_name()
        self.models, self.requests = {}, {}
        for network in ("prediction", "joint"):
            self.models[network], self.renamed[network] = read_network(self.core, folder, network)
        self._start = start or load_start(folder)

    def request(self, network, batch):
        """An infer request of `network` at `batch`, compiled on first use."""
        key = (network, batch)
        if key not in self.requests:
            model = self.models[network].clone()
            set_batch(model, network, batch)
            self.requests[key] = BoundRequest(self.core.compile_model(model, "CPU", self.config))
        return self.requests[key]

    def encode(self, features, lengths):
        """features (T, B, 240) padded, lengths (B,) -> encoded (B, ceil(T/2), 1024) and each row's
        valid output frames, ceil(length / 2)."""
        out = self.encoder({"input.1": features, "1": np.asarray(lengths, np.int64)})
        return out[self.encoder.output("encoded")], (np.asarray(lengths, np.int64) + 1) // 2

    def predict(self, labels, state):
        out = self.request("prediction", len(labels))({"input.1": labels.reshape(-1, 1), "1": state[0], "2": state[1]})
        return out["prediction_out"], (out["new_hidden_h"], out["new_hidden_c"])

    def join(self, f, g):
        return self.request("joint", f.shape[0])({"0": f, "1": g})["logits"].reshape(f.shape[0], -1)

    def start(self):
        return start_state(checked_start(self._start, self.folder))

    def note(self):
        return renamed_note(self.folder, self.renamed)


class OnnxRuntimeRuntime:
    """ONNX Runtime's CPU provider on the exported ONNX files."""

    def __init__(self, folder, threads=None):
        import onnxruntime as ort
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.sessions = {n: ort.InferenceSession(os.path.join(folder, f"rnnt_{n}.onnx"), options,
                                                 providers=["CPUExecutionProvider"])
                         for n in NETWORKS}
        self._start = load_start(folder)

    def run(self, network, feed):
        session = self.sessions[network]
        inputs = {i.name: feed[i.name] for i in session.get_inputs()}
        names = [o.name for o in session.get_outputs()]
        return dict(zip(names, session.run(names, inputs)))

    def start(self):
        return self._start


def callables(runtime):
    """encode, predict, join for greedy.py, on top of runtime.run."""
    start_out = start_state(runtime.start())

    def encode(features, lengths):
        out = runtime.run("encoder", {"input.1": features, "1": lengths})
        # A scalar where lengths were frozen to one value by the guide's `1->157`: one per row.
        return out["encoded"], np.broadcast_to(out["encoded_lengths"], out["encoded"].shape[:1])

    def predict(label, state):
        if label is None:
            return start_out
        out = runtime.run("prediction", {"input.1": np.array([[label]], dtype=np.int64),
                                         "1": state[0], "2": state[1]})
        return out["prediction_out"], (out["new_hidden_h"], out["new_hidden_c"])

    def join(f, g):
        return runtime.run("joint", {"0": f, "1": g})["logits"].reshape(-1)

    return encode, predict, join


def add_model_arguments(parser):
    """The four places a comparison of runtimes reads the model from."""
    parser.add_argument("--ir-dir", required=True, help="folder with the three IR")
    parser.add_argument("--onnx-dir", required=True, help="folder with the three ONNX files")
    parser.add_argument("--model-dir", required=True, help="upstream speech_recognition/rnnt/pytorch")
    parser.add_argument("--weights", required=True, help="state dict written by migrate.py")
