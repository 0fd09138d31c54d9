"""Edits of an OpenVINO model in memory, before it is compiled; the files on disk never change.

    set_batch            another batch size
    dynamic_time         the encoder's time axis open, so that one compiled model takes any length
    mask_padded_frames   each row of a padded encoder batch computed as that row alone
    pair_frames          the encoder's time stacking as pairs of frames side by side (faster, same numbers)
    quantize_after_squeeze   an INT8 encoder's LSTM outputs quantized in a layout that fits them
    match_int8_lstm_scales   INT8 LSTMs quantized as OpenVINO's CPU plugin reads them (else wrong numbers)
    carry_lstm_state     the encoder's LSTM states as inputs and outputs: an utterance encoded in chunks
    int8_lstms           how many LSTMs read a quantized input (run in int8 where shapes are dynamic)
    joint_layers         the joint network's weights, as arrays
    project_output       an output multiplied by a matrix (the joint's first layer split in two)
    embedding_as_table   the prediction network's label fed to its first LSTM as a one-hot row of a table
"""
import numpy as np
import openvino as ov

try:                                   # openvino 2025 and later
    import openvino.opset13 as ops
except ImportError:                    # openvino 2024 (the mo route's environment)
    import openvino.runtime.opset13 as ops

from .interface import NETWORKS


def set_batch(model, network, batch):
    """Reshape a model's inputs to another batch size. An IR encoder whose lengths were frozen
    keeps them: its encoded_lengths output then still has the IR's batch."""
    shapes = {}
    for port in model.inputs:
        shape = port.get_partial_shape()
        shape[NETWORKS[network].input(port.get_any_name()).batch_axis] = batch
        shapes[port.get_any_name()] = shape
    model.reshape(shapes)


def dynamic_time(model):
    """Give an encoder a dynamic time axis. A network that never reads its lengths (r1.0's LSTMs
    are unidirectional) then computes on a whole utterance what upstream computes on it."""
    shape = model.input("input.1").get_partial_shape()
    shape[0] = -1
    model.reshape({"input.1": shape})


def find_time_stacking(model):
    """The encoder's time-stacking concatenation: (T, B, H) and its shifted copy side by side into
    (T, B, 2H), of which every 2nd frame is kept. Returns the Concat node, or None."""
    for op in model.get_ordered_ops():
        if op.get_type_name() != "Concat" or op.get_input_size() != 2:
            continue
        shapes = [op.input(i).get_partial_shape() for i in range(2)] + [op.output(0).get_partial_shape()]
        if all(s.rank.is_static and s.rank.get_length() == 3 and s[2].is_static for s in shapes) \
                and op.get_axis() in (2, -1) and shapes[2][2].get_length() == 2 * shapes[0][2].get_length():
            return op
    return None


def lengths_parameter(model):
    """The encoder's lengths input "1"; added back (i64, one per row) where the IR froze it."""
    lengths = next((p for p in model.get_parameters() if "1" in p.output(0).get_names()), None)
    if lengths is None:
        lengths = ops.parameter([-1], ov.Type.i64, name="1")
        lengths.output(0).get_tensor().set_names({"1"})
        model.add_parameters([lengths])
    return lengths


def mask_padded_frames(model):
    """Make an encoder compute, for each row of a padded batch, what it computes for that row alone.

    The LSTMs are unidirectional, so a row's frames do not depend on the padding after them, with
    one exception: time stacking pairs an odd-length row's last frame with the next one, which is
    zero for the row alone (r1.0's StackTime fills past the end with zeros) but the LSTM's output
    on padding in a batch. Zeroing the pre-stacking frames past each row's length (lengths: input
    "1", added back if the IR froze it) restores that. Returns False if the encoder has no
    stacking of that shape (then padded odd-length rows may differ in their last frame)."""
    stack = find_time_stacking(model)
    if stack is None:
        return False
    frames = stack.input(0).get_source_output()
    lengths = lengths_parameter(model)
    i64 = ov.Type.i64
    count = ops.gather(ops.shape_of(frames, i64), ops.constant(0, i64), ops.constant(0, i64))
    index = ops.range(ops.constant(0, i64), count, ops.constant(1, i64), i64)
    valid = ops.less(ops.unsqueeze(index, ops.constant(1, i64)),
                     ops.unsqueeze(ops.convert(lengths, i64), ops.constant(0, i64)))
    mask = ops.unsqueeze(ops.convert(valid, frames.get_element_type()), ops.constant(2, i64))
    masked = ops.multiply(frames, mask)
    keep = {masked.get_instance_id(), count.input(0).get_source_output().get_node().get_instance_id()}
    for target in list(frames.get_target_inputs()):
        if target.get_node().get_instance_id() not in keep:
            target.replace_source_output(masked.output(0))
    model.validate_nodes_and_infer_types()
    return True


