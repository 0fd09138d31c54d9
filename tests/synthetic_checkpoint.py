"""Writes a checkpoint in the upstream format with synthetic weights that decode like a trained model.

The upstream file (DistributedDataParallel_1576581068.9962234-epoch-100.pt, Zenodo 3662521) is a
dict whose "state_dict" holds 35 float32 tensors: the model's 33, with the joint named `joint_net.*`
instead of the model's `joint.net.*`, plus the featurizer's mel filterbank and window. It dates
from December 2019, before torch 1.6 made the zip format the default, so it is written in torch's
legacy (non-zip) format unless told otherwise.

The featurizer tensors are what the real checkpoint holds and what upstream's reference SUT builds
itself from rnnt.toml (it drops the checkpoint's copies): librosa's mel filterbank (80 bands,
n_fft 512, 16 kHz, Slaney scale and norm) and a Hann window of 320 samples, not periodic.

Random weights alone decode chaotically (a random prediction network and joint keep emitting the
same label up to 30 times a frame), which makes decoding, not the encoder, dominate any
measurement. Here the shapes and the amount of arithmetic are upstream's, and the weights are
random, except where a structure makes greedy decoding behave as a trained model's does on speech:
0 or 1 symbol per encoder frame, about 0.85 on average (a trained model emits ~15 characters per
second over ~16.7 encoder frames, 0.9 per frame), every label used:

  - encoder: its LSTMs follow their input more than their past (small recurrent weights, the
    forget gate mostly closed), so that each output frame says something of its own 60 ms;
  - prediction network: its output depends on the last label alone (the same structure), so that
    a linear read-out Q of it tells which label was last emitted (fitted on a random label sequence);
  - joint: z = U f + u, 28 scores of the encoder frame (U random, calibrated to unit variance on
    the encoder's outputs); 112 of its 512 hidden units compute, with ReLU, z itself, and for each
    label k "the frame's score of k if k was the last label emitted"; label k's logit is z_k (less
    4 if k was just emitted), blank's is 1.5 x the frame's score of the last label (plus BLANK_BIAS).
    So a frame emits its best label unless that label was the last one emitted, and once it has
    emitted, blank wins. The other 400 hidden units have random input weights and no say.
"""
import math

import numpy as np
import torch

ENC, PRED, JOINT, FEATS, CLASSES = 1024, 320, 512, 240, 29
LABELS = CLASSES - 1
SAMPLE_RATE, N_FFT, MELS, WINDOW = 16000, 512, 80, 320

# name -> shape, exactly as in the upstream checkpoint (UPSTREAM-FACTS.md).
UPSTREAM_SHAPES = {}
for _prefix, _layers, _inputs in (("encoder.pre_rnn.lstm", 2, (FEATS, ENC)),
                                  ("encoder.post_rnn.lstm", 3, (2 * ENC, ENC, ENC)),
                                  ("prediction.dec_rnn.lstm", 2, (PRED, PRED))):
    _hidden = PRED if _prefix.startswith("prediction") else ENC
    for _layer in range(_layers):
        UPSTREAM_SHAPES[f"{_prefix}.weight_ih_l{_layer}"] = (4 * _hidden, _inputs[_layer])
        UPSTREAM_SHAPES[f"{_prefix}.weight_hh_l{_layer}"] = (4 * _hidden, _hidden)
        UPSTREAM_SHAPES[f"{_prefix}.bias_ih_l{_layer}"] = (4 * _hidden,)
        UPSTREAM_SHAPES[f"{_prefix}.bias_hh_l{_layer}"] = (4 * _hidden,)
UPSTREAM_SHAPES.update({
    "prediction.embed.weight": (LABELS, PRED),
    "joint_net.0.weight": (JOINT, ENC + PRED),
    "joint_net.0.bias": (JOINT,),
    "joint_net.3.weight": (CLASSES, JOINT),
    "joint_net.3.bias": (CLASSES,),
    "audio_preprocessor.featurizer.fb": (1, MELS, N_FFT // 2 + 1),
    "audio_preprocessor.featurizer.window": (WINDOW,),
})

# The joint's structure (see the module's docstring).
LABEL_GAIN, BLANK_GAIN, JUST_EMITTED, GATE = 1.0, 1.5, 4.0, 4.0
BLANK_BIAS = 0.0


def _hz_to_mel(hz):
    """Slaney's mel scale (librosa's default): linear to 1 kHz, logarithmic above."""
    hz = np.asarray(hz, np.float64)
    linear = hz / (200.0 / 3)
    logstep = math.log(6.4) / 27.0
    return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / logstep, linear)


def _mel_to_hz(mel):
    mel = np.asarray(mel, np.float64)
    logstep = math.log(6.4) / 27.0
    return np.where(mel >= 15.0, 1000.0 * np.exp(logstep * (mel - 15.0)), mel * (200.0 / 3))


