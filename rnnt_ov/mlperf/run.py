"""Run the RNN-T IR under MLPerf LoadGen, as upstream's speech_recognition/rnnt/run.py runs its SUT.

Settings come from the clone's mlperf.conf, then the user.conf (later keys win, as upstream's two
FromConfig calls have it; LoadGen 6 would log a second configuration file as an error, so the two
are merged into settings.conf beside the logs, and it reads RNG seeds from its compiled-in rules
only, so the clone's seeds are set explicitly). The logs are written to LOG_DIR.tmp and the folder
is renamed to LOG_DIR only once the run, and in accuracy mode its scoring, has finished: a folder
without .tmp is a finished run. The summary is printed, then one line of what it measured.
Offline expects the rate measured at its batch on this CPU (plus EXPECTED_MARGIN) unless the
user.conf says what to expect, so that LoadGen issues samples for the rules' minimum duration.
"""
import os
import shutil
import sys
import traceback

import mlperf_loadgen as lg

from .. import cli
from ..dataset import DatasetError, read_manifest
from ..interface import InterfaceError
from ..workers import cores, recognizer as make_recognizer
from .accuracy import report
from .fastest import CANDIDATES, fastest_offline_batch, measured_rate
from .qsl import QSL
from .peak import TRIAL_QUERIES, server_load
from .settings import SEEDS, conf_value, digest, fastest_batch, merged_settings, summary_values, unreadable_line
from .sut import SUT

SCENARIOS = {"SingleStream": lg.TestScenario.SingleStream, "Offline": lg.TestScenario.Offline,
             "Server": lg.TestScenario.Server}
MODES = {"performance": lg.TestMode.PerformanceOnly, "accuracy": lg.TestMode.AccuracyOnly}


MAX_BATCH = 512
# Offline: LoadGen issues max(min_query_count, 1.1 x min_duration x target_qps) samples, and a run
# shorter than min_duration (10 minutes) is INVALID. A user.conf that does not set what to expect
# gets the rate measured here, plus this margin: a run of about 13 minutes, valid unless the
# system runs a third faster than measured.
EXPECTED_MARGIN = 1.2


class SettingError(Exception):
    """A setting the harness cannot run with; the message says which and what to give."""


def loadgen_settings(args, merged, mode):
    """LoadGen's settings for the scenario from the merged configuration files, in `mode`."""
    settings = lg.TestSettings()
    settings.scenario = SCENARIOS[args.scenario]
    if settings.FromConfig(merged, "rnnt", args.scenario) != 0:
        where = unreadable_line(args.user_conf) or unreadable_line(args.mlperf_conf)
        raise SettingError(f"LoadGen cannot read {where or args.user_conf + ' and ' + args.mlperf_conf}: "
                           "its settings are lines of model.scenario.key = number")
    settings.mode = MODES[mode]
    # LoadGen 6 takes the RNG seeds from its compiled-in rules only: set the clone's.
    for key in SEEDS:
        value = conf_value(args.mlperf_conf, "rnnt", args.scenario, key)
        if value is not None:
            setattr(settings, key, int(value, 0))
    return settings


def server_trial(args, sut, qsl, merged, folder):
    """A short Server run of this system at a load (peak.py): (99th percentile ms, completed/s)."""
    def trial(load, queries):
        settings = loadgen_settings(args, merged, "performance")
        settings.server_target_qps, settings.min_query_count, settings.min_duration_ms = load, queries, 0
        log_settings = lg.LogSettings()
        os.makedirs(folder, exist_ok=True)
        log_settings.log_output.outdir = os.path.join(folder, f"{len(os.listdir(folder)) + 1}-at-{load:g}-queries-per-second")
        os.makedirs(log_settings.log_output.outdir)
        lg.StartTestWithLogSettings(sut.sut, qsl.qsl, settings, log_settings)
        value = summary_values(os.path.join(log_settings.log_output.outdir, "mlperf_log_summary.txt"))
        return int(value("99.00 percentile latency (ns)")) / 1e6, float(value("Completed samples per second"))
    return trial


def expect_offline_rate(args, settings, recognizer, batch):
    """Offline: unless the user.conf says what to expect, the rate measured here at `batch`, plus
    EXPECTED_MARGIN, so that LoadGen issues samples for the rules' minimum duration."""
    if conf_value(args.user_conf, "rnnt", "Offline", "target_qps") is not None:
        return
    rate = measured_rate(recognizer, args.ir_dir, args.remember, batch, settings.min_query_count)
    if rate is None:
        raise SettingError(f"MLPERF_BATCH={batch} does not run here (memory): use a smaller MLPERF_BATCH")
    settings.offline_expected_qps = round(rate * EXPECTED_MARGIN, 2)
    print(f"mlperf: Offline expects {settings.offline_expected_qps:g} samples/s ({rate:g} measured here at "
          f"batch {batch}, +{EXPECTED_MARGIN - 1:.0%}): LoadGen issues enough samples for the rules' "
          f"minimum duration (rnnt.Offline.target_qps in USER_CONF sets it)", flush=True)


