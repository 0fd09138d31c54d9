#!/usr/bin/env python3
"""Print what a folder of RNN-T IR holds: each network's inputs and outputs, read from the IR.

`make ir` runs it last, so its output is both a check that the three IR load and the
description a user needs to call them.
"""
import argparse
import os

import openvino as ov

from rnnt_ov.interface import NAMES


def describe(port):
    return f"{port.get_any_name():<16} {str(port.get_partial_shape()):<16} {port.get_element_type().get_type_name()}"


def converted_by(model):
    """Which converter wrote the IR, from the version it records: mo writes MO_version."""
    runtime = model.get_rt_info(["Runtime_version"]).astype(str)
    tool = "mo" if model.has_rt_info(["MO_version"]) else "ovc"
    frozen = model.get_rt_info(["freeze_input"]).astype(str) if model.has_rt_info(["freeze_input"]) else None
    quantized = model.get_rt_info(["quantized_int8"]).astype(str) if model.has_rt_info(["quantized_int8"]) else None
    return (f"{tool} {runtime.split('-')[0]}" + (f", then freeze_input.py {frozen}" if frozen else "")
            + (f", then quantized to INT8 with {quantized}" if quantized else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ir_dir", help="folder with rnnt_{encoder,prediction,joint}.xml")
    args = parser.parse_args()
    core = ov.Core()
    print(f"OpenVINO IR in {os.path.abspath(args.ir_dir)}")
    for network in NAMES:
        xml = os.path.join(args.ir_dir, f"rnnt_{network}.xml")
        model = core.read_model(xml)
        print(f"  {os.path.basename(xml)}  (converted by {converted_by(model)})")
        for port in model.inputs:
            print(f"    in   {describe(port)}")
        for port in model.outputs:
            print(f"    out  {describe(port)}")


if __name__ == "__main__":
    main()
