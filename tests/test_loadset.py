"""`make loadset`: a set to measure throughput on, with MLPerf's utterance lengths."""
import json

import pytest

import standin_upstream
from measure import loadset
from rnnt_ov.dataset import read_manifest
from rnnt_ov.mlperf import lengths


def test_durations_follow_dev_cleans():
    seconds = lengths.durations(2513, seed=0)
    assert len(seconds) == 2513 and seconds.min() >= 1.445 and seconds.max() <= 15
    assert seconds.mean() == pytest.approx(6.25, abs=0.02)          # dev-clean's mean, 6.2516 s
    whole = seconds.astype(int)
    assert {s: int((whole == s).sum()) for s in lengths.DEV_CLEAN_SECONDS} == lengths.DEV_CLEAN_SECONDS
    assert lengths.durations(256, seed=0).mean() == pytest.approx(6.25, abs=0.1)


def test_a_small_set_is_written_whole_and_reads_as_upstreams_manifest(tmp_path):
    out = tmp_path / "loadset"
    summary = loadset.write(str(out), count=6, calibration=2, seed=0)
    assert not (tmp_path / "loadset.tmp").exists()
    assert (out / "checkpoint.pt").stat().st_size > 180_000_000
    dataset = read_manifest(out / "upstream" / "dev-clean-like-wav.json", out / "upstream",
                            standin_upstream.CONFIG["labels"]["labels"])
    assert len(dataset.utterances) == 6
    assert sorted(p.name for p in (out / "calibration").iterdir()) == ["calibration-0000.wav", "calibration-0001.wav"]
    assert 0.7 < summary["symbols_per_encoder_frame"] < 1.0
    assert json.loads((out / "loadset.json").read_text()) == summary
