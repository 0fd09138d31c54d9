"""Write a manifest in the format of upstream's dev-clean-wav.json for LibriSpeech as distributed
(make mlperf-manifest; make mlperf DATASET=...).

Upstream converts LibriSpeech's FLAC files to WAV with sox and writes the manifest as it goes.
Here the FLAC files are used as they are (no conversion, no sox), their facts read with
soundfile, the transcripts lower-cased as upstream's converter does (dataset.manifest_entries).
"""
import argparse
import os
import sys

from ..dataset import MLPERF_MAX_DURATION, DatasetError, manifest_entries
from ..files import write_json


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="a LibriSpeech-layout folder, e.g. LibriSpeech/dev-clean")
    parser.add_argument("--out", required=True, help="the manifest to write (.json)")
    parser.add_argument("--relative-to", help="the folder fname entries are relative to (DATASET_DIR); "
                                              "default: the parent of FOLDER")
    args = parser.parse_args()
    relative_to = args.relative_to or os.path.dirname(os.path.abspath(args.folder))
    try:
        entries = manifest_entries(args.folder, relative_to)
    except DatasetError as err:
        sys.exit(f"error: {err}")
    write_json(args.out, entries, indent=2)
    kept = sum(1 for e in entries if e["original_duration"] <= MLPERF_MAX_DURATION)
    print(f"wrote {args.out}: {len(entries)} utterances, {kept} of {MLPERF_MAX_DURATION:g} s or less "
          f"(fname relative to {relative_to})")


if __name__ == "__main__":
    main()
