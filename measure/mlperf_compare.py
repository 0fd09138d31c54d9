"""Throughput of this MLPerf harness against upstream's PyTorch reference SUT, side by side in one run.

By default on the load set (measure/loadset.py: dev-clean's utterance lengths, a synthetic
checkpoint that decodes ~0.9 symbols per encoder frame, librosa's featurizer tensors), whose IR
sets this script builds with the recipe (make, in BUILD_DIR): the FP32 set with a dynamic time
axis, and its INT8 set calibrated on the load set's calibration audio. With --manifest and
--ir-dir, on your data and your IR instead.

Every system runs under LoadGen in a process of its own, on the same data and the same short
settings (a user.conf written here: SAMPLE_COUNT utterances loaded, min_duration 0):

  Offline     samples/s and samples/s per core, ROUNDS alternating rounds, median: upstream's
              reference SUT (batch 1; REFERENCE_SAMPLES issued, it is slow), the FP32 set at f32,
              the FP32 set at the CPU's default precision (bf16 where the CPU has it), the INT8 set;
              SAMPLES issued to each of this harness's, so that its batches are as even in length
              as in a real run.
  accuracy    every utterance once through each: the share of utterances whose tokens equal the
              f32 run's (the reference SUT on the first REFERENCE_SAMPLES utterances: with the
              same featurizer tensors its tokens equal f32's).
  Server      the fastest system: the highest queries/s whose 99th percentile latency stays within
              the clone's bound (1000 ms), by bisection over target_qps.
  SingleStream  the fastest system at batch 1: the 90th percentile latency.

Prints a table, writes JSON and a PNG chart beside it.
"""
import argparse
import array
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from rnnt_ov.files import write_json
from rnnt_ov.metrics import edit_distance
from rnnt_ov.mlperf.peak import bisect
from rnnt_ov.mlperf.settings import conf_value, fastest_batch, summary_values
from rnnt_ov.networks import cpu_default_precision, cpu_name

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cores():
    return len(os.sched_getaffinity(0))


def run(cmd, cwd=None, env=None):
    result = subprocess.run(cmd, cwd=cwd or PROJECT, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(map(str, cmd[:4]))} ... failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


class Systems:
    """How to run each system under LoadGen, and where its logs go."""

    def __init__(self, args, work):
        self.args, self.work = args, work
        default = cpu_default_precision()
        self.names = {      # Server and SingleStream run each at a batch of its own
            "reference": "upstream's PyTorch reference SUT",
            "fp32-f32": "FP32 IR, OpenVINO f32",
            "fp32-default": f"FP32 IR, OpenVINO {default} (CPU default)",
        }
        if args.int8_ir_dir:
            self.names["int8-default"] = f"INT8 IR, OpenVINO {default} (CPU default)"
        self.labels = {name: f"{text}, batch {1 if name == 'reference' else args.batch[name]}"     # Offline's
                       for name, text in self.names.items()}

    def user_conf(self, name, lines):
        path = os.path.join(self.work, f"{name}.conf")
        with open(path, "w") as f:
            f.write("".join(f"{line}\n" for line in lines))
        return path

    def loadgen(self, system, scenario, mode, log_dir, conf, manifest=None, batch=None):
        a = self.args
        manifest = manifest or a.manifest
        if system == "reference":
            os.makedirs(log_dir)
            # r1.0's run.py scores an accuracy run with a bare `python3`: the reference environment's.
            env = {**os.environ, "PATH": f"{os.path.dirname(os.path.abspath(a.reference_python))}:{os.environ['PATH']}"}
            run([a.reference_python, "-m", "measure.reference_sut", a.rnnt_dir, "--backend", "pytorch",
                 "--scenario", scenario, *(["--accuracy"] if mode == "accuracy" else []),
                 "--mlperf_conf", os.path.abspath(a.mlperf_conf), "--user_conf", conf,
                 "--pytorch_config_toml", "pytorch/configs/rnnt.toml", "--pytorch_checkpoint", os.path.abspath(a.checkpoint),
                 "--dataset_dir", os.path.abspath(a.dataset_dir), "--manifest", os.path.abspath(manifest),
                 "--log_dir", log_dir], env=env)
            return
        weights, precision = system.split("-")
        run([sys.executable, "-m", "rnnt_ov.mlperf.run", "--scenario", scenario, "--mode", mode,
             "--manifest", manifest, "--dataset-dir", a.dataset_dir, "--mlperf-conf", a.mlperf_conf,
             "--user-conf", conf, "--ir-dir", a.int8_ir_dir if weights == "int8" else a.ir_dir,
             "--featurizer", a.featurizer, "--config", a.config, "--precision", precision,
             "--batch", str(batch or a.batch[system]), "--log-dir", log_dir])


def offline_batch(args, system):
    """The system's fastest Offline batch on this CPU for runs of SAMPLES samples, as make mlperf
    finds it (fastest.py)."""
    weights, precision = system.split("-")
    found = run([sys.executable, "-m", "rnnt_ov.mlperf.fastest", "--ir-dir", args.int8_ir_dir if weights == "int8" else args.ir_dir,
                 "--featurizer", args.featurizer, "--config", args.config, "--precision", precision,
                 "--samples", str(args.samples), *(["--remember", args.remember] if args.remember else [])])
    print(found.stderr.strip().splitlines()[-1], file=sys.stderr, flush=True)
    return int(found.stdout.split()[-1])


