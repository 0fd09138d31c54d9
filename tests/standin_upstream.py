"""Builds a stand-in for the MLCommons inference repository, offline.

The real `make ir` clones github.com/mlcommons/inference at r1.0. Tests cannot reach GitHub, so
they build a small git repository with the same layout, a branch named like the upstream one, and
this project's own stand-in model code (tests/standin/), which has exactly the upstream parameter
names and shapes and behaves like r1.0 where the export cares.
"""
import shutil
import subprocess
from pathlib import Path

import toml

STANDIN_CODE = Path(__file__).resolve().parent / "standin"

# The layouts a user's clone may have: r1.0 .. v4.0, and today's master.
LAYOUTS = {
    "r1.0": "speech_recognition/rnnt/pytorch",
    "retired": "retired_benchmarks/speech_recognition/rnnt/pytorch",
}

# Values of upstream configs/rnnt.toml that the model and the featurizer read.
CONFIG = {
    "model": "RNNT",
    "input_eval": {
        "normalize": "per_feature", "sample_rate": 16000, "window_size": 0.02,
        "window_stride": 0.01, "window": "hann", "features": 80, "n_fft": 512,
        "frame_splicing": 3, "dither": 0.00001, "feat_type": "logfbank",
    },
    "rnnt": {
        "rnn_type": "lstm", "encoder_n_hidden": 1024, "encoder_pre_rnn_layers": 2,
        "encoder_stack_time_factor": 2, "encoder_post_rnn_layers": 3, "pred_n_hidden": 320,
        "pred_rnn_layers": 2, "forget_gate_bias": 1.0, "joint_n_hidden": 512, "dropout": 0.32,
    },
    "labels": {"labels": [" "] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["'"]},
}


# The LoadGen rules of r1.0 that concern RNN-T (the top-level mlperf.conf), in its key = value form.
MLPERF_CONF = """\
# Stand-in for the r1.0 mlperf.conf: the keys that concern rnnt, with r1.0's values.
rnnt.*.performance_sample_count_override = 2513
*.*.qsl_rng_seed = 7322528924094909334
*.*.sample_index_rng_seed = 1570999273408051088
*.*.schedule_rng_seed = 3507442325620259414
*.SingleStream.target_latency_percentile = 90
*.SingleStream.min_duration = 600000
*.SingleStream.min_query_count = 1024
*.Server.target_latency_percentile = 99
*.Server.target_duration = 0
*.Server.min_duration = 600000
*.Server.min_query_count = 270336
rnnt.Server.target_latency = 1000
*.Offline.target_latency_percentile = 90
*.Offline.min_duration = 600000
*.Offline.min_query_count = 24576
*.SingleStream.target_latency = 10
*.Server.target_qps = 1.0
*.Offline.target_qps = 1.0
"""

# speech_recognition/rnnt/user.conf as r1.0 ships it: placeholders for a system's own values.
USER_CONF = """\
*.SingleStream.target_latency = 10
*.Server.target_qps = 1.0
*.Offline.target_qps = 1.0
"""

# MLPerf's calibration list format: utterances of LibriSpeech train-clean-100 as upstream's WAV
# conversion names them. The stand-in lists six.
CALIBRATION_FILES = [f"train-clean-100-wav/{speaker}/{chapter}/{speaker}-{chapter}-{n:04d}.wav"
                     for speaker, chapter in (("103", "1240"), ("1034", "121119")) for n in (10, 50, 71)]


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True)


def write_model_dir(model_dir):
    """Write the stand-in model files into `model_dir` (the upstream `pytorch/` folder)."""
    model_dir = Path(model_dir)
    (model_dir / "configs").mkdir(parents=True, exist_ok=True)
    for name in ("model_separable_rnnt.py", "rnn.py"):
        shutil.copyfile(STANDIN_CODE / name, model_dir / name)
    (model_dir / "configs" / "rnnt.toml").write_text(toml.dumps(CONFIG))
    return model_dir


def build_repo(dest, layout="r1.0", branch="r1.0"):
    """Create a git repository at `dest` holding the stand-in in `layout`, committed on `branch`.

    Returns the repository path; `file://<path>` serves as MLCOMMONS_URL, the path itself as
    MLCOMMONS_PATH.
    """
    repo = Path(dest)
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", branch)
    model_dir = write_model_dir(repo / LAYOUTS[layout])
    (model_dir.parent / "user.conf").write_text(USER_CONF)
    (repo / ("mlperf.conf" if layout == "r1.0" else "loadgen/mlperf.conf")).parent.mkdir(exist_ok=True)
    (repo / ("mlperf.conf" if layout == "r1.0" else "loadgen/mlperf.conf")).write_text(MLPERF_CONF)
    calibration = repo / "calibration" / "LibriSpeech"
    calibration.mkdir(parents=True)
    (calibration / "calibration_files.txt").write_text("".join(f"{name}\n" for name in CALIBRATION_FILES))
    (repo / "README.md").write_text("Stand-in for the MLCommons inference repository (tests only).\n")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=tests", "-c", "user.email=tests@localhost",
         "commit", "-q", "-m", "stand-in RNN-T")
    return repo
