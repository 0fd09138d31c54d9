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
    write_model_dir(repo / LAYOUTS[layout])
    (repo / "README.md").write_text("Stand-in for the MLCommons inference repository (tests only).\n")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=tests", "-c", "user.email=tests@localhost",
         "commit", "-q", "-m", "stand-in RNN-T")
    return repo
