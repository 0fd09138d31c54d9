"""Offline samples per second of this harness against upstream's PyTorch reference SUT, in one run.

The same data (a manifest), the same LoadGen settings (a user.conf written here: every sample of
the set loaded, SAMPLES samples issued, no minimum duration), Offline performance mode, each
system in a process of its own, in alternating order, ROUNDS times; the median of LoadGen's
"Samples per second" for each, and its ratio to the reference. The reference runs from the user's
clone in its own environment (reference.py says what it takes to run it today); this harness runs
the IR at f32 and at the CPU's default precision (bf16 on CPUs with avx512_bf16 or AMX, f32
elsewhere), at the IR's batch. Writes the figures as JSON and a bar chart beside it.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from rnnt_ov.ir import encoder_input_shape
from rnnt_ov.mlperf.settings import summary_values
from rnnt_ov.networks import cpu_default_precision, cpu_name

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def samples_per_second(log_dir):
    value = summary_values(os.path.join(log_dir, "mlperf_log_summary.txt"))
    if value("Samples per second") == "?":
        sys.exit(f"error: no 'Samples per second' in {log_dir}/mlperf_log_summary.txt")
    return float(value("Samples per second")), value("Result is")


def run(cmd, cwd=None):
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(cmd[:4])} ... failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def plot(medians, labels, path):
    from rnnt_ov.charts import bars
    bars(path, {labels[n]: medians[n] for n in medians}, "Offline samples per second (LoadGen), median",
         lambda label, value: f" {value:.2f}/s  (x{value / medians['reference']:.1f})")


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference-python", required=True, help="python of the reference environment")
    parser.add_argument("--rnnt-dir", required=True, help="speech_recognition/rnnt of an r1.0 clone")
    parser.add_argument("--checkpoint", required=True, help="the upstream checkpoint (.pt), as the reference takes it")
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--dataset-dir", required=True)
    parser.add_argument("--mlperf-conf", required=True, help="the clone's mlperf.conf")
    parser.add_argument("--ir-dir", required=True)
    parser.add_argument("--featurizer", required=True)
    parser.add_argument("--config", required=True, help="configs/rnnt.toml")
    parser.add_argument("--samples", type=int, default=60, help="samples issued per run (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default: %(default)s)")
    parser.add_argument("--json", help="write the figures here (a PNG chart beside it)")
    args = parser.parse_args()

    batch = encoder_input_shape(args.ir_dir)[1]
    default = cpu_default_precision()
    systems = {"reference": "upstream's PyTorch SUT (batch 1)", "f32": f"this harness, OpenVINO f32, batch {batch}",
               "default": f"this harness, CPU default ({default}), batch {batch}"}
    work = tempfile.mkdtemp(prefix="mlperf-compare-")
    user_conf = os.path.join(work, "user.conf")
    with open(user_conf, "w") as f:
        f.write("# the same short Offline run for every system\nrnnt.*.performance_sample_count_override = 0\n"
                f"rnnt.Offline.min_query_count = {args.samples}\nrnnt.Offline.min_duration = 0\n"
                "rnnt.Offline.target_qps = 1\n")
    results = {name: [] for name in systems}
    for round_ in range(args.rounds):
        for name in (list(systems) if round_ % 2 == 0 else list(reversed(systems))):
            log_dir = os.path.join(work, f"{name}-{round_}")
            if name == "reference":
                os.makedirs(log_dir)
                run([args.reference_python, "-m", "measure.reference_sut", args.rnnt_dir, "--backend", "pytorch",
                     "--scenario", "Offline", "--mlperf_conf", os.path.abspath(args.mlperf_conf),
                     "--user_conf", user_conf, "--pytorch_config_toml", "pytorch/configs/rnnt.toml",
                     "--pytorch_checkpoint", os.path.abspath(args.checkpoint),
                     "--dataset_dir", os.path.abspath(args.dataset_dir), "--manifest", os.path.abspath(args.manifest),
                     "--log_dir", log_dir], cwd=PROJECT)
            else:
                run([sys.executable, "-m", "rnnt_ov.mlperf.run", "--scenario", "Offline", "--mode", "performance",
                     "--manifest", args.manifest, "--dataset-dir", args.dataset_dir, "--mlperf-conf", args.mlperf_conf,
                     "--user-conf", user_conf, "--ir-dir", args.ir_dir, "--featurizer", args.featurizer,
                     "--config", args.config, "--precision", name, "--log-dir", log_dir])
            rate, verdict = samples_per_second(log_dir)
            results[name].append(rate)
            print(f"round {round_ + 1}: {name:<9} {rate:8.2f} samples/s  LoadGen {verdict}", file=sys.stderr, flush=True)
    medians = {name: statistics.median(rates) for name, rates in results.items()}
    print(f"Offline, {args.samples} samples per run, median of {args.rounds} alternating rounds, "
          f"{os.cpu_count()} cores ({cpu_name()})")
    for name, label in systems.items():
        rates = " ".join(f"{r:.2f}" for r in results[name])
        print(f"  {label:<48} {medians[name]:7.2f} samples/s  ({rates})  x{medians[name] / medians['reference']:.1f}")
    if args.json:
        tmp = f"{args.json}.tmp"
        with open(tmp, "w") as out:
            json.dump({"samples": args.samples, "rounds": args.rounds, "batch": batch, "cpu_default": default,
                       "samples_per_second": results, "median": medians,
                       "ratio_to_reference": {n: medians[n] / medians["reference"] for n in medians}}, out, indent=1)
        os.replace(tmp, args.json)
        png = os.path.splitext(args.json)[0] + ".png"
        plot(medians, systems, png)
        print(f"wrote {args.json} and {png}")


if __name__ == "__main__":
    main()
