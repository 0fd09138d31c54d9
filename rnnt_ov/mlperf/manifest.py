"""The MLPerf dataset: a JSON manifest in the format of upstream's dev-clean-wav.json.

A manifest is a list of utterances, each
    {"files": [{"fname": <path relative to the dataset folder>, "sample_rate", "duration",
                "num_samples", "channels", "bitrate", "encoding", "silent", "speed": 1}],
     "original_duration": seconds, "original_num_samples": samples, "transcript": text}

Reading it (read) is what upstream's QSL does with parts/manifest.py: utterances longer than 15 s
are left out, the transcripts are normalised (text.py), and the n-th utterance that remains is
sample n. Writing one (python -m rnnt_ov.mlperf.manifest) is for LibriSpeech as distributed, FLAC
files beside *.trans.txt: the FLAC files are used as they are (no conversion to WAV, no sox),
their facts read with soundfile, the transcripts lower-cased as upstream's converter does.
"""
import argparse
import json
import os
import sys
from dataclasses import dataclass

from .text import normalize, punctuation_table

MAX_DURATION = 15.0     # seconds: upstream's QSL drops longer utterances


class DatasetError(Exception):
    """A manifest or dataset the harness cannot use; the message says what and how to fix it."""


@dataclass
class Utterance:
    audio: str           # absolute path
    transcript: str      # normalised, as the accuracy script compares it
    duration: float


@dataclass
class Dataset:
    utterances: list
    duration: float            # seconds kept
    filtered: int              # utterances left out (too long, or a transcript that fails to normalise)
    filtered_duration: float   # their seconds

    def describe(self):
        return (f"{len(self.utterances)} utterances of {MAX_DURATION:g} s or less ({self.duration / 60:.1f} min "
                f"of audio; {self.filtered} left out, {self.filtered_duration / 60:.1f} min)")


def read(manifest, dataset_dir, alphabet, max_duration=MAX_DURATION):
    """The utterances of `manifest` that upstream's harness keeps, in its order."""
    try:
        with open(manifest, encoding="utf-8") as f:
            entries = json.load(f)
    except OSError as err:
        raise DatasetError(f"MANIFEST={manifest}: {err.strerror}: give the JSON manifest of the dataset") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DatasetError(f"MANIFEST={manifest} is not JSON ({err}): give a manifest in the format of "
                           "upstream's dev-clean-wav.json, or write one with make mlperf-manifest") from None
    if not isinstance(entries, list):
        raise DatasetError(f"MANIFEST={manifest} holds a JSON {type(entries).__name__}, not a list of utterances "
                           "as upstream's dev-clean-wav.json")
    table = punctuation_table(alphabet)
    kept, duration, filtered, dropped = [], 0.0, 0.0, 0
    for number, entry in enumerate(entries):
        try:
            seconds = float(entry["original_duration"])
            files = [f for f in entry["files"] if f.get("speed", 1) == 1]
            text = entry["transcript"]
            fname = files[0]["fname"]
        except (KeyError, IndexError, TypeError, ValueError):
            raise DatasetError(f"MANIFEST={manifest}: utterance {number} lacks original_duration, transcript or "
                               "files[].fname (the format of upstream's dev-clean-wav.json)") from None
        transcript = normalize(text, alphabet, table) if seconds <= max_duration else None
        if transcript is None:
            filtered += seconds
            dropped += 1
            continue
        kept.append(Utterance(os.path.join(dataset_dir, fname), transcript, seconds))
        duration += seconds
    if not kept:
        raise DatasetError(f"MANIFEST={manifest} has no utterance of {max_duration:g} s or less")
    missing = [u.audio for u in kept if not os.path.isfile(u.audio)]
    if missing:
        raise DatasetError(f"{len(missing)} of the {len(kept)} audio files of MANIFEST={manifest} are missing, "
                           f"the first {missing[0]}: DATASET_DIR must be the folder the manifest's fname "
                           "entries are relative to")
    return Dataset(kept, duration, dropped, filtered)


def librispeech_entries(folder, relative_to):
    """Manifest entries for a LibriSpeech folder of FLAC files and *.trans.txt, sorted."""
    import soundfile
    entries = []
    for root, _, names in sorted(os.walk(folder)):
        for name in sorted(n for n in names if n.endswith(".trans.txt")):
            with open(os.path.join(root, name), encoding="utf-8") as listing:
                lines = [line.strip() for line in listing if line.strip()]
            for line in lines:
                utterance, _, text = line.partition(" ")
                audio = next((os.path.join(root, utterance + ext) for ext in (".flac", ".wav")
                              if os.path.isfile(os.path.join(root, utterance + ext))), None)
                if audio is None:
                    raise DatasetError(f"{os.path.join(root, name)} lists {utterance}, but there is no "
                                       f"{utterance}.flac or .wav beside it")
                info = soundfile.info(audio)
                seconds = info.frames / info.samplerate
                entries.append({
                    "files": [{"channels": info.channels, "sample_rate": float(info.samplerate),
                               "bitrate": {"PCM_16": 16, "PCM_24": 24, "PCM_32": 32}.get(info.subtype, 16),
                               "duration": seconds, "num_samples": info.frames,
                               "encoding": "FLAC" if info.format == "FLAC" else "Signed Integer PCM",
                               "silent": False, "fname": os.path.relpath(audio, relative_to), "speed": 1}],
                    "original_duration": seconds, "original_num_samples": info.frames,
                    "transcript": text.lower().strip()})
    if not entries:
        raise DatasetError(f"{folder} has no *.trans.txt transcripts: give a LibriSpeech-layout folder "
                           "such as LibriSpeech/dev-clean")
    return entries


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="a LibriSpeech-layout folder, e.g. LibriSpeech/dev-clean")
    parser.add_argument("--out", required=True, help="the manifest to write (.json)")
    parser.add_argument("--relative-to", help="the folder fname entries are relative to (DATASET_DIR); "
                                              "default: the parent of FOLDER")
    args = parser.parse_args()
    relative_to = args.relative_to or os.path.dirname(os.path.abspath(args.folder))
    try:
        entries = librispeech_entries(args.folder, relative_to)
    except DatasetError as err:
        sys.exit(f"error: {err}")
    tmp = f"{args.out}.tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(entries, out, indent=2)
    os.replace(tmp, args.out)
    kept = sum(1 for e in entries if e["original_duration"] <= MAX_DURATION)
    print(f"wrote {args.out}: {len(entries)} utterances, {kept} of {MAX_DURATION:g} s or less "
          f"(fname relative to {relative_to})")


if __name__ == "__main__":
    main()