def figure(log_dir, label):
    value = summary_values(os.path.join(log_dir, "mlperf_log_summary.txt"))(label)
    if value == "?":
        sys.exit(f"error: no '{label}' in {log_dir}/mlperf_log_summary.txt")
    return value


def tokens(log_dir):
    """{sample index: labels} of an accuracy log."""
    with open(os.path.join(log_dir, "mlperf_log_accuracy.json")) as f:
        return {r["qsl_idx"]: array.array("q", bytes.fromhex(r["data"])).tolist() for r in json.load(f)}


def first_utterances(manifest, count, path):
    """A manifest of the first `count` utterances that upstream's QSL keeps (15 s or less)."""
    with open(manifest) as f:
        entries = [e for e in json.load(f) if float(e["original_duration"]) <= 15.0][:count]
    with open(path, "w") as f:
        json.dump(entries, f)
    return path


def offline(systems, args):
    """{system: [samples/s of each round]}, alternating the order every round."""
    conf = {"reference": systems.user_conf("offline-reference", [
                f"rnnt.*.performance_sample_count_override = {args.sample_count}",
                f"rnnt.Offline.min_query_count = {args.reference_samples}", "rnnt.Offline.min_duration = 0",
                "rnnt.Offline.target_qps = 1"]),
            "harness": systems.user_conf("offline", [
                f"rnnt.*.performance_sample_count_override = {args.sample_count}",
                f"rnnt.Offline.min_query_count = {args.samples}", "rnnt.Offline.min_duration = 0",
                "rnnt.Offline.target_qps = 1"])}
    rates = {name: [] for name in systems.labels}
    for round_ in range(args.rounds):
        order = list(systems.labels) if round_ % 2 == 0 else list(reversed(systems.labels))
        for name in order:
            log_dir = os.path.join(systems.work, f"offline-{name}-{round_}")
            systems.loadgen(name, "Offline", "performance", log_dir, conf["reference" if name == "reference" else "harness"])
            rates[name].append(float(figure(log_dir, "Samples per second")))
            print(f"round {round_ + 1}: {name:<13} {rates[name][-1]:8.2f} samples/s", file=sys.stderr, flush=True)
    return rates


def accuracy(systems, args):
    """{system: (utterances whose tokens equal f32's, utterances compared, share of f32's tokens
    reproduced: 1 - token edit distance / f32's tokens)}."""
    conf = systems.user_conf("accuracy", [f"rnnt.*.performance_sample_count_override = {args.sample_count}"])
    logs = {}
    for name in systems.labels:
        log_dir = os.path.join(systems.work, f"accuracy-{name}")
        manifest = first_utterances(args.manifest, args.reference_samples, os.path.join(systems.work, "first.json")) \
            if name == "reference" else None
        systems.loadgen(name, "Offline", "accuracy", log_dir, conf, manifest=manifest)
        logs[name] = tokens(log_dir)
        print(f"accuracy: {name} done", file=sys.stderr, flush=True)
    f32 = logs["fp32-f32"]
    return {name: (sum(found[i] == f32[i] for i in found), len(found),
                   1 - sum(edit_distance(f32[i], found[i]) for i in found) / max(1, sum(len(f32[i]) for i in found)))
            for name, found in logs.items()}


def server(systems, args, name, ceiling):
    """The highest target_qps (of `steps` bisections below `ceiling`, as make mlperf's own search
    bisects: peak.bisect) whose 99th percentile latency is within the bound; and that run's figures."""
    bound_ms = float(conf_value(args.mlperf_conf, "rnnt", "Server", "target_latency") or 1000)
    completed = {}

    def p99_at(qps):
        log_dir = os.path.join(systems.work, f"server-{len(completed)}")
        conf = systems.user_conf(f"server-{len(completed)}", [
            f"rnnt.*.performance_sample_count_override = {args.sample_count}",
            f"rnnt.Server.target_qps = {qps:.3f}", f"rnnt.Server.min_query_count = {args.server_queries}",
            "rnnt.Server.min_duration = 0"])
        systems.loadgen(name, "Server", "performance", log_dir, conf, batch=args.server_batch)
        p99 = int(figure(log_dir, "99.00 percentile latency (ns)")) / 1e6
        completed[qps] = float(figure(log_dir, "Completed samples per second"))
        print(f"server: {qps:.2f} queries/s: p99 {p99:.0f} ms {'within' if p99 <= bound_ms else 'over'} the bound",
              file=sys.stderr, flush=True)
        return p99

    best, tried = bisect(p99_at, ceiling, bound_ms, args.server_steps)
    if best is None:
        return None, bound_ms
    return {"queries_per_second": best, "p99_ms": tried[best], "completed_per_second": completed[best]}, bound_ms


