"""The three RNN-T networks behind one interface, for PyTorch, OpenVINO and ONNX Runtime.

Each runtime has `run(network, feed) -> {output name: array}` with the input and output names of
interface.NETWORKS (encoder "input.1" and lengths "1"; prediction "input.1", "1", "2"; joint "0",
"1"), and `start()`: the outputs of r1.0's start-of-sequence prediction step. `callables(runtime)`
turns one into the encode/predict/join of greedy.py.
"""
import os

import numpy as np
import openvino as ov

from .interface import NAMES as NETWORKS, NETWORKS as SPEC, START_STEP


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


def encoder_input_shape(ir_dir):
    """(SEQ_LEN, BATCH, 240) of an IR set, read from its encoder; SEQ_LEN is None when the time
    axis is dynamic (SEQ_LEN=dynamic)."""
    shape = ov.Core().read_model(os.path.join(ir_dir, "rnnt_encoder.xml")).input("input.1").get_partial_shape()
    return tuple(None if dim.is_dynamic else dim.get_length() for dim in shape)


def load_start(folder):
    with np.load(os.path.join(folder, START_STEP)) as start:
        return {k: start[k] for k in start.files}


class OpenVINORuntime:
    """OpenVINO on the CPU, from the IR (rnnt_*.xml) or straight from the ONNX files.

    precision: "f32" or None for the CPU's default (bf16 where the CPU has it). batch: reshape
    the prediction and joint networks to this batch size (decoding runs them at batch 1);
    encoder_batch: the same for the encoder. dynamic_time: give the encoder a dynamic time axis.
    """

    def __init__(self, folder, suffix=".xml", precision="f32", threads=None, batch=None,
                 encoder_batch=None, dynamic_time=False):
        self.core = ov.Core()
        config = {"PERFORMANCE_HINT": "LATENCY"}
        if precision:
            config["INFERENCE_PRECISION_HINT"] = precision
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self.requests = {}
        for network in NETWORKS:
            model = self.core.read_model(os.path.join(folder, f"rnnt_{network}{suffix}"))
            wanted = encoder_batch if network == "encoder" else batch
            if wanted:
                set_batch(model, network, wanted)
            if dynamic_time and network == "encoder":
                shape = model.input("input.1").get_partial_shape()
                shape[0] = -1
                model.reshape({"input.1": shape})
            compiled = self.core.compile_model(model, "CPU", config)
            self.requests[network] = self._bind(compiled)
        # What the CPU plugin chose: f32 when asked, else its default (bf16 on bf16-capable CPUs).
        self.precision = compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()
        self._start = load_start(folder)

    @staticmethod
    def _bind(compiled):
        """An infer request whose static inputs live in numpy buffers it shares: a call then
        copies the inputs in and runs, which costs a third of infer(dict) on tiny networks."""
        request = compiled.create_infer_request()
        buffers = {}
        for i, port in enumerate(compiled.inputs):
            if port.get_partial_shape().is_static:
                buffers[port.get_any_name()] = buffer = np.zeros(port.get_shape(), port.get_element_type().to_dtype())
                request.set_input_tensor(i, ov.Tensor(buffer, shared_memory=True))
            else:
                buffers[port.get_any_name()] = None
        outputs = [port.get_any_name() for port in compiled.outputs]
        return request, buffers, outputs

    def run(self, network, feed):
        request, buffers, outputs = self.requests[network]
        dynamic = {}
        for name, buffer in buffers.items():
            if buffer is None:
                dynamic[name] = feed[name]
            else:
                np.copyto(buffer, feed[name])
        request.infer(dynamic)
        return {name: request.get_output_tensor(i).data.copy() for i, name in enumerate(outputs)}

    def start(self):
        return self._start

    @staticmethod
    def cpu_name():
        return ov.Core().get_property("CPU", "FULL_DEVICE_NAME")


def set_batch(model, network, batch):
    """Reshape an OpenVINO model's inputs to another batch size. An IR encoder whose lengths
    were frozen keeps them: its encoded_lengths output then still has the IR's batch."""
    shapes = {}
    for port in model.inputs:
        shape = port.get_partial_shape()
        shape[SPEC[network].input(port.get_any_name()).batch_axis] = batch
        shapes[port.get_any_name()] = shape
    model.reshape(shapes)


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
    start = runtime.start()
    start_out = (start["prediction_out"], (start["new_hidden_h"], start["new_hidden_c"]))

    def encode(features, lengths):
        out = runtime.run("encoder", {"input.1": features, "1": lengths})
        return out["encoded"], out["encoded_lengths"]

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
