#!/usr/bin/env python3
"""Freeze one input of an OpenVINO IR to constant values: what `mo --input "1[4]->[157 157 157 157]"` does.

`ovc` has no option for it, so the ovc route converts the encoder with the lengths input "1" kept,
then runs this: the Parameter is replaced by a Constant of the same type and shape and removed from
the model's inputs. The weights are written as they were read (FP32 or FP16), never recompressed.
"""
import argparse
import os
import sys

import numpy as np
import openvino as ov


def freeze(model, name, values):
    """Replace the input called `name` by a Constant holding `values`; return the model."""
    matches = [p for p in model.get_parameters() if name in p.output(0).get_names()]
    if not matches:
        names = sorted(n for p in model.get_parameters() for n in p.output(0).get_names())
        raise ValueError(f"the model has no input {name!r} (its inputs: {', '.join(names)})")
    parameter = matches[0]
    shape = parameter.get_partial_shape()
    if shape.is_dynamic or list(shape.to_shape()) != [len(values)]:
        raise ValueError(f"input {name!r} has shape {shape}, which {len(values)} value(s) do not fill")
    constant = ov.op.Constant(np.array(values, dtype=parameter.get_element_type().to_dtype()))
    for target in list(parameter.output(0).get_target_inputs()):
        target.replace_source_output(constant.output(0))
    model.remove_parameter(parameter)
    model.validate_nodes_and_infer_types()
    # Recorded beside the converter's own conversion_parameters, in mo's --input notation.
    model.set_rt_info(f"{name}->[{' '.join(map(str, values))}]", ["freeze_input"])
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="IR .xml to read")
    parser.add_argument("output", help="IR .xml to write (with its .bin beside it); not the input file")
    parser.add_argument("--input", required=True, help="name of the input to freeze, e.g. 1")
    parser.add_argument("--value", required=True, type=int, nargs="+", help="its values, one per element")
    args = parser.parse_args()
    if os.path.abspath(args.output) == os.path.abspath(args.model):
        sys.exit("error: the output must be another file: the input's weights are read from its .bin while writing")
    try:
        model = freeze(ov.Core().read_model(args.model), args.input, args.value)
    except ValueError as err:
        sys.exit(f"error: {args.model}: {err}")
    ov.save_model(model, args.output, compress_to_fp16=False)


if __name__ == "__main__":
    main()
