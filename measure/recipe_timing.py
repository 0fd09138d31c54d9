"""Time the recipe against the documented guide's steps 5-6 done by hand, side by side in one run.

With the environments ready and a local clone and checkpoint (no network), each round times, in
alternating order and each in a fresh folder:

  guide     the guide's step 5 (one script: load the checkpoint, rename joint_net, build the model,
            export three ONNX files with the documented names and example inputs), then its step 6
            (three `mo` commands with the documented --input strings, one after the other);
  mo        make -j3 ir                  (migrate, export, three plain mo calls, readback);
  ovc       make -j3 CONVERTER=ovc ir    (migrate, export, three in-process conversions, readback).

The guide's step 5 needs two changes to run today, the same two the recipe makes: the TorchScript
exporter (dynamo=False) and the numeric input names set after export (today's exporter drops
them, and the guide's mo commands refer to them). Prints the median of each and its ratio to the
guide, and writes the figures as JSON and a bar chart (PNG).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# The guide's example inputs and --input strings (batch 1, 157 frames).
GUIDE_INPUTS = {
    "encoder": "input.1[157 1 240],1->157",
    "prediction": "input.1[1 1],1[2 1 320],2[2 1 320]",
    "joint": "0[1 1 1024],1[1 1 320]",
}
PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ)


def guide_export(model_dir, checkpoint, out_dir):
    """The guide's step 5 in this project's words: what its script does, in the same order."""
    import warnings

    import onnx
    import toml
    import torch

    state = torch.load(checkpoint, map_location="cpu")["state_dict"]
    state = {key.replace("joint_net", "joint.net"): value for key, value in state.items()}
    del state["audio_preprocessor.featurizer.fb"], state["audio_preprocessor.featurizer.window"]
    config = toml.load(os.path.join(model_dir, "configs", "rnnt.toml"))
    sys.path.insert(0, model_dir)
    from model_separable_rnnt import RNNT
    model = RNNT(config["rnnt"], len(config["labels"]["labels"]) + 1, feature_config=config["input_eval"])
    model.load_state_dict(state)

    def export(module, args, name, input_names, axes):
        path = os.path.join(out_dir, f"rnnt_{name}.onnx")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, args, path, opset_version=12, dynamo=False,
                              input_names=input_names, dynamic_axes=axes)
        graph = onnx.load(path)        # today's exporter drops numeric names: put them back
        renames = {old.name: new for old, new in zip(graph.graph.input, input_names)}
        for value in graph.graph.input:
            value.name = renames[value.name]
        for node in graph.graph.node:
            node.input[:] = [renames.get(n, n) for n in node.input]
        onnx.save(graph, path)

    features, lengths = torch.randn(157, 1, 240), torch.LongTensor([157])
    model.encoder(features, lengths)
    export(model.encoder, (features, lengths), "encoder", ["input.1", "1"],
           {"input.1": {0: "seq_len", 1: "batch"}})
    symbol, hidden = torch.LongTensor([[20]]), (torch.randn(2, 1, 320), torch.randn(2, 1, 320))
    g, _ = model.prediction(symbol, hidden)
    export(model.prediction, (symbol, hidden), "prediction", ["input.1", "1", "2"],
           {"input.1": {0: "batch"}, "1": {1: "batch"}, "2": {1: "batch"}})
    f = torch.randn(1, 1, 1024)
    model.joint(f, g)
    export(model.joint, (f, g), "joint", ["0", "1"], {"0": {0: "batch"}, "1": {0: "batch"}})


def run(cmd, cwd=None):
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=ENV)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def time_guide(args, folder):
    start = time.perf_counter()
    run([os.path.join(args.venv, "bin", "python"), "-m", __spec__.name, "--guide-export",
         args.model_dir, args.weights, folder], cwd=PROJECT)
    for network, shape in GUIDE_INPUTS.items():
        run([os.path.join(args.venv, "bin", "mo"), "--input_model", f"rnnt_{network}.onnx",
             "--input", shape], cwd=folder)
    return time.perf_counter() - start


def time_make(args, folder, converter):
    start = time.perf_counter()
    run(["make", "--no-print-directory", "-C", PROJECT, "-j3", f"CONVERTER={converter}",
         f"BUILD_DIR={folder}", f"VENV={args.venv}", f"OVC_VENV={args.ovc_venv}",
         f"MLCOMMONS_PATH={args.mlcommons_path}", f"WEIGHTS={args.weights}", "ir"])
    return time.perf_counter() - start


LABELS = {"guide": "guide steps 5-6 by hand (mo)", "mo": "make -j3 ir", "ovc": "make -j3 CONVERTER=ovc ir"}


def plot(medians, path):
    from rnnt_ov.charts import bars
    bars(path, {LABELS[n]: medians[n] for n in medians}, "seconds, median (environment ready, local sources)",
         lambda label, value: f" {value:.1f} s  ({value / medians['guide']:.2f})")


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlcommons-path", help="a clone of mlcommons/inference (r1.0 layout)")
    parser.add_argument("--model-dir", help="its speech_recognition/rnnt/pytorch folder")
    parser.add_argument("--weights", help="the upstream checkpoint (.pt)")
    parser.add_argument("--venv", help="the mo route's environment")
    parser.add_argument("--ovc-venv", help="the ovc route's environment")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default: %(default)s)")
    parser.add_argument("--openvino-telemetry", choices=("as-is", "off"), default="as-is",
                        help="off: run every command with CI=true, which OpenVINO's telemetry takes as "
                             "'do not send' (mo, ovc and convert_model send usage events unless told "
                             "not to; offline, each try costs about a second); default: %(default)s")
    parser.add_argument("--json", help="write the figures here (a PNG chart beside it)")
    parser.add_argument("--guide-export", nargs=3, metavar=("MODEL_DIR", "CHECKPOINT", "OUT_DIR"),
                        help=argparse.SUPPRESS)   # the guide's step 5, run in a process of its own
    args = parser.parse_args()
    if args.guide_export:
        guide_export(*args.guide_export)
        return
    missing = [f"--{n.replace('_', '-')}" for n in ("mlcommons_path", "model_dir", "weights", "venv", "ovc_venv")
               if not getattr(args, n)]
    if missing:
        parser.error(f"missing {', '.join(missing)}")
    if args.openvino_telemetry == "off":
        ENV["CI"] = "true"
    telemetry = "off (CI=true)" if ENV.get("CI", "").lower() == "true" else "as configured (on unless opted out)"
    times = {"guide": [], "mo": [], "ovc": []}
    root = tempfile.mkdtemp(prefix="recipe-timing-")
    try:
        for round_ in range(args.rounds):
            order = list(times) if round_ % 2 == 0 else list(reversed(times))
            for name in order:
                folder = os.path.join(root, f"{name}-{round_}")
                os.makedirs(folder)
                took = time_guide(args, folder) if name == "guide" else time_make(args, folder, name)
                times[name].append(took)
                print(f"round {round_ + 1}: {name:<5} {took:6.2f} s", file=sys.stderr, flush=True)
                shutil.rmtree(folder)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"recipe timing: median of {args.rounds} alternating rounds, environment ready, local clone and "
          f"checkpoint; OpenVINO telemetry {telemetry}")
    print(f"{'':<32}{'median':>8}  {'runs':<22}{'of the guide':>12}")
    for name, values in times.items():
        runs = " ".join(f"{v:.1f}" for v in values)
        print(f"{LABELS[name]:<32}{medians[name]:>7.1f}s  {runs:<22}{medians[name] / medians['guide']:>12.2f}")
    if args.json:
        tmp = f"{args.json}.tmp"
        with open(tmp, "w") as out:
            json.dump({"rounds": args.rounds, "openvino_telemetry": telemetry, "seconds": times, "median": medians,
                       "ratio_to_guide": {n: medians[n] / medians["guide"] for n in medians}}, out, indent=1)
        os.replace(tmp, args.json)
        png = os.path.splitext(args.json)[0] + ".png"
        plot(medians, png)
        print(f"wrote {args.json} and {png}")


if __name__ == "__main__":
    main()
