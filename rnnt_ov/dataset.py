"""Datasets of utterances with reference transcripts, read one way whatever their layout.

Two layouts:
  - a JSON manifest in the format of upstream's dev-clean-wav.json, what upstream's MLPerf harness
    reads: a list of {"files": [{"fname": <relative to the dataset folder>, "sample_rate",
    "duration", "num_samples", "channels", "bitrate", "encoding", "silent", "speed": 1}],
    "original_duration": seconds, "original_num_samples": samples, "transcript": text};
  - LibriSpeech as distributed: FLAC (or WAV) files beside <speaker>-<chapter>.trans.txt.

Either way the transcripts are normalised by upstream's rule (text.normalize; an utterance whose
transcript fails to normalise is left out, as upstream leaves it out), and utterances longer than
max_duration are left out (upstream's MLPerf QSL keeps those of 15 s or less).
"""
import json
import os
from dataclasses import dataclass

from .text import normalize, punctuation_table

MLPERF_MAX_DURATION = 15.0     # seconds: upstream's QSL drops longer utterances


class DatasetError(Exception):
    """A manifest or dataset that cannot be used; the message says what and how to fix it."""


@dataclass
class Utterance:
    id: str
    audio: str           # path
    transcript: str      # normalised
    duration: float      # seconds


@dataclass
class Dataset:
    utterances: list
    duration: float            # seconds kept
    filtered: int              # utterances left out (too long, or a transcript that fails to normalise)
    filtered_duration: float   # their seconds
    max_duration: float = None

    def describe(self):
        limit = f" of {self.max_duration:g} s or less" if self.max_duration else ""
        return (f"{len(self.utterances)} utterances{limit} ({self.duration / 60:.1f} min "
                f"of audio; {self.filtered} left out, {self.filtered_duration / 60:.1f} min)")


def _kept(entries, alphabet, max_duration, where):
    """A Dataset from (id, audio, raw transcript, seconds): normalised, filtered."""
    table = punctuation_table(alphabet)
    kept, duration, filtered, dropped = [], 0.0, 0.0, 0
    for utterance_id, audio, text, seconds in entries:
        transcript = normalize(text, alphabet, table) if max_duration is None or seconds <= max_duration else None
        if transcript is None:
            filtered += seconds
            dropped += 1
            continue
        kept.append(Utterance(utterance_id, audio, transcript, seconds))
        duration += seconds
    if not kept:
        raise DatasetError(f"{where} has no utterance" + (f" of {max_duration:g} s or less" if max_duration else ""))
    return Dataset(kept, duration, dropped, filtered, max_duration)


def read_manifest(manifest, dataset_dir, alphabet, max_duration=MLPERF_MAX_DURATION):
    """The utterances of `manifest` that upstream's harness keeps, in its order: the n-th is
    MLPerf's sample n."""
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
    found = []
    for number, entry in enumerate(entries):
        try:
            seconds = float(entry["original_duration"])
            fname = [f for f in entry["files"] if f.get("speed", 1) == 1][0]["fname"]
            found.append((os.path.splitext(os.path.basename(fname))[0], os.path.join(dataset_dir, fname),
                          entry["transcript"], seconds))
        except (KeyError, IndexError, TypeError, ValueError):
            raise DatasetError(f"MANIFEST={manifest}: utterance {number} lacks original_duration, transcript or "
                               "files[].fname (the format of upstream's dev-clean-wav.json)") from None
    dataset = _kept(found, alphabet, max_duration, f"MANIFEST={manifest}")
    missing = [u.audio for u in dataset.utterances if not os.path.isfile(u.audio)]
    if missing:
        raise DatasetError(f"{len(missing)} of the {len(dataset.utterances)} audio files of MANIFEST={manifest} "
                           f"are missing, the first {missing[0]}: DATASET_DIR must be the folder the manifest's "
                           "fname entries are relative to")
    return dataset


def librispeech_listing(folder):
    """(id, audio path, transcript as written) of every utterance of a LibriSpeech-layout folder,
    in order of folder and file name."""
    if not os.path.isdir(folder):
        raise DatasetError(f"{folder} is not a folder: give a LibriSpeech-layout folder such as LibriSpeech/dev-clean")
    found = []
    for root, _, names in sorted(os.walk(folder)):
        for name in sorted(n for n in names if n.endswith(".trans.txt")):
            with open(os.path.join(root, name), encoding="utf-8") as listing:
                lines = [line.strip() for line in listing if line.strip()]
            for line in lines:
                utterance_id, _, text = line.partition(" ")
                audio = next((os.path.join(root, utterance_id + ext) for ext in (".flac", ".wav")
                              if os.path.isfile(os.path.join(root, utterance_id + ext))), None)
                if audio is None:
                    raise DatasetError(f"{os.path.join(root, name)} lists {utterance_id}, but there is no "
                                       f"{utterance_id}.flac or .wav beside it")
                found.append((utterance_id, audio, text))
    if not found:
        raise DatasetError(f"{folder} has no *.trans.txt transcripts: give a LibriSpeech-layout folder "
                           "such as LibriSpeech/dev-clean")
    return found


def read_librispeech(folder, alphabet, max_duration=None):
    """The utterances of a LibriSpeech-layout folder, sorted by id."""
    import soundfile
    entries = []
    for utterance_id, audio, text in sorted(librispeech_listing(folder)):
        info = soundfile.info(audio)
        entries.append((utterance_id, audio, text, info.frames / info.samplerate))
    return _kept(entries, alphabet, max_duration, folder)


def read(path, alphabet, dataset_dir=None):
    """A manifest (.json, read as MLPerf reads it; its fname entries relative to dataset_dir, by
    default the manifest's folder) or a LibriSpeech-layout folder (every utterance)."""
    if str(path).endswith(".json"):
        return read_manifest(path, dataset_dir or os.path.dirname(os.path.abspath(path)), alphabet)
    return read_librispeech(path, alphabet)


def manifest_entries(folder, relative_to):
    """Manifest entries in upstream's format for a LibriSpeech-layout folder, the audio files used
    as they are (durations read from their headers), transcripts lower-cased as upstream's
    converter writes them."""
    import soundfile
    entries = []
    for _, audio, text in librispeech_listing(folder):
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
    return entries
