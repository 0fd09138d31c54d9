"""Upstream's PyTorch RNN-T, built from a checkout of mlcommons/inference with migrated weights.

The reference that the export, verify and benchmark share. It needs torch; nothing else in the
package imports it at module level.
"""
import os
import sys

MODEL_FILES = ("model_separable_rnnt.py", "rnn.py", os.path.join("configs", "rnnt.toml"))


class UpstreamError(Exception):
    """A checkout or weights file the user has to fix; printed as one line."""


def load_model(model_dir, weights):
    """Upstream's RNNT from its checkout (speech_recognition/rnnt/pytorch) with the state dict
    written by migrate.py, in eval mode."""
    import torch
    return build_model(model_dir, torch.load(weights, map_location="cpu", weights_only=True))


def build_model(model_dir, state):
    """Upstream's RNNT from its checkout, with a migrated state dict loaded, in eval mode."""
    import toml

    for needed in MODEL_FILES:
        if not os.path.isfile(os.path.join(model_dir, needed)):
            raise UpstreamError(f"{model_dir} has no {needed}: point --model-dir at "
                                "speech_recognition/rnnt/pytorch of an MLCommons inference checkout")
    config = toml.load(os.path.join(model_dir, "configs", "rnnt.toml"))
    if model_dir not in sys.path:
        sys.path.insert(0, model_dir)   # upstream imports its sibling `rnn` by a bare name
    from model_separable_rnnt import RNNT

    model = RNNT(config["rnnt"], len(config["labels"]["labels"]) + 1,
                 feature_config=config["input_eval"])
    model.load_state_dict(state, strict=True)
    return model.eval()
