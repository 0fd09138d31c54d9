#!/usr/bin/env python3
"""Step 4: turn the upstream RNN-T checkpoint into a plain state dict the r1.0 model loads.

`make ir` runs this inside the export (export_rnnt_to_onnx.py --checkpoint), as the guide's own
step-5 script migrates the checkpoint it exports; on its own it writes the same two files.

The checkpoint (Zenodo 3662521) is a dict whose "state_dict" names the joint network `joint_net.*`
where the model wants `joint.net.*`, and also carries two featurizer tensors the model does not
take. This script renames the joint, moves the featurizer tensors to a file of their own (running
the IR on audio needs them), checks every remaining key and shape against the model, and writes
both files atomically.

The checkpoint is loaded with `weights_only=True`: a file that needs arbitrary Python objects is
refused unless --trust-checkpoint says it may run code.
"""
import argparse
import os
import pickle
import re
import sys

import numpy as np
import torch

ENC, PRED, JOINT, FEATS, CLASSES = 1024, 320, 512, 240, 29

FEATURIZER_SHAPES = {
    "audio_preprocessor.featurizer.fb": (1, 80, 257),      # mel filterbank
    "audio_preprocessor.featurizer.window": (320,),         # hann window
}


def lstm_shapes(prefix, hidden, input_sizes):
    """Parameter shapes of a torch.nn.LSTM with one layer per entry of input_sizes."""
    shapes = {}
    for layer, inputs in enumerate(input_sizes):
        shapes[f"{prefix}.weight_ih_l{layer}"] = (4 * hidden, inputs)
        shapes[f"{prefix}.weight_hh_l{layer}"] = (4 * hidden, hidden)
        shapes[f"{prefix}.bias_ih_l{layer}"] = (4 * hidden,)
        shapes[f"{prefix}.bias_hh_l{layer}"] = (4 * hidden,)
    return shapes


# What the r1.0 RNNT(rnnt.toml) model's load_state_dict expects: 33 tensors.
MODEL_SHAPES = {
    **lstm_shapes("encoder.pre_rnn.lstm", ENC, [FEATS, ENC]),
    **lstm_shapes("encoder.post_rnn.lstm", ENC, [2 * ENC, ENC, ENC]),
    "prediction.embed.weight": (CLASSES - 1, PRED),
    **lstm_shapes("prediction.dec_rnn.lstm", PRED, [PRED, PRED]),
    "joint.net.0.weight": (JOINT, ENC + PRED),
    "joint.net.0.bias": (JOINT,),
    "joint.net.3.weight": (CLASSES, JOINT),
    "joint.net.3.bias": (CLASSES,),
}


class MigrationError(Exception):
    """A problem with the input that the user has to fix; printed as one line."""


def load_checkpoint(path, trust):
    """torch.load the checkpoint, safely unless the user explicitly trusts it."""
    if trust:
        print(f"warning: loading {path} with weights_only=False (TRUST_CHECKPOINT=1): "
              "its pickle may run arbitrary code", file=sys.stderr)
        return torch.load(path, map_location="cpu", weights_only=False)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        try:
            refused = torch.serialization.get_unsafe_globals_in_checkpoint(path)
        except ValueError:   # legacy (pre-zip) files: torch names the first refused global
            refused = re.findall(r"GLOBAL ([\w.]+)", str(err))
        if not refused:   # not a refusal: the pickle itself is broken (not a checkpoint, or cut short)
            reason = re.search(r"Unpickler error:\s*(.+?)\s*(?:\n\n|$)", str(err), re.S)
            raise MigrationError(
                f"{path} is not a readable PyTorch checkpoint "
                f"({reason.group(1) if reason else str(err).splitlines()[0]}); "
                "it may be truncated: delete it and download again") from None
        raise MigrationError(
            f"{path} needs Python objects that weights_only=True refuses ({', '.join(refused)}); "
            "it may run code when loaded. If you trust its origin, rerun with TRUST_CHECKPOINT=1"
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError) as err:
        raise MigrationError(
            f"{path} is not a readable PyTorch checkpoint ({str(err).splitlines()[0]}); "
            "it may be truncated: delete it and download again"
        ) from None


def migrate(checkpoint):
    """Split the checkpoint into (model state dict, featurizer tensors), checking both."""
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise MigrationError("checkpoint holds no state dict (expected a dict with a 'state_dict' entry)")
    renamed = {key.replace("joint_net.", "joint.net.", 1): value for key, value in state.items()}
    featurizer = {key: renamed.pop(key) for key in FEATURIZER_SHAPES if key in renamed}
    problems = check_shapes(renamed, MODEL_SHAPES) + check_shapes(featurizer, FEATURIZER_SHAPES)
    if problems:
        raise MigrationError("checkpoint does not fit the r1.0 RNN-T model: " + "; ".join(problems))
    return renamed, featurizer


def check_shapes(tensors, expected):
    """Every missing, unexpected or mis-shaped key, as short phrases."""
    problems = [f"missing {key}" for key in expected if key not in tensors]
    for key, value in tensors.items():
        if key not in expected:
            problems.append(f"unexpected {key}")
        elif not isinstance(value, torch.Tensor):
            problems.append(f"{key} is a {type(value).__name__}, not a tensor")
        elif tuple(value.shape) != expected[key]:
            problems.append(f"{key} has shape {tuple(value.shape)}, expected {expected[key]}")
        elif value.dtype != torch.float32:
            problems.append(f"{key} is {value.dtype}, expected torch.float32")
    return problems


def save_temporaries(model_state, featurizer, out, featurizer_out):
    """Write the state dict and the featurizer tensors (.npz with the keys' last parts, fb and
    window: numpy reads it at run time, without torch) under temporary names. Returns
    {final path: temporary path}, for the caller to rename once all it writes is done."""
    tmp_featurizer = f"{featurizer_out}.tmp.npz"
    np.savez(tmp_featurizer, **{key.rsplit(".", 1)[1]: value.numpy() for key, value in featurizer.items()})
    tmp_state = f"{out}.tmp"
    torch.save(model_state, tmp_state)
    return {featurizer_out: tmp_featurizer, out: tmp_state}


def summary(model_state, out, featurizer_out):
    values = sum(t.numel() for t in model_state.values())
    return (f"migrated {len(model_state)} tensors ({values:,} values) to {out}; "
            f"featurizer tensors to {featurizer_out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", help="upstream checkpoint (.pt)")
    parser.add_argument("--out", required=True, help="migrated model state dict to write (.pt)")
    parser.add_argument("--featurizer-out", required=True,
                        help="file for the mel filterbank and window (.npz: fb, window)")
    parser.add_argument("--trust-checkpoint", action="store_true",
                        help="load with weights_only=False: only for files whose origin you trust")
    args = parser.parse_args()
    try:
        model_state, featurizer = migrate(load_checkpoint(args.checkpoint, args.trust_checkpoint))
    except MigrationError as err:
        sys.exit(f"error: {err}")
    for path, tmp in save_temporaries(model_state, featurizer, args.out, args.featurizer_out).items():
        os.replace(tmp, path)
    print(summary(model_state, args.out, args.featurizer_out))


if __name__ == "__main__":
    main()
