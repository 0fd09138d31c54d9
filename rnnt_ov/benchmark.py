#!/usr/bin/env python3
"""Time the RNN-T networks and a greedy decode in PyTorch, ONNX Runtime and OpenVINO, side by side.

Every runtime gets the same inputs and the same thread count, a warm-up, then timed runs (at most
--runs, within --budget seconds per figure, at least 3); each runtime runs in a process of its own
so that its peak memory can be read (a --quick run, a smoke test, runs them all in one), with a
progress bar. Per network: latency at batch 1 and
throughput at the IR's batch. End to end: greedy decoding of one utterance of the IR's length
(encoder, then the decoding loop, as every command decodes: decoding.GreedyDecoder) and its
real-time factor (frames x 30 ms of audio); an encoder with a dynamic time axis is timed at
--seq-len frames. OpenVINO runs at f32 and at the CPU's default precision (bf16 where the CPU has
it), and also decodes B utterances at once for several batch sizes (--sweep: up to 64);
`benchmark_app` figures for each IR are shown beside ours. Prints tables, writes JSON and charts.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
from tqdm import tqdm

from . import cli
from .decoding import GreedyDecoder
from .interface import ENCODER_FEATURES, ENCODER_HIDDEN, NAMES, PREDICTION_HIDDEN, PREDICTION_LAYERS, \
    InterfaceError
from .ir import encoder_input_shape, load_start
from .networks import OpenVINONetworks, cpu_default_precision, cpu_name
from .runtimes import DecodingNetworks, OnnxRuntimeRuntime, OpenVINORuntime, TorchRuntime

RUNTIMES = ("pytorch", "onnxruntime", "openvino-f32", "openvino-default")
INT8 = "openvino-int8"      # an INT8 set, at the CPU's default precision, beside its FP32 set
BATCHES = (1, 4, 16)        # batch sizes of the batched decode (make mlperf's Offline and Server)
SWEEP_BATCHES = (1, 2, 4, 8, 16, 32, 64)
QUICK_BATCHES = (1, 2)
SECONDS_PER_FRAME = 0.03    # 10 ms hop, 3 frames spliced into one encoder input frame
MIN_RUNS = 3


def timed(fn, warmup, runs, budget):
    """Milliseconds of each timed call after `warmup` untimed ones: `runs` calls, or as many as
    fit in `budget` seconds, at least MIN_RUNS (or `runs`, if fewer)."""
    for _ in range(warmup):
        fn()
    times, began = [], time.perf_counter()
    least = min(MIN_RUNS, runs)
    while len(times) < runs and (len(times) < least or time.perf_counter() - began < budget):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def summary(times):
    q = statistics.quantiles(times, n=10) if len(times) > 1 else [times[0]] * 9
    return {"median_ms": statistics.median(times), "p10_ms": q[0], "p90_ms": q[-1], "runs": len(times)}


def feeds(seq_len, batch, rng):
    state = rng.standard_normal((PREDICTION_LAYERS, batch, PREDICTION_HIDDEN), dtype=np.float32)
    return {
        "encoder": {"input.1": rng.standard_normal((seq_len, batch, ENCODER_FEATURES), dtype=np.float32),
                    "1": np.full((batch,), seq_len, dtype=np.int64)},
        "prediction": {"input.1": np.full((batch, 1), 5, dtype=np.int64), "1": state, "2": state.copy()},
        "joint": {"0": rng.standard_normal((batch, 1, ENCODER_HIDDEN), dtype=np.float32),
                  "1": rng.standard_normal((batch, 1, PREDICTION_HIDDEN), dtype=np.float32)},
    }


def ir_dir_of(name, args):
    """The IR set a runtime runs: an INT8 set's FP32 sibling for the f32 and default columns."""
    return args.ir_dir if name == INT8 or not args.fp32_ir_dir else args.fp32_ir_dir


def hint(name):
    return "f32" if name == "openvino-f32" else None


def pytorch_start(args):
    """The start step computed by PyTorch, for an IR made elsewhere that has none."""
    from .upstream import load_model
    return TorchRuntime(load_model(args.model_dir, args.weights)).start()


def make_runtime(name, args, batch, start):
    """The runtime `name` with all three networks at `batch`."""
    if name == "pytorch":
        from .upstream import load_model
        return TorchRuntime(load_model(args.model_dir, args.weights), threads=args.threads)
    if name == "onnxruntime":
        return OnnxRuntimeRuntime(args.onnx_dir, threads=args.threads)
    return OpenVINORuntime(ir_dir_of(name, args), precision=hint(name), threads=args.threads, batch=batch,
                           start=start)


