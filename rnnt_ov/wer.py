#!/usr/bin/env python3
"""Word error rate of the IR over a LibriSpeech-layout folder (`*.trans.txt` beside `.flac` files).

Every utterance is transcribed as `transcribe` does it; the references are normalised by
upstream's rule (dataset.py); the WER is the word-level Levenshtein distance summed over the set,
over the number of reference words. Prints progress, the WER, the word count and the real-time
factor, and writes every utterance's result as JSON.
"""
import os
import sys
import time

from tqdm import tqdm

from . import cli, features
from .dataset import DatasetError, read_librispeech
from .files import write_json
from .interface import InterfaceError
from .metrics import edit_distance, word_error_rate
from .recognizer import Recognizer
from .text import to_text


def main():
    parser = cli.parser(__spec__.name, __doc__)
    parser.add_argument("dataset", help="LibriSpeech-layout folder, e.g. LibriSpeech/dev-clean")
    cli.add_recognizer_arguments(parser)
    parser.add_argument("--json", help="write every utterance's result here")
    args = parser.parse_args()
    alphabet = cli.alphabet(args.config)
    try:
        todo = read_librispeech(args.dataset, alphabet).utterances
    except (DatasetError, OSError) as err:
        sys.exit(f"error: {err}")
    try:
        recognizer = Recognizer.from_ir(args.ir_dir, args.featurizer, cli.inference_precision(args.precision))
    except InterfaceError as err:
        sys.exit(f"error: {err}")
    results, audio_seconds, busy = [], 0.0, 0.0
    for utterance in tqdm(todo, file=sys.stderr, bar_format="{l_bar}{bar:30}| {n_fmt}/{total_fmt} utterances, {elapsed}"):
        try:
            samples = features.load_audio(utterance.audio)
        except features.AudioError as err:
            sys.exit(f"\nerror: {err}")
        began = time.perf_counter()
        hypothesis = to_text(recognizer([samples])[0], alphabet)
        busy += time.perf_counter() - began
        audio_seconds += len(samples) / features.SAMPLE_RATE
        reference = utterance.transcript
        results.append({"id": utterance.id, "reference": reference, "hypothesis": hypothesis,
                        "errors": edit_distance(reference.split(), hypothesis.split()),
                        "words": len(reference.split())})
    wer, errors, words = word_error_rate((r["reference"], r["hypothesis"]) for r in results)
    rtf = busy / audio_seconds
    print(f"WER {wer * 100:.3f}% ({errors} errors in {words} words, {len(results)} utterances, "
          f"{audio_seconds:.1f} s of audio); real-time factor {rtf:.3f} (OpenVINO {recognizer.precision})")
    if args.json:
        write_json(args.json, {"dataset": os.path.abspath(args.dataset), "ir_dir": os.path.abspath(args.ir_dir),
                               "precision": recognizer.precision, "wer": wer, "errors": errors,
                               "words": words, "audio_seconds": audio_seconds, "real_time_factor": rtf,
                               "utterances": results})
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