def mel_filterbank(sample_rate=SAMPLE_RATE, n_fft=N_FFT, n_mels=MELS):
    """(n_mels, n_fft/2 + 1) float32: triangular filters on the Slaney mel scale from 0 Hz to
    Nyquist, each scaled to unit area (Slaney's norm), computed in the order and precision
    librosa.filters.mel computes them, so that the values are librosa's."""
    bins = np.linspace(0, sample_rate / 2, 1 + n_fft // 2)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sample_rate / 2), n_mels + 2))
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, bins)
    weights = np.zeros((n_mels, len(bins)), np.float32)
    for i in range(n_mels):
        rising = -ramps[i] / widths[i]
        falling = ramps[i + 2] / widths[i + 1]
        weights[i] = np.maximum(0, np.minimum(rising, falling))
    weights *= (2.0 / (edges[2:n_mels + 2] - edges[:n_mels]))[:, None]
    return weights


def _uniform(shape, bound, gen):
    return (torch.rand(shape, generator=gen) * 2 - 1) * bound


def _gates(bias, input_gate, forget_gate, output_gate):
    """Set an LSTM bias's gate blocks (torch's order: input, forget, cell, output)."""
    hidden = bias.shape[0] // 4
    bias[:hidden], bias[hidden:2 * hidden], bias[3 * hidden:] = input_gate, forget_gate, output_gate


def _follow_input(state, prefix, layers, cell_gain, small, open_bias, shut_bias):
    """LSTM layers whose output follows their input: the gates' input weights and the recurrent
    weights scaled by `small`, the input and output gates biased open, the forget gate shut, the
    cell candidate's input weights scaled by cell_gain."""
    for layer in range(layers):
        w_ih, w_hh = state[f"{prefix}.weight_ih_l{layer}"], state[f"{prefix}.weight_hh_l{layer}"]
        hidden = w_hh.shape[1]
        w_ih[:2 * hidden] *= small
        w_ih[3 * hidden:] *= small
        w_ih[2 * hidden:3 * hidden] *= cell_gain
        w_hh *= small
        _gates(state[f"{prefix}.bias_ih_l{layer}"], open_bias, shut_bias, open_bias)


