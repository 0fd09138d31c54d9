#!/usr/bin/env python3
"""Check that the IR (and the ONNX it came from) compute what upstream's PyTorch model computes.

Each network runs on the same inputs through PyTorch (the reference), the ONNX file (through
OpenVINO's ONNX reader and through ONNX Runtime) and the IR: several random inputs at the IR's
shapes, and for the prediction network every label 0..27 and the start-of-sequence step. An
encoder with a dynamic time axis (SEQ_LEN=dynamic) is run at three lengths, and each batch row
gets its own length, so that its lengths output is checked against the lengths input. Then a
batch of utterances is decoded greedily with PyTorch (each utterance alone) and with the three IR
as every command decodes them (recognizer.py's path: padded batch, batched decoding), and the
tokens and the logits of every step are compared. OpenVINO runs at f32 for the check; the CPU's default
precision (bf16 where the CPU has it) is reported beside it, without a bound.

Exits 1 when anything is out of bounds.
"""
import sys

import numpy as np
import openvino as ov

from . import cli
from .decoding import GreedyDecoder
from .interface import ENCODER_FEATURES, ENCODER_HIDDEN, LABELS, NAMES, PREDICTION_HIDDEN, PREDICTION_LAYERS, \
    START_STEP, InterfaceError
from .ir import encoder_input_shape, load_start, read_network, weight_precision
from .metrics import edit_distance
from .networks import OpenVINONetworks, cpu_default_precision
from .runtimes import DecodingNetworks, OnnxRuntimeRuntime, OpenVINORuntime, TorchRuntime
from .upstream import load_model

# Max abs error allowed against PyTorch. FP16 weights keep 11 significant bits; through five
# 1024-wide LSTM layers that measured ~6e-3 on the synthetic model.
# INT8 has no bound: how far it may move from f32 depends on the weights and the calibration data,
# and on synthetic weights says nothing of a trained model's. Its errors are reported, with the
# share of decoded tokens equal to PyTorch's; its accuracy is measured with make wer or
# make mlperf MODE=accuracy on real data.
BOUND = {"FP32": 1e-4, "FP16": 1e-2, "INT8": None}
# Lengths a dynamic encoder is checked at: the documented 157, short, long; odd and even. Seed n
# decodes at the n-th, so that even one seed decodes a full-length utterance.
DYNAMIC_LENGTHS = (157, 40, 301)


def encoder_lengths(seq_len, batch, dynamic):
    """The lengths input: SEQ_LEN per row, as frozen in a static IR; for a dynamic one a length
    per row (SEQ_LEN, SEQ_LEN - 7, ...), as in a batch of utterances padded to the longest."""
    if not dynamic:
        return np.full((batch,), seq_len, dtype=np.int64)
    return np.maximum(seq_len - 7 * np.arange(batch), 1).astype(np.int64)


def network_inputs(seq_lens, batch, seeds, dynamic=False):
    """Per network, a list of feeds with the documented input names. The encoder gets each seed
    at each length of seq_lens."""
    feeds = {"encoder": [], "prediction": [], "joint": []}
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        for seq_len in seq_lens:
            feeds["encoder"].append({
                "input.1": rng.standard_normal((seq_len, batch, ENCODER_FEATURES), dtype=np.float32),
                "1": encoder_lengths(seq_len, batch, dynamic)})
        h, c = (rng.standard_normal((PREDICTION_LAYERS, batch, PREDICTION_HIDDEN), dtype=np.float32)
                for _ in range(2))
        labels = np.arange(LABELS)
        for first in range(0, LABELS, batch):    # every label, `batch` at a time
            rows = np.resize(labels[first:first + batch], batch).reshape(batch, 1)
            feeds["prediction"].append({"input.1": rows.astype(np.int64), "1": h, "2": c})
        feeds["joint"].append({"0": rng.standard_normal((batch, 1, ENCODER_HIDDEN), dtype=np.float32),
                               "1": rng.standard_normal((batch, 1, PREDICTION_HIDDEN), dtype=np.float32)})
    return feeds


