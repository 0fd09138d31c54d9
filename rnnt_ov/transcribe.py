#!/usr/bin/env python3
"""Transcribe 16 kHz mono WAV or FLAC files with the three RNN-T IR: numpy and OpenVINO only.

Features as upstream r1.0 computes them (features.py), the encoder IR with a dynamic time axis
(built so with SEQ_LEN=dynamic, else reshaped so) so that one compiled model takes utterances of any
length, then greedy decoding with the prediction and joint IR (greedy.py), labels mapped
through rnnt.toml's alphabet.
"""
import argparse
import math
import sys

import numpy as np
import toml

from . import features, greedy
from .interface import InterfaceError
from .runtimes import OpenVINORuntime, callables


class Transcriber:
    def __init__(self, ir_dir, featurizer_file, config, precision="f32"):
        self.fb, self.window = features.load_featurizer(featurizer_file)
        self.alphabet = toml.load(config)["labels"]["labels"]
        # An IR built with SEQ_LEN=dynamic takes any length as it is. Any other has a fixed time
        # axis and its lengths frozen to SEQ_LEN: it is reshaped to a dynamic time axis, which
        # computes exactly what upstream computes on the whole utterance, because the network is
        # unidirectional and never reads the lengths. Its valid output frames are ceil(T/2).
        self.runtime = OpenVINORuntime(ir_dir, precision=None if precision == "default" else precision,
                                       batch=1, encoder_batch=1, dynamic_time=True)
        self.encode, self.predict, self.join = callables(self.runtime)

    def labels(self, samples):
        feats = features.features(samples, self.fb, self.window)            # (T, 240)
        encoded, _ = self.encode(feats[:, None, :], np.array([len(feats)], dtype=np.int64))
        return greedy.greedy_decode(encoded[0], math.ceil(len(feats) / 2), self.predict, self.join)

    def text(self, samples):
        return greedy.to_text(self.labels(samples), self.alphabet)


def add_arguments(parser):
    """What a Transcriber is made from (transcribe and wer)."""
    parser.add_argument("--ir-dir", required=True, help="folder with the three IR and rnnt_prediction_start.npz")
    parser.add_argument("--featurizer", required=True, help="featurizer.npz written by migrate.py")
    parser.add_argument("--config", required=True, help="upstream configs/rnnt.toml (for the alphabet)")
    parser.add_argument("--precision", choices=("f32", "default"), default="f32",
                        help="OpenVINO inference precision: f32, or the CPU's default (bf16 where available)")


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("audio", nargs="+", help="16 kHz mono WAV or FLAC files")
    add_arguments(parser)
    args = parser.parse_args()
    try:
        clips = [(path, features.load_audio(path)) for path in args.audio]
    except features.AudioError as err:
        sys.exit(f"error: {err}")
    try:
        transcriber = Transcriber(args.ir_dir, args.featurizer, args.config, args.precision)
    except InterfaceError as err:
        sys.exit(f"error: {err}")
    if transcriber.runtime.note():
        print(transcriber.runtime.note(), file=sys.stderr)
    for path, samples in clips:
        text = transcriber.text(samples)
        print(f"{path}: {text}" if len(clips) > 1 else text)


if __name__ == "__main__":
    main()