def measure(name, args):
    """All figures for one runtime, in this process."""
    rng = np.random.default_rng(0)
    start = None if name in ("pytorch", "onnxruntime") or load_start(ir_dir_of(name, args)) else pytorch_start(args)
    single = make_runtime(name, args, 1, start)
    is_openvino = name.startswith("openvino")
    batched = make_runtime(name, args, args.batch, start) if args.batch > 1 and is_openvino else single
    networks = OpenVINONetworks(ir_dir_of(name, args), hint(name), args.threads, start) if is_openvino \
        else DecodingNetworks(single)
    one, many = feeds(args.seq_len, 1, rng), feeds(args.seq_len, args.batch, rng)
    tasks = [("latency", network) for network in NAMES]
    if args.batch > 1:      # OpenVINO's IR are compiled for one batch size; PyTorch and ONNX Runtime take any
        tasks += [("throughput", network) for network in NAMES]
    tasks += [("decode", "whole"), ("decode", "loop")]
    if is_openvino:
        tasks += [("batched", b) for b in args.batches]
    result = {"runtime": name, "precision": getattr(single, "precision", "f32"), "latency": {}, "throughput": {},
              "batched": {}}
    decoder = GreedyDecoder(networks)
    features, lengths = one["encoder"]["input.1"], one["encoder"]["1"]
    encoded, trace = networks.encode(features, lengths), {}
    labels = decoder(*encoded, trace=trace)
    for kind, what in tqdm(tasks, desc=f"{name:<17}", file=sys.stderr, leave=True,
                           bar_format="{desc} {bar:30} {n_fmt}/{total_fmt} figures, {elapsed}"):
        if kind in ("latency", "throughput"):
            runtime, feed = (single, one) if kind == "latency" else (batched, many)
            stats = summary(timed(lambda: runtime.run(what, feed[what]), 1, args.runs, args.budget))
            if kind == "throughput":
                stats["items_per_s"] = args.batch / stats["median_ms"] * 1e3
            result[kind][what] = stats
        elif what == "whole":
            result["decode"] = summary(timed(lambda: decoder(*networks.encode(features, lengths)), 1,
                                             args.decode_runs, args.budget))
        elif kind == "decode":
            loop = summary(timed(lambda: decoder(*encoded), 1, args.decode_runs, args.budget))
            result["decode"].update(tokens=len(labels[0]), steps=trace["steps"], loop_ms=loop["median_ms"],
                                    real_time_factor=result["decode"]["median_ms"] / 1e3
                                    / (args.seq_len * SECONDS_PER_FRAME))
            result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        else:
            result["batched"][what] = measure_batched(networks, decoder, what, args, rng)
    return result


def measure_batched(networks, decoder, batch, args, rng):
    """Utterances per second of the encoder and the batched greedy decoder (as `make mlperf` runs
    them) on `batch` utterances of --seq-len frames, encoded and decoded together."""
    features = rng.standard_normal((args.seq_len, batch, ENCODER_FEATURES), dtype=np.float32)
    lengths = np.full(batch, args.seq_len, np.int64)
    encoded = networks.encode(features, lengths)
    whole = summary(timed(lambda: decoder(*networks.encode(features, lengths)), 1, args.decode_runs, args.budget))
    loop = summary(timed(lambda: decoder(*encoded), 0, args.decode_runs, args.budget))
    return {"median_ms": whole["median_ms"], "utterances_per_s": batch / whole["median_ms"] * 1e3,
            "loop_ms": loop["median_ms"], "loop_utterances_per_s": batch / loop["median_ms"] * 1e3}