def errors(got, want):
    """(max abs error, max abs error relative to the largest reference value) over all outputs."""
    abs_err = rel_err = 0.0
    for name, ref in want.items():
        diff = float(np.max(np.abs(got[name].astype(np.float64) - ref.astype(np.float64))))
        abs_err = max(abs_err, diff)
        rel_err = max(rel_err, diff / max(float(np.max(np.abs(ref))), 1e-12))
    return abs_err, rel_err


def compare_decodes(reference, candidate, bound):
    """Compare two greedy decodes. Tokens must agree, except that a divergence where the
    reference's best two logits were within 2 x bound (a near-tie) is expected and reported."""
    (ref_labels, ref_steps), (labels, steps) = reference, candidate
    n = 0
    while n < min(len(ref_steps), len(steps)) and np.argmax(ref_steps[n]) == np.argmax(steps[n]):
        n += 1
    abs_err = max((float(np.max(np.abs(a - b))) for a, b in zip(ref_steps[:n], steps[:n])), default=0.0)
    if ref_labels == labels:
        return abs_err, f"tokens equal ({sum(map(len, labels))} tokens, {len(steps)} steps)", True
    top2 = np.sort(ref_steps[n])[-2:]
    margin = float(top2[1] - top2[0])
    near_tie = margin <= 2 * bound
    note = f"tokens differ from step {n} of {len(ref_steps)}, where PyTorch's top-2 margin was {margin:.1e}"
    return abs_err, note + (" (a near-tie)" if near_tie else ""), near_tie


def tokens_equal(reference, candidate):
    """The share of the reference's decoded tokens that the candidate reproduces: 1 - token-level
    edit distance / reference tokens, over all rows."""
    ref_labels, labels = reference[0], candidate[0]
    total = sum(len(r) for r in ref_labels)
    distance = sum(edit_distance(r, c) for r, c in zip(ref_labels, labels))
    return 1.0 - distance / total if total else float(distance == 0)


def run_decode(networks, features, lengths):
    """(labels of each row, the logits of every step, row after row) of a greedy decode."""
    trace = {}
    labels = GreedyDecoder(networks)(*networks.encode(features, lengths), trace=trace)
    return labels, [logits for row in trace["logits"] for logits in row]


def main():
    parser = cli.parser(__spec__.name, __doc__)
    cli.add_model_arguments(parser)
    parser.add_argument("--precision", choices=sorted(BOUND),
                        help="IR weight precision (default: read from the IR)")
    parser.add_argument("--seeds", type=int, default=3, help="random inputs per network (default: %(default)s)")
    args = parser.parse_args()
    if args.seeds < 1:
        sys.exit("error: --seeds (VERIFY_SEEDS) must be at least 1")
    try:
        check(args)
    except InterfaceError as err:
        sys.exit(f"error: {err}")


