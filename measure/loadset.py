"""A load-realistic set to measure throughput on, made offline: utterances as long as MLPerf's,
decoded as a trained model decodes speech.

Writes into OUT_DIR:
  checkpoint.pt            the synthetic checkpoint (tests/synthetic_checkpoint.py): upstream's
                           format and shapes, librosa's featurizer tensors, and weights whose
                           greedy decoding emits about 0.9 symbols per encoder frame on this audio,
                           0 or 1 a frame (a trained model: ~15 characters/s over ~16.7 frames/s)
  upstream/dev-clean-like-wav/       COUNT utterances of speech-like audio (16 kHz, 16-bit WAV) whose
                           lengths follow dev-clean's: drawn from the histogram below, 1.4 to 15 s,
                           mean ~6.3 s
  upstream/dev-clean-like-wav.json  their manifest, in the format of upstream's dev-clean-wav.json
                           (fname relative to upstream/)
  calibration/             CALIBRATION more utterances (CALIBRATION_LIST= for PRECISION=INT8)
  loadset.json             what was written, and the measured emission rate

Written to OUT_DIR.tmp and renamed when complete.
"""
import argparse
import json
import os
import shutil
import sys

TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests")
sys.path.insert(0, TESTS)
import synthetic_checkpoint  # noqa: E402
import synthetic_dataset     # noqa: E402

from rnnt_ov.mlperf.lengths import durations  # noqa: E402

NAME = "dev-clean-like"


def emission_rate(state, clips):
    """Symbols per encoder frame when the checkpoint decodes the clips: a plain torch rendering of
    r1.0's model (synthetic_checkpoint's), decoded by the project's decoder."""
    from rnnt_ov import features
    from rnnt_ov.decoding import GreedyDecoder
    from rnnt_ov.interface import StartStep

    fb = state["audio_preprocessor.featurizer.fb"].numpy()
    window = state["audio_preprocessor.featurizer.window"].numpy()
    model = synthetic_checkpoint.PlainModel(state)
    feats = [features.features(c, fb, window) for c in clips]
    padded, lengths = features.pad(feats)

    class Networks:
        start = StartStep(*model.start())
        predict, join = model.predict, model.join

    encoded, encoded_lengths = model.encode(padded, lengths)
    labels = GreedyDecoder(Networks())(encoded, encoded_lengths)
    return sum(map(len, labels)) / int(encoded_lengths.sum())


def write(out_dir, count, calibration, seed):
    tmp = f"{out_dir}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    state = synthetic_checkpoint.random_state_dict(seed)
    synthetic_checkpoint.write_checkpoint(os.path.join(tmp, "checkpoint.pt"), state=state)
    lengths = durations(count, seed)
    synthetic_dataset.write(tmp, seconds=lengths.tolist(), name=NAME, librispeech=False)
    folder = os.path.join(tmp, "calibration")
    os.makedirs(folder)
    import soundfile
    for n, seconds in enumerate(durations(calibration, seed + 1)):
        soundfile.write(os.path.join(folder, f"calibration-{n:04d}.wav"),
                        synthetic_dataset.speechlike(10_000 + n, seconds), synthetic_dataset.RATE, subtype="PCM_16")
    rate = emission_rate(state, [synthetic_dataset.speechlike(n, s) for n, s in enumerate(lengths[:8].tolist())])
    summary = {"utterances": count, "seconds": float(lengths.sum()), "mean_seconds": float(lengths.mean()),
               "longest_seconds": float(lengths.max()), "calibration_utterances": calibration, "seed": seed,
               "symbols_per_encoder_frame": rate}
    with open(os.path.join(tmp, "loadset.json"), "w") as f:
        json.dump(summary, f, indent=1)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.rename(tmp, out_dir)
    return summary


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", help="where the set goes")
    parser.add_argument("--count", type=int, default=256, help="utterances (default: %(default)s)")
    parser.add_argument("--calibration", type=int, default=32, help="calibration utterances (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    summary = write(args.out_dir, args.count, args.calibration, args.seed)
    print(f"loadset: {summary['utterances']} utterances, {summary['seconds'] / 60:.1f} min of audio "
          f"(mean {summary['mean_seconds']:.2f} s, longest {summary['longest_seconds']:.1f} s), "
          f"{summary['symbols_per_encoder_frame']:.2f} symbols per encoder frame; in {args.out_dir}")


if __name__ == "__main__":
    main()
