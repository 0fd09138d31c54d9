"""`make CONVERTER=ovc ir` and `make SEQ_LEN=dynamic ir`: the same IR from today's converter, and an
encoder for any number of frames."""
import subprocess

import numpy as np
import openvino as ov
import pytest
import torch

from conftest import CONFIGURATIONS, CONVERTERS, DYNAMIC_CONFIGURATIONS, OVC_VENV, PROJECT, ir_dir
from test_make_ir import BOUNDS, NETWORKS, expected_interface, interface, random_inputs

pytestmark = pytest.mark.slow      # runs make to build: left out of make test-fast

F32 = {"INFERENCE_PRECISION_HINT": "f32"}
LENGTHS = (40, 157, 301)     # short, the documented length, long; odd and even


def run_ir(xml, feed):
    compiled = ov.Core().compile_model(str(xml), "CPU", F32)
    result = compiled(feed)
    return {port.get_any_name(): result[port] for port in compiled.outputs}


@pytest.mark.parametrize("seq_len,batch,precision", CONFIGURATIONS)
def test_mo_and_ovc_ir_give_the_same_outputs(configured_builds, seq_len, batch, precision):
    build, _, _, _ = configured_builds
    rng = np.random.default_rng(7)
    for network in NETWORKS:
        feed = random_inputs(network, 157 if seq_len == "dynamic" else seq_len, batch, rng)
        if network == "encoder" and seq_len == "dynamic":
            feed["1"] = np.full((batch,), 157, dtype=np.int64)
        mo, ovc = (run_ir(ir_dir(build, seq_len, batch, precision, c) / f"rnnt_{network}.xml", feed)
                   for c in CONVERTERS)
        assert mo.keys() == ovc.keys()
        for name in mo:
            assert mo[name].dtype == ovc[name].dtype
            error = float(np.max(np.abs(mo[name].astype(np.float64) - ovc[name])))
            assert error <= 1e-5, f"{network}.{name}: mo and ovc differ by {error:.2e}"


def test_ir_summary_says_which_converter_made_it(configured_builds):
    build, runs, _, _ = configured_builds
    mo = (ir_dir(build, 300, 4, "FP16") / "rnnt_ir.txt").read_text()
    ovc = (ir_dir(build, 300, 4, "FP16", "ovc") / "rnnt_ir.txt").read_text()
    assert "rnnt_encoder.xml  (converted by mo 2024.6.0)" in mo
    assert "rnnt_encoder.xml  (converted by ovc 2026.4.1, then freeze_input.py 1->[300 300 300 300])" in ovc
    assert "rnnt_joint.xml  (converted by ovc 2026.4.1)" in ovc
    # The freeze is shown in the converter's command line; a dynamic encoder has nothing to freeze.
    assert "--freeze rnnt_encoder:1=300,300,300,300" in runs[(300, 4, "FP16", "ovc")].stdout
    assert "--freeze" not in runs[("dynamic", 4, "FP32", "ovc")].stdout


@pytest.mark.parametrize("converter", CONVERTERS)
def test_dynamic_encoder_matches_pytorch_at_three_lengths(configured_builds, reference_model, converter):
    build, _, _, _ = configured_builds
    seq_len, batch, precision = DYNAMIC_CONFIGURATIONS[converter]
    folder = ir_dir(build, seq_len, batch, precision, converter)
    core = ov.Core()
    for network, (inputs, outputs) in expected_interface("dynamic", batch).items():
        model = core.read_model(str(folder / f"rnnt_{network}.xml"))
        assert interface(model.inputs) == inputs and interface(model.outputs) == outputs
    # One compiled model takes every length; each row has its own, as in a padded batch.
    compiled = core.compile_model(str(folder / "rnnt_encoder.xml"), "CPU", F32)
    rng = np.random.default_rng(batch)
    for frames in LENGTHS:
        features = rng.standard_normal((frames, batch, 240), dtype=np.float32)
        lengths = np.array([frames - 7 * row for row in range(batch)], dtype=np.int64)
        got = compiled({"input.1": features, "1": lengths})
        with torch.no_grad():
            encoded, encoded_lengths = reference_model.encoder(torch.from_numpy(features), torch.from_numpy(lengths))
        assert got[compiled.output("encoded")].shape == (batch, (frames + 1) // 2, 1024)
        error = float(np.max(np.abs(got[compiled.output("encoded")] - encoded.numpy())))
        assert error <= BOUNDS[precision], f"T={frames}: max abs error {error:.2e}"
        # The lengths output follows the lengths input: ceil(length / 2) per row, as PyTorch.
        assert got[compiled.output("encoded_lengths")].tolist() == encoded_lengths.tolist() \
            == [(n + 1) // 2 for n in lengths]


def freeze(source, output, *args):
    return subprocess.run([str(OVC_VENV / "bin" / "python"), "freeze_input.py", str(source), str(output), *args],
                          cwd=PROJECT, capture_output=True, text=True)


def test_freeze_input_makes_the_lengths_a_constant_as_mo_does(configured_builds, tmp_path):
    build, _, _, _ = configured_builds
    dynamic = ir_dir(build, "dynamic", 4, "FP32", "ovc") / "rnnt_encoder.xml"
    result = freeze(dynamic, tmp_path / "frozen.xml", "--input", "1", "--value", "40", "30", "20", "10")
    assert result.returncode == 0, result.stderr
    model = ov.Core().read_model(str(tmp_path / "frozen.xml"))
    assert [p.get_any_name() for p in model.inputs] == ["input.1"]
    features = np.random.default_rng(0).standard_normal((40, 4, 240), dtype=np.float32)
    got = run_ir(tmp_path / "frozen.xml", {"input.1": features})
    want = run_ir(dynamic, {"input.1": features, "1": np.array([40, 30, 20, 10], dtype=np.int64)})
    assert got["encoded_lengths"].tolist() == [20, 15, 10, 5]
    assert np.array_equal(got["encoded"], want["encoded"])


@pytest.mark.parametrize("args,message", [
    (("--input", "2", "--value", "157"), "the model has no input '2' (its inputs: 1, input.1)"),
    (("--input", "1", "--value", "157"), "input '1' has shape [4], which 1 value(s) do not fill"),
])
def test_freeze_input_names_what_is_wrong(configured_builds, tmp_path, args, message):
    build, _, _, _ = configured_builds
    result = freeze(ir_dir(build, "dynamic", 4, "FP32", "ovc") / "rnnt_encoder.xml", tmp_path / "out.xml", *args)
    assert result.returncode == 1 and message in result.stderr
    assert not (tmp_path / "out.xml").exists()