def single_stream(systems, args, name):
    conf = systems.user_conf("singlestream", [
        f"rnnt.*.performance_sample_count_override = {args.sample_count}",
        f"rnnt.SingleStream.min_query_count = {args.sample_count}", "rnnt.SingleStream.min_duration = 0"])
    log_dir = os.path.join(systems.work, "singlestream")
    systems.loadgen(name, "SingleStream", "performance", log_dir, conf, batch=fastest_batch("SingleStream"))
    return int(figure(log_dir, "90.00 percentile latency (ns)")) / 1e6


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference-python", required=True, help="python of the reference environment")
    parser.add_argument("--rnnt-dir", required=True, help="speech_recognition/rnnt of an r1.0 clone")
    parser.add_argument("--checkpoint", required=True, help="the upstream checkpoint (.pt), as the reference takes it")
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--dataset-dir", required=True)
    parser.add_argument("--mlperf-conf", required=True, help="the clone's mlperf.conf")
    parser.add_argument("--ir-dir", required=True, help="the FP32 IR set")
    parser.add_argument("--int8-ir-dir", help="its INT8 set, if any")
    parser.add_argument("--featurizer", required=True)
    parser.add_argument("--config", required=True, help="configs/rnnt.toml")
    parser.add_argument("--describe", default="", help="what the data is, for the table's title")
    parser.add_argument("--sample-count", type=int, default=256, help="utterances loaded (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=1024, help="samples issued per Offline run (default: %(default)s)")
    parser.add_argument("--reference-samples", type=int, default=64,
                        help="samples issued to the reference SUT, and utterances it decodes for accuracy (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating Offline rounds (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=None, help="batch of every harness system (default: each its fastest)")
    parser.add_argument("--server-steps", type=int, default=5, help="bisection steps of the Server search")
    parser.add_argument("--server-queries", type=int, default=500, help="queries per Server run")
    parser.add_argument("--server-batch", type=int, default=fastest_batch("Server"),
                        help="Server: utterances decoded together at most (default: %(default)s)")
    parser.add_argument("--remember", help="JSON file of what was measured on this CPU before: the fastest Offline batches "
                        "(rnnt_ov/mlperf/fastest.py; measured where absent)")
    parser.add_argument("--json", help="write the figures here (a PNG chart beside it)")
    args = parser.parse_args()
    args.batch = {name: args.batch or offline_batch(args, name)
                  for name in ("fp32-f32", "fp32-default") + (("int8-default",) if args.int8_ir_dir else ())}

    work = tempfile.mkdtemp(prefix="mlperf-compare-")
    systems = Systems(args, work)
    rates = offline(systems, args)
    medians = {name: statistics.median(r) for name, r in rates.items()}
    equal = accuracy(systems, args)
    best = max((n for n in medians if n != "reference"), key=medians.get)
    served, bound = server(systems, args, best, medians[best])
    latency = single_stream(systems, args, best)

    n = cores()
    print(f"mlperf-compare: {args.describe or args.manifest}; {n} cores ({cpu_name()})")
    print(f"Offline, {args.samples} samples per run of this harness ({args.reference_samples} of the reference), "
          f"median of {args.rounds} alternating rounds")
    print(f"  {'system':<56} {'samples/s':>10} {'per core':>9} {'x ref':>7}   utterances with f32's tokens; tokens")
    for name, label in systems.labels.items():
        same, total, share = equal[name]
        print(f"  {label:<56} {medians[name]:10.2f} {medians[name] / n:9.2f} {medians[name] / medians['reference']:7.1f}"
              f"   {same}/{total} ({same / total:.1%}); {share:.1%}" + ("  (the first utterances)" if name == "reference" else ""))
    system = systems.names[best]
    if served:
        print(f"Server ({system}, at most {args.server_batch} together): {served['queries_per_second']:.2f} "
              f"queries/s ({served['queries_per_second'] / n:.2f} per core), 99th percentile {served['p99_ms']:.0f} ms "
              f"<= {bound:.0f} ms")
    else:
        print(f"Server ({system}): no target_qps tried kept the 99th percentile within {bound:.0f} ms")
    print(f"SingleStream ({system}, batch 1): 90th percentile latency {latency:.0f} ms")
    if args.json:
        write_json(args.json, {"data": args.describe or args.manifest, "cores": n, "cpu": cpu_name(),
                               "samples": args.samples, "reference_samples": args.reference_samples, "rounds": args.rounds,
                               "systems": systems.labels, "offline_samples_per_second": rates, "median": medians,
                               "per_core": {k: v / n for k, v in medians.items()},
                               "ratio_to_reference": {k: v / medians["reference"] for k, v in medians.items()},
                               "tokens_equal_to_f32": equal, "server": served, "server_bound_ms": bound,
                               "singlestream_p90_ms": latency, "fastest": best})
        png = os.path.splitext(args.json)[0] + ".png"
        from rnnt_ov.charts import bars
        bars(png, {systems.labels[k]: v / n for k, v in medians.items()},
             f"Offline samples per second per core (LoadGen, median), {n} cores",
             lambda label, value: f"{value:.2f}/s per core  (x{value * n / medians['reference']:.1f})",
             title=f"make mlperf-compare, {n} cores of {cpu_name()}")
        print(f"wrote {args.json} and {png}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
