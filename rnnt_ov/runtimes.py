"""The three RNN-T networks behind one interface, for comparing runtimes: PyTorch (upstream's
modules, the reference), OpenVINO (the IR, or the ONNX files through OpenVINO's reader) and ONNX
Runtime. verify and benchmark use them.

Each runtime has `run(network, feed) -> {output name: array}` with the input and output names of
interface.NETWORKS (encoder "input.1" and lengths "1"; prediction "input.1", "1", "2"; joint "0",
"1"), and `start()`: r1.0's start-of-sequence step (interface.StartStep). DecodingNetworks turns
PyTorch or ONNX Runtime into the decoding networks that decoding.GreedyDecoder takes; the IR is
decoded by networks.OpenVINONetworks, as every command decodes it.
"""
import os

import numpy as np
import openvino as ov

from . import graph
from .interface import NAMES, StartStep
from .ir import checked_start, load_start, read_network, renamed_note
from .networks import BoundRequest, compile_config


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
        return StartStep(g.numpy(), h.numpy(), c.numpy())


class OpenVINORuntime:
    """OpenVINO on the CPU, from the IR (rnnt_*.xml) or straight from the ONNX files, each network
    compiled at the IR's own shapes, or at `batch` for all three.

    precision: "f32" or None for the CPU's default (bf16 where the CPU has it)."""

    def __init__(self, folder, suffix=".xml", precision="f32", threads=None, batch=None, start=None):
        core = ov.Core()
        config = compile_config(precision, threads)
        self.requests, self.renamed = {}, {}
        for network in NAMES:
            model, self.renamed[network] = read_network(core, folder, network, suffix)
            if batch:
                graph.set_batch(model, network, batch)
            compiled = core.compile_model(model, "CPU", config)
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
                         for n in NAMES}
        self.folder = folder
        self.precision = "f32"
        self._start = load_start(folder)

    def run(self, network, feed):
        session = self.sessions[network]
        inputs = {i.name: feed[i.name] for i in session.get_inputs()}
        names = [o.name for o in session.get_outputs()]
        return dict(zip(names, session.run(names, inputs)))

    def start(self):
        return checked_start(self._start, self.folder)


class DecodingNetworks:
    """A runtime that takes any batch size (PyTorch, ONNX Runtime) as the decoding networks of
    networks.py. Each row is encoded alone, at its own length: what upstream computes on that
    utterance, the reference that the IR's padded batches are held to."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.start = runtime.start()
        self.precision = getattr(runtime, "precision", "f32")

    def encode(self, features, lengths):
        lengths = np.asarray(lengths, np.int64)
        rows = []
        for row, length in enumerate(lengths.tolist()):
            out = self.runtime.run("encoder", {"input.1": np.ascontiguousarray(features[:length, row:row + 1]),
                                               "1": lengths[row:row + 1]})
            rows.append((out["encoded"][0], int(np.reshape(out["encoded_lengths"], -1)[0])))
        frames = max(encoded.shape[0] for encoded, _ in rows)
        encoded = np.zeros((len(rows), frames, rows[0][0].shape[-1]), np.float32)
        for row, (one, _) in enumerate(rows):
            encoded[row, :len(one)] = one
        return encoded, np.array([length for _, length in rows], np.int64)

    def predict(self, labels, state):
        out = self.runtime.run("prediction", {"input.1": labels.reshape(-1, 1).astype(np.int64),
                                              "1": state[0], "2": state[1]})
        return out["prediction_out"], (out["new_hidden_h"], out["new_hidden_c"])

    def join(self, f, g):
        return self.runtime.run("joint", {"0": f, "1": g})["logits"].reshape(f.shape[0], -1)

