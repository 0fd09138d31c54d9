"""What a user does with `make ir`, and what they then see."""
import os

import numpy as np
import openvino as ov
import pytest
import torch

from conftest import BUILT, CONVERTERS, PROJECT, ir_dir, make

pytestmark = pytest.mark.slow      # runs make to build: left out of make test-fast

NETWORKS = ("encoder", "prediction", "joint")
# Bounds on max abs difference from PyTorch, OpenVINO compiled at f32. FP16 weights round each
# weight to 11 significant bits; through five 1024-wide LSTM layers that measured ~6e-3 here.
BOUNDS = {"FP32": 1e-4, "FP16": 1e-2}


def expected_interface(seq_len, batch):
    """Documented input names, shapes and element types, and those of the outputs, per network.
    SEQ_LEN=dynamic: time is -1 and the lengths "1" stay an input."""
    if seq_len == "dynamic":
        encoder_inputs = {"input.1": ([-1, batch, 240], "f32"), "1": ([batch], "i64")}
        t_out = -1
    else:
        encoder_inputs = {"input.1": ([seq_len, batch, 240], "f32")}
        t_out = (seq_len + 1) // 2
    return {
        "encoder": (encoder_inputs,
                    {"encoded": ([batch, t_out, 1024], "f32"), "encoded_lengths": ([batch], "i32")}),
        "prediction": ({"input.1": ([batch, 1], "i64"), "1": ([2, batch, 320], "f32"), "2": ([2, batch, 320], "f32")},
                       {"prediction_out": ([batch, 1, 320], "f32"), "new_hidden_h": ([2, batch, 320], "f32"),
                        "new_hidden_c": ([2, batch, 320], "f32")}),
        "joint": ({"0": ([batch, 1, 1024], "f32"), "1": ([batch, 1, 320], "f32")},
                  {"logits": ([batch, 1, 1, 29], "f32")}),
    }


def interface(ports):
    """{name: (shape with -1 for a dynamic dimension, element type)} of a model's inputs or outputs."""
    return {p.get_any_name(): ([d.get_length() if d.is_static else -1 for d in p.get_partial_shape()],
                               p.get_element_type().get_type_name()) for p in ports}


def random_inputs(network, seq_len, batch, rng):
    if network == "encoder":
        return {"input.1": rng.standard_normal((seq_len, batch, 240), dtype=np.float32)}
    if network == "prediction":
        return {"input.1": rng.integers(0, 28, (batch, 1), dtype=np.int64),
                "1": rng.standard_normal((2, batch, 320), dtype=np.float32),
                "2": rng.standard_normal((2, batch, 320), dtype=np.float32)}
    return {"0": rng.standard_normal((batch, 1, 1024), dtype=np.float32),
            "1": rng.standard_normal((batch, 1, 320), dtype=np.float32)}


def pytorch_outputs(model, network, inputs, seq_len):
    t = {name: torch.from_numpy(value) for name, value in inputs.items()}
    with torch.no_grad():
        if network == "encoder":
            lengths = torch.full((t["input.1"].shape[1],), seq_len, dtype=torch.int64)
            encoded, encoded_lengths = model.encoder(t["input.1"], lengths)
            return {"encoded": encoded, "encoded_lengths": encoded_lengths}
        if network == "prediction":
            g, (h, c) = model.prediction(t["input.1"], (t["1"], t["2"]))
            return {"prediction_out": g, "new_hidden_h": h, "new_hidden_c": c}
        return {"logits": model.joint(t["0"], t["1"])}


def test_make_ir_builds_three_onnx_and_three_ir_and_says_where(url_build):
    build, result = url_build
    for network in NETWORKS:
        assert (build / "onnx" / f"rnnt_{network}.onnx").stat().st_size > 0
        for ext in ("xml", "bin"):
            assert (ir_dir(build) / f"rnnt_{network}.{ext}").stat().st_size > 0
    assert f"OpenVINO IR in {ir_dir(build)}" in result.stdout
    assert "source: commit " in result.stdout          # the commit the clone got
    assert "sha256 " in result.stdout                   # the download's hash, to pin it
    assert not list(build.rglob("*.tmp")) and not list(build.rglob("*.part"))


