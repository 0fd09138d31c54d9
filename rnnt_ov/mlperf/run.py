"""Run the RNN-T IR under MLPerf LoadGen, as upstream's speech_recognition/rnnt/run.py runs its SUT.

Settings come from the clone's mlperf.conf, then the user.conf (later keys win, as upstream's two
FromConfig calls have it; LoadGen 6 would log a second configuration file as an error, so the two
are merged into settings.conf beside the logs, and it reads RNG seeds from its compiled-in rules
only, so the clone's seeds are set explicitly). The logs are written to LOG_DIR.tmp and the folder
is renamed to LOG_DIR only once the run, and in accuracy mode its scoring, has finished: a folder
without .tmp is a finished run. The summary is printed, then one line of what it measured.
"""
import argparse
import os
import re
import shutil
import sys
import traceback

import mlperf_loadgen as lg
import toml

from ..interface import InterfaceError
from ..runtimes import encoder_input_shape
from .accuracy import report
from .manifest import DatasetError, read
from .qsl import QSL
from .sut import SUT

SCENARIOS = {"SingleStream": lg.TestScenario.SingleStream, "Offline": lg.TestScenario.Offline,
             "Server": lg.TestScenario.Server}
MODES = {"performance": lg.TestMode.PerformanceOnly, "accuracy": lg.TestMode.AccuracyOnly}


def merged_settings(mlperf_conf, user_conf, path):
    """mlperf.conf, then user.conf, in one file: the later setting of a key wins."""
    with open(path, "w") as out:
        for source in (mlperf_conf, user_conf):
            with open(source) as f:
                out.write(f"# ---- {os.path.abspath(source)}\n{f.read()}\n")


SEEDS = ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")


def conf_value(path, model, scenario, key):
    """A key of a LoadGen configuration file, looked up as LoadGen does: model.scenario.key, then
    *.scenario.key, model.*.key, *.*.key; the last line setting it wins. None if absent."""
    found = {}
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if len(words) == 3 and words[1] == "=":
                found[words[0]] = words[2]
    for pattern in (f"{model}.{scenario}.{key}", f"*.{scenario}.{key}", f"{model}.*.{key}", f"*.*.{key}"):
        if pattern in found:
            return found[pattern]
    return None


def summary_values(summary_path):
    """A function from a label of LoadGen's mlperf_log_summary.txt to its value ("?" if absent)."""
    with open(summary_path) as f:
        text = f.read()

    def value(label):
        match = re.search(rf"^{re.escape(label)}\s*:\s*(\S+)", text, re.M)
        return match.group(1) if match else "?"
    return value


def digest(summary_path, scenario):
    """One line from LoadGen's summary: the figure the scenario is judged by, and the verdict."""
    value = summary_values(summary_path)

    def ms(label):
        ns = value(label)
        return f"{int(ns) / 1e6:.1f} ms" if ns.isdigit() else "?"

    if scenario == "Offline":
        figure = f"{value('Samples per second')} samples/s"
    elif scenario == "Server":
        figure = (f"{value('Completed samples per second')} samples/s completed of "
                  f"{value('Scheduled samples per second')} scheduled, 99th percentile latency "
                  f"{ms('99.00 percentile latency (ns)')}")
    else:
        figure = f"90th percentile latency {ms('90.00 percentile latency (ns)')}"
    return f"{scenario}: {figure}; LoadGen: {value('Result is')}"


