"""Where the time goes per utterance when the harness recognizes a set: features, encoder, decoding.

The utterances of a manifest (the load set by default, `make loadset`), sorted by length and run
BATCH at a time as the MLPerf harness's Offline scenario runs them, one stage after the other,
each timed on its own (wall clock). Prints milliseconds per utterance for each stage, utterances
per second for the whole, and the decoder's work (steps per batch, symbols per encoder frame).
With --counters, OpenVINO's performance counters of one encoder call on the longest batch,
summed per operation type: where the encoder's own time goes.
"""
import collections
import os
import sys
import time

from rnnt_ov import cli, features
from rnnt_ov.dataset import read_manifest
from rnnt_ov.networks import OpenVINONetworks, cpu_name
from rnnt_ov.recognizer import Recognizer


def load(manifest, dataset_dir, alphabet, count):
    utterances = read_manifest(manifest, dataset_dir, alphabet).utterances[:count]
    return [features.load_audio(u.audio) for u in utterances]


def run(recognizer, clips, batch):
    """Seconds spent in each stage over all clips, and the decoder's steps and symbols."""
    spent = collections.Counter()
    steps = symbols = frames = 0
    order = sorted(range(len(clips)), key=lambda i: -len(clips[i]))
    for first in range(0, len(order), batch):
        chosen = [clips[i] for i in order[first:first + batch]]
        began = time.perf_counter()
        feats = recognizer.features_of(chosen)
        padded, lengths = features.pad(feats)
        spent["features"] += time.perf_counter() - began
        began = time.perf_counter()
        encoded, encoded_lengths = recognizer.networks.encode(padded, lengths)
        spent["encoder"] += time.perf_counter() - began
        began = time.perf_counter()
        trace = {}
        labels = recognizer.decoder(encoded, encoded_lengths, trace)
        spent["decoding"] += time.perf_counter() - began
        steps += trace["steps"]
        symbols += sum(map(len, labels))
        frames += int(encoded_lengths.sum())
    return spent, steps, symbols, frames


def counters(recognizer, clips, batch, args):
    """{operation type: milliseconds} of one encoder call on the longest batch, and its wall time.
    The encoder is compiled afresh for it: once a compiled model has run other shapes, OpenVINO's
    counters of a new request miss up to half of its LSTMs' time (seen with 2026.4)."""
    import openvino as ov
    longest = sorted(clips, key=len, reverse=True)[:batch]
    padded, lengths = features.pad(recognizer.features_of(longest))
    compiled = OpenVINONetworks(args.ir_dir, cli.inference_precision(args.precision), args.threads,
                                config={"PERF_COUNT": True}, projected=not args.joint_ir).encoder
    request = compiled.create_infer_request()
    feed = {"input.1": padded, "1": lengths}
    request.infer(feed)
    began = time.perf_counter()
    request.infer(feed)
    wall = (time.perf_counter() - began) * 1e3
    per_type = collections.Counter()
    for info in request.get_profiling_info():
        if info.status == ov.ProfilingInfo.Status.EXECUTED:
            per_type[f"{info.node_type} ({info.exec_type})"] += info.real_time.total_seconds() * 1e3
    return per_type, wall


def main():
    parser = cli.parser(__spec__.name, __doc__)
    cli.add_recognizer_arguments(parser)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--dataset-dir", required=True)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--count", type=int, default=64, help="utterances (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--counters", action="store_true", help="OpenVINO's per-operation counters of the encoder")
    parser.add_argument("--joint-ir", action="store_true",
                        help="run the joint IR at every decoding step, as before the joint was split in two")
    args = parser.parse_args()
    clips = load(args.manifest, args.dataset_dir, cli.alphabet(args.config), args.count)
    networks = OpenVINONetworks(args.ir_dir, cli.inference_precision(args.precision), args.threads,
                                projected=not args.joint_ir)
    recognizer = Recognizer(networks, features.load_featurizer(args.featurizer))
    recognizer.warm_up(args.batch)
    run(recognizer, clips[:args.batch], args.batch)            # every shape's first call done
    spent, steps, symbols, frames = run(recognizer, clips, args.batch)
    total = sum(spent.values())
    audio = sum(len(c) for c in clips) / features.SAMPLE_RATE
    print(f"stages: {len(clips)} utterances ({audio / len(clips):.2f} s on average), batch {args.batch}, "
          f"OpenVINO {recognizer.precision}, {'the joint IR per step' if args.joint_ir else 'the joint split in two'}, "
          f"{os.cpu_count()} cores ({cpu_name()})")
    for stage in ("features", "encoder", "decoding"):
        print(f"  {stage:<10} {spent[stage] / len(clips) * 1e3:8.2f} ms per utterance  ({spent[stage] / total:5.1%})")
    print(f"  {'all':<10} {total / len(clips) * 1e3:8.2f} ms per utterance: {len(clips) / total:.2f} utterances/s")
    batches = -(-len(clips) // args.batch)
    print(f"  decoding: {steps / batches:.0f} steps per batch, {symbols / frames:.2f} symbols per encoder frame, "
          f"{spent['decoding'] / steps * 1e6:.0f} us per step")
    if args.counters:
        per_type, wall = counters(recognizer, clips, args.batch, args)
        busy = sum(per_type.values())
        print(f"encoder, longest batch of {args.batch}: {wall:.1f} ms wall, {busy:.1f} ms in operations")
        for name, ms in per_type.most_common(12):
            print(f"  {name:<44} {ms:8.2f} ms  ({ms / busy:5.1%})")


if __name__ == "__main__":
    sys.exit(main())
