#!/usr/bin/env python3
"""Time the RNN-T networks and a greedy decode in PyTorch, ONNX Runtime and OpenVINO.

Every runtime gets the same inputs and the same thread count, a warm-up, then timed runs; each
runs in a process of its own so that its peak memory can be read. Per network: latency at batch
1 and throughput at the IR's batch. End to end: greedy decoding of one utterance of the IR's
length (encoder, then prediction and joint step by step) and its real-time factor (frames x 30 ms
of audio); an encoder with a dynamic time axis is timed at --seq-len frames. OpenVINO runs at f32
and at the CPU's default precision (bf16 where the CPU has it);
`benchmark_app` figures for each IR are shown beside ours. Prints a table and writes JSON.
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

from . import greedy, greedy_batched
from .interface import InterfaceError
from .runtimes import (BatchedOpenVINO, OnnxRuntimeRuntime, OpenVINORuntime, TorchRuntime, add_model_arguments,
                       callables, encoder_input_shape, load_start)

RUNTIMES = ("pytorch", "onnxruntime", "openvino-f32", "openvino-default")
INT8 = "openvino-int8"      # an INT8 set, at the CPU's default precision, beside its FP32 set
BATCHES = (1, 2, 4, 8, 16)   # batch sizes of the batched decode (make mlperf's Offline and Server)
SECONDS_PER_FRAME = 0.03   # 10 ms hop, 3 frames spliced into one encoder input frame


def timed(fn, warmup, runs):
    """Milliseconds of each of `runs` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def summary(times):
    q = statistics.quantiles(times, n=10) if len(times) > 1 else [times[0]] * 9
    return {"median_ms": statistics.median(times), "p10_ms": q[0], "p90_ms": q[-1], "runs": len(times)}


def feeds(seq_len, batch, rng):
    state = rng.standard_normal((2, batch, 320), dtype=np.float32)
    return {
        "encoder": {"input.1": rng.standard_normal((seq_len, batch, 240), dtype=np.float32),
                    "1": np.full((batch,), seq_len, dtype=np.int64)},
        "prediction": {"input.1": np.full((batch, 1), 5, dtype=np.int64), "1": state, "2": state.copy()},
        "joint": {"0": rng.standard_normal((batch, 1, 1024), dtype=np.float32),
                  "1": rng.standard_normal((batch, 1, 320), dtype=np.float32)},
    }


def ir_dir_of(name, args):
    """The IR set a runtime runs: an INT8 set's FP32 sibling for the f32 and default columns."""
    return args.ir_dir if name == INT8 or not args.fp32_ir_dir else args.fp32_ir_dir


def make_runtime(name, args, batch):
    """The runtime `name` with all three networks at `batch`."""
    if name == "pytorch":
        from .upstream import load_model
        return TorchRuntime(load_model(args.model_dir, args.weights), threads=args.threads)
    if name == "onnxruntime":
        return OnnxRuntimeRuntime(args.onnx_dir, threads=args.threads)
    precision = "f32" if name == "openvino-f32" else None
    start = None
    folder = ir_dir_of(name, args)
    if not load_start(folder):   # an IR made elsewhere: PyTorch computes the start step
        from .upstream import load_model
        start = TorchRuntime(load_model(args.model_dir, args.weights)).start()
    return OpenVINORuntime(folder, precision=precision, threads=args.threads, batch=batch,
                           encoder_batch=batch, start=start)


