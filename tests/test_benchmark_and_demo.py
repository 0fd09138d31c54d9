"""`make demo` runs everything offline in one go; its quick `make benchmark` writes comparable figures."""
import json

import pytest


pytestmark = pytest.mark.slow      # runs make to build: left out of make test-fast

RUNTIMES = ["pytorch", "onnxruntime", "openvino-f32", "openvino-default"]


def test_demo_runs_the_recipe_verify_and_a_quick_benchmark_offline(demo):
    """With the ovc route's dynamic-length IR at batch 4 (conftest.DEMO_ARGS)."""
    build, result = demo
    assert "SYNTHETIC weights" in result.stdout
    assert "verify: PASS" in result.stdout
    assert "(T=dynamic, run at 157, 40, 301, B=4, FP32 weights)" in result.stdout   # verify at three lengths
    assert (build / "demo/ir/seqdynamic-batch4-FP32-ovc/rnnt_encoder.xml").exists()
    for line in ("latency, batch 1", "throughput, batch 4", "greedy decode", "real-time factor",
                 "peak memory", "benchmark_app", "batched greedy decode (as make mlperf runs it)"):
        assert line in result.stdout
    assert "T=157 frames (4.71 s of audio, encoder IR with a dynamic time axis)" in result.stdout
    reports = sorted((build / "demo/benchmark").glob("seqdynamic-batch4-FP32-ovc-*.json"))
    report = json.loads(reports[-1].read_text())
    assert (report["seq_len"], report["dynamic_time"], report["batch"], report["quick"]) == (157, True, 4, True)
    assert list(report["results"]) == RUNTIMES
    for runtime in report["results"].values():
        for kind in ("latency", "throughput"):
            assert set(runtime[kind]) == {"encoder", "prediction", "joint"}
            assert all(stats["median_ms"] > 0 for stats in runtime[kind].values())
        assert runtime["decode"]["real_time_factor"] > 0 and runtime["peak_rss_mb"] > 0
    # Same f32 arithmetic, same decode: the runtimes that the check holds to 1e-4 agree on tokens.
    tokens = {r: report["results"][r]["decode"]["tokens"] for r in RUNTIMES[:3]}
    assert len(set(tokens.values())) == 1, tokens
    assert report["results"]["openvino-default"]["precision"] in ("bf16", "f16", "f32")
    assert all("median_ms" in app for app in report["benchmark_app"].values())
    # The batched decode per batch size, for OpenVINO at both precisions; charts beside the JSON.
    for runtime in ("openvino-f32", "openvino-default"):
        assert list(report["results"][runtime]["batched"]) == ["1", "2"]
        assert all(f["utterances_per_s"] > 0 for f in report["results"][runtime]["batched"].values())
    for chart in ("runtimes", "batched"):
        assert reports[-1].with_name(reports[-1].stem + f"-{chart}.png").stat().st_size > 0
