#!/usr/bin/env python3
"""Transcribe 16 kHz mono WAV or FLAC files with the three RNN-T IR: numpy and OpenVINO only.

Features as upstream r1.0 computes them (features.py), the encoder IR with a dynamic time axis
(an IR built for a fixed length is reshaped: its network is unidirectional and computes on a whole
utterance what upstream computes on it), then greedy decoding with the prediction and joint IR
(recognizer.py, the path every command runs), labels mapped through rnnt.toml's alphabet.
"""
import sys

from . import cli, features
from .interface import InterfaceError
from .recognizer import Recognizer
from .text import to_text


def main():
    parser = cli.parser(__spec__.name, __doc__)
    parser.add_argument("audio", nargs="+", help="16 kHz mono WAV or FLAC files")
    cli.add_recognizer_arguments(parser)
    args = parser.parse_args()
    try:
        clips = [(path, features.load_audio(path)) for path in args.audio]
    except features.AudioError as err:
        sys.exit(f"error: {err}")
    try:
        recognizer = Recognizer.from_ir(args.ir_dir, args.featurizer, cli.inference_precision(args.precision))
    except InterfaceError as err:
        sys.exit(f"error: {err}")
    if recognizer.networks.note():
        print(recognizer.networks.note(), file=sys.stderr)
    alphabet = cli.alphabet(args.config)
    for path, samples in clips:
        text = to_text(recognizer([samples])[0], alphabet)
        print(f"{path}: {text}" if len(clips) > 1 else text)


if __name__ == "__main__":
    main()