def measure(name, args):
    """All figures for one runtime, in this process."""
    warmup, runs = (1, 5) if args.quick else (5, args.runs)
    rng = np.random.default_rng(0)
    result = {"runtime": name, "latency": {}, "throughput": {}}
    single = make_runtime(name, args, 1)
    result["precision"] = getattr(single, "precision", "f32")
    one = feeds(args.seq_len, 1, rng)
    for network, feed in one.items():
        result["latency"][network] = summary(timed(lambda: single.run(network, feed), warmup, runs))
    # OpenVINO's IR are compiled for one batch size; PyTorch and ONNX Runtime take any.
    batched = make_runtime(name, args, args.batch) if args.batch > 1 and name.startswith("openvino") else single
    many = feeds(args.seq_len, args.batch, rng)
    for network, feed in many.items():
        stats = summary(timed(lambda: batched.run(network, feed), warmup, runs))
        stats["items_per_s"] = args.batch / stats["median_ms"] * 1e3
        result["throughput"][network] = stats
    encode, predict, join = callables(single)
    features, lengths = one["encoder"]["input.1"], one["encoder"]["1"]
    steps = []
    labels = greedy.decode(features, lengths, encode, predict, join, steps)
    encoded, encoded_lengths = encode(features, lengths)
    decode_runs = 1 if args.quick else args.decode_runs
    decode = summary(timed(lambda: greedy.decode(features, lengths, encode, predict, join),
                           1, decode_runs))
    loop = summary(timed(lambda: greedy.greedy_decode(encoded[0], encoded_lengths[0], predict, join),
                         1, decode_runs))
    decode.update(tokens=len(labels[0]), steps=len(steps), loop_ms=loop["median_ms"],
                  real_time_factor=decode["median_ms"] / 1e3 / (args.seq_len * SECONDS_PER_FRAME))
    result["decode"] = decode
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # batch 1 only
    if name.startswith("openvino"):
        result["batched"] = measure_batched(name, args, rng, single.start())
    return result


def measure_batched(name, args, rng, start):
    """Utterances per second of the encoder and the batched greedy decoder (as `make mlperf`
    runs them) at each batch size: B utterances of --seq-len frames, encoded and decoded together.
    `start`: the start step, as the batch-1 runtime of the same IR has it."""
    runtime = BatchedOpenVINO(ir_dir_of(name, args), precision="f32" if name == "openvino-f32" else None,
                              threads=args.threads, start=start)
    figures = {}
    for batch in BATCHES[:2] if args.quick else BATCHES:
        features = rng.standard_normal((args.seq_len, batch, 240), dtype=np.float32)
        lengths = np.full(batch, args.seq_len, np.int64)
        encoded, encoded_lengths = runtime.encode(features, lengths)

        def decode():
            return greedy_batched.decode_batch(encoded, encoded_lengths, runtime.predict, runtime.join,
                                               runtime.start())
        whole = summary(timed(lambda: (runtime.encode(features, lengths), decode()),
                              1, 1 if args.quick else args.decode_runs))
        loop = summary(timed(decode, 0, 1 if args.quick else args.decode_runs))
        figures[batch] = {"median_ms": whole["median_ms"], "utterances_per_s": batch / whole["median_ms"] * 1e3,
                          "loop_ms": loop["median_ms"], "loop_utterances_per_s": batch / loop["median_ms"] * 1e3}
    return figures


