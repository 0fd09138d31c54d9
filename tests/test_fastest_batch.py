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

    def rate(recognizer, batches):
        size = len(batches[0])
        sizes.append(size)
        return {16: 20.0, 32: 25.0}.get(size, 10.0)
    monkeypatch.setattr(fastest, "utterances_per_second", rate)
    remember, said = tmp_path / "mlperf" / "measured-here.json", []
    assert fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), log=said.append) == 32
    assert sizes == [16, 32, 64, 128]         # 256 never run: two in a row were slower
    entry = json.loads(remember.read_text())[fastest.key(str(ir), "bf16", fastest.RUN_SAMPLES)]
    assert entry["batch"] == 32 and entry["utterances_per_second"] == {"16": 20.0, "32": 25.0, "64": 10.0, "128": 10.0}
    assert said[-1].startswith("mlperf: Offline batch 32, the fastest on this CPU at bf16 for a run of 24576 samples")
    assert "measured now" in said[-1]

    assert fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), log=said.append) == 32
    assert sizes == [16, 32, 64, 128] and f"measured before, {remember}" in said[-1]

    # A run of other samples, another precision, the IR rebuilt, other code: measured again.
    fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), samples=40, log=said.append)
    assert sizes[4:] == [16, 32]              # a run of 40 samples has no batch of 64
    Recognizer.precision = "f32"
    fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), log=said.append)
    (ir / "rnnt_encoder.xml").write_text("<net version='2'/>")
    fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), log=said.append)
    monkeypatch.setattr(measured, "code_digest", lambda: "other code")
    fastest.fastest_offline_batch(Recognizer(), str(ir), str(remember), log=said.append)
    assert sizes[6:] == [16, 32, 64, 128] * 3 and len(json.loads(remember.read_text())) == 5


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


def frames(batches):
    return [[len(f) for f in batch] for batch in batches]


def test_each_size_is_measured_on_batches_as_the_run_forms_them():
    """Dev-clean's lengths for the run's samples, sorted longest first, cut into batches, some
    from evenly spaced places: the padding of the real run, over its range of lengths."""
    small = frames(fastest.run_batches(16))                # a valid run: 24576 samples
    assert len(small) == 16 and all(len(b) == 16 and b == sorted(b, reverse=True) for b in small)
    assert [b[0] for b in small] == sorted((b[0] for b in small), reverse=True)
    assert small[0][0] > 350 and small[-1][-1] < 80        # from 15 s down to 2 s (30 ms a frame)
    assert all(b[0] - b[-1] <= 2 for b in small)           # a frame or two of padding
    every = [n for b in small for n in b]
    assert 6.0 < sum(every) / len(every) * 0.03 < 6.6      # about dev-clean's mean, 6.25 s
    assert all(f.shape[1] == 240 for b in fastest.run_batches(16, count=32) for f in b)

    large = frames(fastest.run_batches(256))               # two batches, padded little in such a run
    assert [len(b) for b in large] == [256, 256] and all(b[0] - b[-1] < 0.1 * b[0] for b in large)
    short_run = frames(fastest.run_batches(256, samples=1024))
    assert [len(b) for b in short_run] == [256, 256] and short_run[0][0] - short_run[0][-1] > 40
    assert [len(b) for b in frames(fastest.run_batches(64, samples=40))] == [40]     # the whole run
