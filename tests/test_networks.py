"""The IR compiled for decoding (rnnt_ov/networks.py), as every command runs it."""
import numpy as np
import pytest

import synthetic_dataset
from conftest import ir_dir
from rnnt_ov import features
from rnnt_ov.decoding import GreedyDecoder
from rnnt_ov.networks import OpenVINONetworks

pytestmark = pytest.mark.slow      # needs the IR that make builds


def test_the_joint_split_in_two_decodes_what_the_joint_ir_decodes(url_build):
    """W1 [f; g] + b1 as W1_f f + b1 at the end of the encoder and W1_g g at the end of the
    prediction network, the rest in numpy: the same labels, and logits within float rounding."""
    build, _ = url_build
    fb, window = features.load_featurizer(build / "weights" / "featurizer.npz")
    clips = [synthetic_dataset.speechlike(n, seconds) for n, seconds in enumerate((2.0, 3.1, 1.3))]
    padded, lengths = features.pad([features.features(c, fb, window) for c in clips])
    decoded = {}
    for projected in (True, False):
        networks = OpenVINONetworks(str(ir_dir(build)), "f32", projected=projected)
        encoded, frames = networks.encode(padded, lengths)
        assert encoded.shape[2] == (512 if projected else 1024)
        trace = {}
        decoded[projected] = GreedyDecoder(networks)(encoded, frames, trace), trace["logits"]
    (split, split_logits), (whole, whole_logits) = decoded[True], decoded[False]
    assert split == whole and sum(map(len, split)) > 50
    assert max(float(np.max(np.abs(a - b))) for rows in zip(split_logits, whole_logits)
               for a, b in zip(*rows)) < 1e-4
