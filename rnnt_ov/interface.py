"""The three RNN-T networks' inputs and outputs, stated once: names, shapes, element types, meaning.

This is the model description that export_rnnt_to_onnx.py writes into the ONNX files, that the
runtimes feed and read, and that describe_ir.py and verify check an IR against. It imports neither
torch nor openvino, so every part of the project can read it.

Shapes use symbols: T is the encoder's input frames, B the batch; "ceil(T/2)" is the encoder's
output frames (time stacking by 2). Input names are those of OpenVINO's documented guide
("Converting a PyTorch RNN-T Model"), so its `mo --input` strings apply unchanged. The numeric
names cannot be given to today's torch.onnx exporter, which is why an input also has the name it
carries while exporting.
"""
from dataclasses import dataclass
from typing import NamedTuple

ENCODER_FEATURES = 240      # 80 mel bands x 3 spliced frames
ENCODER_HIDDEN = 1024
PREDICTION_HIDDEN = 320
PREDICTION_LAYERS = 2
LABELS = 28                 # space, a-z, apostrophe (rnnt.toml [labels])
BLANK = LABELS              # the joint's last output
CLASSES = LABELS + 1

# r1.0 starts a sequence with prediction(None), which no label fed to the prediction network can
# express; the export computes that step's outputs once and writes them beside the networks.
START_STEP = "rnnt_prediction_start.npz"
START_STEP_ARRAYS = ("prediction_out", "new_hidden_h", "new_hidden_c")


class StartStep(NamedTuple):
    """The outputs of r1.0's start-of-sequence prediction step, as every runtime returns them:
    g (1, 1, 320) and the LSTM state h, c (2, 1, 320) each, float32."""
    g: object
    h: object
    c: object

    @classmethod
    def from_arrays(cls, arrays):
        """From {name: array} with the prediction network's output names (the .npz file)."""
        return cls(*(arrays[name] for name in START_STEP_ARRAYS))

    def arrays(self):
        return dict(zip(START_STEP_ARRAYS, self))


def encoded_frames(frames):
    """The encoder's output frames for `frames` input frames: time stacking by 2, ceil(frames / 2).
    Works on ints and on numpy arrays of lengths."""
    return (frames + 1) // 2


# The ONNX files name the encoder's output frames T_out.
ONNX_DIM_NAMES = {"ceil(T/2)": "T_out"}


@dataclass(frozen=True)
class Port:
    name: str           # in the ONNX file and the IR
    shape: tuple        # ints and symbols ("T", "B", "ceil(T/2)")
    element_type: str   # OpenVINO's short names: f32, i64, i32
    meaning: str
    export_name: str = ""   # an input's name while exporting (today's exporter refuses numbers)

    @property
    def batch_axis(self):
        return self.shape.index("B")

    def dynamic_axes(self):
        """{axis: name} of the dimensions that are not fixed numbers, as torch.onnx.export names
        them in the ONNX file."""
        return {axis: ONNX_DIM_NAMES.get(dim, dim) for axis, dim in enumerate(self.shape) if isinstance(dim, str)}


@dataclass(frozen=True)
class Network:
    name: str
    inputs: tuple
    outputs: tuple
    meaning: str

    @property
    def file_stem(self):
        return f"rnnt_{self.name}"

    def input(self, name):
        return next(port for port in self.inputs if port.name == name)


ENCODER = Network(
    "encoder",
    inputs=(
        Port("input.1", ("T", "B", ENCODER_FEATURES), "f32", "spliced log-mel features, time-major",
             export_name="features"),
        Port("1", ("B",), "i64", "valid frames of each batch row (frozen to T unless SEQ_LEN=dynamic)",
             export_name="feature_lengths"),
    ),
    outputs=(
        Port("encoded", ("B", "ceil(T/2)", ENCODER_HIDDEN), "f32", "encoder output frames"),
        Port("encoded_lengths", ("B",), "i32", "valid output frames: ceil(lengths / 2)"),
    ),
    meaning="audio features to acoustic frames: 2 LSTM layers, time stacking by 2, 3 LSTM layers",
)

PREDICTION = Network(
    "prediction",
    inputs=(
        Port("input.1", ("B", 1), "i64", "previous label, 0..27", export_name="label"),
        Port("1", (PREDICTION_LAYERS, "B", PREDICTION_HIDDEN), "f32", "LSTM h state", export_name="hidden_h"),
        Port("2", (PREDICTION_LAYERS, "B", PREDICTION_HIDDEN), "f32", "LSTM c state", export_name="hidden_c"),
    ),
    outputs=(
        Port("prediction_out", ("B", 1, PREDICTION_HIDDEN), "f32", "prediction network output"),
        Port("new_hidden_h", (PREDICTION_LAYERS, "B", PREDICTION_HIDDEN), "f32", "next LSTM h state"),
        Port("new_hidden_c", (PREDICTION_LAYERS, "B", PREDICTION_HIDDEN), "f32", "next LSTM c state"),
    ),
    meaning="the label history: an embedding and 2 LSTM layers",
)

