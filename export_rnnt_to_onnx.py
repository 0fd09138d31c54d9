#!/usr/bin/env python3
"""Step 5: export the r1.0 RNN-T encoder, prediction and joint networks to three ONNX files.

Builds the model from the upstream checkout (model_separable_rnnt.py and configs/rnnt.toml),
loads the state dict written by migrate.py, and exports each network with the TorchScript
exporter at the documented opset. The ONNX graph inputs carry the names of the documented
guide ("input.1", "1", ...), so its `mo --input` strings work unchanged; today's exporter no longer
applies purely numeric names itself, so the graph inputs are renamed after export.
"""
import argparse
import os
import sys
import warnings

import numpy as np
import onnx
import toml
import torch

# Every network's inputs and outputs, in one place. An input is (name in the ONNX and IR, name
# while exporting, shape, dynamic axes); the documented names are numbers, which today's
# exporter refuses, hence the second name. T: time frames, B: batch.
NETWORKS = {
    "encoder": {
        "inputs": [
            ("input.1", "features", "T x B x 240 float32, spliced log-mel features", {0: "T", 1: "B"}),
            ("1", "feature_lengths", "B int64, valid frames per batch row", {0: "B"}),
        ],
        "outputs": [
            ("encoded", "B x ceil(T/2) x 1024 float32", {0: "B", 1: "T_out"}),
            ("encoded_lengths", "B int32, ceil(lengths / 2)", {0: "B"}),
        ],
    },
    "prediction": {
        "inputs": [
            ("input.1", "label", "B x 1 int64, previous label 0..27", {0: "B"}),
            ("1", "hidden_h", "2 x B x 320 float32, LSTM h state", {1: "B"}),
            ("2", "hidden_c", "2 x B x 320 float32, LSTM c state", {1: "B"}),
        ],
        "outputs": [
            ("prediction_out", "B x 1 x 320 float32", {0: "B"}),
            ("new_hidden_h", "2 x B x 320 float32", {1: "B"}),
            ("new_hidden_c", "2 x B x 320 float32", {1: "B"}),
        ],
    },
    "joint": {
        "inputs": [
            ("0", "encoder_frame", "B x 1 x 1024 float32, one encoder output frame", {0: "B"}),
            ("1", "prediction_frame", "B x 1 x 320 float32, the prediction output", {0: "B"}),
        ],
        "outputs": [
            ("logits", "B x 1 x 1 x 29 float32, 28 symbols then blank", {0: "B"}),
        ],
    },
}


class ExportError(Exception):
    """A problem with the inputs that the user has to fix; printed as one line."""


def load_model(model_dir, weights):
    """Build upstream's RNNT from its checkout and load the migrated weights, in eval mode."""
    config_path = os.path.join(model_dir, "configs", "rnnt.toml")
    for needed in ("model_separable_rnnt.py", "rnn.py", os.path.join("configs", "rnnt.toml")):
        if not os.path.isfile(os.path.join(model_dir, needed)):
            raise ExportError(f"{model_dir} has no {needed}: point --model-dir at "
                              "speech_recognition/rnnt/pytorch of an MLCommons inference checkout")
    config = toml.load(config_path)
    sys.path.insert(0, model_dir)   # upstream imports its sibling `rnn` by a bare name
    from model_separable_rnnt import RNNT

    model = RNNT(config["rnnt"], len(config["labels"]["labels"]) + 1,
                 feature_config=config["input_eval"])
    state = torch.load(weights, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def example_inputs(network):
    """The documented example inputs: 157 frames, batch 1, label 20, random states."""
    if network == "encoder":
        return torch.randn(157, 1, 240), torch.LongTensor([157])
    if network == "prediction":
        return torch.LongTensor([[20]]), (torch.randn(2, 1, 320), torch.randn(2, 1, 320))
    return torch.randn(1, 1, 1024), torch.randn(1, 1, 320)


def rename_graph_inputs(model, renames):
    """Give graph inputs the documented names, everywhere they are consumed."""
    for value in model.graph.input:
        value.name = renames.get(value.name, value.name)
    for node in model.graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]


def export(model, network, path, opset):
    spec = NETWORKS[network]
    export_names = [export_name for _, export_name, _, _ in spec["inputs"]]
    dynamic_axes = {export_name: axes for _, export_name, _, axes in spec["inputs"]}
    dynamic_axes.update({name: axes for name, _, axes in spec["outputs"]})
    tmp = f"{path}.tmp"
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated but is the one the documented guide relies on;
        # the LSTM batch-size warning does not apply: the states are inputs or zero per call.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*batch_size other than 1.*")
        torch.onnx.export(getattr(model, network), example_inputs(network), tmp, dynamo=False,
                          opset_version=opset, input_names=export_names,
                          output_names=[name for name, _, _ in spec["outputs"]],
                          dynamic_axes=dynamic_axes)
    graph = onnx.load(tmp)
    rename_graph_inputs(graph, {export_name: name for name, export_name, _, _ in spec["inputs"]})
    onnx.checker.check_model(graph, full_check=True)
    onnx.save(graph, tmp)
    return tmp


def save_start_step(model, path):
    """r1.0 starts a sequence with prediction(None): a zero input vector instead of a label
    embedding. No label fed to the prediction network (ONNX or IR) can express that, but the step
    has no input, so its outputs are constants of the model: computed here, once, exactly."""
    g, (h, c) = model.prediction(None)
    tmp = f"{path}.tmp.npz"
    np.savez(tmp, prediction_out=g.numpy(), new_hidden_h=h.numpy(), new_hidden_c=c.numpy())
    return tmp


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", required=True,
                        help="upstream speech_recognition/rnnt/pytorch folder")
    parser.add_argument("--weights", required=True, help="state dict written by migrate.py")
    parser.add_argument("--output-dir", required=True, help="where rnnt_<network>.onnx go")
    parser.add_argument("--opset", type=int, default=12, help="ONNX opset (default: %(default)s)")
    args = parser.parse_args()

    torch.manual_seed(0)
    try:
        model = load_model(args.model_dir, args.weights)
    except ExportError as err:
        sys.exit(f"error: {err}")
    finished = {}
    try:
        with torch.no_grad():
            for network in NETWORKS:
                path = os.path.join(args.output_dir, f"rnnt_{network}.onnx")
                finished[path] = export(model, network, path, args.opset)
            start = os.path.join(args.output_dir, "rnnt_prediction_start.npz")
            finished[start] = save_start_step(model, start)
    except BaseException:
        for tmp in finished.values():      # the ones that did finish: nothing half-done stays
            os.remove(tmp)
        raise
    # All land together: no mix of old and new files if an export fails.
    for path, tmp in finished.items():
        os.replace(tmp, path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
