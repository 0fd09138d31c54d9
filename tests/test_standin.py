"""The offline fixtures are only worth what their fidelity to upstream is worth."""
import sys

import numpy as np
import toml
import torch

import migrate
import standin_upstream
import synthetic_checkpoint
import synthetic_dataset
from rnnt_ov.upstream import load_model


def test_standin_model_has_the_upstream_parameter_names_and_shapes(tmp_path):
    model_dir = standin_upstream.write_model_dir(tmp_path / "pytorch")
    config = toml.load(model_dir / "configs" / "rnnt.toml")
    sys.path.insert(0, str(model_dir))
    from model_separable_rnnt import RNNT
    model = RNNT(config["rnnt"], len(config["labels"]["labels"]) + 1, feature_config=config["input_eval"])
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    upstream = {k.replace("joint_net.", "joint.net."): v for k, v in synthetic_checkpoint.UPSTREAM_SHAPES.items()
                if "featurizer" not in k}
    assert shapes == upstream == migrate.MODEL_SHAPES
    assert sum(1 for _ in synthetic_checkpoint.UPSTREAM_SHAPES) == 35


def test_synthetic_checkpoint_has_the_upstream_size(tmp_path):
    state = synthetic_checkpoint.random_state_dict()
    assert sum(t.numel() for t in state.values()) == 45_343_917
    assert all(str(t.dtype) == "torch.float32" for t in state.values())


def test_start_of_sequence_is_a_zero_input(tmp_path):
    model_dir = standin_upstream.write_model_dir(tmp_path / "pytorch")
    weights = tmp_path / "w.pt"
    state, _ = migrate.migrate({"state_dict": synthetic_checkpoint.random_state_dict()})
    torch.save(state, weights)
    model = load_model(str(model_dir), str(weights))
    g, (h, c) = model.prediction(None)
    zero_in, _ = model.prediction.dec_rnn(torch.zeros(1, 1, 320))
    assert g.shape == (1, 1, 320) and h.shape == (2, 1, 320)
    assert torch.equal(g, zero_in.transpose(0, 1))


def test_the_featurizer_tensors_are_those_upstreams_sut_computes():
    """A Hann window of 320 samples, not periodic, and librosa's Slaney mel filterbank (80 bands,
    n_fft 512, 16 kHz), which upstream's SUT builds from rnnt.toml. (Equal bit for bit to librosa
    0.9.2's filters.mel(16000, 512, n_mels=80), checked by hand: librosa is not in the test
    environments.) Here: each band a triangle of unit area on the frequency axis, rising centres."""
    state = synthetic_checkpoint.random_state_dict()
    assert torch.equal(state["audio_preprocessor.featurizer.window"], torch.hann_window(320, periodic=False))
    fb = state["audio_preprocessor.featurizer.fb"][0].double().numpy()
    assert fb.shape == (80, 257) and fb.min() >= 0
    peaks = fb.argmax(axis=1)
    assert all(b >= a for a, b in zip(peaks, peaks[1:])) and peaks[-1] > 200
    hz_per_bin = 16000 / 512
    for band in fb:
        support = np.flatnonzero(band)
        assert np.all(np.diff(support) == 1)                       # one contiguous run
        rising, falling = np.diff(band[support[0]:band.argmax() + 1]), np.diff(band[band.argmax():support[-1] + 1])
        assert np.all(rising >= 0) and np.all(falling <= 0)
        if len(support) > 12:                                       # wide enough to sample the triangle
            assert abs(band.sum() * hz_per_bin - 1) < 0.05


def test_the_synthetic_checkpoint_decodes_as_a_trained_model_does_speech():
    """0 or 1 symbol per encoder frame, about 0.85 on average, most labels used: not the 30
    symbols a frame of random weights, which would make decoding dominate every measurement."""
    from rnnt_ov import features
    from rnnt_ov.decoding import GreedyDecoder
    from rnnt_ov.interface import BLANK, StartStep

    state = synthetic_checkpoint.random_state_dict()
    model = synthetic_checkpoint.PlainModel(state)
    fb, window = state["audio_preprocessor.featurizer.fb"].numpy(), state["audio_preprocessor.featurizer.window"].numpy()
    clips = [synthetic_dataset.speechlike(n, seconds) for n, seconds in enumerate((3.0, 5.5, 8.0))]
    padded, lengths = features.pad([features.features(c, fb, window) for c in clips])

    class Networks:
        start = StartStep(*model.start())
        predict, join = model.predict, model.join

    encoded, frames = model.encode(padded, lengths)
    trace = {}
    labels = GreedyDecoder(Networks())(encoded, frames, trace)
    assert 0.75 < sum(map(len, labels)) / frames.sum() < 0.95
    for row in trace["logits"]:                  # never two symbols in a row: each frame ends on blank
        best = [int(np.argmax(logits)) for logits in row]
        assert all(a == BLANK or b == BLANK for a, b in zip(best, best[1:]))
    assert len(set(sum(labels, []))) >= 20
