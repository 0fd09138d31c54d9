"""The numpy featurizer against an independent torch computation of upstream's formula."""
import math

import numpy as np
import pytest
import soundfile
import torch

import synthetic_checkpoint
from rnnt_ov import features

RATE = 16000


@pytest.fixture(scope="module")
def fb_window():
    state = synthetic_checkpoint.random_state_dict()
    return (state["audio_preprocessor.featurizer.fb"].numpy(),
            state["audio_preprocessor.featurizer.window"].numpy())


def torch_reference(samples, fb, window):
    """Upstream r1.0's FilterbankFeatures.forward in torch terms (batch of one), independent of
    rnnt_ov/features.py: torch.stft does the framing, padding and windowing. In float64: silence makes
    the normalisation divide by ~1e-5, which turns float32 rounding into visible noise."""
    x = torch.from_numpy(samples.astype(np.float64))[None]
    n = torch.tensor([x.shape[1]])
    seq_len = int(((n + 159) // 160 + 2) // 3)
    x = torch.cat((x[:, :1], x[:, 1:] - 0.97 * x[:, :-1]), dim=1)
    spec = torch.stft(x, n_fft=512, hop_length=160, win_length=320, center=True,
                      window=torch.from_numpy(window).double(), return_complex=True, pad_mode="reflect")
    x = spec.abs().pow(2) + 1e-5 ** 2
    x = torch.log(torch.matmul(torch.from_numpy(fb).double(), x) + 1e-20)
    seq = [x]
    for k in (1, 2):
        tmp = torch.zeros_like(x)
        tmp[:, :, :-k] = x[:, :, k:]
        seq.append(tmp)
    x = torch.cat(seq, dim=1)[:, :, ::3]
    mean = x[0, :, :seq_len].mean(dim=1)
    std = x[0, :, :seq_len].std(dim=1) + 1e-5
    x = (x - mean[None, :, None]) / std[None, :, None]
    return x[0, :, :seq_len].T.numpy()                       # (frames, 240)


def plain_formula(samples, fb, window):
    """rnnt_ov/features.py's computation written step by step in numpy, each step a new array:
    what its fewer copies must reproduce bit for bit."""
    s = samples.astype(np.float64)
    x = np.concatenate([s[:1], s[1:] - 0.97 * s[:-1]])
    x = np.pad(x, 256, mode="reflect")
    count = 1 + len(samples) // 160
    padded_window = np.zeros(512)
    padded_window[96:416] = window
    frames = np.stack([x[t * 160:t * 160 + 512] for t in range(count)]) * padded_window
    spectrum = np.fft.rfft(frames, axis=1)
    power = spectrum.real ** 2 + spectrum.imag ** 2 + 1e-5 ** 2
    logmel = np.log(power @ np.asarray(fb, np.float64)[0].T + 1e-20)
    spliced = np.zeros((-(-count // 3) * 3, 80))
    spliced[:count] = logmel
    valid = spliced.reshape(-1, 240)[:features.num_frames(len(samples))]
    return ((valid - valid.mean(axis=0)) / (valid.std(axis=0, ddof=1) + 1e-5)).astype(np.float32)


def sweep(seconds=1.5):
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.4 * np.sin(2 * np.pi * (100 + 1500 * t) * t)).astype(np.float32)


@pytest.mark.parametrize("name,signal", [
    ("sine sweep", sweep()),
    ("silence", np.zeros(RATE, np.float32)),
    ("clipping", np.clip(4 * sweep(1.0), -1, 1)),
    ("noise, odd length", np.random.default_rng(0).uniform(-0.5, 0.5, 12345).astype(np.float32)),
])
def test_features_match_upstreams_formula(fb_window, name, signal):
    fb, window = fb_window
    ours = features.features(signal, fb, window)
    reference = torch_reference(signal, fb, window)
    assert ours.shape == reference.shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours, reference, atol=1e-4, rtol=0)


@pytest.mark.parametrize("seconds", [0.031, 1.0, 2.3456, 6.25, 15.0])
def test_features_equal_the_plain_formula_bit_for_bit(fb_window, seconds):
    fb, window = fb_window
    rng = np.random.default_rng(int(seconds * 1000))
    signal = (rng.uniform(-1, 1, int(seconds * RATE)) * rng.uniform(0.01, 1)).astype(np.float32)
    for clip in (signal, np.zeros_like(signal)):
        assert np.array_equal(features.features(clip, fb, window), plain_formula(clip, fb, window))


@pytest.mark.parametrize("samples", [481, 1000, 16000, 16001, 24160, 160 * 3 * 7])
def test_frames_are_ceil_samples_over_160_then_over_3(fb_window, samples):
    fb, window = fb_window
    x = np.random.default_rng(samples).standard_normal(samples).astype(np.float32) * 0.1
    assert features.features(x, fb, window).shape == (math.ceil(math.ceil(samples / 160) / 3), 240)
    assert features.num_frames(samples) == math.ceil(math.ceil(samples / 160) / 3)


def test_bad_audio_is_refused_with_a_reason(tmp_path):
    soundfile.write(tmp_path / "8k.wav", sweep(1.0)[::2], 8000)
    soundfile.write(tmp_path / "stereo.flac", np.stack([sweep(1.0)] * 2, axis=1), RATE)
    soundfile.write(tmp_path / "empty.wav", np.zeros(0, np.float32), RATE)
    (tmp_path / "text.flac").write_text("not audio")
    expected = {"missing.flac": "cannot read it as audio", "8k.wav": "sampled at 8000 Hz",
                "stereo.flac": "has 2 channels", "empty.wav": "has 0 samples",
                "text.flac": "cannot read it as audio"}
    for name, message in expected.items():
        with pytest.raises(features.AudioError, match=message):
            features.load_audio(str(tmp_path / name))


def test_a_batch_gets_each_utterances_own_features_computed_side_by_side(fb_window):
    """The recognizer computes a batch's features on every core at once: the same arrays, bit for
    bit and in order, as one at a time."""
    from rnnt_ov.recognizer import Recognizer
    rng = np.random.default_rng(5)
    clips = [(0.1 * rng.standard_normal(int(RATE * s))).astype(np.float32) for s in (2.3, 0.5, 7.1, 1.0, 3.3)]
    side_by_side = Recognizer(None, fb_window).features_of(clips)
    assert len(side_by_side) == len(clips)
    for clip, found in zip(clips, side_by_side):
        assert np.array_equal(found, features.features(clip, *fb_window))