def pair_frames(model):
    """Rewrite the encoder's time stacking as what it computes: output frame t is frames 2t and
    2t+1 side by side (a zero frame past an odd length). r1.0's StackTime exports as a copy of the
    frames shifted by one through ScatterND (whose index tensor, built at run time, holds three
    integers for every element: T x B x 1024 x 3), a concatenation to (T, B, 2048), then every 2nd
    frame; here, one pad, two reshapes and a transpose. Pure data movement: the same numbers, bit
    for bit; the encoder 10-27% faster (docs/mlperf.md). Returns False, changing nothing, if the
    stacking is not of that shape (factor 2, the strided slice right after the Concat)."""
    stack = find_time_stacking(model)
    users = [t.get_node() for t in stack.output(0).get_target_inputs()] if stack else []
    if len(users) != 1 or users[0].get_type_name() != "Slice":
        return False
    strided = users[0]
    bounds = [strided.input(i).get_source_output().get_node() for i in range(1, strided.get_input_size())]
    if any(b.get_type_name() != "Constant" for b in bounds):
        return False
    start, _, step, axes = (list(b.get_data()) for b in bounds)
    if (start, step, axes) != ([0], [2], [0]):
        return False
    frames = stack.input(0).get_source_output()           # (T, B, H): after mask_padded_frames' zeroing
    hidden = frames.get_partial_shape()[2].get_length()
    i64 = ov.Type.i64
    shape = ops.shape_of(frames, i64)
    odd = ops.floor_mod(ops.gather(shape, ops.constant([0], i64), ops.constant(0, i64)), ops.constant([2], i64))
    zero = ops.constant([0], i64)
    even = ops.pad(frames, ops.constant([0, 0, 0], i64), ops.concat([odd, zero, zero], 0), "constant",
                   ops.constant(0, frames.get_element_type()))
    batch = ops.gather(shape, ops.constant([1], i64), ops.constant(0, i64))
    pairs = ops.reshape(even, ops.concat([ops.constant([-1, 2], i64), batch, ops.constant([hidden], i64)], 0), False)
    side_by_side = ops.reshape(ops.transpose(pairs, ops.constant([0, 2, 1, 3], i64)),
                               ops.constant([0, 0, 2 * hidden], i64), True)
    strided.output(0).replace(side_by_side.output(0))
    model.validate_nodes_and_infer_types()
    return True


def quantize_after_squeeze(model):
    """Move each FakeQuantize that NNCF put on an LSTMSequence's output (batch, 1, T, 1024) past
    the Squeeze of its direction axis. The CPU plugin lays a FakeQuantize out in blocks of 16
    along axis 1, which is the direction axis here, of size 1: padded sixteenfold, its reorders
    cost a tenth of the INT8 encoder. A per-tensor quantization of the same values: the same
    numbers. Returns how many were moved."""
    moved = 0
    for quantize in model.get_ordered_ops():
        if quantize.get_type_name() != "FakeQuantize":
            continue
        lstm_output = quantize.input(0).get_source_output()
        squeezes = [t.get_node() for t in quantize.output(0).get_target_inputs()]
        ranges = [quantize.input(i).get_source_output() for i in range(1, 5)]
        if lstm_output.get_node().get_type_name() != "LSTMSequence" or not squeezes \
                or any(s.get_type_name() != "Squeeze" for s in squeezes) \
                or any(r.get_partial_shape().is_dynamic or int(np.prod(r.get_shape())) != 1 for r in ranges):
            continue
        for squeeze in squeezes:
            squeezed = ops.squeeze(lstm_output, squeeze.input(1).get_source_output())
            requantized = ops.fake_quantize(squeezed, *ranges, quantize.get_attributes()["levels"])
            squeeze.output(0).replace(requantized.output(0))
            moved += 1
    if moved:
        model.validate_nodes_and_infer_types()
    return moved


