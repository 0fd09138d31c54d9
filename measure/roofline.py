"""What OpenVINO's matrix products reach on this CPU, per precision: the ceiling the encoder's
LSTMs are held against (`make stages` prints their rate in the same units).

One MatMul of a (M, K) activation by a constant (K, N) weight, large enough to be compute bound,
compiled as the harness compiles (latency hint, every core): at f32; at bf16 (the CPU's default
where it has avx512_bf16 or AMX; f32 elsewhere); and at int8, the activation and weight quantized
by FakeQuantize as NNCF writes them (u8 activation, i8 weight), which the CPU plugin runs as an
int8 product. Prints GOP/s (multiply-adds x 2) for each.
"""
import os
import time

import numpy as np
import openvino as ov

from rnnt_ov import cli
from rnnt_ov.graph import ops
from rnnt_ov.networks import cpu_name


def quantized(x, low, high, levels):
    low, high = ops.constant(np.float32(low)), ops.constant(np.float32(high))
    return ops.fake_quantize(x, low, high, low, high, levels)


def matmul_model(m, k, n, int8):
    x = ops.parameter([m, k], ov.Type.f32, name="x")
    w = np.random.default_rng(0).uniform(-0.2, 0.2, (n, k)).astype(np.float32)
    if int8:
        product = ops.matmul(quantized(x, 0.0, 4.0, 256), quantized(ops.constant(w), -0.2, 0.2, 255), False, True)
    else:
        product = ops.matmul(x, ops.constant(w), False, True)
    return ov.Model([ops.relu(product)], [x])


def rate(model, precision, m, k, n, seconds):
    compiled = ov.Core().compile_model(model, "CPU", {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": precision})
    request = compiled.create_infer_request()
    x = np.abs(np.random.default_rng(1).standard_normal((m, k), dtype=np.float32))
    for _ in range(3):
        request.infer({0: x})
    runs, began = 0, time.perf_counter()
    while runs < 3 or time.perf_counter() - began < seconds:
        request.infer({0: x})
        runs += 1
    return 2 * m * k * n * runs / (time.perf_counter() - began) / 1e9, \
        compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()


def main():
    parser = cli.parser(__spec__.name, __doc__)
    parser.add_argument("--size", type=int, nargs=3, default=(2048, 2048, 4096), metavar=("M", "K", "N"))
    parser.add_argument("--seconds", type=float, default=2.0, help="timed runs per precision (default: %(default)s)")
    args = parser.parse_args()
    m, k, n = args.size
    print(f"roofline: MatMul {m}x{k} by {k}x{n}, OpenVINO {ov.get_version().split('-')[0]}, "
          f"{len(os.sched_getaffinity(0))} cores ({cpu_name()})")
    for label, int8, precision in (("f32", False, "f32"), ("bf16", False, "bf16"), ("int8", True, "bf16")):
        gops, ran = rate(matmul_model(m, k, n, int8), precision, m, k, n, args.seconds)
        print(f"  {label:<5} {gops:7.0f} GOP/s" + ("" if int8 or ran == label else f"  (the CPU ran it at {ran})"))


if __name__ == "__main__":
    main()
