"""Audio to encoder input, as upstream r1.0 computes its evaluation features, in numpy.

Upstream ([input_eval] of rnnt.toml, parts/features.py): 16 kHz mono samples, pre-emphasis 0.97,
a centred STFT (n_fft 512, reflect padding) with a 320-sample hann window and a 160-sample hop,
the power spectrum plus dither^2 (upstream's deterministic dithering, applied at evaluation too),
the mel filterbank, log(x + 1e-20), splicing of 3 consecutive frames into one of 240 features
keeping every 3rd, and per-feature normalisation (mean, unbiased std + 1e-5) over the valid frames.
The filterbank and the window come from the checkpoint (migrate.py's featurizer.npz), so no audio
library has to reproduce librosa's mel filters.
"""
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .interface import ENCODER_FEATURES

SAMPLE_RATE = 16000
HOP = 160           # 10 ms
N_FFT = 512
PREEMPHASIS = 0.97
DITHER = 1e-5
SPLICE = 3
MIN_SAMPLES = SPLICE * HOP + 1   # two encoder input frames: the std needs two values


class AudioError(Exception):
    """Audio the model cannot take; the message says why and what to do."""


def load_audio(path):
    """Float32 samples of a 16 kHz mono WAV or FLAC file."""
    import soundfile
    try:
        samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except Exception as err:   # soundfile raises LibsndfileError, RuntimeError or TypeError
        raise AudioError(f"{path}: cannot read it as audio ({str(err).strip()}): "
                         "give a WAV or FLAC file") from None
    if samples.shape[1] != 1:
        raise AudioError(f"{path} has {samples.shape[1]} channels; the model takes mono: "
                         f"mix it down, e.g. sox {path} -c 1 mono.flac")
    if rate != SAMPLE_RATE:
        raise AudioError(f"{path} is sampled at {rate} Hz; the model takes {SAMPLE_RATE} Hz: "
                         f"resample it, e.g. sox {path} -r {SAMPLE_RATE} resampled.flac")
    return check_length(samples[:, 0], path)


def check_length(samples, name="audio"):
    if len(samples) < MIN_SAMPLES:
        raise AudioError(f"{name} has {len(samples)} samples; at least {MIN_SAMPLES} "
                         f"({MIN_SAMPLES / SAMPLE_RATE * 1e3:.0f} ms) are needed")
    return samples


def num_frames(num_samples):
    """Encoder input frames for an utterance: ceil(samples / 160), then ceil(that / 3)."""
    return math.ceil(math.ceil(num_samples / HOP) / SPLICE)


def features(samples, fb, window):
    """(frames, 240) float32 encoder input for one utterance. fb: (1, 80, 257), window: (320,).
    Written to copy as little as it can (the frames a strided view, the splicing a reshape, the
    power spectrum squared in place, the mel energies written where the splicing reads them, the
    normalisation reusing the centred values the std computes): the same numbers, bit for bit,
    as the formula step by step (tests/test_features.py holds it to one), in 2.36 ms against the
    previous version's 2.46-2.62 for 6.25 s of audio on one thread."""
    check_length(samples)
    n, half = len(samples), N_FFT // 2
    x = np.empty(n + N_FFT)                                       # pre-emphasised, then reflect-padded
    body = x[half:half + n]                                       # to centre the frames
    body[:] = samples
    np.subtract(body[1:], PREEMPHASIS * body[:-1], out=body[1:])
    x[:half] = body[half:0:-1]
    x[half + n:] = body[-2:-half - 2:-1]
    count = 1 + n // HOP
    padded_window = np.zeros(N_FFT)
    left = (N_FFT - len(window)) // 2                              # as torch.stft centres it
    padded_window[left:left + len(window)] = window
    frames = sliding_window_view(x, N_FFT)[::HOP][:count] * padded_window
    squares = np.square(np.fft.rfft(frames, axis=1).view(np.float64))        # re^2, im^2 side by side
    power = np.add(squares[:, 0::2], squares[:, 1::2])
    power += DITHER ** 2
    # Frame t spliced with t+1 and t+2 (zeros past the end), every 3rd kept: rows of 3 frames.
    mels = np.asarray(fb, np.float64)[0].T
    spliced = np.zeros((-(-count // SPLICE) * SPLICE, mels.shape[1]))
    logmel = np.matmul(power, mels, out=spliced[:count])                    # (count, 80)
    logmel += 1e-20
    np.log(logmel, out=logmel)
    valid = spliced.reshape(-1, SPLICE * mels.shape[1])[:num_frames(n)]   # (ceil(count / 3), 240)
    # numpy's mean and std(ddof=1), the std's centred values kept for the result.
    centred = valid - valid.mean(axis=0)
    std = np.sqrt(np.add.reduce(np.square(centred), axis=0) / (len(valid) - 1)) + 1e-5
    centred /= std
    return centred.astype(np.float32)


def pad(feats):
    """Utterances' features [(frames, 240)] as the encoder takes a batch of them: (T, B, 240),
    padded with zeros to the longest, and each row's frames (B,)."""
    lengths = np.array([len(f) for f in feats], np.int64)
    batch = np.zeros((int(lengths.max()), len(feats), ENCODER_FEATURES), np.float32)
    for row, f in enumerate(feats):
        batch[:len(f), row] = f
    return batch, lengths


def load_featurizer(path):
    """The filterbank and window that migrate.py took out of the checkpoint."""
    with np.load(path) as saved:
        return saved["fb"], saved["window"]
