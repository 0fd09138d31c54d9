"""Writes a checkpoint in the upstream format with random weights, offline.

The upstream file (DistributedDataParallel_1576581068.9962234-epoch-100.pt, Zenodo 3662521) is a
dict whose "state_dict" holds 35 float32 tensors: the model's 33, with the joint named `joint_net.*`
instead of the model's `joint.net.*`, plus the featurizer's mel filterbank and window. It dates
from December 2019, before torch 1.6 made the zip format the default, so it is written in torch's
legacy (non-zip) format unless told otherwise.
"""
import math

import torch

ENC, PRED, JOINT, FEATS, CLASSES = 1024, 320, 512, 240, 29

# name -> shape, exactly as in the upstream checkpoint (UPSTREAM-FACTS.md).
UPSTREAM_SHAPES = {}
for _prefix, _layers, _inputs in (("encoder.pre_rnn.lstm", 2, (FEATS, ENC)),
                                  ("encoder.post_rnn.lstm", 3, (2 * ENC, ENC, ENC)),
                                  ("prediction.dec_rnn.lstm", 2, (PRED, PRED))):
    _hidden = PRED if _prefix.startswith("prediction") else ENC
    for _layer in range(_layers):
        UPSTREAM_SHAPES[f"{_prefix}.weight_ih_l{_layer}"] = (4 * _hidden, _inputs[_layer])
        UPSTREAM_SHAPES[f"{_prefix}.weight_hh_l{_layer}"] = (4 * _hidden, _hidden)
        UPSTREAM_SHAPES[f"{_prefix}.bias_ih_l{_layer}"] = (4 * _hidden,)
        UPSTREAM_SHAPES[f"{_prefix}.bias_hh_l{_layer}"] = (4 * _hidden,)
UPSTREAM_SHAPES.update({
    "prediction.embed.weight": (CLASSES - 1, PRED),
    "joint_net.0.weight": (JOINT, ENC + PRED),
    "joint_net.0.bias": (JOINT,),
    "joint_net.3.weight": (CLASSES, JOINT),
    "joint_net.3.bias": (CLASSES,),
    "audio_preprocessor.featurizer.fb": (1, 80, 257),
    "audio_preprocessor.featurizer.window": (320,),
})


def random_state_dict(seed=0):
    """Upstream-named tensors with random values.

    Weights are uniform in +-3/sqrt(fan_in), three times torch's default: with the default, the
    encoder output after five LSTM layers has a standard deviation of ~0.01 and an error bound of
    1e-4 would say little; at 3x it is ~0.15, unsaturated, like a trained network's.
    """
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for name, shape in UPSTREAM_SHAPES.items():
        if name.endswith("featurizer.window"):
            state[name] = torch.hann_window(shape[0], periodic=False)
        elif name.endswith("featurizer.fb"):
            state[name] = torch.rand(shape, generator=gen) * 0.05
        elif name == "prediction.embed.weight":
            state[name] = torch.randn(shape, generator=gen)
        else:
            fan = shape[-1] if len(shape) == 2 else (shape[0] // 4 if "lstm" in name else shape[0])
            bound = 3.0 / math.sqrt(fan)
            state[name] = (torch.rand(shape, generator=gen) * 2 - 1) * bound
    # Favour blank a little, as a trained model does: with seed 0, greedy decoding of random
    # features then mixes blanks and symbols instead of emitting 30 symbols on every frame.
    state["joint_net.3.bias"][CLASSES - 1] += 1.4
    return state


def write_checkpoint(path, seed=0, legacy_format=True, state=None):
    """Save {"state_dict": ...} at `path` the way the upstream file is saved."""
    state = random_state_dict(seed) if state is None else state
    torch.save({"state_dict": state}, str(path), _use_new_zipfile_serialization=not legacy_format)
    return path
