"""Datasets read one way whatever their layout: upstream's manifest, or LibriSpeech as distributed."""
import json
import re

import pytest

import standin_upstream
import synthetic_dataset
from rnnt_ov.dataset import DatasetError, manifest_entries, read, read_librispeech, read_manifest

ALPHABET = standin_upstream.CONFIG["labels"]["labels"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return synthetic_dataset.write(tmp_path_factory.mktemp("dataset"))


def test_a_manifest_keeps_what_upstreams_qsl_keeps_in_its_order(written):
    dataset = read_manifest(written["manifest"], written["dataset_dir"], ALPHABET)
    entries = json.loads(written["manifest"].read_text())
    # The 15.2 s utterance is left out; the n-th kept is sample n.
    assert [u.audio for u in dataset.utterances] == [str(written["dataset_dir"] / e["files"][0]["fname"])
                                                     for e in entries if e["original_duration"] <= 15]
    assert dataset.filtered == 1 and dataset.filtered_duration == pytest.approx(15.2, abs=0.01)
    assert [u.transcript for u in dataset.utterances] == [e["transcript"] for e in written["kept"]]
    assert dataset.describe().startswith("6 utterances of 15 s or less (")


def test_librispeech_as_distributed_reads_to_the_same_references(written):
    folder = read_librispeech(written["librispeech"], ALPHABET)
    manifest = read_manifest(written["manifest"], written["dataset_dir"], ALPHABET)
    # Every utterance (no MLPerf filter), sorted by id, references normalised by the same rule.
    assert len(folder.utterances) == len(synthetic_dataset.SECONDS)
    assert [u.id for u in folder.utterances] == sorted(u.id for u in folder.utterances)
    by_id = {u.id: u.transcript for u in folder.utterances}
    assert all(by_id[u.id] == u.transcript for u in manifest.utterances)
    assert all(u.audio.endswith(".flac") for u in folder.utterances)


def test_read_takes_either_layout(written):
    assert len(read(written["librispeech"], ALPHABET).utterances) == 7
    assert len(read(written["manifest"], ALPHABET).utterances) == 6      # fname relative to its folder


def test_a_manifest_written_for_librispeech_reads_back_as_the_wav_one_does(written, tmp_path):
    entries = manifest_entries(written["librispeech"], written["librispeech"].parent)
    assert len(entries) == 7
    first = entries[0]["files"][0]
    assert first["fname"].startswith("dev-tiny/") and first["fname"].endswith(".flac")
    assert first["encoding"] == "FLAC" and first["sample_rate"] == 16000.0
    path = tmp_path / "flac.json"
    path.write_text(json.dumps(entries))
    flac = read_manifest(path, written["librispeech"].parent, ALPHABET)
    wav = read_manifest(written["manifest"], written["dataset_dir"], ALPHABET)
    assert sorted((u.id, u.transcript) for u in flac.utterances) == sorted((u.id, u.transcript) for u in wav.utterances)


@pytest.mark.parametrize("content,message", [
    ("not json at all", "is not JSON"),
    ('{"files": []}', "holds a JSON dict, not a list of utterances"),
    ('[{"transcript": "x"}]', "utterance 0 lacks original_duration, transcript or files[].fname"),
    ('[{"transcript": "x", "original_duration": 20, "files": [{"fname": "a.wav"}]}]', "has no utterance of 15 s or less"),
])
def test_a_bad_manifest_says_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "manifest.json"
    path.write_text(content)
    with pytest.raises(DatasetError, match=re.escape(message)):
        read_manifest(path, tmp_path, ALPHABET)


def test_missing_audio_names_the_first_and_the_fix(written, tmp_path):
    entries = json.loads(written["manifest"].read_text())
    entries[0]["files"][0]["fname"] = "gone/missing.wav"
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(entries))
    with pytest.raises(DatasetError, match="1 of the 6 audio files of MANIFEST=.* are missing, the first .*gone/"
                                           "missing.wav: DATASET_DIR must be the folder"):
        read_manifest(path, written["dataset_dir"], ALPHABET)


def test_a_librispeech_folder_without_transcripts_or_audio(tmp_path):
    with pytest.raises(DatasetError, match="has no \\*.trans.txt transcripts"):
        read_librispeech(tmp_path, ALPHABET)
    with pytest.raises(DatasetError, match="is not a folder"):
        read_librispeech(tmp_path / "nope", ALPHABET)
    (tmp_path / "1-2.trans.txt").write_text("1-2-0000 HELLO\n")
    with pytest.raises(DatasetError, match="lists 1-2-0000, but there is no 1-2-0000.flac or .wav beside it"):
        read_librispeech(tmp_path, ALPHABET)
