"""`make verify`: the IR against the PyTorch model, and a decode with each."""
import subprocess
import sys

import pytest
import torch

import migrate
import synthetic_checkpoint
from conftest import PROJECT, make

pytestmark = pytest.mark.slow      # runs make to build: left out of make test-fast


# ovc's dynamic time axis at batch 4 is verified by `make demo` (test_benchmark_and_demo.py), an
# INT8 set by test_int8.py, a user's own IR by test_foreign_ir.py; every configuration's outputs
# are checked against PyTorch in test_make_ir.py, and the dynamic encoders of both converters at
# three lengths in test_converters.py. Here: ovc, batched, FP16 weights, a fixed time axis.
def test_verify_passes_on_a_correct_conversion(configured_builds, upstream, checkpoint):
    build, _, _, _ = configured_builds
    result = make(build, f"MLCOMMONS_URL=file://{upstream}", f"WEIGHTS_URL=file://{checkpoint}",
                  "CONVERTER=ovc", "SEQ_LEN=300", "BATCH=4", "PRECISION=FP16", "VERIFY_SEEDS=1", "verify")
    assert "verify: PASS" in result.stdout
    table = [line for line in result.stdout.splitlines() if line.startswith(("encoder", "prediction", "joint"))]
    assert len(table) == 4 * 4                  # 3 networks + start step, 4 paths each
    assert all(line.endswith(("PASS", "info")) for line in table)
    assert "T=300, B=4, FP16 weights" in result.stdout
    assert "IR f32" in result.stdout and "tokens" in result.stdout
    assert "seed 0 T=300 " in result.stdout


def test_verify_fails_where_ir_and_weights_differ(tmp_path, configured_builds):
    """The build's IR and ONNX held against a PyTorch model with other weights."""
    build, _, _, _ = configured_builds
    other, _ = migrate.migrate({"state_dict": synthetic_checkpoint.random_state_dict(seed=1)})
    torch.save(other, tmp_path / "other.pt")
    result = subprocess.run(
        [sys.executable, "-m", "rnnt_ov.verify", "--ir-dir", str(build / "ir/seq157-batch1-FP32"),
         "--onnx-dir", str(build / "onnx"), "--model-dir", str(build / "mlcommons/speech_recognition/rnnt/pytorch"),
         "--weights", str(tmp_path / "other.pt"), "--seeds", "1"],
        cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 1
    failed = [line.split()[0] for line in result.stdout.splitlines() if line.endswith("FAIL")]
    assert {"encoder", "prediction", "joint"} <= set(failed)
    assert "verify: FAIL" in result.stdout
