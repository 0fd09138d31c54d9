"""`make mlperf`: the IR under MLPerf LoadGen, in each scenario, on a small synthetic dataset."""
import array
import json
import re

import pytest

import standin_upstream
import synthetic_dataset
from conftest import make
from rnnt_ov.metrics import edit_distance
from rnnt_ov.workers import cores

pytestmark = pytest.mark.slow      # runs make to build: left out of make test-fast

ALPHABET = standin_upstream.CONFIG["labels"]["labels"]
# A run of seconds: every sample loaded, a few queries, no minimum duration.
TINY_CONF = """\
rnnt.*.performance_sample_count_override = 0
*.Offline.min_query_count = 12
*.Offline.min_duration = 0
*.Offline.target_qps = 1
*.SingleStream.min_query_count = 6
*.SingleStream.min_duration = 0
*.SingleStream.target_latency = 2000
*.Server.min_query_count = 12
*.Server.min_duration = 0
*.Server.target_qps = 6
"""
# The dynamic-length IR of ovc at batch 4 (configured_builds makes it), as a user would run it.
CONFIGURATION = ["CONVERTER=ovc", "SEQ_LEN=dynamic", "BATCH=4"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return synthetic_dataset.write(tmp_path_factory.mktemp("dataset"))


@pytest.fixture(scope="module")
def tiny_conf(tmp_path_factory):
    path = tmp_path_factory.mktemp("conf") / "user.conf"
    path.write_text(TINY_CONF)
    return path


@pytest.fixture(scope="module")
def run(configured_builds, upstream, checkpoint, tiny_conf):
    build, _, _, _ = configured_builds
    urls = [f"MLCOMMONS_URL=file://{upstream}", f"WEIGHTS_URL=file://{checkpoint}", f"USER_CONF={tiny_conf}"]
    return lambda *args, **kw: make(build, *urls, *args, **kw)


@pytest.fixture(scope="module")
def transcripts(run, dataset):
    """What `make transcribe` prints for each utterance the harness keeps: the batch-1 decode."""
    files = [str(dataset["dataset_dir"] / e["files"][0]["fname"]) for e in dataset["kept"]]
    out = run(*CONFIGURATION, "transcribe", f"AUDIO={' '.join(files)}").stdout
    return dict(line.split(": ", 1) if ": " in line else (line.rstrip(":"), "") for line in out.splitlines())


def logged_texts(log_dir, dataset):
    """{audio file: text} from LoadGen's accuracy log: int64 labels through the alphabet."""
    results = json.loads((log_dir / "mlperf_log_accuracy.json").read_text())
    files = [str(dataset["dataset_dir"] / e["files"][0]["fname"]) for e in dataset["kept"]]
    return {files[r["qsl_idx"]]: "".join(ALPHABET[label] for label in array.array("q", bytes.fromhex(r["data"])))
            for r in results}


def expected_wer_line(texts, dataset):
    """The WER computed here, independently, as upstream's accuracy_eval.py prints it."""
    references = {str(dataset["dataset_dir"] / e["files"][0]["fname"]): e["transcript"] for e in dataset["kept"]}
    errors = sum(edit_distance(references[f].split(), t.split()) for f, t in texts.items())
    words = sum(len(r.split()) for r in references.values())
    return f"Word Error Rate: {errors / words * 100}%, accuracy={(1 - errors / words) * 100}%"


@pytest.mark.parametrize("scenario", ["Offline", "Server", "SingleStream"])
def test_accuracy_mode_logs_what_make_transcribe_prints_and_scores_it(run, dataset, transcripts, configured_builds,
                                                                      scenario):
    build, _, _, _ = configured_builds
    result = run(*CONFIGURATION, "mlperf", f"SCENARIO={scenario}", "MODE=accuracy",
                 f"MANIFEST={dataset['manifest']}", f"DATASET_DIR={dataset['dataset_dir']}")
    log_dir = build / "mlperf" / "seqdynamic-batch4-FP32-ovc-f32" / f"{scenario}-accuracy"
    texts = logged_texts(log_dir, dataset)
    # Every utterance of 15 s or less, once; the longer one is left out, as upstream's QSL does.
    assert len(texts) == len(dataset["kept"]) == len(synthetic_dataset.SECONDS) - 1
    assert texts == transcripts
    assert expected_wer_line(texts, dataset) in result.stdout
    assert "MLPerf bound: not checked (6 samples" in result.stdout
    assert (log_dir / "accuracy.txt").read_text().startswith("Word Error Rate: ")
    assert not list(log_dir.parent.glob("*.tmp"))


@pytest.mark.parametrize("scenario", ["Offline", "Server", "SingleStream"])
def test_a_short_performance_run_ends_with_loadgens_summary(run, dataset, configured_builds, scenario):
    build, _, _, _ = configured_builds
    result = run(*CONFIGURATION, "mlperf", f"SCENARIO={scenario}", f"MANIFEST={dataset['manifest']}")
    assert "MLPerf Results Summary" in result.stdout and f"Scenario : {scenario}" in result.stdout
    figure = {"Offline": r"\d+(\.\d+)? samples/s", "Server": r"99th percentile latency \d+\.\d ms",
              "SingleStream": r"90th percentile latency \d+\.\d ms"}[scenario]
    assert re.search(rf"^{scenario}: .*{figure}.*; LoadGen: (VALID|INVALID)$", result.stdout, re.M)
    log_dir = build / "mlperf" / "seqdynamic-batch4-FP32-ovc-f32" / f"{scenario}-performance"
    for name in ("mlperf_log_summary.txt", "mlperf_log_detail.txt", "mlperf_log_accuracy.json", "settings.conf"):
        assert (log_dir / name).is_file()
    assert "qsl_rng_seed : 7322528924094909334" in result.stdout       # the clone's (r1.0's) seeds
    if scenario == "Server":                                           # the user.conf's load, said
        assert "mlperf: Server offers 6 queries/s (rnnt.Server.target_qps of " in result.stdout
    # The clone's mlperf.conf, then the user.conf: both, in that order, in the settings LoadGen read.
    settings = (log_dir / "settings.conf").read_text()
    assert settings.index("rnnt.Server.target_latency = 1000") < settings.index("*.Offline.min_duration = 0")


def test_librispeech_flac_gets_a_manifest_and_the_same_result(run, dataset, configured_builds):
    build, _, _, _ = configured_builds
    wav = run(*CONFIGURATION, "mlperf", "MODE=accuracy", f"MANIFEST={dataset['manifest']}")
    flac = run(*CONFIGURATION, "mlperf", "MODE=accuracy", f"DATASET={dataset['librispeech']}")
    written = build / "mlperf" / "manifests" / "dev-tiny.json"
    entries = json.loads(written.read_text())
    assert len(entries) == len(synthetic_dataset.SECONDS)
    assert entries[0]["files"][0]["fname"].startswith("dev-tiny/") and entries[0]["files"][0]["fname"].endswith(".flac")
    wer = [line for line in wav.stdout.splitlines() if line.startswith("Word Error Rate")]
    assert wer and wer == [line for line in flac.stdout.splitlines() if line.startswith("Word Error Rate")]


def test_a_static_ir_batches_exactly_too(run, dataset, transcripts, configured_builds):
    """A 157-frame IR with its lengths frozen (mo, batch 4): reshaped, its lengths an input again."""
    build, _, _, _ = configured_builds
    run("SEQ_LEN=157", "BATCH=4", "mlperf", "MODE=accuracy", f"MANIFEST={dataset['manifest']}")
    assert logged_texts(build / "mlperf" / "seq157-batch4-FP32-f32" / "Offline-accuracy", dataset) == transcripts


@pytest.fixture
def bad_dataset(tmp_path, dataset):
    """A copy of the manifest to spoil, beside the same audio."""
    def write(transform):
        entries = json.loads(dataset["manifest"].read_text())
        path = tmp_path / "manifest.json"
        path.write_text(transform(entries) if callable(transform) else transform)
        return path
    return write


def first_entry_at_8k(entries, dataset, tmp_path):
    import numpy as np
    import soundfile
    soundfile.write(tmp_path / "8k.wav", np.zeros(8000, np.float32), 8000)
    entries[0]["files"][0]["fname"] = str(tmp_path / "8k.wav")
    return json.dumps(entries)


@pytest.mark.parametrize("spoil,message", [
    ("not json at all", "is not JSON"),
    ('{"files": []}', "holds a JSON dict, not a list of utterances"),
    (lambda e: json.dumps([{"transcript": "x"}]), "utterance 0 lacks original_duration, transcript or files[].fname"),
    (lambda e: json.dumps([{**e[0], "files": [{**e[0]["files"][0], "fname": "gone/missing.wav"}]}] + e[1:]),
     "1 of the 6 audio files of MANIFEST="),
    ("8k", "is sampled at 8000 Hz; the model takes 16000 Hz"),
])
def test_a_bad_dataset_gets_one_line_and_leaves_no_run(run, bad_dataset, dataset, configured_builds, tmp_path,
                                                        spoil, message):
    build, _, _, _ = configured_builds
    if spoil == "8k":
        spoil = lambda e: first_entry_at_8k(e, dataset, tmp_path)   # noqa: E731
    manifest = bad_dataset(spoil)
    result = run(*CONFIGURATION, "mlperf", "SCENARIO=SingleStream", "MODE=accuracy", f"MANIFEST={manifest}",
                 f"DATASET_DIR={dataset['dataset_dir']}", check=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode != 0 and len(errors) == 1 and message in errors[0], result.stderr[-2000:]
    runs = build / "mlperf" / "seqdynamic-batch4-FP32-ovc-f32"
    assert not (runs / "SingleStream-accuracy.tmp").exists()


def test_workers_for_a_scenario_that_has_none_get_one_line_before_loadgen_starts(run, dataset, configured_builds):
    """Only Offline recognizes with workers side by side: asked of Server, one line and no log."""
    build, _, _, _ = configured_builds
    result = run(*CONFIGURATION, "mlperf", "SCENARIO=Server", "MLPERF_WORKERS=2", f"MANIFEST={dataset['manifest']}",
                 check=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode != 0 and errors == [
        "error: MLPERF_WORKERS=2: only Offline runs recognizers side by side; leave it out"]
    assert not (build / "mlperf" / "seqdynamic-batch4-FP32-ovc-f32" / "Server-performance.tmp").exists()


def test_a_batch_that_cannot_run_gets_one_line_before_loadgen_starts(run, dataset, configured_builds):
    build, _, _, _ = configured_builds
    result = run(*CONFIGURATION, "mlperf", "MLPERF_BATCH=1000", f"MANIFEST={dataset['manifest']}", check=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode != 0 and errors == [
        "error: MLPERF_BATCH=1000: utterances decoded together must be 1 to 512 (leave it out: Offline measures the fastest)"]
    assert "MLPerf Results Summary" not in result.stdout
    runs = build / "mlperf" / "seqdynamic-batch4-FP32-ovc-f32"
    assert not (runs / "Offline-performance.tmp").exists()


def test_offline_without_a_batch_measures_the_fastest_here_once(configured_builds, checkpoint, tmp_path):
    """The search on the IR itself (a few short candidates and utterances: the real one tries 16
    to 256 on 256 utterances), remembered for the next run."""
    from rnnt_ov.mlperf import fastest
    from rnnt_ov.recognizer import Recognizer
    build, _, _, _ = configured_builds
    ir = build / "ir" / "seqdynamic-batch4-FP32-ovc"
    recognizer = Recognizer.from_ir(str(ir), str(build / "weights" / "featurizer.npz"))
    remember, said = tmp_path / "measured-here.json", []
    batch = fastest.fastest_offline_batch(recognizer, str(ir), str(remember), samples=12, count=6, candidates=(1, 2, 4),
                                          log=said.append)
    entry = json.loads(remember.read_text())[fastest.key(str(ir), "f32", 12)]
    assert batch == entry["batch"] in (1, 2, 4) and set(entry["utterances_per_second"]) <= {"1", "2", "4"}
    assert all(rate > 0 for rate in entry["utterances_per_second"].values()), said

    class CannotRun:             # the next run on this CPU: the batch is read back, nothing is run
        precision, workers = "f32", 1
    assert fastest.fastest_offline_batch(CannotRun(), str(ir), str(remember), samples=12, log=said.append) == batch
    assert "measured before" in said[-1]
    # The rate Offline expects: the search's at its batch; at another batch, measured then.
    assert fastest.measured_rate(CannotRun(), str(ir), str(remember), batch, 12) == entry["utterances_per_second"][str(batch)]
    assert fastest.measured_rate(recognizer, str(ir), str(remember), 3, 12, count=6) > 0


def test_server_without_a_load_finds_the_highest_within_the_bound_and_offers_90_percent(run, dataset,
                                                                                     configured_builds, tmp_path):
    """Short trial runs (SERVER_TRIAL_QUERIES each) before the timed one; remembered for the next run."""
    from rnnt_ov.mlperf import peak
    build, _, _, _ = configured_builds
    conf = tmp_path / "user.conf"
    conf.write_text(TINY_CONF.replace("*.Server.target_qps = 6\n", ""))
    result = run(*CONFIGURATION, "mlperf", "SCENARIO=Server", "SERVER_TRIAL_QUERIES=12", f"USER_CONF={conf}",
                 f"MANIFEST={dataset['manifest']}")
    ir = build / "ir" / "seqdynamic-batch4-FP32-ovc"
    entry = json.loads((build / "mlperf" / "measured-here.json").read_text())[peak.key(str(ir), "f32", 4)]
    tried = {float(load): p99 for load, p99 in entry["p99_ms_by_load"].items()}
    assert len(tried) == 5 and entry["trial_queries"] == 12 and entry["capacity"] > 0
    assert entry["highest_within"] == max(load for load, p99 in tried.items() if p99 <= 1000)
    offered = round(entry["highest_within"] * 0.9, 2)
    assert f"mlperf: Server offers {offered:g} queries/s: 90% of the highest load" in result.stdout
    assert re.search(rf"^target_qps : {offered:g}$", result.stdout, re.M)       # what LoadGen ran
    trials = build / "mlperf" / "seqdynamic-batch4-FP32-ovc-f32" / "Server-performance" / "server-trials"
    assert len(list(trials.iterdir())) == 6                                      # beside the run's logs


def test_offline_without_a_batch_runs_at_the_one_measured_before(run, dataset, configured_builds, tmp_path):
    """make mlperf remembers the fastest batch in build/mlperf/measured-here.json, per CPU, IR set
    and precision; here one written beforehand (3: no search would pick it) is the one it runs."""
    from rnnt_ov.mlperf import fastest
    build, _, _, _ = configured_builds
    ir = build / "ir" / "seqdynamic-batch4-FP32-ovc"
    remember = build / "mlperf" / "measured-here.json"
    remember.parent.mkdir(exist_ok=True)
    here = fastest.key(str(ir), "f32", 12, cores())        # TINY_CONF's 12 samples, a worker per core
    remember.write_text(json.dumps({here: {"batch": 3, "utterances_per_second": {"3": 2.5}}}))
    # A user.conf that does not say what Offline should expect: the rate measured, plus 20%.
    conf = tmp_path / "user.conf"
    conf.write_text(TINY_CONF.replace("*.Offline.target_qps = 1\n", ""))
    result = run(*CONFIGURATION, "MLPERF_BATCH=", "mlperf", f"MANIFEST={dataset['manifest']}", f"USER_CONF={conf}")
    assert f"mlperf: Offline batch 3, the fastest on this CPU at f32 for a run of 12 samples (utterances/s by batch, " \
           f"encoder and decoding: 3: 2.5; measured before, {remember})" in result.stdout
    assert "mlperf: Offline expects 3 samples/s (2.5 measured here at batch 3, +20%)" in result.stdout
    assert re.search(r"^target_qps : 3$", result.stdout, re.M)             # in LoadGen's summary
    side_by_side = f", {cores()} workers side by side" if cores() > 1 else ""
    assert re.search(rf"^mlperf: Offline performance, .* at batch 3{side_by_side}$", result.stdout, re.M)
    assert "MLPerf Results Summary" in result.stdout