# Operations that move or reshape data without changing it, looked through to find a quantizer.
_LAYOUT_ONLY = ("Reshape", "Squeeze", "Unsqueeze", "Transpose")


def _quantizer_of(output):
    """The FakeQuantize that `output` comes from through layout-only operations, or None."""
    node = output.get_node()
    while node.get_type_name() in _LAYOUT_ONLY:
        node = node.input(0).get_source_output().get_node()
    return node if node.get_type_name() == "FakeQuantize" else None


def _scalar_range(quantizer):
    """(low, high, levels) of a FakeQuantize with one input range for the whole tensor, or None."""
    low, high = (value(quantizer.input(i).get_source_output()) for i in (1, 2))
    if low.size != 1 or high.size != 1 or not high.item() > low.item():
        return None
    return low.item(), high.item(), quantizer.get_attributes()["levels"]


def _zero_level(low, high, levels):
    """The integer level a quantization over [low, high] gives 0."""
    return int(np.round(-low / (high - low) * (levels - 1)))


def _feeds_only(node, consumer):
    """Whether `node`'s output reaches `consumer` alone, through operations with one user each."""
    while True:
        users = [t.get_node() for t in node.output(0).get_target_inputs()]
        if len(users) != 1:
            return False
        if users[0].get_instance_id() == consumer.get_instance_id():
            return True
        node = users[0]


def _int8_weight(output):
    """(int8 Constant, Convert, scale Constant, Multiply) of a weight stored as NNCF stores it,
    Multiply(Convert(int8 levels), per-channel scales), or None."""
    multiply = output.get_node()
    if multiply.get_type_name() != "Multiply":
        return None
    sources = [multiply.input(i).get_source_output().get_node() for i in range(2)]
    for convert, scale in (sources, sources[::-1]):
        if convert.get_type_name() == "Convert" and scale.get_type_name() == "Constant":
            levels = convert.input(0).get_source_output().get_node()
            if levels.get_type_name() == "Constant" and levels.get_output_element_type(0) == ov.Type.i8:
                return levels, convert, scale, multiply
    return None


def _tied_forget_and_input(scales):
    """Per-channel scales (1, 4H, 1) of gates in OpenVINO's order (forget, input, cell, output)
    with the forget and input gates' scales of each unit made equal, the larger of the two; None
    for scales of another shape."""
    if scales.ndim != 3 or scales.shape[0] != 1 or scales.shape[2] != 1 or scales.shape[1] % 4:
        return None
    gates = scales.reshape(4, -1).copy()
    gates[0] = gates[1] = np.maximum(gates[0], gates[1])
    return gates.reshape(scales.shape)


