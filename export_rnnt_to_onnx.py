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
import torch

from rnnt_ov.interface import NETWORKS, START_STEP
from rnnt_ov.upstream import UpstreamError, load_model


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
    export_names = [port.export_name for port in spec.inputs]
    dynamic_axes = {port.export_name: port.dynamic_axes() for port in spec.inputs}
    dynamic_axes.update({port.name: port.dynamic_axes() for port in spec.outputs})
    tmp = f"{path}.tmp"
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated but is the one the documented guide relies on;
        # the LSTM batch-size warning does not apply: the states are inputs or zero per call.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*batch_size other than 1.*")
        torch.onnx.export(getattr(model, network), example_inputs(network), tmp, dynamo=False,
                          opset_version=opset, input_names=export_names,
                          output_names=[port.name for port in spec.outputs],
                          dynamic_axes=dynamic_axes)
    graph = onnx.load(tmp)
    rename_graph_inputs(graph, {port.export_name: port.name for port in spec.inputs})
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
    except UpstreamError as err:
        sys.exit(f"error: {err}")
    finished = {}
    try:
        with torch.no_grad():
            for network in NETWORKS:
                path = os.path.join(args.output_dir, f"rnnt_{network}.onnx")
                finished[path] = export(model, network, path, args.opset)
            start = os.path.join(args.output_dir, START_STEP)
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
