"""Stand-in for upstream r1.0 `rnn.py`, written for this project's tests.

Reproduces only what the export depends on: an LSTM wrapper whose single parameter child is
`lstm` (so state-dict keys read `...pre_rnn.lstm.weight_ih_l0`), an in-place dropout applied to
the LSTM output's `.data` in training mode only, and a time-stacking layer built the r1.0 way
(zeros_like + slice assignment, concatenation on features, every `factor`-th frame kept).
"""
import torch


def rnn(rnn, input_size, hidden_size, num_layers, norm=None, forget_gate_bias=1.0,
        dropout=0.0, **kwargs):
    if rnn != "lstm" or norm is not None:
        raise ValueError(f"stand-in supports only an un-normalised lstm, got {rnn!r}/{norm!r}")
    return LstmDrop(input_size, hidden_size, num_layers, dropout, forget_gate_bias)


class LstmDrop(torch.nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, dropout, forget_gate_bias):
        super().__init__()
        self.lstm = torch.nn.LSTM(input_size=input_size, hidden_size=hidden_size,
                                  num_layers=num_layers, dropout=dropout)
        with torch.no_grad():
            for name, param in self.lstm.named_parameters():
                if name.startswith("bias_ih"):
                    param[hidden_size:2 * hidden_size] = forget_gate_bias
                elif name.startswith("bias_hh"):
                    param[hidden_size:2 * hidden_size] = 0.0
        self.inplace_dropout = torch.nn.Dropout(dropout, inplace=True) if dropout else None

    def forward(self, x, h=None):
        x, h = self.lstm(x, h)
        if self.inplace_dropout is not None:
            self.inplace_dropout(x.data)   # a no-op in eval mode, as upstream
        return x, h


class StackTime(torch.nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = int(factor)

    def forward(self, x, x_lens):
        # x: (T, B, H). Frame t gets frames t .. t+factor-1 side by side (zeros past the end).
        shifted = [x]
        for shift in range(1, self.factor):
            later = torch.zeros_like(x)
            later[:-shift, :, :] = x[shift:, :, :]
            shifted.append(later)
        x_lens = torch.ceil(x_lens.float() / self.factor).int()
        return torch.cat(shifted, dim=2)[::self.factor, :, :], x_lens
