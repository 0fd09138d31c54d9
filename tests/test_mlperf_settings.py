"""LoadGen's settings and summaries, read as LoadGen reads them (rnnt_ov/mlperf/settings.py)."""
import pytest

import standin_upstream
from rnnt_ov.mlperf.settings import conf_value, digest, merged_settings, summary_values


@pytest.fixture
def confs(tmp_path):
    mlperf = tmp_path / "mlperf.conf"
    mlperf.write_text(standin_upstream.MLPERF_CONF)
    user = tmp_path / "user.conf"
    user.write_text("*.Offline.target_qps = 25  # measured\nrnnt.Server.target_latency = 900\n")
    merged = tmp_path / "settings.conf"
    merged_settings(mlperf, user, merged)
    return mlperf, user, merged


def test_a_key_is_looked_up_from_the_most_specific_pattern(confs):
    mlperf, _, _ = confs
    assert conf_value(mlperf, "rnnt", "Server", "target_latency") == "1000"                  # rnnt.Server.*
    assert conf_value(mlperf, "rnnt", "Offline", "min_duration") == "600000"                 # *.Offline.*
    assert conf_value(mlperf, "rnnt", "Offline", "performance_sample_count_override") == "2513"   # rnnt.*.*
    assert conf_value(mlperf, "rnnt", "Offline", "qsl_rng_seed") == "7322528924094909334"    # *.*.*
    assert conf_value(mlperf, "rnnt", "Offline", "no_such_key") is None


def test_the_user_conf_follows_the_rules_and_its_later_lines_win(confs):
    mlperf, user, merged = confs
    text = merged.read_text()
    assert text.index("rnnt.Server.target_latency = 1000") < text.index("rnnt.Server.target_latency = 900")
    assert conf_value(merged, "rnnt", "Server", "target_latency") == "900"
    assert conf_value(merged, "rnnt", "Offline", "target_qps") == "25"           # the comment is no part of it


SUMMARY = """================================================
MLPerf Results Summary
================================================
SUT name : PySUT
Scenario : {scenario}
Mode     : PerformanceOnly
Samples per second: 12.5
Completed samples per second    : 3.21
Scheduled samples per second    : 3.30
Result is : {result}
99.00 percentile latency (ns)   : 812345678
90.00 percentile latency (ns)   : 645000000
"""


@pytest.mark.parametrize("scenario,line", [
    ("Offline", "Offline: 12.5 samples/s; LoadGen: VALID"),
    ("Server", "Server: 3.21 samples/s completed of 3.30 scheduled, 99th percentile latency 812.3 ms; LoadGen: VALID"),
    ("SingleStream", "SingleStream: 90th percentile latency 645.0 ms; LoadGen: VALID"),
])
def test_the_summary_gives_one_line_per_scenario(tmp_path, scenario, line):
    path = tmp_path / "mlperf_log_summary.txt"
    path.write_text(SUMMARY.format(scenario=scenario, result="VALID"))
    assert digest(path, scenario) == line
    assert summary_values(path)("No such label") == "?"


def test_a_user_conf_loadgen_cannot_read_gets_one_line_before_the_ir_is_read(confs, tmp_path):
    """The settings are read before the IR is (and Offline's batch measured): here there is no IR
    at all, and the error is the user.conf's."""
    import subprocess
    import sys

    import synthetic_dataset
    import toml
    mlperf, user, _ = confs
    user.write_text("rnnt.Offline.target_qps = many\n")
    dataset = synthetic_dataset.write(tmp_path / "dataset", seconds=[1.0], librispeech=False)
    (tmp_path / "rnnt.toml").write_text(toml.dumps(standin_upstream.CONFIG))
    logs = tmp_path / "logs" / "Offline-performance"
    result = subprocess.run(
        [sys.executable, "-m", "rnnt_ov.mlperf.run", "--manifest", str(dataset["manifest"]),
         "--dataset-dir", str(dataset["dataset_dir"]), "--mlperf-conf", str(mlperf), "--user-conf", str(user),
         "--ir-dir", str(tmp_path / "no-ir"), "--featurizer", str(tmp_path / "no-ir" / "featurizer.npz"),
         "--config", str(tmp_path / "rnnt.toml"), "--log-dir", str(logs)], capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stderr.splitlines() == [f"error: LoadGen cannot read {user}, line 1: rnnt.Offline.target_qps = many: "
                                          "its settings are lines of model.scenario.key = number"]
    assert not logs.parent.exists() or not list(logs.parent.iterdir())