def check(args):
    # A folder that holds no RNN-T set is told so at once, before PyTorch takes seconds to load.
    core = ov.Core()
    for network in NAMES:
        read_network(core, args.ir_dir, network)
    torch_rt = TorchRuntime(load_model(args.model_dir, args.weights))
    precision = args.precision or weight_precision(args.ir_dir)
    # An IR made elsewhere may lack the start-of-sequence step: PyTorch computes it here.
    start = None if load_start(args.ir_dir) else torch_rt.start()
    ir_f32 = OpenVINORuntime(args.ir_dir, precision="f32", start=start)
    for line in (ir_f32.note(), start and f"note: {args.ir_dir} has no {START_STEP}: the start-of-sequence "
                 "step is taken from PyTorch"):
        if line:
            print(line)
    seq_len, batch, _ = encoder_input_shape(args.ir_dir)
    dynamic = seq_len is None
    seq_lens = DYNAMIC_LENGTHS if dynamic else (seq_len,)
    # Where the CPU's default precision is f32 (no bf16), the default path computes exactly what
    # the f32 path does: it is run once, and its rows repeat the f32 figures.
    ir_default = ir_f32 if cpu_default_precision() == "f32" else \
        OpenVINORuntime(args.ir_dir, precision=None, start=start)
    paths = [("ONNX, OpenVINO reader, f32", OpenVINORuntime(args.onnx_dir, ".onnx"), 1e-4),
             ("ONNX, ONNX Runtime", OnnxRuntimeRuntime(args.onnx_dir), 1e-4),
             (f"IR {precision}, f32", ir_f32, BOUND[precision]),
             (f"IR {precision}, {ir_default.precision} (CPU default)", ir_default, None)]

    rows, ok = [], True
    feeds = network_inputs(seq_lens, batch, args.seeds, dynamic)
    for network, network_feeds in feeds.items():
        want = [torch_rt.run(network, feed) for feed in network_feeds]
        measured = {}
        for path, runtime, bound in paths:
            if id(runtime) not in measured:
                errs = [errors(runtime.run(network, feed), ref) for feed, ref in zip(network_feeds, want)]
                measured[id(runtime)] = (max(e[0] for e in errs), max(e[1] for e in errs))
            rows.append((network, path, *measured[id(runtime)], bound))
    for path, runtime, bound in paths:   # start of sequence: r1.0's prediction(None)
        rows.append(("prediction start", path, *errors(runtime.start().arrays(), torch_rt.start().arrays()), bound))

    shown = f"dynamic, run at {', '.join(map(str, seq_lens))}" if dynamic else seq_len
    print(f"verify: {args.ir_dir} (T={shown}, B={batch}, {precision} weights) against PyTorch, "
          f"{args.seeds} random inputs per network, all {LABELS} labels")
    print(f"{'network':<17} {'path':<36} {'max abs err':>11} {'max rel err':>11} {'bound':>7}  result")
    for network, path, abs_err, rel_err, bound in rows:
        passed = bound is None or abs_err <= bound
        ok &= passed
        print(f"{network:<17} {path:<36} {abs_err:>11.2e} {rel_err:>11.2e} "
              f"{'-' if bound is None else f'{bound:.0e}':>7}  {'info' if bound is None else 'PASS' if passed else 'FAIL'}")

    # End to end: greedy decoding of random utterances, PyTorch (each row alone) against the IR
    # as every command decodes it.
    decode_ir = {"f32": OpenVINONetworks(args.ir_dir, "f32", start=start)}
    if ir_default is not ir_f32:
        decode_ir[ir_default.precision] = OpenVINONetworks(args.ir_dir, None, start=start)
    else:
        decode_ir[ir_default.precision] = decode_ir["f32"]
    reference_networks = DecodingNetworks(torch_rt)
    print(f"greedy decode of {args.seeds} random utterance(s) x batch {batch}, PyTorch vs IR:")
    for seed in range(args.seeds):
        feed = feeds["encoder"][seed * len(seq_lens) + seed % len(seq_lens)]
        features, lengths = feed["input.1"], feed["1"]
        reference = run_decode(reference_networks, features, lengths)
        for hint, runtime in decode_ir.items():
            bound = BOUND[precision] if hint == "f32" else None
            candidate = run_decode(runtime, features, lengths)
            abs_err, note, passed = compare_decodes(reference, candidate, bound or 0.0)
            if bound is None and not passed:
                note += f"; {tokens_equal(reference, candidate):.1%} of PyTorch's tokens reproduced"
            result = "info" if bound is None else "PASS" if passed and abs_err <= bound else "FAIL"
            ok &= result != "FAIL"
            print(f"  seed {seed} T={len(features):<4} IR {hint:<5} logits max abs err {abs_err:.2e}: {note}  {result}")
    print("verify: PASS" if ok else "verify: FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