def test_onnx_inputs_carry_the_documented_names(url_build):
    import onnx
    build, _ = url_build
    names = {n: [i.name for i in onnx.load(str(build / "onnx" / f"rnnt_{n}.onnx")).graph.input]
             for n in NETWORKS}
    assert names == {"encoder": ["input.1", "1"], "prediction": ["input.1", "1", "2"],
                     "joint": ["0", "1"]}


def test_second_make_ir_does_nothing(url_build, upstream, checkpoint):
    build, _ = url_build
    urls = [f"MLCOMMONS_URL=file://{upstream}", f"WEIGHTS_URL=file://{checkpoint}"]
    assert make(build, "-q", *urls, "ir", check=False).returncode == 0
    assert "Nothing to be done for 'ir'" in make(build, *urls, "ir").stdout


def test_other_settings_and_the_other_converter_reuse_the_onnx(configured_builds):
    build, runs, onnx_before, onnx_after = configured_builds
    assert onnx_before == onnx_after
    for (seq_len, batch, precision, converter), result in runs.items():
        assert "== export" not in result.stdout and "== migrate" not in result.stdout
        assert "== environment" not in result.stdout        # both environments already built
        assert f"== {converter}: encoder" in result.stdout
        assert (ir_dir(build, seq_len, batch, precision, converter) / "rnnt_encoder.xml").exists()


@pytest.mark.parametrize("seq_len,batch,precision,converter", [b for b in BUILT if b[0] != "dynamic"])
def test_ir_has_documented_interface_and_matches_pytorch(configured_builds, reference_model,
                                                         seq_len, batch, precision, converter):
    build, _, _, _ = configured_builds
    core = ov.Core()
    rng = np.random.default_rng(seq_len * 10 + batch)
    for network, (inputs, outputs) in expected_interface(seq_len, batch).items():
        model = core.read_model(str(ir_dir(build, seq_len, batch, precision, converter) / f"rnnt_{network}.xml"))
        assert interface(model.inputs) == inputs
        assert interface(model.outputs) == outputs
        compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
        feed = random_inputs(network, seq_len, batch, rng)
        got = compiled(feed)
        want = pytorch_outputs(reference_model, network, feed, seq_len)
        for name, expected in want.items():
            actual = got[compiled.output(name)]
            if name == "encoded_lengths":   # frozen to SEQ_LEN per row: ceil(SEQ_LEN / 2)
                assert actual.tolist() == [(seq_len + 1) // 2] * batch
                continue
            error = float(np.max(np.abs(actual - expected.numpy())))
            assert error <= BOUNDS[precision], f"{network}.{name}: max abs error {error:.2e}"


@pytest.mark.parametrize("converter", CONVERTERS)
def test_fp16_ir_weights_are_half_the_size(configured_builds, converter):
    build, _, _, _ = configured_builds
    fp32 = os.path.getsize(ir_dir(build, 157, 1, "FP32", converter) / "rnnt_encoder.bin")
    fp16 = os.path.getsize(ir_dir(build, 300, 4, "FP16", converter) / "rnnt_encoder.bin")   # weights alone
    assert 0.45 < fp16 / fp32 < 0.55


def test_the_documented_python_snippet_runs_on_the_built_ir(url_build, tmp_path):
    readme = (PROJECT / "docs" / "ir.md").read_text()
    snippet = readme.split("```python\n", 1)[1].split("```", 1)[0]
    build, _ = url_build
    snippet = snippet.replace('"build/ir/', f'"{build}/ir/')
    namespace = {}
    exec(compile(snippet, "docs/ir.md", "exec"), namespace)
    assert namespace["logits"].shape == (1, 1, 1, 29)