def match_int8_lstm_scales(model):
    """Make each INT8 LSTMSequence quantized the way OpenVINO's CPU plugin reads it where it runs
    the LSTM in int8 (dynamic shapes, as the harness compiles the encoder; with static shapes it
    computes in float from the dequantized weights). Its int8 LSTM (oneDNN's, set up by the
    plugin's ConvertFqRnnToQuantizedRnn; OpenVINO 2024.6 and 2026.4 alike) takes one scale per
    output channel for the input weights W and the recurrent weights R, the scales of W; applies
    the forget gate's scales to the input gate's weights and the other way round; and reads the
    quantized initial state h0 at the scale and zero point of the input X. NNCF quantizes each on
    its own: R's int8 levels were read at W's scales (in r1.0's encoder ~2x too large, 40x in the
    cell gate), and h0, zeros quantized on a range of their own, started the first layer at ~0.55
    instead of 0. The INT8 encoder's output correlated 0.06 with f32's on the load set's weights;
    with this edit 0.997, at the same speed. Here W and R are requantized to one scale per unit
    and gate, the same for the forget and input gates of a unit (each time the larger, so that
    nothing clips), and an initial state quantized on zeros gets the level that X's quantization
    reads as 0. Returns how many LSTMs were edited; an LSTM already so quantized is left as it is."""
    edited = 0
    for lstm in model.get_ordered_ops():
        if lstm.get_type_name() != "LSTMSequence":
            continue
        changed = False
        w, r = (_int8_weight(lstm.input(k).get_source_output()) for k in (4, 5))
        if w and r:
            w_scale, r_scale = (x[2].get_data().astype(np.float32) for x in (w, r))
            common = _tied_forget_and_input(np.maximum(w_scale, r_scale)) if w_scale.shape == r_scale.shape else None
            if common is not None and not (np.array_equal(w_scale, common) and np.array_equal(r_scale, common)):
                shared = ops.constant(common)
                for (levels, convert, scale, multiply), old in ((w, w_scale), (r, r_scale)):
                    requantized = np.round(levels.get_data().astype(np.float32) * (old / common)).astype(np.int8)
                    convert.input(0).replace_source_output(ops.constant(requantized).output(0))
                    for i in range(2):
                        if multiply.input(i).get_source_output().get_node().get_instance_id() == scale.get_instance_id():
                            multiply.input(i).replace_source_output(shared.output(0))
                changed = True
        x_quantizer, h_quantizer = (_quantizer_of(lstm.input(k).get_source_output()) for k in (0, 1))
        x_range, h_range = (_scalar_range(q) if q is not None else None for q in (x_quantizer, h_quantizer))
        if x_range and h_range and h_range[1] - h_range[0] < 1e-2 and _feeds_only(h_quantizer, lstm):
            # A range calibrated on zeros: an initial state. The same step, 0 at X's zero level.
            zero_level, (low, high, levels) = _zero_level(*x_range), h_range
            if _zero_level(*h_range) != zero_level:
                step = (high - low) / (levels - 1)
                bounds = ops.constant(np.float32(-zero_level * step)), ops.constant(np.float32((levels - 1 - zero_level) * step))
                for i, bound in zip((1, 2, 3, 4), bounds * 2):
                    h_quantizer.input(i).replace_source_output(bound.output(0))
                changed = True
        edited += changed
    if edited:
        model.validate_nodes_and_infer_types()
    return edited


def carry_lstm_state(model):
    """Give each LSTMSequence of an encoder its initial state as inputs "h<i>" and "c<i>" (batch,
    1, hidden), zeros for a new utterance, and its final state as outputs "h<i>_out", "c<i>_out":
    an utterance can then be encoded a chunk at a time, each chunk starting from the state the
    last one ended in (chunks of an even number of frames, so that time stacking pairs the same
    frames). An INT8 LSTM reads its initial state quantized at its input's scale and zero point
    (match_int8_lstm_scales), which is how it carries its state from frame to frame inside a
    chunk: the state input is quantized so, the cell state is not. Returns the number of LSTMs."""
    lstms = [op for op in model.get_ordered_ops() if op.get_type_name() == "LSTMSequence"]
    parameters, results = [], []
    for i, lstm in enumerate(lstms):
        hidden = lstm.get_hidden_size()
        x_quantizer = _quantizer_of(lstm.input(0).get_source_output())
        for port, kind in ((1, "h"), (2, "c")):
            state = ops.parameter([-1, 1, hidden], ov.Type.f32, name=f"{kind}{i}")
            state.output(0).get_tensor().set_names({f"{kind}{i}"})
            source = state.output(0)
            if kind == "h" and x_quantizer is not None:
                ranges = [x_quantizer.input(k).get_source_output() for k in range(1, 5)]
                source = ops.fake_quantize(source, *ranges, x_quantizer.get_attributes()["levels"]).output(0)
            lstm.input(port).replace_source_output(source)
            final = lstm.output(port)
            final.get_tensor().set_names({f"{kind}{i}_out"})
            parameters.append(state)
            results.append(ops.result(final))
    model.add_parameters(parameters)
    model.add_results(results)
    model.validate_nodes_and_infer_types()
    return len(lstms)


def int8_lstms(model):
    """How many LSTMSequences read their input through a FakeQuantize: those that OpenVINO's CPU
    plugin runs in int8 where the shapes are dynamic."""
    return sum(_quantizer_of(op.input(0).get_source_output()) is not None
               for op in model.get_ops() if op.get_type_name() == "LSTMSequence")


