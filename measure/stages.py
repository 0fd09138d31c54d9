"""Where the time goes per utterance when the harness recognizes a set: features, encoder, decoding.

The utterances of a manifest (the load set by default, `make loadset`), sorted by length and run
BATCH at a time as the MLPerf harness's Offline scenario runs them, one stage after the other,
each timed on its own (wall clock). Prints milliseconds per utterance for each stage, utterances
per second for the whole, and the decoder's work (steps per batch, symbols per encoder frame).
With --counters, OpenVINO's performance counters of one encoder call on the longest batch,
summed per operation type: where the encoder's own time goes. With --slots N, also the Server
path: every utterance queued at once and recognized by continuous batching in N slots
(streaming.py), its rate (the capacity a Server search starts from) and the share of the
frames it encoded that were padding.
"""
import collections
import os
import sys
import time

from rnnt_ov import cli, features, streaming
from rnnt_ov.interface import ENCODER_FEATURES, ENCODER_HIDDEN
from rnnt_ov.dataset import read_manifest
from rnnt_ov.networks import OpenVINONetworks, cpu_name
from rnnt_ov.recognizer import Recognizer


def load(manifest, dataset_dir, alphabet, count):
    utterances = read_manifest(manifest, dataset_dir, alphabet).utterances[:count]
    return [features.load_audio(u.audio) for u in utterances]


def lstm_ops(frames, batch):
    """Multiply-adds x 2 of r1.0's encoder LSTMs on a padded batch of `frames` input frames: two
    layers before the time stacking (240 and 1024 inputs), three after it at half the frames
    (2048, 1024, 1024 inputs), each with 1024 units (4 gates over input and state)."""
    gates = 4 * ENCODER_HIDDEN * 2
    before = frames * gates * ((ENCODER_FEATURES + ENCODER_HIDDEN) + 2 * ENCODER_HIDDEN)
    after = -(-frames // 2) * gates * (3 * ENCODER_HIDDEN + 2 * 2 * ENCODER_HIDDEN)
    return batch * (before + after)


def run(recognizer, clips, batch):
    """Seconds spent in each stage over all clips, the decoder's steps and symbols, and the
    encoder LSTMs' operations."""
    spent = collections.Counter()
    steps = symbols = frames = ops = 0
    order = sorted(range(len(clips)), key=lambda i: -len(clips[i]))
    for first in range(0, len(order), batch):
        chosen = [clips[i] for i in order[first:first + batch]]
        began = time.perf_counter()
        feats = recognizer.features_of(chosen)
        padded, lengths = features.pad(feats)
        spent["features"] += time.perf_counter() - began
        ops += lstm_ops(*padded.shape[:2])
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
    return spent, steps, symbols, frames, ops


def continuous(recognizer, clips, slots):
    """(utterances/s, frames encoded / frames of the utterances) of continuous batching in
    `slots`, every utterance queued at once, the oldest first, as the Server SUT serves them."""
    batch = streaming.ContinuousBatch(recognizer, slots)
    waiting = collections.deque(enumerate(clips))
    began = time.perf_counter()
    while waiting or batch.busy:
        batch.admit([waiting.popleft() for _ in range(min(len(waiting), batch.free))])
        batch.step()
    rate = len(clips) / (time.perf_counter() - began)
    return rate, batch.frames_encoded / sum(features.num_frames(len(c)) for c in clips)


def counters(recognizer, clips, batch, args):
    """{operation type: milliseconds} of one encoder call on the longest batch, and its wall time.
    The encoder is compiled afresh for it: once a compiled model has run other shapes, OpenVINO's
    counters of a new request miss up to half of its LSTMs' time (seen with 2026.4)."""
    import openvino as ov
    longest = sorted(clips, key=len, reverse=True)[:batch]
    padded, lengths = features.pad(recognizer.features_of(longest))
    networks = OpenVINONetworks(args.ir_dir, cli.inference_precision(args.precision), args.threads,
                                config={"PERF_COUNT": True}, projected=not args.joint_ir)
    request = networks.encoder.create_infer_request()
    feed = networks.encoder_inputs(padded, lengths)
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
    parser.add_argument("--slots", type=int, help="also continuous batching (Server) in this many slots")
    parser.add_argument("--joint-ir", action="store_true",
                        help="run the joint IR at every decoding step, as before the joint was split in two")
    parser.add_argument("--no-runtime-cache", action="store_true",
                        help="compile without OpenVINO's CPU runtime cache, as an INT8 encoder always is "
                             "(docs/int8.md): with the FP32 IR, what that costs on this CPU")
    args = parser.parse_args()
    clips = load(args.manifest, args.dataset_dir, cli.alphabet(args.config), args.count)
    networks = OpenVINONetworks(args.ir_dir, cli.inference_precision(args.precision), args.threads,
                                config={"CPU_RUNTIME_CACHE_CAPACITY": 0} if args.no_runtime_cache else None,
                                projected=not args.joint_ir)
    recognizer = Recognizer(networks, features.load_featurizer(args.featurizer))
    recognizer.warm_up(args.batch)
    run(recognizer, clips[:args.batch], args.batch)            # every shape's first call done
    spent, steps, symbols, frames, ops = run(recognizer, clips, args.batch)
    total = sum(spent.values())
    audio = sum(len(c) for c in clips) / features.SAMPLE_RATE
    print(f"stages: {len(clips)} utterances ({audio / len(clips):.2f} s on average), batch {args.batch}, "
          f"OpenVINO {recognizer.precision}, {'the joint IR per step' if args.joint_ir else 'the joint split in two'}, "
          f"{'no runtime cache, ' if args.no_runtime_cache else ''}"
          f"{os.cpu_count()} cores ({cpu_name()})")
    for stage in ("features", "encoder", "decoding"):
        print(f"  {stage:<10} {spent[stage] / len(clips) * 1e3:8.2f} ms per utterance  ({spent[stage] / total:5.1%})")
    print(f"  {'all':<10} {total / len(clips) * 1e3:8.2f} ms per utterance: {len(clips) / total:.2f} utterances/s")
    print(f"  encoder: its LSTMs at {ops / spent['encoder'] / 1e9:.0f} GOP/s (padded frames included; "
          f"make roofline: this CPU's MatMul rates)")
    batches = -(-len(clips) // args.batch)
    print(f"  decoding: {steps / batches:.0f} steps per batch, {symbols / frames:.2f} symbols per encoder frame, "
          f"{spent['decoding'] / steps * 1e6:.0f} us per step")
    if args.slots:
        continuous(recognizer, clips[:args.slots], args.slots)                 # every shape's first call done
        rate, encoded = continuous(recognizer, clips, args.slots)
        print(f"  Server path, {args.slots} slots, every utterance queued at once: {rate:.2f} utterances/s, "
              f"{1 - 1 / encoded:.0%} of the frames encoded were padding")
    if args.counters:
        per_type, wall = counters(recognizer, clips, args.batch, args)
        busy = sum(per_type.values())
        print(f"encoder, longest batch of {args.batch}: {wall:.1f} ms wall, {busy:.1f} ms in operations")
        for name, ms in per_type.most_common(12):
            print(f"  {name:<44} {ms:8.2f} ms  ({ms / busy:5.1%})")


if __name__ == "__main__":
    sys.exit(main())
