#!/usr/bin/env python3
"""Steps 4-5: migrate the RNN-T checkpoint and export the encoder, prediction and joint networks to ONNX.

As the documented guide's step-5 script does, one process loads the upstream checkpoint, renames
its joint (migrate.py, which also checks every key and shape and can write the migrated state
dict and the featurizer tensors), builds the model from the upstream checkout
(model_separable_rnnt.py and configs/rnnt.toml) and exports each network with the TorchScript
exporter at the documented opset. The ONNX graph inputs carry the names of the documented
guide ("input.1", "1", ...), so its `mo --input` strings work unchanged; today's exporter no longer
applies purely numeric names itself, so the graph inputs are renamed after export.
"""
import argparse
import io
import os
import sys
import warnings

import numpy as np
import onnx
import torch

import migrate
from rnnt_ov.interface import NETWORKS, START_STEP
from rnnt_ov.upstream import UpstreamError, build_model


# Tracing records operations, not sizes: with the time and batch axes dynamic, a 2-frame encoder
# example exports the same ONNX file, byte for byte, as the documented 157 frames (tested), and
# runs the five LSTM layers over 2 frames instead of 157.
EXAMPLE_FRAMES = 2


def example_inputs(network):
    """Example inputs to trace with: batch 1, label 20, random states."""
    if network == "encoder":
        return torch.randn(EXAMPLE_FRAMES, 1, 240), torch.LongTensor([EXAMPLE_FRAMES])
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
    """Export one network to `path`.tmp, with the documented input names; returns that name.
    The exporter writes into memory and the renamed graph is serialised once, to the file."""
    spec = NETWORKS[network]
    dynamic_axes = {port.export_name: port.dynamic_axes() for port in spec.inputs}
    dynamic_axes.update({port.name: port.dynamic_axes() for port in spec.outputs})
    exported = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated but is the one the documented guide relies on;
        # the LSTM batch-size warning does not apply: the states are inputs or zero per call.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*batch_size other than 1.*")
        torch.onnx.export(getattr(model, network), example_inputs(network), exported, dynamo=False,
                          opset_version=opset, input_names=[port.export_name for port in spec.inputs],
                          output_names=[port.name for port in spec.outputs],
                          dynamic_axes=dynamic_axes)
    graph = onnx.load_from_string(exported.getvalue())
    rename_graph_inputs(graph, {port.export_name: port.name for port in spec.inputs})
    tmp = f"{path}.tmp"
    onnx.save(graph, tmp)
    onnx.checker.check_model(tmp, full_check=True)    # from the file: no second serialisation
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
    parser.add_argument("--checkpoint", required=True, help="upstream checkpoint (.pt), migrated in-process")
    parser.add_argument("--trust-checkpoint", action="store_true",
                        help="load with weights_only=False: only for files whose origin you trust")
    parser.add_argument("--migrated-out", help="also write the migrated state dict here (.pt)")
    parser.add_argument("--featurizer-out", help="also write the featurizer tensors here (.npz)")
    parser.add_argument("--model-dir", required=True,
                        help="upstream speech_recognition/rnnt/pytorch folder")
    parser.add_argument("--output-dir", required=True, help="where rnnt_<network>.onnx go")
    parser.add_argument("--opset", type=int, default=12, help="ONNX opset (default: %(default)s)")
    args = parser.parse_args()
    if bool(args.migrated_out) != bool(args.featurizer_out):
        parser.error("--migrated-out and --featurizer-out go together")

    torch.manual_seed(0)
    try:
        state, featurizer = migrate.migrate(migrate.load_checkpoint(args.checkpoint, args.trust_checkpoint))
        model = build_model(args.model_dir, state)
    except (migrate.MigrationError, UpstreamError) as err:
        sys.exit(f"error: {err}")
    finished = {}
    try:
        if args.migrated_out:
            finished.update(migrate.save_temporaries(state, featurizer, args.migrated_out, args.featurizer_out))
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
    # All land together: no mix of old and new files if a step fails.
    for path, tmp in finished.items():
        os.replace(tmp, path)
    if args.migrated_out:
        print(migrate.summary(state, args.migrated_out, args.featurizer_out))
    for network in NETWORKS:
        print(f"wrote {os.path.join(args.output_dir, f'rnnt_{network}.onnx')}")
    print(f"wrote {start}")


if __name__ == "__main__":
    main()
    # Every file is written, closed and renamed: skip Python's teardown of torch, which takes
    # ~0.4 s on 2 cores and does nothing this step needs.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
