"""A small speech-like dataset, written the two ways the harness takes data, offline.

  upstream's layout: 16-bit WAV files under dev-tiny-wav/<speaker>/<chapter>/ and a manifest
      in the format of upstream's dev-clean-wav.json (fname relative to the dataset folder);
  LibriSpeech as distributed: FLAC files beside <speaker>-<chapter>.trans.txt, upper case.

The audio is speech-like (speechlike: short segments of formant-like partials), so that the
synthetic checkpoint decodes it at about a symbol per encoder frame, as a trained model does speech. Utterances have odd and even numbers of
encoder frames; one is longer than 15 s, which the harness must leave out as upstream's does.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import soundfile

RATE = 16000
WORDS = ["HELLO", "WORLD", "SPEECH", "MODEL", "QUIET", "RIVER", "IT'S", "A", "TEST", "OF", "THE", "NIGHT"]
# seconds: 27, 40, 68, 69, 134 and 35 encoder frames, then one utterance over 15 s
SECONDS = [0.8, 1.2, 2.03, 2.05, 4.0, 1.04, 15.2]
CHAPTERS = [("84", "121123"), ("84", "121550"), ("174", "50561")]


def speechlike(seed, seconds):
    """Speech-like audio: segments of 20 to 60 ms, each a few formant-like partials over a pitch
    of 90-250 Hz with their own strengths (one in ten a pause of faint noise), joined by 5 ms
    fades. Not speech, but it changes as often as speech does: every encoder frame (60 ms) hears
    something of its own, which the synthetic checkpoint decodes at about a symbol a frame."""
    rng = np.random.default_rng(seed)
    count = int(seconds * RATE)
    out = np.zeros(count, np.float32)
    fade = int(0.005 * RATE)
    ramp = np.linspace(0, 1, fade)
    start = 0
    while start < count:
        length = int(rng.uniform(0.02, 0.06) * RATE)
        t = np.arange(length) / RATE
        if rng.random() < 0.1:
            segment = 0.003 * rng.standard_normal(length)
        else:
            partials = [rng.uniform(90, 250), *rng.uniform(300, 3500, 3)]
            segment = 0.08 * sum(rng.uniform(0.2, 1) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
                                 for f in partials) + 0.01 * rng.standard_normal(length)
        segment[:fade] *= ramp
        segment[-fade:] *= ramp[::-1]
        end = min(count, start + length)
        out[start:end] = segment[:end - start]
        start = end
    return out


def utterances(seconds_list=SECONDS):
    """(speaker, chapter, utterance id, samples, transcript) of each utterance."""
    found = []
    for n, seconds in enumerate(seconds_list):
        speaker, chapter = CHAPTERS[n % len(CHAPTERS)]
        rng = np.random.default_rng(100 + n)
        transcript = " ".join(rng.choice(WORDS, size=2 + n % 4))
        found.append((speaker, chapter, f"{speaker}-{chapter}-{n:04d}", speechlike(n, seconds), transcript))
    return found


def write(folder, seconds=SECONDS, name="dev-tiny", librispeech=True):
    """Both layouts under `folder` (upstream's alone unless `librispeech`); returns their paths
    and the reference transcripts."""
    folder = Path(folder)
    wav_root, flac_root = folder / "upstream", folder / "LibriSpeech" / name
    entries, listings = [], {}
    for speaker, chapter, utterance, samples, transcript in utterances(seconds):
        wav = wav_root / f"{name}-wav" / speaker / chapter / f"{utterance}.wav"
        wav.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(wav, samples, RATE, subtype="PCM_16")
        seconds = len(samples) / RATE
        entries.append({"files": [{"channels": 1, "sample_rate": float(RATE), "bitrate": 16, "duration": seconds,
                                   "num_samples": len(samples), "encoding": "Signed Integer PCM", "silent": False,
                                   "fname": str(wav.relative_to(wav_root)), "speed": 1}],
                        "original_duration": seconds, "original_num_samples": len(samples),
                        "transcript": transcript.lower()})
        if librispeech:
            flac = flac_root / speaker / chapter / f"{utterance}.flac"
            flac.parent.mkdir(parents=True, exist_ok=True)
            soundfile.write(flac, samples, RATE)
            listings.setdefault(flac.parent / f"{speaker}-{chapter}.trans.txt", []).append(f"{utterance} {transcript}")
    (wav_root / f"{name}-wav.json").write_text(json.dumps(entries, indent=2))
    for path, lines in listings.items():
        path.write_text("\n".join(lines) + "\n")
    return {"manifest": wav_root / f"{name}-wav.json", "dataset_dir": wav_root, "librispeech": flac_root,
            "kept": [e for e in entries if e["original_duration"] <= 15.0]}


def main():
    parser = argparse.ArgumentParser(description="Write a synthetic speech-like dataset in both layouts.")
    parser.add_argument("folder")
    parser.add_argument("--count", type=int, help="utterances of random lengths instead of the tests' set")
    parser.add_argument("--min-seconds", type=float, default=2.0)
    parser.add_argument("--max-seconds", type=float, default=14.0)
    args = parser.parse_args()
    seconds = SECONDS if not args.count else \
        np.random.default_rng(0).uniform(args.min_seconds, args.max_seconds, args.count).round(2).tolist()
    found = write(args.folder, seconds)
    print(f"{len(seconds)} utterances, {sum(seconds):.0f} s: manifest {found['manifest']}, "
          f"LibriSpeech layout {found['librispeech']}")


if __name__ == "__main__":
    main()
