#!/usr/bin/env python3
"""Step 6, ovc route: convert ONNX networks to OpenVINO IR in one process, as the `ovc` command does.

`ovc` is a thin command around `openvino.convert_model` and `openvino.save_model`. Calling them
from Python converts the three networks with one start-up instead of three, and lets the
encoder's lengths be frozen before the first save (--freeze), which is what mo's
`--input "...,1[B]->[T ...]"` does and ovc cannot. Each network is given as its ONNX file and
ovc's `--input` string (`name[d,d,d],name[d]`, `?` for a dynamic dimension); its IR is written to
OUTPUT_DIR under the ONNX file's name, and records these parameters in its rt_info as ovc would.
"""
import argparse
import os
import re
import sys
import traceback

import openvino as ov

from freeze_input import freeze


def parse_inputs(text):
    """[(name, [dims])] from ovc's --input syntax, e.g. 'input.1[157,1,240],1[1]'."""
    found = re.findall(r"([^,\[\]]+)\[([^\]]*)\]", text)
    if not found or ",".join(f"{name}[{dims}]" for name, dims in found) != text:
        raise ValueError(f"--input {text!r} is not in the form name[d,d,...],name[d,...]")
    return [(name, [-1 if d.strip() == "?" else int(d) for d in dims.split(",")]) for name, dims in found]


def parse_freeze(text):
    """(model name, input name, [values]) from 'rnnt_encoder:1=157,157'."""
    match = re.fullmatch(r"([^:]+):([^=]+)=(-?\d+(?:,-?\d+)*)", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not MODEL:INPUT=V,V,... (e.g. rnnt_encoder:1=157)")
    return match.group(1), match.group(2), [int(v) for v in match.group(3).split(",")]


def convert(onnx_path, inputs, output, compress_to_fp16, frozen=None):
    """Convert one network, freeze an input if asked ((name, values)), save it as IR at `output`."""
    model = ov.convert_model(onnx_path, input=parse_inputs(inputs))
    if frozen:
        freeze(model, *frozen)
    for key, value in (("input_model", onnx_path), ("input", inputs),
                       ("compress_to_fp16", str(compress_to_fp16)), ("output_model", output)):
        model.set_rt_info(value, ["conversion_parameters", key])
    ov.save_model(model, output, compress_to_fp16=compress_to_fp16)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("networks", nargs="+", metavar="ONNX INPUT",
                        help="pairs: an ONNX file and its ovc --input string")
    parser.add_argument("--output_dir", required=True, help="where the IR (.xml and .bin) go")
    parser.add_argument("--compress_to_fp16", choices=("True", "False"), default="False",
                        help="FP16 weights, as ovc's option of the same name (default: %(default)s)")
    parser.add_argument("--freeze", type=parse_freeze, action="append", default=[],
                        metavar="MODEL:INPUT=V,V", help="replace an input by constants, e.g. rnnt_encoder:1=157")
    args = parser.parse_args()
    if len(args.networks) % 2:
        parser.error("networks are given as pairs: ONNX INPUT")
    frozen = {model: (name, values) for model, name, values in args.freeze}
    for onnx_path, inputs in zip(args.networks[::2], args.networks[1::2]):
        stem = os.path.splitext(os.path.basename(onnx_path))[0]
        try:
            convert(onnx_path, inputs, os.path.join(args.output_dir, f"{stem}.xml"),
                    args.compress_to_fp16 == "True", frozen.get(stem))
        except Exception:       # the converter's own message, then one line naming the file
            traceback.print_exc()
            sys.exit(f"error: ovc failed on {onnx_path} (its log is above)")


if __name__ == "__main__":
    main()
