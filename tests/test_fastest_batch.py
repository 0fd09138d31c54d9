"""Offline's batch when none is given: the fastest measured on this CPU, once (rnnt_ov/mlperf/fastest.py)."""
import json

from rnnt_ov.mlperf import fastest, measured


def rates_from(table, tried):
    def rate_at(batch):
        tried.append(batch)
        return table[batch]
    return rate_at


def test_the_search_stops_once_two_sizes_in_a_row_run_slower():
    tried = []
    best, rates = fastest.search(rates_from({16: 30.0, 32: 36.0, 64: 35.0, 128: 20.0, 256: 99.0}, tried), fastest.CANDIDATES)
    assert best == 32 and tried == [16, 32, 64, 128]          # 256 never run: two in a row were slower
    assert rates == {16: 30.0, 32: 36.0, 64: 35.0, 128: 20.0}


def test_a_faster_size_resets_the_count_of_slower_ones():
    best, _ = fastest.search(rates_from({16: 30.0, 32: 29.0, 64: 31.0, 128: 30.0, 256: 32.0}, []), fastest.CANDIDATES)
    assert best == 256


def test_a_size_that_cannot_run_ends_the_search():
    tried = []
    assert fastest.search(rates_from({16: 30.0, 32: 40.0, 64: None, 128: 99.0}, tried), (16, 32, 64, 128)) == (32, {16: 30.0, 32: 40.0})
    assert tried == [16, 32, 64]
    assert fastest.search(rates_from({16: None}, []), (16, 32)) == (None, {})


class Recognizer:
    precision = "bf16"


def test_a_cpu_ir_and_precision_are_measured_once_and_remembered(tmp_path, monkeypatch):
    ir = tmp_path / "ir"
    ir.mkdir()
    (ir / "rnnt_encoder.xml").write_text("<net/>")
    sizes = []
    monkeypatch.setattr(fastest, "utterances_per_second",
                        lambda recognizer, feats, batch: sizes.append(batch) or {16: 20.0, 32: 25.0}.get(batch, 10.0))
    remember, said = tmp_path / "mlperf" / "measured-here.json", []
    assert fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), count=64, log=said.append) == 32
    assert sizes == [16, 32, 64]              # 128 and 256 are more than the 64 utterances measured on
    entry = json.loads(remember.read_text())[measured.key(str(ir), "bf16")]
    assert entry["batch"] == 32 and entry["utterances_per_second"] == {"16": 20.0, "32": 25.0, "64": 10.0}
    assert said[-1].startswith("mlperf: Offline batch 32, the fastest on this CPU at bf16") and "measured now" in said[-1]

    assert fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), log=said.append) == 32
    assert sizes == [16, 32, 64] and f"measured before, {remember}" in said[-1]

    Recognizer.precision = "f32"                 # another precision, or the IR rebuilt: measured again
    fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), count=64, log=said.append)
    (ir / "rnnt_encoder.xml").write_text("<net version='2'/>")
    fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), count=64, log=said.append)
    assert sizes == [16, 32, 64] * 3 and len(json.loads(remember.read_text())) == 3
    monkeypatch.setattr(measured, "code_digest", lambda: "other code")   # this package changed: again
    fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), count=64, log=said.append)
    assert sizes == [16, 32, 64] * 4 and len(json.loads(remember.read_text())) == 4


def test_the_code_digest_changes_with_any_source_file(tmp_path):
    digest = measured.code_digest.__wrapped__                   # not cached: the files change here
    (tmp_path / "mlperf").mkdir()
    (tmp_path / "decoding.py").write_text("FRAMES_AHEAD = 2\n")
    (tmp_path / "mlperf" / "sut.py").write_text("BATCH = 16\n")
    (tmp_path / "notes.txt").write_text("not code")
    before = digest(str(tmp_path))
    assert len(before) == 12 and digest(str(tmp_path)) == before
    (tmp_path / "notes.txt").write_text("other notes")
    assert digest(str(tmp_path)) == before
    (tmp_path / "mlperf" / "sut.py").write_text("BATCH = 32\n")
    assert digest(str(tmp_path)) != before
    assert len(measured.code_digest()) == 12                   # this package's own


def test_the_random_utterances_have_dev_cleans_lengths_longest_first():
    feats = fastest.random_features(256)
    frames = [len(f) for f in feats]
    assert frames == sorted(frames, reverse=True) and all(f.shape[1] == 240 for f in feats)
    assert 6.0 < sum(frames) / len(frames) * 0.03 < 6.5          # 30 ms per encoder input frame: 6.25 s
