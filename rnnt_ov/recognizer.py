"""Speech to labels with the three IR: the one path that transcribe, wer, the quantizer's
validation and the MLPerf harness run, a batch of utterances at a time (batch 1 is a batch).

    audio (16 kHz samples) -> features.features -> padded batch -> encoder -> GreedyDecoder -> labels
"""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import threadpoolctl

from . import features
from .decoding import GreedyDecoder
from .networks import OpenVINONetworks


_threads = None


def _feature_threads():
    """One thread per core for the features, for the process, shared by every recognizer; made,
    and numpy's BLAS set to one thread, when the first recognizer is."""
    global _threads
    if _threads is None:
        threadpoolctl.threadpool_limits(1, user_api="blas")
        _threads = ThreadPoolExecutor(len(os.sched_getaffinity(0)), thread_name_prefix="features")
    return _threads


class Recognizer:
    """networks: decoding networks (networks.py); featurizer: (filterbank, window) from the
    checkpoint (features.load_featurizer).

    The features of a batch are computed on every core at once, an utterance per thread (numpy's
    FFT and matrix products release the GIL), and numpy's BLAS runs on one thread in this process:
    its own threads, left to spin after each call, took cores from OpenVINO's and from these
    (on 2 Zen 4 cores: the features of the load set 2.0-2.7 -> 1.4-1.6 ms per utterance)."""

    workers = 1             # recognizers side by side: one here (workers.Workers: one per core)

    def __init__(self, networks, featurizer):
        self.networks = networks
        self.fb, self.window = featurizer
        self.decoder = GreedyDecoder(networks)
        self.threads = _feature_threads()

    @classmethod
    def from_ir(cls, ir_dir, featurizer_file, precision="f32", threads=None, start=None, config=None):
        """The IR of a folder; precision "f32", or None for the CPU's default; config: more CPU
        plugin settings."""
        return cls(OpenVINONetworks(ir_dir, precision, threads, start, config=config),
                   features.load_featurizer(featurizer_file))

    @property
    def precision(self):
        return self.networks.precision

    def features(self, samples):
        return features.features(samples, self.fb, self.window)

    def decode_features(self, feats, trace=None):
        """Labels of utterances given as features [(frames, 240)], encoded and decoded together."""
        padded, lengths = features.pad(feats)
        encoded, encoded_lengths = self.networks.encode(padded, lengths)
        return self.decoder(encoded, encoded_lengths, trace)

    def side_by_side(self, feats):
        """A batch (features) decoded on every worker at once, as workers.Workers has it: here, once."""
        return self.decode_features(feats)

    def features_of(self, utterances):
        """The features of each utterance (samples), computed side by side."""
        if len(utterances) == 1:
            return [self.features(utterances[0])]
        return list(self.threads.map(self.features, utterances))

    def __call__(self, utterances):
        """Labels of utterances given as samples, decoded together."""
        return self.decode_features(self.features_of(utterances))

    def in_batches(self, utterances, batch):
        """Labels of many utterances, `batch` at a time, longest first so that each batch pads as
        little as it can. Yields (indices into utterances, their labels) batch by batch."""
        order = sorted(range(len(utterances)), key=lambda i: -len(utterances[i]))
        for first in range(0, len(order), batch):
            chosen = order[first:first + batch]
            yield chosen, self([utterances[i] for i in chosen])

    def warm_up(self, batch, longest=None):
        """Compile the prediction network at every batch size the decoder may ask for up to
        `batch`, and run the encoder, so that no later call pays for compiling; with `longest`
        (samples), end on a full batch of it: the most memory a batch will take."""
        second = (1e-3 * np.sin(np.arange(features.SAMPLE_RATE))).astype(np.float32)
        size = 1
        while True:
            self([second] * min(size, batch))
            if size >= batch:
                break
            size *= 2
        if longest is not None:
            self([longest] * batch)
