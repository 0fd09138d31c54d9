"""`make roofline`: OpenVINO's matrix product rate on this CPU per precision, the ceiling that
`make stages` holds the encoder's LSTMs against (here on a small product, not timed)."""
import re
import subprocess

from conftest import OVC_VENV, PROJECT


def test_roofline_prints_a_rate_for_each_precision():
    result = subprocess.run([str(OVC_VENV / "bin" / "python"), "-m", "measure.roofline", "--size", "64", "96", "128",
                             "--seconds", "0"], cwd=PROJECT, capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("roofline: MatMul 64x96 by 96x128")
    rates = {m.group(1): float(m.group(2)) for m in (re.match(r"\s+(\w+)\s+([\d.]+) GOP/s", line) for line in lines[1:]) if m}
    assert set(rates) == {"f32", "bf16", "int8"} and all(r > 0 for r in rates.values())
