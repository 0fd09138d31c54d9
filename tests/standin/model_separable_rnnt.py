"""Stand-in for upstream r1.0 `model_separable_rnnt.py`, written for this project's tests.

Same constructor, child names, parameter names and shapes, and the same forward behaviour where
the export cares: `from rnn import ...` as a bare import (so this folder must be on sys.path),
`Prediction.forward(None)` as the start-of-sequence step (a zero input of shape (1, 1, H)), and a
joint that broadcasts encoder and prediction outputs to (B, T, U, classes).
"""
from typing import Optional, Tuple

import torch

from rnn import rnn
from rnn import StackTime


class RNNT(torch.nn.Module):
    def __init__(self, rnnt=None, num_classes=1, **kwargs):
        super().__init__()
        if kwargs.get("no_featurizer", False):
            in_features = kwargs.get("in_features")
        else:
            features = kwargs.get("feature_config")
            in_features = features["features"] * features.get("frame_splicing", 1)
        self.encoder = Encoder(in_features, rnnt)
        self.prediction = Prediction(num_classes, rnnt)
        self.joint = Joint(num_classes, rnnt)

    def forward(self, x_padded, x_lens):
        return self.encoder(x_padded, x_lens)


class Encoder(torch.nn.Module):
    def __init__(self, in_features, cfg):
        super().__init__()
        hidden, factor = cfg["encoder_n_hidden"], cfg["encoder_stack_time_factor"]
        self.pre_rnn = rnn(cfg["rnn_type"], in_features, hidden, cfg["encoder_pre_rnn_layers"],
                           forget_gate_bias=cfg["forget_gate_bias"], dropout=cfg["dropout"])
        self.stack_time = StackTime(factor)
        self.post_rnn = rnn(cfg["rnn_type"], factor * hidden, hidden, cfg["encoder_post_rnn_layers"],
                            forget_gate_bias=cfg["forget_gate_bias"], dropout=cfg["dropout"])

    def forward(self, x_padded: torch.Tensor, x_lens: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x_padded, _ = self.pre_rnn(x_padded, None)          # (T, B, H)
        x_padded, x_lens = self.stack_time(x_padded, x_lens)
        x_padded, _ = self.post_rnn(x_padded, None)
        return x_padded.transpose(0, 1), x_lens             # (B, T', H)


class Prediction(torch.nn.Module):
    def __init__(self, vocab_size, cfg):
        super().__init__()
        self.n_hidden = cfg["pred_n_hidden"]
        self.embed = torch.nn.Embedding(vocab_size - 1, self.n_hidden)   # no row for blank
        self.dec_rnn = rnn(cfg["rnn_type"], self.n_hidden, self.n_hidden, cfg["pred_rnn_layers"],
                           forget_gate_bias=cfg["forget_gate_bias"], dropout=cfg["dropout"])

    def forward(self, y: Optional[torch.Tensor],
                state: Optional[Tuple[torch.Tensor, torch.Tensor]] = None):
        if y is None:
            # Start of sequence: no label yet, a zero input vector for a batch of one.
            assert state is None
            y = torch.zeros((1, 1, self.n_hidden), dtype=torch.float32)
        else:
            y = self.embed(y)                                # (B, U, H)
        g, hid = self.dec_rnn(y.transpose(0, 1), state)
        return g.transpose(0, 1), hid


class Joint(torch.nn.Module):
    def __init__(self, vocab_size, cfg):
        super().__init__()
        dropout = cfg["dropout"]
        layers = [torch.nn.Linear(cfg["pred_n_hidden"] + cfg["encoder_n_hidden"], cfg["joint_n_hidden"]),
                  torch.nn.ReLU()]
        if dropout:
            layers.append(torch.nn.Dropout(p=dropout))
        layers.append(torch.nn.Linear(cfg["joint_n_hidden"], vocab_size))
        self.net = torch.nn.Sequential(*layers)

    def forward(self, f: torch.Tensor, g: torch.Tensor):
        B, T, H = f.shape
        B, U, H2 = g.shape   # B read again from g: the exported graph's shape ops follow this
        f = f.unsqueeze(dim=2).expand((B, T, U, H))
        g = g.unsqueeze(dim=1).expand((B, T, U, H2))
        return self.net(torch.cat([f, g], dim=3))           # (B, T, U, classes)