class PlainModel:
    """r1.0's RNN-T in plain torch (LSTMs, time stacking by 2, the joint's two linears), from a
    state dict in the checkpoint's names: to calibrate the structure above, and to measure how the
    checkpoint decodes (the decoding networks' calls of rnnt_ov/networks.py)."""

    def __init__(self, state):
        def lstm(prefix, layers, inputs, hidden):
            module = torch.nn.LSTM(inputs, hidden, layers)
            module.load_state_dict({k[len(prefix) + 1:]: v for k, v in state.items() if k.startswith(prefix + ".")})
            return module.eval()
        self.pre = lstm("encoder.pre_rnn.lstm", 2, FEATS, ENC)
        self.post = lstm("encoder.post_rnn.lstm", 3, 2 * ENC, ENC)
        self.dec = lstm("prediction.dec_rnn.lstm", 2, PRED, PRED)
        self.embed = state["prediction.embed.weight"]
        self.w1, self.b1 = state["joint_net.0.weight"], state["joint_net.0.bias"]
        self.w2, self.b2 = state["joint_net.3.weight"], state["joint_net.3.bias"]

    @torch.no_grad()
    def encode_padded(self, features):
        """(T, B, 240) -> (B, ceil(T/2), 1024), every frame of every row (no lengths)."""
        x = torch.from_numpy(np.ascontiguousarray(features, np.float32))
        frames, batch = x.shape[:2]
        h, _ = self.pre(x)
        if frames % 2:
            h = torch.cat([h, torch.zeros_like(h[:1])])
        stacked = h.reshape(-1, 2, batch, ENC).permute(0, 2, 1, 3).reshape(-1, batch, 2 * ENC)
        out, _ = self.post(stacked)
        return out.transpose(0, 1).numpy()

    def encode(self, features, lengths):
        """Each row alone, at its length, as upstream computes it."""
        lengths = np.asarray(lengths, np.int64)
        out = np.zeros((len(lengths), (features.shape[0] + 1) // 2, ENC), np.float32)
        for row, length in enumerate(lengths.tolist()):
            encoded = self.encode_padded(features[:length, row:row + 1])[0]
            out[row, :len(encoded)] = encoded
        return out, (lengths + 1) // 2

    @torch.no_grad()
    def predict(self, labels, state):
        x = self.embed[torch.from_numpy(np.asarray(labels, np.int64))][None]
        g, (h, c) = self.dec(x, (torch.from_numpy(state[0]), torch.from_numpy(state[1])))
        return g.transpose(0, 1).numpy(), (h.numpy(), c.numpy())

    @torch.no_grad()
    def start(self):
        """r1.0's start of a sequence: a zero input, no state."""
        g, (h, c) = self.dec(torch.zeros(1, 1, PRED))
        return g.transpose(0, 1).numpy(), h.numpy(), c.numpy()

    @torch.no_grad()
    def join(self, f, g):
        x = torch.cat([torch.from_numpy(f), torch.from_numpy(g)], dim=-1).reshape(f.shape[0], -1)
        return torch.nn.functional.linear(torch.relu(torch.nn.functional.linear(x, self.w1, self.b1)),
                                          self.w2, self.b2).numpy()


def _structured_joint(state, gen):
    """The joint's weights as the module's docstring says, from the encoder and prediction
    network already in `state`."""
    model = PlainModel(state)
    features = np.random.default_rng(1).standard_normal((200, 4, FEATS), dtype=np.float32)
    frames = model.encode_padded(features).reshape(-1, ENC)
    projection = np.random.default_rng(5).standard_normal((LABELS, ENC)).astype(np.float32)
    scores = frames @ projection.T
    scale, centre = scores.std(axis=0), scores.mean(axis=0)
    U, u = projection / scale[:, None], -centre / scale                       # z = U f + u, unit variance
    sequence = np.random.default_rng(9).integers(0, LABELS, 600)
    with torch.no_grad():                                                      # after each label, from a zero state
        g = model.dec(model.embed[torch.from_numpy(sequence)][:, None, :])[0][:, 0].numpy()
    onehot = np.eye(LABELS)[sequence]
    Q = np.linalg.solve(g.T @ g + 1e-3 * np.eye(PRED), g.T @ onehot).T        # Q g = the last label, one-hot

    w1 = _uniform((JOINT, ENC + PRED), 3.0 / math.sqrt(ENC + PRED), gen).numpy()
    b1 = np.zeros(JOINT, np.float32)
    w2 = np.zeros((CLASSES, JOINT), np.float32)
    rows = {name: slice(n * LABELS, (n + 1) * LABELS) for n, name in enumerate(("up", "down", "last", "emitted"))}
    w1[:4 * LABELS] = 0
    w1[rows["up"], :ENC], b1[rows["up"]] = U, u                                  # ReLU(z)
    w1[rows["down"], :ENC], b1[rows["down"]] = -U, -u                            # ReLU(-z)
    w1[rows["last"], :ENC], w1[rows["last"], ENC:], b1[rows["last"]] = U, GATE * Q, u - GATE   # z_k if k was last
    w1[rows["emitted"], ENC:] = Q                                                # 1 if k was last
    for k in range(LABELS):
        w2[k, rows["up"].start + k] = LABEL_GAIN
        w2[k, rows["down"].start + k] = -LABEL_GAIN
        w2[k, rows["emitted"].start + k] = -JUST_EMITTED
        w2[LABELS, rows["last"].start + k] = BLANK_GAIN
    # Biases that are not all zero, as a trained network's never are (mo removes an all-zero Add,
    # and the documented output name with it); too small to change a decision.
    b2 = _uniform((CLASSES,), 0.01, gen).numpy()
    b2[LABELS] += BLANK_BIAS
    return {"joint_net.0.weight": w1, "joint_net.0.bias": b1, "joint_net.3.weight": w2, "joint_net.3.bias": b2}


def random_state_dict(seed=0):
    """Upstream-named tensors: random weights (uniform in +-3/sqrt(fan_in), three times torch's
    default, for outputs of a trained network's scale), given the structure of the module's
    docstring, and librosa's featurizer tensors."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for name, shape in UPSTREAM_SHAPES.items():
        if name.endswith("featurizer.window"):
            state[name] = torch.hann_window(shape[0], periodic=False)
        elif name.endswith("featurizer.fb"):
            state[name] = torch.from_numpy(mel_filterbank())[None]
        elif name == "prediction.embed.weight":
            state[name] = torch.randn(shape, generator=gen)
        else:
            fan = shape[-1] if len(shape) == 2 else (shape[0] // 4 if "lstm" in name else shape[0])
            state[name] = _uniform(shape, 3.0 / math.sqrt(fan), gen)
    for prefix, layers in (("encoder.pre_rnn.lstm", 2), ("encoder.post_rnn.lstm", 3)):
        _follow_input(state, prefix, layers, cell_gain=2.0, small=0.1, open_bias=2.0, shut_bias=-4.0)
    _follow_input(state, "prediction.dec_rnn.lstm", 2, cell_gain=3.0, small=0.01, open_bias=3.0, shut_bias=-6.0)
    state.update({name: torch.from_numpy(value) for name, value in _structured_joint(state, gen).items()})
    return state


def write_checkpoint(path, seed=0, legacy_format=True, state=None):
    """Save {"state_dict": ...} at `path` the way the upstream file is saved."""
    state = random_state_dict(seed) if state is None else state
    torch.save({"state_dict": state}, str(path), _use_new_zipfile_serialization=not legacy_format)
    return path
