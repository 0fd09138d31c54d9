"""An IR that this recipe did not make: converted by hand with the documented guide, or not RNN-T
at all. It is read and checked, never rebuilt or overwritten."""
import hashlib
import shutil
import subprocess

import numpy as np
import onnx
import pytest
import soundfile

from conftest import VENV, make

pytestmark = pytest.mark.slow      # runs make to build: left out of make test-fast

# The guide's three mo commands (FP16 weights, mo's default), as a user types them.
GUIDE_MO = {"encoder": "input.1[157 1 240],1->157", "prediction": "input.1[1 1],1[2 1 320],2[2 1 320]",
            "joint": "0[1 1 1024],1[1 1 320]"}
# Older torch exporters named the outputs by number; so does the guide's IR.
NUMBERED = {"encoder": ["527", "528"], "prediction": ["71", "72", "73"], "joint": ["19"]}


@pytest.fixture(scope="module")
def guide_ir(url_build, tmp_path_factory):
    """Three IR made the guide's way from the build's ONNX: numbered outputs, FP16, no start step."""
    build, _ = url_build
    work, folder = tmp_path_factory.mktemp("guide-work"), tmp_path_factory.mktemp("guide-ir")
    converting = []
    for network, names in NUMBERED.items():
        model = onnx.load(str(build / "onnx" / f"rnnt_{network}.onnx"))
        renames = {out.name: name for out, name in zip(model.graph.output, names)}
        for out in model.graph.output:
            out.name = renames[out.name]
        for node in model.graph.node:
            node.output[:] = [renames.get(name, name) for name in node.output]
        onnx.save(model, str(work / f"rnnt_{network}.onnx"))
        # The three commands side by side, as in three terminals.
        converting.append(subprocess.Popen([str(VENV / "bin" / "mo"), "--input_model", f"rnnt_{network}.onnx",
                                            "--input", GUIDE_MO[network], "--output_dir", str(folder)],
                                           cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    assert [process.wait() for process in converting] == [0, 0, 0]
    return folder


def contents(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def run(url_build, upstream, checkpoint):
    build, _ = url_build
    urls = [f"MLCOMMONS_URL=file://{upstream}", f"WEIGHTS_URL=file://{checkpoint}"]
    return lambda *args, **kw: make(build, *urls, *args, **kw)


def test_make_ir_refuses_to_build_into_a_folder_it_did_not_make(guide_ir, run):
    before = contents(guide_ir)
    result = run(f"IR_DIR={guide_ir}", "ir", check=False)
    assert result.returncode != 0
    assert f"IR_DIR={guide_ir} holds files that this recipe did not write (no .settings): it is only read" \
        in result.stderr
    assert contents(guide_ir) == before


def test_make_verify_checks_the_users_ir_as_it_is(guide_ir, run):
    before = contents(guide_ir)
    result = run(f"IR_DIR={guide_ir}", "VERIFY_SEEDS=1", "verify")
    assert (f"note: {guide_ir} does not use the documented names; matched by position and shape: "
            "rnnt_encoder: 527 -> encoded, 528 -> encoded_lengths; ") in result.stdout
    assert "rnnt_joint: 19 -> logits" in result.stdout
    assert f"note: {guide_ir} has no rnnt_prediction_start.npz: the start-of-sequence step is taken from PyTorch" \
        in result.stdout
    assert "T=157, B=1, FP16 weights" in result.stdout           # read from the IR: mo's default
    assert "tokens equal" in result.stdout and "verify: PASS" in result.stdout
    assert contents(guide_ir) == before                          # nothing written, not even .settings
    assert "== mo" not in result.stdout and "== ovc" not in result.stdout


def test_clean_leaves_the_users_ir_alone(guide_ir, tmp_path):
    before = contents(guide_ir)
    result = make(tmp_path / "build", f"IR_DIR={guide_ir}", "clean")
    assert str(guide_ir) not in result.stdout
    assert contents(guide_ir) == before


def test_transcribe_without_the_start_step_says_what_is_missing(guide_ir, run, tmp_path, url_build):
    soundfile.write(tmp_path / "clip.wav", np.sin(np.arange(16000) / 8).astype(np.float32) * 0.1, 16000)
    result = run(f"IR_DIR={guide_ir}", f"AUDIO={tmp_path / 'clip.wav'}", "transcribe", check=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode != 0 and len(errors) == 1 and "Traceback" not in result.stderr
    assert errors[0].startswith(f"error: {guide_ir} has no rnnt_prediction_start.npz, r1.0's start-of-sequence step")
    # With the start step beside it (same checkpoint), the user's IR transcribes.
    copy = tmp_path / "with-start"
    shutil.copytree(guide_ir, copy)
    shutil.copy(url_build[0] / "onnx" / "rnnt_prediction_start.npz", copy)
    result = run(f"IR_DIR={copy}", f"AUDIO={tmp_path / 'clip.wav'}", "transcribe")
    assert "matched by position and shape" in result.stderr
    assert result.stdout.count("\n") == 1           # the transcript: one line (synthetic weights say little)


@pytest.fixture(scope="module")
def not_rnnt(guide_ir, tmp_path_factory):
    """A folder whose rnnt_encoder.xml is in fact the joint network."""
    folder = tmp_path_factory.mktemp("not-rnnt")
    for network in ("encoder", "prediction", "joint"):
        source = "joint" if network == "encoder" else network
        for ext in ("xml", "bin"):
            shutil.copy(guide_ir / f"rnnt_{source}.{ext}", folder / f"rnnt_{network}.{ext}")
    return folder


@pytest.mark.parametrize("target", ["verify", "benchmark", "transcribe"])
def test_an_ir_that_is_not_rnnt_gets_one_line_saying_what_was_expected_and_found(not_rnnt, run, tmp_path, target):
    soundfile.write(tmp_path / "clip.wav", np.zeros(16000, np.float32), 16000)
    result = run(f"IR_DIR={not_rnnt}", f"AUDIO={tmp_path / 'clip.wav'}", "BENCH_QUICK=1", target, check=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert errors == ["error: rnnt_encoder.xml does not fit the RNN-T encoder network: expected inputs "
                      "input.1 [T,B,240] f32, 1 [B] i64 (or frozen); found 0 [1,1,1024] f32, 1 [1,1,320] f32"]


def test_a_folder_missing_a_network_names_the_files_expected(not_rnnt, run, tmp_path):
    folder = tmp_path / "partial"
    folder.mkdir()
    shutil.copy(not_rnnt / "rnnt_joint.xml", folder)
    result = run(f"IR_DIR={folder}", "VERIFY_SEEDS=1", "verify", check=False)
    assert result.returncode != 0
    assert (f"error: {folder} has no rnnt_encoder.xml: expected rnnt_encoder.xml, rnnt_prediction.xml, "
            "rnnt_joint.xml (found: rnnt_joint.xml)") in result.stderr
