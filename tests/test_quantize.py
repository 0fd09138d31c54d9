"""The quantizer's pure logic: where calibration audio is looked for, and accuracy control's search."""
import os

import pytest

from rnnt_ov.quantize import CalibrationError, calibration_files, candidates, layers_to_keep

ENTRY = "train-clean-100-wav/103/1240/103-1240-0010.wav"


def test_a_list_entry_is_looked_for_as_listed_then_as_librispeech_distributes_it():
    assert candidates("/data", ENTRY) == [
        "/data/train-clean-100-wav/103/1240/103-1240-0010.wav",
        "/data/train-clean-100/103/1240/103-1240-0010.flac",
        "/data/LibriSpeech/train-clean-100/103/1240/103-1240-0010.flac",
        "/data/103/1240/103-1240-0010.flac"]


def test_calibration_files_are_found_in_either_form_and_missing_ones_named(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"# MLPerf's list\n{ENTRY}\n" + ENTRY.replace("0010", "0050") + "\n")
    flac = tmp_path / "LibriSpeech/train-clean-100/103/1240/103-1240-0010.flac"
    flac.parent.mkdir(parents=True)
    flac.touch()
    with pytest.raises(CalibrationError, match="1 of the 2 files of CALIBRATION_LIST=.* are not in CALIBRATION_DIR="):
        calibration_files(str(tmp_path), str(listing))
    (flac.parent / "103-1240-0050.flac").touch()
    assert calibration_files(str(tmp_path), str(listing)) == [str(flac), str(flac.parent / "103-1240-0050.flac")]


def test_a_folder_as_the_list_takes_its_audio_files(tmp_path):
    (tmp_path / "a.wav").touch()
    (tmp_path / "b.flac").touch()
    (tmp_path / "notes.txt").touch()
    assert [os.path.basename(p) for p in calibration_files(None, str(tmp_path))] == ["a.wav", "b.flac"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CalibrationError, match="is a folder without WAV or FLAC files"):
        calibration_files(None, str(empty))


def test_no_calibration_folder_says_what_to_give(tmp_path):
    with pytest.raises(CalibrationError, match="PRECISION=INT8 calibrates on real audio: give CALIBRATION_DIR="):
        calibration_files(None, str(tmp_path / "list.txt"))


def test_accuracy_control_keeps_the_costliest_layers_in_float_until_within_bound():
    """The search of quantize.layers_to_keep, on layers whose cost is known: each layer's INT8
    adds its own rise, and keeping it in float removes that."""
    from rnnt_ov.quantize import layers_to_keep
    rises = {"a": 0.5, "b": 3.0, "c": 1.0, "d": 0.2}
    calls = []

    def rise_with(kept):
        calls.append(sorted(kept))
        return sum(r for layer, r in rises.items() if layer not in kept)
    assert layers_to_keep(list(rises), rise_with, max_rise=5.0) == []            # within bound as it is
    assert layers_to_keep(list(rises), rise_with, max_rise=1.0) == ["b", "c"]    # the two costliest
    assert layers_to_keep(list(rises), rise_with, max_rise=0.0) == ["b", "c", "a", "d"]
    assert ["b"] in calls and ["a"] in calls                                      # each ranked alone
