"""Settings that cannot work get one line naming the problem and the fix, before any work: make
checks them while reading the Makefile, so nothing is built, cloned or downloaded."""
import pytest

from conftest import make


@pytest.mark.parametrize("setting,message", [
    ("SEQ_LEN=0", "SEQ_LEN=0 is not a positive integer: use e.g. SEQ_LEN=157 or SEQ_LEN=dynamic"),
    ("SEQ_LEN=Dynamic", "SEQ_LEN=Dynamic is not a positive integer: use e.g. SEQ_LEN=157 or SEQ_LEN=dynamic"),
    ("BATCH=-1", "BATCH=-1 is not a positive integer"),
    ("PRECISION=INT4", "PRECISION=INT4 is not supported: use PRECISION=FP32, FP16 or INT8"),
    ("CONVERTER=ov", ("CONVERTER=ov is not supported: use CONVERTER=mo (openvino-dev 2024.6, Python 3.11-3.12)"
                      " or CONVERTER=ovc (openvino 2026.4, Python 3.11-3.14)")),
    ("OVC_VENV=.venv-shared VENV=.venv-shared", "VENV and OVC_VENV are both .venv-shared"),
])
def test_bad_build_settings_fail_before_any_work(tmp_path, setting, message):
    build = tmp_path / "build"
    result = make(build, *setting.split(), "ir", check=False)
    assert result.returncode != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not build.exists()


@pytest.mark.parametrize("args,message", [
    ([], "no MANIFEST given: make mlperf MANIFEST="),
    (["MANIFEST=/nonexistent.json"], "MANIFEST=/nonexistent.json does not exist"),
    (["SCENARIO=MultiStream", "MANIFEST=x"], "SCENARIO=MultiStream is not supported: use SCENARIO=Offline, Server or SingleStream"),
    (["MODE=submission", "MANIFEST=x"], "MODE=submission is not supported: use MODE=performance or MODE=accuracy"),
    (["DATASET=/nonexistent"], "DATASET=/nonexistent is not a folder"),
])
def test_bad_mlperf_settings_get_one_line_before_any_work(tmp_path, args, message):
    result = make(tmp_path / "build", "mlperf", *args, check=False)
    assert result.returncode != 0 and message in result.stderr
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize("args,message", [
    ([], "PRECISION=INT8 calibrates on real audio: give CALIBRATION_DIR="),
    (["CALIBRATION_DIR=/nonexistent"], "CALIBRATION_DIR=/nonexistent is not a folder"),
    (["CALIBRATION_LIST=/nonexistent.txt"], "CALIBRATION_LIST=/nonexistent.txt does not exist"),
    (["CALIBRATION_DIR=/tmp", "VALIDATION=/tmp"], "VALIDATION= and MAX_WER_DROP= go together"),
])
def test_missing_calibration_is_refused_before_any_work(tmp_path, args, message):
    result = make(tmp_path / "build", "PRECISION=INT8", *args, "ir", check=False)
    assert result.returncode != 0 and message in result.stderr
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize("args,message", [
    (["transcribe", "AUDIO="], "no AUDIO given"),
    (["transcribe", "AUDIO=/nonexistent/speech.flac"], "AUDIO: no such file: /nonexistent/speech.flac"),
    (["wer", "DATASET=/nonexistent"], "DATASET=/nonexistent is not a folder: make wer DATASET="),
])
def test_transcribe_and_wer_without_their_input_say_what_to_give(tmp_path, args, message):
    result = make(tmp_path / "build", *args, check=False)
    assert result.returncode != 0 and message in result.stderr
    assert not (tmp_path / "build").exists()
