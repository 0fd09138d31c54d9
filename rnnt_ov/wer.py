#!/usr/bin/env python3
"""Word error rate of the IR over a LibriSpeech-layout folder (`*.trans.txt` beside `.flac` files).

Every utterance is transcribed as `transcribe` does it; the WER is the word-level Levenshtein
distance summed over the set, over the number of reference words. Prints progress, the WER, the
word count and the real-time factor, and writes every utterance's result as JSON.
"""
import argparse
import json
import os
import sys
import time

from tqdm import tqdm

from . import features
from .interface import InterfaceError
from .transcribe import Transcriber, add_arguments


def edit_distance(reference, hypothesis):
    """Word-level Levenshtein distance: substitutions + deletions + insertions."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, 1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1]


def word_error_rate(pairs):
    """(WER, errors, reference words) over (reference text, hypothesis text) pairs."""
    errors = words = 0
    for reference, hypothesis in pairs:
        errors += edit_distance(reference.split(), hypothesis.split())
        words += len(reference.split())
    return (errors / words if words else 0.0), errors, words


def utterances(folder):
    """(id, audio path, reference text) of every utterance, sorted, from *.trans.txt files."""
    found = []
    for root, _, files in os.walk(folder):
        for name in sorted(f for f in files if f.endswith(".trans.txt")):
            with open(os.path.join(root, name)) as listing:
                for line in listing:
                    if not line.strip():
                        continue
                    utt_id, _, text = line.strip().partition(" ")
                    audio = next((os.path.join(root, utt_id + ext) for ext in (".flac", ".wav")
                                  if os.path.exists(os.path.join(root, utt_id + ext))), None)
                    if audio is None:
                        raise features.AudioError(f"{os.path.join(root, name)} lists {utt_id}, "
                                                    f"but there is no {utt_id}.flac or .wav beside it")
                    found.append((utt_id, audio, text.lower()))
    if not found:
        raise features.AudioError(f"{folder} has no *.trans.txt transcripts: give a LibriSpeech-layout "
                                    "folder such as LibriSpeech/dev-clean")
    return sorted(found)


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", help="LibriSpeech-layout folder, e.g. LibriSpeech/dev-clean")
    add_arguments(parser)
    parser.add_argument("--json", help="write every utterance's result here")
    args = parser.parse_args()
    try:
        todo = utterances(args.dataset)
    except (features.AudioError, OSError) as err:
        sys.exit(f"error: {err}")
    try:
        transcriber = Transcriber(args.ir_dir, args.featurizer, args.config, args.precision)
    except InterfaceError as err:
        sys.exit(f"error: {err}")
    results, audio_seconds, busy = [], 0.0, 0.0
    for utt_id, path, reference in tqdm(todo, file=sys.stderr, disable=False,
                                        bar_format="{l_bar}{bar:30}| {n_fmt}/{total_fmt} utterances, {elapsed}"):
        try:
            samples = features.load_audio(path)
        except features.AudioError as err:
            sys.exit(f"\nerror: {err}")
        began = time.perf_counter()
        hypothesis = transcriber.text(samples)
        busy += time.perf_counter() - began
        audio_seconds += len(samples) / features.SAMPLE_RATE
        results.append({"id": utt_id, "reference": reference, "hypothesis": hypothesis,
                        "errors": edit_distance(reference.split(), hypothesis.split()),
                        "words": len(reference.split())})
    wer, errors, words = word_error_rate((r["reference"], r["hypothesis"]) for r in results)
    rtf = busy / audio_seconds
    print(f"WER {wer * 100:.3f}% ({errors} errors in {words} words, {len(results)} utterances, "
          f"{audio_seconds:.1f} s of audio); real-time factor {rtf:.3f} (OpenVINO {transcriber.runtime.precision})")
    if args.json:
        tmp = f"{args.json}.tmp"
        with open(tmp, "w") as out:
            json.dump({"dataset": os.path.abspath(args.dataset), "ir_dir": os.path.abspath(args.ir_dir),
                       "precision": transcriber.runtime.precision, "wer": wer, "errors": errors,
                       "words": words, "audio_seconds": audio_seconds, "real_time_factor": rtf,
                       "utterances": results}, out, indent=1)
        os.replace(tmp, args.json)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
