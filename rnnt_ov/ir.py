"""An IR set on disk: its three networks read with their ports named as documented, what it is
(shape, weight precision), and the start-of-sequence step written beside it.

An IR made elsewhere, such as one converted by hand with OpenVINO's guide (outputs named by
number, no start step), is read the same way: its ports are matched by position and shape
(interface.match) and renamed in memory; nothing is ever written into its folder.
"""
import os

import numpy as np
import openvino as ov

from .interface import NAMES, NETWORKS, START_STEP, InterfaceError, StartStep, match


def _ports(ports, documented):
    """(name, shape with -1 for dynamic dimensions, element type) of each port, named by its
    documented name where it carries one."""
    found = []
    for port in ports:
        names = port.get_names()
        name = next((n for n in sorted(names) if n in documented), next(iter(sorted(names)), "?"))
        shape = [d.get_length() if d.is_static else -1 for d in port.get_partial_shape()]
        found.append((name, shape, port.get_element_type().get_type_name()))
    return found


def read_network(core, folder, network, suffix=".xml"):
    """One network of a folder (IR, or ONNX with suffix=".onnx"), its ports named as documented.
    Returns (model, {found name: documented name} of the ports matched by position)."""
    path = os.path.join(folder, f"rnnt_{network}{suffix}")
    if not os.path.isfile(path):
        found = sorted(f for f in os.listdir(folder) if f.endswith(suffix)) if os.path.isdir(folder) else []
        expected = ", ".join(f"rnnt_{n}{suffix}" for n in NAMES)
        raise InterfaceError(f"{folder} has no rnnt_{network}{suffix}: expected {expected} "
                             f"(found: {', '.join(found) or 'no such file' if os.path.isdir(folder) else 'no such folder'})")
    model = core.read_model(path)
    spec = NETWORKS[network]
    inputs, outputs, renamed = match(network, _ports(model.inputs, {p.name for p in spec.inputs}),
                                     _ports(model.outputs, {p.name for p in spec.outputs}),
                                     os.path.basename(path))
    for ports, mapping in ((model.inputs, inputs), (model.outputs, outputs)):
        for name, index in mapping.items():
            if name not in ports[index].get_names():
                ports[index].get_tensor().set_names({name})
    return model, renamed


def renamed_note(folder, renamed):
    """One line saying which ports of an IR made elsewhere were matched by position and shape,
    or None. renamed: {network: {found: documented}}."""
    pairs = "; ".join(f"rnnt_{network}: " + ", ".join(f"{a} -> {b}" for a, b in names.items())
                      for network, names in renamed.items() if names)
    return f"note: {folder} does not use the documented names; matched by position and shape: {pairs}" if pairs else None


def encoder_input_shape(folder):
    """(SEQ_LEN, BATCH, 240) of an IR set, read from its encoder; SEQ_LEN is None when the time
    axis is dynamic (SEQ_LEN=dynamic)."""
    model, _ = read_network(ov.Core(), folder, "encoder")
    return tuple(None if dim.is_dynamic else dim.get_length() for dim in model.input("input.1").get_partial_shape())


def weight_precision(folder):
    """How an IR set's encoder computes: INT8 (quantized: FakeQuantize operations), else how it
    stores its weights, FP16 (compressed) or FP32."""
    model, _ = read_network(ov.Core(), folder, "encoder")
    ops = model.get_ops()
    if any(op.get_type_name() == "FakeQuantize" for op in ops):
        return "INT8"
    types = {op.get_output_element_type(0).get_type_name() for op in ops if op.get_type_name() == "Constant"}
    return "FP16" if "f16" in types else "FP32"


def load_start(folder):
    """r1.0's start-of-sequence step that the export wrote beside the networks (a StartStep), or
    None if the folder has none."""
    path = os.path.join(folder, START_STEP)
    if not os.path.isfile(path):
        return None
    with np.load(path) as saved:
        return StartStep.from_arrays(saved)


def checked_start(start, folder):
    """The start step, or a one-line error for an IR set that has none (transcribe and the MLPerf
    harness run without PyTorch, which could compute it)."""
    if start is None:
        raise InterfaceError(
            f"{folder} has no {START_STEP}, r1.0's start-of-sequence step, which `make ir` writes "
            "beside the IR: without PyTorch it cannot be computed. `make verify IR_DIR=...` computes "
            f"it from PyTorch; if the IR came from the same checkpoint, copy build/onnx/{START_STEP} there")
    return start