def benchmark_app(xml, args):
    """OpenVINO's benchmark_app on one IR at f32, one stream: its median latency and throughput
    (2024.6 prints milliseconds with two decimals; 2026 prints microseconds below 1 ms)."""
    tool = os.path.join(os.path.dirname(sys.executable), "benchmark_app")
    cmd = [tool, "-m", xml, "-d", "CPU", "-hint", "none", "-nstreams", "1", "-infer_precision", "f32",
           "-nthreads", str(args.threads), *(["-niter", "10"] if args.quick else ["-t", "5"])]
    if args.dynamic and xml.endswith("rnnt_encoder.xml"):
        cmd += ["-data_shape", f"input.1[{args.seq_len},{args.batch},240]"]
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
          f"batch {args.batch}, {args.threads} threads; median (p10-p90) of "
          f"{'5 (quick)' if args.quick else args.runs} runs; x = PyTorch time / this time")
    header = f"{'':<28}" + "".join(f"{r + ' (' + results[r]['precision'] + ')':>24}" for r in results)
    tables = [("latency, batch 1", "latency")]
    if args.batch > 1:
        tables.append((f"throughput, batch {args.batch}", "throughput"))
    for title, key in tables:
        print(f"\n{title}")
        print(header)
        for network in ("encoder", "prediction", "joint"):
            cells = []
            for r in results:
                stats = results[r][key][network]
                ratio = ref[key][network]["median_ms"] / stats["median_ms"]
                value = (f"{stats['median_ms']:.3f} ms" if key == "latency"
                         else f"{stats['items_per_s']:.0f}/s")
                cells.append(f"{value} x{ratio:.2f}")
            print(f"  {network:<26}" + "".join(f"{c:>24}" for c in cells))
    print("\ngreedy decode, batch 1 (encoder + prediction/joint loop)")
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
    batched = {r: results[r]["batched"] for r in results if "batched" in results[r]}
    if batched:
        sizes = list(next(iter(batched.values())))
        print(f"\nbatched greedy decode (as make mlperf runs it): {args.seq_len}-frame utterances encoded "
              "and decoded together; utterances/s (the decode loop alone)")
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
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    add_model_arguments(parser)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads per runtime (default: all cores)")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per network (default: %(default)s)")
    parser.add_argument("--decode-runs", type=int, default=5, help="timed greedy decodes (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="a few runs only, for a smoke test")
    parser.add_argument("--seq-len", type=int, default=157,
                        help="frames per utterance when the encoder IR has a dynamic time axis (default: %(default)s)")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--fp32-ir-dir", help="for an INT8 set: its FP32 set, run at f32 and the CPU default beside it")
    parser.add_argument("--only", choices=RUNTIMES + (INT8,), help=argparse.SUPPRESS)   # child process
    args = parser.parse_args()

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
    same_as_f32 = OpenVINORuntime.cpu_default_precision() == "f32"
    for name in RUNTIMES + ((INT8,) if args.fp32_ir_dir else ()):
        if name == "openvino-default" and same_as_f32:
            results[name] = {**results["openvino-f32"], "runtime": name, "same_as": "openvino-f32"}
            print(f"benchmark: {name}: this CPU's default precision is f32, as measured for openvino-f32",
                  file=sys.stderr, flush=True)
            continue
        print(f"benchmark: {name} ...", file=sys.stderr, flush=True)
        child = subprocess.run([sys.executable, "-m", __spec__.name, *sys.argv[1:], "--only", name],
                               capture_output=True, text=True)
        if child.returncode != 0:
            sys.exit(f"error: the {name} benchmark failed:\n{child.stderr[-2000:]}")
        results[name] = json.loads(child.stdout.strip().splitlines()[-1])
    print("benchmark: benchmark_app ...", file=sys.stderr, flush=True)
    apps = {n: benchmark_app(os.path.join(args.ir_dir, f"rnnt_{n}.xml"), args)
            for n in ("encoder", "prediction", "joint")}
    print_table(results, apps, args)
    if args.json:
        report = {"seq_len": args.seq_len, "dynamic_time": args.dynamic, "batch": args.batch, "threads": args.threads,
                  "quick": args.quick, "ir_dir": os.path.abspath(args.ir_dir),
                  "cpu": OpenVINORuntime.cpu_name(),
                  "results": results, "benchmark_app": apps}
        tmp = f"{args.json}.tmp"
        with open(tmp, "w") as out:
            json.dump(report, out, indent=2)
        os.replace(tmp, args.json)
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
         lambda name, value: f" {value:.0f} ms  (x{ref / value:.1f} PyTorch)")
    batched = {label[r]: results[r]["batched"] for r in results if "batched" in results[r]}
    sizes = [int(b) for b in next(iter(batched.values()))]
    lines(f"{stem}-batched.png", sizes,
          {name: [figures[b]["utterances_per_s"] for b in figures] for name, figures in batched.items()},
          "batch size", "utterances per second",
          f"encoder + batched greedy decode, {args.seq_len}-frame utterances, {args.threads} threads")


if __name__ == "__main__":
    main()