def run(args):
    alphabet = toml.load(args.config)["labels"]["labels"]
    dataset = read(args.manifest, args.dataset_dir, alphabet)
    batch = args.batch or encoder_input_shape(args.ir_dir)[1]
    tmp = f"{args.log_dir}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    merged_settings(args.mlperf_conf, args.user_conf, os.path.join(tmp, "settings.conf"))

    settings = lg.TestSettings()
    settings.scenario = SCENARIOS[args.scenario]
    if settings.FromConfig(os.path.join(tmp, "settings.conf"), "rnnt", args.scenario) != 0:
        raise DatasetError(f"LoadGen cannot read {args.mlperf_conf} or {args.user_conf}: see {tmp}/mlperf_log_detail.txt")
    settings.mode = MODES[args.mode]
    # LoadGen 6 takes the RNG seeds from its compiled-in rules only: set the clone's.
    for key in SEEDS:
        value = conf_value(args.mlperf_conf, "rnnt", args.scenario, key)
        if value is not None:
            setattr(settings, key, int(value, 0))
    print(f"mlperf: {args.scenario} {args.mode}, {dataset.describe()}; IR {args.ir_dir} at batch {batch}",
          flush=True)
    qsl = QSL(dataset)
    sut = SUT(qsl, args.ir_dir, args.featurizer, args.scenario, batch,
              precision=None if args.precision == "default" else args.precision, max_wait=args.max_wait_ms / 1e3)
    print(f"mlperf: OpenVINO runs at {sut.runtime.precision}"
          f"{' (the CPU default)' if args.precision == 'default' else ''}", flush=True)
    if sut.runtime.note():
        print(sut.runtime.note(), flush=True)
    log_settings = lg.LogSettings()
    log_settings.log_output.outdir = tmp
    log_settings.log_output.copy_summary_to_stdout = True
    lg.StartTestWithLogSettings(sut.sut, qsl.qsl, settings, log_settings)
    sut.destroy()
    qsl.destroy()

    lines = [digest(os.path.join(tmp, "mlperf_log_summary.txt"), args.scenario)]
    if args.mode == "accuracy":
        wer_lines, _ = report(os.path.join(tmp, "mlperf_log_accuracy.json"), dataset, alphabet)
        lines = wer_lines
        with open(os.path.join(tmp, "accuracy.txt"), "w") as out:
            out.write("\n".join(wer_lines) + "\n")
    shutil.rmtree(args.log_dir, ignore_errors=True)
    os.replace(tmp, args.log_dir)
    print("\n".join(lines))
    print(f"mlperf: logs in {args.log_dir}")


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="Offline")
    parser.add_argument("--mode", choices=sorted(MODES), default="performance")
    parser.add_argument("--manifest", required=True, help="JSON manifest in the format of upstream's dev-clean-wav.json")
    parser.add_argument("--dataset-dir", required=True, help="the folder the manifest's fname entries are relative to")
    parser.add_argument("--mlperf-conf", required=True, help="the clone's mlperf.conf")
    parser.add_argument("--user-conf", required=True, help="LoadGen settings of this system (user.conf)")
    parser.add_argument("--ir-dir", required=True, help="the three IR and rnnt_prediction_start.npz")
    parser.add_argument("--featurizer", required=True, help="featurizer.npz written by migrate.py")
    parser.add_argument("--config", required=True, help="upstream configs/rnnt.toml (for the alphabet)")
    parser.add_argument("--precision", choices=("f32", "default"), default="f32",
                        help="OpenVINO inference precision: f32, or the CPU's default (bf16 where available)")
    parser.add_argument("--batch", type=int, help="utterances decoded together (default: the IR's batch)")
    parser.add_argument("--max-wait-ms", type=float, default=50.0,
                        help="Server: how long a batch waits for more queries after its first (default: %(default)s)")
    parser.add_argument("--log-dir", required=True, help="where LoadGen's logs go")
    args = parser.parse_args()
    for name in ("mlperf_conf", "user_conf"):
        if not os.path.isfile(getattr(args, name)):
            sys.exit(f"error: {getattr(args, name)} does not exist: give the clone's mlperf.conf and a user.conf")
    try:
        run(args)
    except (DatasetError, InterfaceError) as err:
        shutil.rmtree(f"{args.log_dir}.tmp", ignore_errors=True)
        sys.exit(f"error: {err}")
    except BaseException:
        traceback.print_exc()
        shutil.rmtree(f"{args.log_dir}.tmp", ignore_errors=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
