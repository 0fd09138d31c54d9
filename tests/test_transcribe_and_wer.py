"""`make transcribe` and `make wer`: the IR on audio files, checked against a PyTorch path."""
import json
import math

import numpy as np
import pytest
import soundfile

import reference_greedy
import standin_upstream
from conftest import make
from rnnt_ov import features
from rnnt_ov.metrics import edit_distance
from rnnt_ov.runtimes import TorchRuntime
from rnnt_ov.text import to_text

pytestmark = pytest.mark.slow      # runs make to build: left out of make test-fast

RATE = 16000
ALPHABET = standin_upstream.CONFIG["labels"]["labels"]


def speechlike(seed, seconds):
    """Noise shaped by a few moving formant-like resonances: not speech, but not a pure tone."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    voice = sum(np.sin(2 * np.pi * f * t * (1 + 0.1 * np.sin(2 * np.pi * 0.7 * t))) for f in rng.uniform(150, 3000, 4))
    return (0.1 * voice * (0.5 + 0.5 * np.sin(2 * np.pi * 2.3 * t)) + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


@pytest.fixture(scope="module")
def asr(url_build, upstream, checkpoint):
    build, _ = url_build
    urls = [f"MLCOMMONS_URL=file://{upstream}", f"WEIGHTS_URL=file://{checkpoint}"]
    return build, lambda *args, **kw: make(build, *urls, *args, **kw)


def pytorch_transcript(reference_model, build, path):
    """The reference path: the same file's features, decoded by upstream's PyTorch modules."""
    samples = features.load_audio(str(path))   # as written: FLAC and WAV hold 16-bit samples
    fb, window = features.load_featurizer(build / "weights" / "featurizer.npz")
    feats = features.features(samples, fb, window)
    encode, predict, join = reference_greedy.callables(TorchRuntime(reference_model))
    lengths = np.array([len(feats)], dtype=np.int64)
    encoded, encoded_lengths = encode(feats[:, None, :], lengths)
    assert int(encoded_lengths[0]) == math.ceil(len(feats) / 2)
    return to_text(reference_greedy.greedy_decode(encoded[0], encoded_lengths[0], predict, join), ALPHABET)


def test_transcribe_prints_what_the_pytorch_path_decodes(tmp_path, asr, reference_model):
    build, run = asr
    clips = {"short.flac": speechlike(1, 0.8), "long.wav": speechlike(2, 4.0)}   # 27 and 134 frames
    for name, samples in clips.items():
        soundfile.write(tmp_path / name, samples, RATE)
    one = run("transcribe", f"AUDIO={tmp_path / 'short.flac'}")
    assert one.stdout.rstrip("\n") == pytorch_transcript(reference_model, build, tmp_path / "short.flac")
    both = run("transcribe", f"AUDIO={tmp_path / 'short.flac'} {tmp_path / 'long.wav'}")
    lines = both.stdout.rstrip("\n").split("\n")
    for line, name in zip(lines, clips):
        assert line == f"{tmp_path / name}: {pytorch_transcript(reference_model, build, tmp_path / name)}"


def test_transcribe_refuses_wrong_rate_and_empty_audio(tmp_path, asr):
    _, run = asr
    soundfile.write(tmp_path / "8k.flac", speechlike(3, 1.0)[::2], 8000)
    soundfile.write(tmp_path / "empty.wav", np.zeros(0, np.float32), RATE)
    for name, message in (("8k.flac", "sampled at 8000 Hz"), ("empty.wav", "has 0 samples")):
        result = run("transcribe", f"AUDIO={tmp_path / name}", check=False)
        assert result.returncode != 0 and message in result.stderr


def test_make_wer_on_a_librispeech_layout_folder(tmp_path, asr, reference_model):
    build, run = asr
    chapter = tmp_path / "dev-tiny" / "84" / "121123"
    chapter.mkdir(parents=True)
    clips = {"84-121123-0000": speechlike(4, 1.0), "84-121123-0001": speechlike(5, 1.5)}
    for utt, samples in clips.items():
        soundfile.write(chapter / f"{utt}.flac", samples, RATE)
    hyps = {utt: pytorch_transcript(reference_model, build, chapter / f"{utt}.flac") for utt in clips}
    # The first reference is what the model says (0 errors), the second two words it cannot say.
    (chapter / "84-121123.trans.txt").write_text(
        f"84-121123-0000 {hyps['84-121123-0000'].upper()}\n84-121123-0001 HELLO WORLD\n")
    expected_errors = edit_distance(["hello", "world"], hyps["84-121123-0001"].split())
    words = len(hyps["84-121123-0000"].split()) + 2
    result = run("wer", f"DATASET={tmp_path / 'dev-tiny'}")
    assert f"({expected_errors} errors in {words} words, 2 utterances" in result.stdout
    assert "2/2 utterances" in result.stderr                       # the progress bar
    report = json.loads(next((build / "wer").glob("dev-tiny-*.json")).read_text())
    assert report["errors"] == expected_errors and report["words"] == words
    assert [u["hypothesis"] for u in report["utterances"]] == list(hyps.values())


def test_make_wer_on_a_folder_without_transcripts(tmp_path, asr):
    _, run = asr
    result = run("wer", f"DATASET={tmp_path}", check=False)
    assert result.returncode != 0 and "has no *.trans.txt transcripts" in result.stderr


def test_transcribe_with_the_dynamic_length_ir_of_ovc(tmp_path, asr, reference_model):
    """SEQ_LEN=dynamic: the encoder takes the utterance as it is, no reshape; the same words."""
    build, run = asr
    soundfile.write(tmp_path / "clip.flac", speechlike(6, 2.0), RATE)
    result = run("CONVERTER=ovc", "SEQ_LEN=dynamic", "transcribe", f"AUDIO={tmp_path / 'clip.flac'}")
    assert result.stdout.rstrip("\n").split("\n")[-1] == pytorch_transcript(reference_model, build, tmp_path / "clip.flac")
    assert "== ovc: encoder" in result.stdout       # built on first use
    assert (build / "ir" / "seqdynamic-batch1-FP32-ovc" / "rnnt_encoder.xml").exists()
