"""The offline fixtures are only worth what their fidelity to upstream is worth."""
import sys

import toml
import torch

import migrate
import standin_upstream
import synthetic_checkpoint
from rnnt_ov.upstream import load_model


def test_standin_model_has_the_upstream_parameter_names_and_shapes(tmp_path):
    model_dir = standin_upstream.write_model_dir(tmp_path / "pytorch")
    config = toml.load(model_dir / "configs" / "rnnt.toml")
    sys.path.insert(0, str(model_dir))
    from model_separable_rnnt import RNNT
    model = RNNT(config["rnnt"], len(config["labels"]["labels"]) + 1, feature_config=config["input_eval"])
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    upstream = {k.replace("joint_net.", "joint.net."): v for k, v in synthetic_checkpoint.UPSTREAM_SHAPES.items()
                if "featurizer" not in k}
    assert shapes == upstream == migrate.MODEL_SHAPES
    assert sum(1 for _ in synthetic_checkpoint.UPSTREAM_SHAPES) == 35


def test_synthetic_checkpoint_has_the_upstream_size(tmp_path):
    state = synthetic_checkpoint.random_state_dict()
    assert sum(t.numel() for t in state.values()) == 45_343_917
    assert all(str(t.dtype) == "torch.float32" for t in state.values())


def test_start_of_sequence_is_a_zero_input(tmp_path):
    model_dir = standin_upstream.write_model_dir(tmp_path / "pytorch")
    weights = tmp_path / "w.pt"
    state, _ = migrate.migrate({"state_dict": synthetic_checkpoint.random_state_dict()})
    torch.save(state, weights)
    model = load_model(str(model_dir), str(weights))
    g, (h, c) = model.prediction(None)
    zero_in, _ = model.prediction.dec_rnn(torch.zeros(1, 1, 320))
    assert g.shape == (1, 1, 320) and h.shape == (2, 1, 320)
    assert torch.equal(g, zero_in.transpose(0, 1))
