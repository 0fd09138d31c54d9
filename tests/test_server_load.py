"""Server's load, found by short LoadGen runs and remembered (rnnt_ov/mlperf/peak.py), on known
latencies: no LoadGen, no IR."""
import json

from rnnt_ov.mlperf import measured, peak


def test_the_bisection_keeps_the_highest_load_within_the_bound():
    # The 99th percentile stays within 1000 ms up to 30 queries/s, on a system that completes 40/s.
    best, tried = peak.bisect(lambda load: 500 if load <= 30 else 2000, 40.0, 1000)
    assert list(tried) == [32.0, 16.0, 24.0, 28.0, 30.0] and best == 30.0
    assert peak.bisect(lambda load: 2000, 40.0, 1000) == (None, {32.0: 2000, 16.0: 2000, 8.0: 2000, 4.0: 2000, 2.0: 2000})


def test_a_cpu_ir_precision_and_slots_search_once_and_offer_90_percent(tmp_path, monkeypatch):
    monkeypatch.setattr(measured, "cpu_name", lambda: "a CPU")
    ir = tmp_path / "ir"
    ir.mkdir()
    (ir / "rnnt_encoder.xml").write_text("<net/>")
    remember, said, loads = tmp_path / "mlperf" / "measured-here.json", [], []

    def trial(load, queries):
        loads.append(load)
        return (400.0 if load <= 30 else 1500.0), 40.0       # (99th percentile ms, completed/s)
    offered = peak.server_load(trial, str(ir), "bf16", 16, 1000, str(remember), queries=50, log=said.append)
    assert offered == 27.0 and loads == [peak.FLOOD, 32.0, 16.0, 24.0, 28.0, 30.0]
    entry = json.loads(remember.read_text())[peak.key(str(ir), "bf16", 16)]
    assert entry["highest_within"] == 30.0 and entry["capacity"] == 40.0 and entry["trial_queries"] == 50
    assert "Server offers 27 queries/s: 90% of the highest load its trials kept within the bound (30; found now" in said[-1]
    # The next run reads it back and runs no trial; other slots are searched again.
    assert peak.server_load(trial, str(ir), "bf16", 16, 1000, str(remember), log=said.append) == 27.0
    assert len(loads) == 6 and "found before" in said[-1]
    peak.server_load(trial, str(ir), "bf16", 8, 1000, str(remember), queries=50, log=said.append)
    assert len(loads) == 12 and len(json.loads(remember.read_text())) == 2


def test_no_load_within_the_bound_gives_none(tmp_path):
    assert peak.server_load(lambda load, queries: (5000.0, 1.0), str(tmp_path), "f32", 16, 1000, log=lambda line: None) is None