def benchmark_app(xml, args):
    """OpenVINO's benchmark_app on one IR at f32, one stream: its median latency and throughput
    (2024.6 prints milliseconds with two decimals; 2026 prints microseconds below 1 ms)."""
    tool = os.path.join(os.path.dirname(sys.executable), "benchmark_app")
    cmd = [tool, "-m", xml, "-d", "CPU", "-hint", "none", "-nstreams", "1", "-infer_precision", "f32",
           "-nthreads", str(args.threads), *(["-niter", "2"] if args.quick else ["-t", str(max(1, round(args.budget)))])]
    if args.dynamic and xml.endswith("rnnt_encoder.xml"):
        cmd += ["-data_shape", f"input.1[{args.seq_len},{args.batch},{ENCODER_FEATURES}]"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    median = re.search(r"Median:\s+([\d.]+) (ms|us)", out)
    throughput = re.search(r"Throughput:\s+([\d.]+) FPS", out)
    if not median:
        return {"error": "benchmark_app printed no median latency"}
    return {"median_ms": float(median.group(1)) / (1000 if median.group(2) == "us" else 1),
            "throughput_fps": float(throughput.group(1)) if throughput else None}


def print_table(results, apps, args):
    ref = results["pytorch"]
    if any("same_as" in r for r in results.values()):
        print("benchmark: this CPU has no bf16: its default precision is f32, so the openvino-default column "
              "repeats the openvino-f32 figures (measured once)")
    print(f"benchmark: T={args.seq_len} frames ({args.seq_len * SECONDS_PER_FRAME:.2f} s of audio"
          f"{', encoder IR with a dynamic time axis' if args.dynamic else ''}), "
          f"batch {args.batch}, {args.threads} threads, {cpu_name()}; median (p10-p90) of at most "
          f"{args.runs} runs within {args.budget:g} s per figure; x = PyTorch time / this time")
    header = f"{'':<28}" + "".join(f"{r + ' (' + results[r]['precision'] + ')':>24}" for r in results)
    tables = [("latency, batch 1", "latency")]
    if args.batch > 1:
        tables.append((f"throughput, batch {args.batch}", "throughput"))
    for title, key in tables:
        print(f"\n{title}")
        print(header)
        for network in NAMES:
            cells = []
            for r in results:
                stats = results[r][key][network]
                ratio = ref[key][network]["median_ms"] / stats["median_ms"]
                value = (f"{stats['median_ms']:.3f} ms" if key == "latency"
                         else f"{stats['items_per_s']:.0f}/s")
                cells.append(f"{value} x{ratio:.2f}")
            print(f"  {network:<26}" + "".join(f"{c:>24}" for c in cells))
    print("\ngreedy decode, batch 1 (encoder + decoding loop)")
    print(header)
    rows = [("time", lambda d: f"{d['median_ms']:.1f} ms x{ref['decode']['median_ms'] / d['median_ms']:.2f}"),
            ("spread", lambda d: f"{d['p10_ms']:.1f}-{d['p90_ms']:.1f} ms"),
            ("real-time factor", lambda d: f"{d['real_time_factor']:.3f}"),
            ("of which the loop", lambda d: f"{d['loop_ms']:.1f} ms x{ref['decode']['loop_ms'] / d['loop_ms']:.2f}"),
            ("steps (tokens)", lambda d: f"{d['steps']} ({d['tokens']})"),
            ("loop per step", lambda d: f"{d['loop_ms'] * 1e3 / d['steps']:.0f} us")]
    for label, cell in rows:
        print(f"  {label:<26}" + "".join(f"{cell(results[r]['decode']):>24}" for r in results))
    print(f"  {'peak memory':<26}" + "".join(f"{results[r]['peak_rss_mb']:>21.0f} MB" for r in results))
    batched = {r: results[r]["batched"] for r in results if results[r].get("batched")}
    if batched:
        sizes = list(next(iter(batched.values())))
        print(f"\nbatched greedy decode (as make mlperf runs it): {args.seq_len}-frame utterances encoded "
              "and decoded together; utterances/s (the decoding loop alone)")
        print(f"{'':<28}" + "".join(f"{'batch ' + str(b):>18}" for b in sizes))
        for r, figures in batched.items():
            print(f"  {r + ' (' + results[r]['precision'] + ')':<26}" + "".join(
                f"{figures[b]['utterances_per_s']:>8.2f} ({figures[b]['loop_utterances_per_s']:5.1f})" for b in sizes))
    if apps:
        beside = INT8 if INT8 in results else "openvino-f32"      # the column that runs the same IR
        print(f"\nbenchmark_app on {args.ir_dir} (f32, one stream), beside the {beside} column")
        for network, app in apps.items():
            ours = results[beside]["throughput" if args.batch > 1 else "latency"][network]["median_ms"]
            if "error" in app:
                print(f"  {network:<26}{app['error']}")
            else:
                print(f"  {network:<26}median {app['median_ms']:.3f} ms at batch {args.batch} "
                      f"(ours from Python: {ours:.3f} ms)")


def main():
    parser = cli.parser(__spec__.name, __doc__)
    cli.add_model_arguments(parser)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads per runtime (default: all cores)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per figure at most (default: %(default)s)")
    parser.add_argument("--budget", type=float, default=1.0,
                        help="seconds of timed runs per figure at most, after 3 runs (default: %(default)s)")
    parser.add_argument("--decode-runs", type=int, default=5, help="timed greedy decodes at most (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="a few runs only, for a smoke test")
    parser.add_argument("--sweep", action="store_true",
                        help=f"the long sweep: batched decoding at {', '.join(map(str, SWEEP_BATCHES))} utterances, "
                             "5 s per figure")
    parser.add_argument("--seq-len", type=int, default=157,
                        help="frames per utterance when the encoder IR has a dynamic time axis (default: %(default)s)")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--fp32-ir-dir", help="for an INT8 set: its FP32 set, run at f32 and the CPU default beside it")
    parser.add_argument("--only", choices=RUNTIMES + (INT8,), help=argparse.SUPPRESS)   # child process
    args = parser.parse_args()
    args.batches = QUICK_BATCHES if args.quick else SWEEP_BATCHES if args.sweep else BATCHES
    if args.quick:              # a smoke test: every figure once
        args.runs, args.decode_runs, args.budget = 1, 1, 0.0
    elif args.sweep:
        args.budget = max(args.budget, 5.0)

    try:
        seq_len, args.batch, _ = encoder_input_shape(args.ir_dir)
    except InterfaceError as err:
        sys.exit(f"error: {err}")
    args.dynamic = seq_len is None
    args.seq_len = args.seq_len if args.dynamic else seq_len
    if args.only:
        print(json.dumps(measure(args.only, args)))
        return

    results = {}
    # Where the CPU's default precision is f32 (no bf16), the default column is the f32 column's
    # computation exactly: measured once, and marked so.
    same_as_f32 = cpu_default_precision() == "f32"
    for name in RUNTIMES + ((INT8,) if args.fp32_ir_dir else ()):
        if name == "openvino-default" and same_as_f32:
            results[name] = {**results["openvino-f32"], "runtime": name, "same_as": "openvino-f32"}
            continue
        if args.quick:         # a smoke test: every runtime in this process (peak memory is the process's)
            results[name] = measure(name, args)
            continue
        child = subprocess.run([sys.executable, "-m", __spec__.name, *sys.argv[1:], "--only", name],
                               stdout=subprocess.PIPE, text=True)
        if child.returncode != 0:
            sys.exit(f"error: the {name} benchmark failed (its error is above)")
        results[name] = json.loads(child.stdout.strip().splitlines()[-1])
    apps = {n: benchmark_app(os.path.join(args.ir_dir, f"rnnt_{n}.xml"), args)
            for n in tqdm(NAMES, desc=f"{'benchmark_app':<17}", file=sys.stderr,
                          bar_format="{desc} {bar:30} {n_fmt}/{total_fmt} networks, {elapsed}")}
    print_table(results, apps, args)
    if args.json:
        from .files import write_json
        write_json(args.json, {"seq_len": args.seq_len, "dynamic_time": args.dynamic, "batch": args.batch,
                               "threads": args.threads, "quick": args.quick, "sweep": args.sweep,
                               "ir_dir": os.path.abspath(args.ir_dir), "cpu": cpu_name(),
                               "results": results, "benchmark_app": apps}, indent=2)
        charts(results, args)
        print(f"\nwrote {args.json} and its charts (-runtimes.png, -batched.png)")


def charts(results, args):
    """PNGs beside the JSON: the runtimes side by side, and the batched decode per batch size."""
    from .charts import bars, lines
    stem = os.path.splitext(args.json)[0]
    label = {r: f"{r} ({results[r]['precision']})" for r in results}
    decode = {label[r]: results[r]["decode"]["median_ms"] for r in results}
    ref = results["pytorch"]["decode"]["median_ms"]
    bars(f"{stem}-runtimes.png", decode,
         f"greedy decode of one {args.seq_len}-frame utterance, batch 1, ms (median)",
         lambda name, value: f"{value:.0f} ms  (x{ref / value:.1f} PyTorch)")
    batched = {label[r]: results[r]["batched"] for r in results if results[r].get("batched")}
    sizes = [int(b) for b in next(iter(batched.values()))]
    lines(f"{stem}-batched.png", sizes,
          {name: [figures[b]["utterances_per_s"] for b in figures] for name, figures in batched.items()},
          "batch size", "utterances per second",
          f"encoder + batched greedy decode, {args.seq_len}-frame utterances, {args.threads} threads")


if __name__ == "__main__":
    main()