def offer_server_load(args, settings, sut, qsl, batch, merged, trials):
    """Server: what a valid run reports is the load it was offered: the user.conf's, else found
    here by trial runs (peak.py), their logs in `trials`."""
    if conf_value(args.user_conf, "rnnt", "Server", "target_qps") is not None:
        print(f"mlperf: Server offers {settings.server_target_qps:g} queries/s (rnnt.Server.target_qps of "
              f"{args.user_conf}): a valid run reports that load", flush=True)
        return
    trial = server_trial(args, sut, qsl, merged, trials)
    load = server_load(trial, args.ir_dir, sut.recognizer.precision, batch, settings.server_target_latency_ns / 1e6,
                       args.remember, args.server_trial_queries)
    if load is None:
        raise SettingError("no Server load tried kept the 99th percentile within the bound: "
                           "set rnnt.Server.target_qps in USER_CONF")
    settings.server_target_qps = load


def run(args):
    alphabet = cli.alphabet(args.config)
    if args.workers is not None and not 1 <= args.workers <= 64:
        raise SettingError(f"MLPERF_WORKERS={args.workers}: recognizers side by side must be 1 to 64 "
                           "(leave it out: one per core for Offline)")
    if args.workers not in (None, 1) and args.scenario != "Offline":
        raise SettingError(f"MLPERF_WORKERS={args.workers}: only Offline runs recognizers side by side; leave it out")
    if args.batch is not None and not 1 <= args.batch <= MAX_BATCH:
        raise SettingError(f"MLPERF_BATCH={args.batch}: utterances decoded together must be 1 to {MAX_BATCH} "
                           "(leave it out: Offline measures the fastest)")
    dataset = read_manifest(args.manifest, args.dataset_dir, alphabet)
    tmp = f"{args.log_dir}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    merged = os.path.join(tmp, "settings.conf")
    merged_settings(args.mlperf_conf, args.user_conf, merged)
    settings = loadgen_settings(args, merged, args.mode)
    # The IR is loaded (and Offline's batch measured) once the data and settings are known good.
    precision = cli.inference_precision(args.precision)
    workers = args.workers or (cores() if args.scenario == "Offline" else 1)
    recognizer = make_recognizer(args.ir_dir, args.featurizer, precision, workers)
    batch = args.batch
    if batch is None and args.scenario == "Offline":
        # As many samples as LoadGen issues at least: the run's batches pad less, the more it has.
        batch = fastest_offline_batch(recognizer, args.ir_dir, args.remember, settings.min_query_count)
        if batch is None:
            raise SettingError(f"not even a batch of {min(CANDIDATES)} runs here (memory): give a smaller MLPERF_BATCH")
    batch = batch or fastest_batch(args.scenario)
    if args.scenario == "Offline" and args.mode == "performance":
        expect_offline_rate(args, settings, recognizer, batch)
    print(f"mlperf: {args.scenario} {args.mode}, {dataset.describe()}; IR {args.ir_dir} at batch {batch}"
          f"{f', {workers} workers side by side' if workers > 1 else ''}", flush=True)
    qsl = QSL(dataset)
    try:
        sut = SUT(qsl, recognizer, args.scenario, batch)
    except (MemoryError, RuntimeError) as err:
        raise SettingError(f"MLPERF_BATCH={batch} does not run here ({str(err).strip().splitlines()[-1][:200]}): "
                           "use a smaller MLPERF_BATCH") from None
    print(f"mlperf: OpenVINO runs at {sut.recognizer.precision}"
          f"{' (the CPU default)' if args.precision == 'default' else ''}", flush=True)
    if sut.recognizer.networks.note():
        print(sut.recognizer.networks.note(), flush=True)
    if args.scenario == "Server" and args.mode == "performance":
        offer_server_load(args, settings, sut, qsl, batch, merged, os.path.join(tmp, "server-trials"))
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
    parser = cli.parser(__spec__.name, __doc__)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="Offline")
    parser.add_argument("--mode", choices=sorted(MODES), default="performance")
    parser.add_argument("--manifest", required=True, help="JSON manifest in the format of upstream's dev-clean-wav.json")
    parser.add_argument("--dataset-dir", required=True, help="the folder the manifest's fname entries are relative to")
    parser.add_argument("--mlperf-conf", required=True, help="the clone's mlperf.conf")
    parser.add_argument("--user-conf", required=True, help="LoadGen settings of this system (user.conf)")
    cli.add_recognizer_arguments(parser)
    parser.add_argument("--batch", type=int,
                        help="utterances decoded together at most (default: Offline the fastest measured here, "
                             "fastest.py; Server and SingleStream settings.fastest_batch)")
    parser.add_argument("--workers", type=int,
                        help="Offline: recognizers side by side, each on one thread (default: one per core, "
                             "workers.py); Server and SingleStream: 1")
    parser.add_argument("--remember", help="JSON file of what was measured on this CPU before: Offline's fastest "
                        "batch and rate (fastest.py), Server's load (peak.py); read, and written")
    parser.add_argument("--server-trial-queries", type=int, default=TRIAL_QUERIES,
                        help="Server without a target_qps in the user.conf: queries per trial of the search for "
                             "the highest load within the bound (peak.py; default: %(default)s)")
    parser.add_argument("--log-dir", required=True, help="where LoadGen's logs go")
    args = parser.parse_args()
    for name in ("mlperf_conf", "user_conf"):
        if not os.path.isfile(getattr(args, name)):
            sys.exit(f"error: {getattr(args, name)} does not exist: give the clone's mlperf.conf and a user.conf")
    try:
        run(args)
    except (DatasetError, InterfaceError, SettingError) as err:
        shutil.rmtree(f"{args.log_dir}.tmp", ignore_errors=True)
        sys.exit(f"error: {err}")
    except BaseException:
        traceback.print_exc()
        shutil.rmtree(f"{args.log_dir}.tmp", ignore_errors=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
