"""The three networks' interface, stated once (rnnt_ov/interface.py), and how an IR's ports are
matched to it: by name, or, for IR converted by hand with OpenVINO's guide, by position and shape."""
import numpy as np
import pytest

from rnnt_ov.interface import NETWORKS, InterfaceError, StartStep, describe, encoded_frames, match

ENCODER_OUT = [("encoded", [1, 79, 1024], "f32"), ("encoded_lengths", [1], "i32")]


def test_documented_names_are_taken_by_name_in_any_order():
    inputs, outputs, renamed = match("prediction",
                                     [("2", [2, 4, 320], "f32"), ("input.1", [4, 1], "i64"), ("1", [2, 4, 320], "f32")],
                                     [("prediction_out", [4, 1, 320], "f32"), ("new_hidden_h", [2, 4, 320], "f32"),
                                      ("new_hidden_c", [2, 4, 320], "f32")])
    assert inputs == {"input.1": 1, "1": 2, "2": 0} and renamed == {}


def test_the_guides_numbered_outputs_are_matched_by_position_and_shape():
    _, outputs, renamed = match("encoder", [("input.1", [157, 1, 240], "f32")],
                                [("527", [1, 79, 1024], "f32"), ("528", [1], "i32")])
    assert outputs == {"encoded": 0, "encoded_lengths": 1}
    assert renamed == {"527": "encoded", "528": "encoded_lengths"}


def test_frozen_lengths_may_be_missing_or_a_scalar_and_i32_stands_for_i64():
    assert match("encoder", [("input.1", [-1, 1, 240], "f32")], ENCODER_OUT[:1] + [("encoded_lengths", [], "i32")])
    inputs, _, _ = match("encoder", [("input.1", [-1, -1, 240], "f32"), ("1", [-1], "i32")], ENCODER_OUT)
    assert inputs == {"input.1": 0, "1": 1}


def test_every_B_of_a_network_must_agree():
    with pytest.raises(InterfaceError):
        match("joint", [("0", [4, 1, 1024], "f32"), ("1", [2, 1, 320], "f32")], [("logits", [4, 1, 1, 29], "f32")])


def test_another_network_in_its_place_gets_what_was_expected_and_found():
    with pytest.raises(InterfaceError) as raised:
        match("encoder", [("0", [1, 1, 1024], "f32"), ("1", [1, 1, 320], "f32")], [("19", [1, 1, 1, 29], "f32")],
              "rnnt_encoder.xml")
    assert str(raised.value) == ("rnnt_encoder.xml does not fit the RNN-T encoder network: expected inputs "
                                 "input.1 [T,B,240] f32, 1 [B] i64 (or frozen); found 0 [1,1,1024] f32, 1 [1,1,320] f32")


def test_the_start_step_round_trips_through_its_file_names():
    start = StartStep(np.zeros((1, 1, 320)), np.ones((2, 1, 320)), np.full((2, 1, 320), 2.0))
    again = StartStep.from_arrays(start.arrays())
    assert all(np.array_equal(a, b) for a, b in zip(start, again))
    assert set(start.arrays()) == {p.name for p in NETWORKS["prediction"].outputs}


def test_encoded_frames_is_ceil_half_for_ints_and_arrays():
    assert [encoded_frames(n) for n in (1, 2, 157, 300)] == [1, 1, 79, 150]
    assert encoded_frames(np.array([157, 40])).tolist() == [79, 20]


def test_the_description_names_every_port():
    text = describe()
    assert all(port.name in text for network in NETWORKS.values() for port in network.inputs + network.outputs)
