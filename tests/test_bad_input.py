"""Bad input: a one-line error naming the problem and the fix, a non-zero exit, nothing half-done."""
import argparse
import os

import pytest
import torch

import synthetic_checkpoint
from conftest import demo_build, leftovers, make

pytestmark = pytest.mark.slow      # runs make to build: left out of make test-fast


def error_lines(result):
    """Our own messages; make adds its `*** [target] Error N` line after a failed recipe."""
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def weights_build(tmp_path, upstream):
    """Run `make weights` on a given checkpoint file, against the stand-in source."""
    def run(checkpoint, *extra):
        build = tmp_path / "build"
        result = make(build, f"MLCOMMONS_PATH={upstream}", f"WEIGHTS={checkpoint}", *extra,
                      "weights", check=False)
        assert not (build / "weights" / "rnnt_state_dict.pt").exists() or result.returncode == 0
        return result
    return run


def test_truncated_checkpoint(tmp_path, checkpoint, weights_build):
    truncated = tmp_path / "truncated.pt"
    with open(checkpoint, "rb") as src:
        truncated.write_bytes(src.read(50_000_000))
    result = weights_build(truncated)
    assert result.returncode != 0
    assert "is not a readable PyTorch checkpoint" in result.stderr and "truncated" in result.stderr


def test_missing_and_misshaped_keys_are_all_named(tmp_path, weights_build):
    state = synthetic_checkpoint.random_state_dict()
    del state["joint_net.3.bias"]
    state["prediction.embed.weight"] = torch.zeros(29, 320)
    state["encoder.extra"] = torch.zeros(1)
    path = synthetic_checkpoint.write_checkpoint(tmp_path / "bad.pt", state=state)
    result = weights_build(path)
    assert result.returncode != 0
    assert "missing joint.net.3.bias" in result.stderr
    assert "prediction.embed.weight has shape (29, 320), expected (28, 320)" in result.stderr
    assert "unexpected encoder.extra" in result.stderr
    assert len(error_lines(result)) == 1


def test_wrong_sha256_is_refused_and_keeps_the_file(checkpoint, weights_build):
    result = weights_build(checkpoint, "WEIGHTS_SHA256=" + "0" * 64)
    assert result.returncode != 0
    assert f"not WEIGHTS_SHA256={'0' * 64}" in result.stderr
    assert checkpoint.exists()


class Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("legacy_format", [True, False])
def test_checkpoint_with_pickle_payload_is_refused_and_never_runs(tmp_path, weights_build, legacy_format):
    marker = tmp_path / "payload-ran"
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": synthetic_checkpoint.random_state_dict(), "hook": Payload(marker)},
               str(path), _use_new_zipfile_serialization=not legacy_format)
    result = weights_build(path)
    assert result.returncode != 0
    assert "posix.system" in result.stderr and "TRUST_CHECKPOINT=1" in result.stderr
    assert not marker.exists()


def test_trusted_checkpoint_with_extra_objects_loads_with_a_warning(tmp_path, weights_build):
    path = tmp_path / "with-args.pt"
    torch.save({"state_dict": synthetic_checkpoint.random_state_dict(),
                "args": argparse.Namespace(lr=0.1)}, str(path))
    refused = weights_build(path)
    assert refused.returncode != 0 and "argparse.Namespace" in refused.stderr
    trusted = weights_build(path, "TRUST_CHECKPOINT=1")
    assert trusted.returncode == 0, trusted.stderr
    assert "weights_only=False" in trusted.stderr


@pytest.mark.parametrize("variable,url,message", [
    ("MLCOMMONS_URL", "file:///nonexistent/inference", "cannot clone file:///nonexistent/inference"),
    ("MLCOMMONS_URL", "https://127.0.0.1:9/inference", "Offline, use MLCOMMONS_PATH="),
    ("WEIGHTS_URL", "file:///nonexistent/weights.pt", "cannot download WEIGHTS_URL=file:///nonexistent/weights.pt"),
    ("WEIGHTS_URL", "http://127.0.0.1:9/weights.pt", "Offline, use WEIGHTS="),
])
def test_unreachable_urls_fail_fast_and_say_how_to_work_offline(tmp_path, upstream, checkpoint,
                                                                 variable, url, message):
    build = tmp_path / "build"
    good = {"MLCOMMONS_URL": f"file://{upstream}", "WEIGHTS_URL": f"file://{checkpoint}"}
    good[variable] = url
    target = "source" if variable == "MLCOMMONS_URL" else "weights"
    result = make(build, *(f"{k}={v}" for k, v in good.items()), target, check=False, timeout=60)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (build / "mlcommons").exists() and not list(build.rglob("*.part"))


def test_clone_without_the_model(tmp_path, weights_build):
    empty = tmp_path / "not-inference"
    empty.mkdir()
    build = tmp_path / "build"
    result = make(build, f"MLCOMMONS_PATH={empty}", "source", check=False)
    assert result.returncode != 0
    assert f"MLCOMMONS_PATH={empty} holds no RNN-T model" in result.stderr
    assert "speech_recognition/rnnt/pytorch/model_separable_rnnt.py" in result.stderr


def test_a_failing_converter_shows_its_log_and_keeps_the_earlier_ir(demo):
    """In the demo's build; the ONNX file put back after, the earlier IR is whole: nothing to do."""
    build, args = demo_build(demo)
    ir = build / "ir" / "seqdynamic-batch4-FP32-ovc"
    earlier = (ir / "rnnt_joint.xml").read_bytes()
    onnx = build / "onnx" / "rnnt_joint.onnx"
    good, stat = onnx.read_bytes(), onnx.stat()
    try:
        onnx.write_bytes(b"not an onnx file")                                 # newer than the IR
        result = make(build, *args, "ir", check=False)
        assert result.returncode != 0
        assert f"error: ovc failed on {onnx} (its log is above)" in result.stderr
        assert len(result.stderr.strip().splitlines()) > 2                    # ovc's own log
        assert (ir / "rnnt_joint.xml").read_bytes() == earlier
        assert not leftovers(build)                                           # nor its half-done files
        assert sorted(p.name for p in ir.glob("rnnt_*")) == sorted(     # the whole earlier set is kept
            [f"rnnt_{n}.{e}" for n in ("encoder", "prediction", "joint") for e in ("xml", "bin")]
            + ["rnnt_ir.txt", "rnnt_prediction_start.npz"])
        assert make(build, *args, "-q", "ir", check=False).returncode != 0    # not taken as done
    finally:
        onnx.write_bytes(good)
        os.utime(onnx, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert make(build, *args, "-q", "ir", check=False).returncode == 0


def test_a_file_that_is_no_checkpoint_at_all(tmp_path, weights_build):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"x" * 100)
    result = weights_build(garbage)
    assert result.returncode != 0 and len(error_lines(result)) == 1
    assert f"error: {garbage} is not a readable PyTorch checkpoint (Unsupported operand 120)" in result.stderr


def test_a_failing_export_keeps_the_earlier_onnx_and_weights(tmp_path, upstream, checkpoint):
    """make 4.3 would delete the untouched members of a failed grouped rule: they are precious."""
    build = tmp_path / "build"
    make(build, f"MLCOMMONS_PATH={upstream}", f"WEIGHTS={checkpoint}", "onnx")
    before = {p: p.read_bytes() for p in [*(build / "onnx").iterdir(), *(build / "weights").iterdir()]}
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"x" * 100)
    assert make(build, f"MLCOMMONS_PATH={upstream}", f"WEIGHTS={garbage}", "onnx", check=False).returncode != 0
    assert {p: p.read_bytes() for p in before} == before