JOINT = Network(
    "joint",
    inputs=(
        Port("0", ("B", 1, ENCODER_HIDDEN), "f32", "one encoder output frame", export_name="encoder_frame"),
        Port("1", ("B", 1, PREDICTION_HIDDEN), "f32", "the prediction output", export_name="prediction_frame"),
    ),
    outputs=(
        Port("logits", ("B", 1, 1, CLASSES), "f32", "28 symbols (space, a-z, ') then blank"),
    ),
    meaning="scores of the next symbol: Linear 1344->512, ReLU, Linear 512->29",
)

NETWORKS = {network.name: network for network in (ENCODER, PREDICTION, JOINT)}
NAMES = tuple(NETWORKS)




class InterfaceError(Exception):
    """An IR that does not fit the RNN-T interface; the message lists what was expected and found."""


# Element types that stand in for one another: an IR made elsewhere may carry i32 labels or
# lengths where the export has i64.
KINDS = {"f32": "float", "f16": "float", "bf16": "float", "i64": "int", "i32": "int"}


def _fits(port, shape, element_type, batch):
    """Whether a found port (shape with -1 for dynamic dimensions) can be the documented `port`;
    `batch` holds the batch size seen so far, so that every "B" of a network agrees."""
    if KINDS.get(element_type) != KINDS[port.element_type]:
        return False
    if port.shape == ("B",) and shape == []:
        return True      # the guide's `mo --input "...,1->157"` freezes the lengths to a scalar
    if len(shape) != len(port.shape):
        return False
    for documented, found in zip(port.shape, shape):
        if isinstance(documented, int):
            if found not in (documented, -1):
                return False
        elif documented == "B" and found != -1:
            if batch.setdefault("B", found) != found:
                return False
    return True


def _describe(ports):
    return ", ".join(f"{name} [{','.join('?' if d == -1 else str(d) for d in shape)}] {element_type}"
                     for name, shape, element_type in ports) or "none"


def _expected(ports, optional=()):
    return ", ".join(f"{p.name} [{','.join(map(str, p.shape))}] {p.element_type}"
                     + (" (or frozen)" if p.name in optional else "") for p in ports)


def match(network, inputs, outputs, file_name=None):
    """Map an IR's ports onto the documented ones.

    inputs, outputs: [(name, shape, element type)] in the IR's order, a shape's dynamic
    dimensions as -1. Ports that carry the documented names are taken by name; otherwise, as in
    an IR converted by hand with the guide (whose outputs are named by number), by position,
    provided every shape and element type fits. Returns ({documented name: index} for the inputs,
    the same for the outputs, and the names that were matched by position as {found: documented},
    empty when every name was documented). The encoder's lengths input may be missing (frozen).
    Raises InterfaceError listing what was expected and found.
    """
    spec = NETWORKS[network]
    optional = ("1",) if network == "encoder" else ()
    batch = {}
    mapped, renamed = [], {}
    for kind, documented, found in (("inputs", spec.inputs, inputs), ("outputs", spec.outputs, outputs)):
        wanted = [p for p in documented if kind == "outputs" or p.name not in optional
                  or len(found) == len(documented)]
        by_name = {name: i for i, (name, _, _) in enumerate(found)}
        trial = dict(batch)
        if set(by_name) == {p.name for p in wanted} and all(
                _fits(p, found[by_name[p.name]][1], found[by_name[p.name]][2], trial) for p in wanted):
            mapped.append({p.name: by_name[p.name] for p in wanted})
            batch.update(trial)
            continue
        trial = dict(batch)
        if len(found) == len(wanted) and all(_fits(p, shape, element_type, trial)
                                             for p, (_, shape, element_type) in zip(wanted, found)):
            mapped.append({p.name: i for i, p in enumerate(wanted)})
            renamed.update({name: p.name for p, (name, _, _) in zip(wanted, found) if name != p.name})
            batch.update(trial)
            continue
        where = file_name or f"{spec.file_stem}.xml"
        raise InterfaceError(
            f"{where} does not fit the RNN-T {network} network: expected {kind} "
            f"{_expected(documented if kind == 'outputs' else spec.inputs, optional)}; found {_describe(found)}")
    return mapped[0], mapped[1], renamed


def describe():
    """The interface as text, one line per input and output."""
    lines = []
    for network in NETWORKS.values():
        lines.append(f"{network.file_stem}: {network.meaning}")
        for kind, ports in (("in", network.inputs), ("out", network.outputs)):
            for port in ports:
                shape = " x ".join(map(str, port.shape))
                lines.append(f"  {kind:<4}{port.name:<16}{shape:<22}{port.element_type:<5}{port.meaning}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(describe())