def value(output):
    """A float32 array of a graph output that depends on no input: a weight, whether stored as it
    is or compressed (FP16 weights) or quantized (INT8), evaluated by OpenVINO itself."""
    node = output.get_node()
    if node.get_type_name() == "Constant":
        return node.get_data().astype(np.float32)
    compiled = ov.Core().compile_model(ov.Model([ops.result(output)], []), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    return np.asarray(compiled({})[compiled.output(0)], np.float32)


def joint_layers(model):
    """The joint network's two linear layers as float32 arrays (W1 (512, 1344) over the encoder
    frame then the prediction output, b1 (512,), W2 (29, 512), b2 (29,)): the graph's
    MatMul, Add, Relu, MatMul, Add, whatever the converter named them. None for a joint of
    another shape (an INT8 joint, whose activations are quantized between its layers)."""
    relu = next((op for op in model.get_ordered_ops() if op.get_type_name() == "Relu"), None)
    first_add = relu.input(0).get_source_output().get_node() if relu else None
    second_matmul = next((t.get_node() for t in relu.output(0).get_target_inputs()), None) if relu else None
    if not (first_add and first_add.get_type_name() == "Add" and second_matmul
            and second_matmul.get_type_name() == "MatMul"
            and any(first_add.input(i).get_source_output().get_node().get_type_name() == "MatMul" for i in range(2))):
        return None
    second_add = next(t.get_node() for t in second_matmul.output(0).get_target_inputs())

    def linear(add):
        """(weight (out, in), bias (out,)) of MatMul(x, weight) + bias, in either order of Add's inputs."""
        sources = [add.input(i).get_source_output() for i in range(2)]
        which = 0 if sources[0].get_node().get_type_name() == "MatMul" else 1
        matmul, bias = sources[which].get_node(), sources[1 - which]
        weight = value(matmul.input(1).get_source_output())
        weight = weight.reshape(weight.shape[-2:])
        return (weight if matmul.get_attributes()["transpose_b"] else weight.T), value(bias).reshape(-1)
    w1, b1 = linear(first_add)
    w2, b2 = linear(second_add)
    return w1, b1, w2, b2


def project_output(model, name, weight, bias=None, new_name=None):
    """A copy of `model` whose output `name` is replaced by output @ weight.T (+ bias), named
    new_name; the other outputs as they were."""
    results = []
    for result in model.get_results():
        out = result.input(0).get_source_output()
        if name in out.get_names():
            projected = ops.matmul(out, ops.constant(weight), False, True)
            if bias is not None:
                projected = ops.add(projected, ops.constant(bias))
            projected.output(0).get_tensor().set_names({new_name or f"{name}_projected"})
            results.append(ops.result(projected))
        else:
            results.append(result)
    return ov.Model(results, model.get_parameters(), model.get_friendly_name())


def embedding_as_table(model):
    """Feed the prediction network's first LSTM the label as a one-hot vector (28) against a table
    of its input weights times the embedding, W_ih E^T (4 x 320, 28), instead of the label's
    embedding (320) against W_ih: the same sums, the table rounded to float32 once, with a quarter
    fewer multiply-adds per symbol (that layer's input half goes from 320 wide to 28).
    A label past the table gives zeros either way, as OpenVINO's Gather and OneHot both do. A
    network whose first LSTM does not read the embedding directly (an INT8 one: its input is
    quantized) is left as it is. Returns whether the model was edited."""
    lstm = next((op for op in model.get_ordered_ops() if op.get_type_name() == "LSTMSequence"), None)
    gather = lstm and lstm.input(0).get_source_output().get_node()
    if not gather or gather.get_type_name() != "Gather" or \
            gather.input(1).get_source_output().get_node().get_type_name() != "Parameter":
        return False
    embedding = value(gather.input(0).get_source_output())                    # (labels, 320)
    weights = value(lstm.input(4).get_source_output())                          # (1, 4 x hidden, 320)
    table = np.einsum("dgi,li->dgl", weights.astype(np.float64), embedding.astype(np.float64))
    one_hot = ops.one_hot(gather.input(1).get_source_output(), ops.constant(np.int64(len(embedding))),
                          ops.constant(np.float32(1)), ops.constant(np.float32(0)), -1)
    lstm.input(0).replace_source_output(one_hot.output(0))
    lstm.input(4).replace_source_output(ops.constant(table.astype(np.float32)).output(0))
    model.validate_nodes_and_infer_types()
    return True
