"""The environments (make_venv.py): torch's CPU build where PyTorch's CPU index answers, PyPI's
otherwise; the Python version checked first."""
import os
import subprocess
import sys
import time

import pytest

from conftest import PROJECT, VENV, make


def make_venv(*args):
    return subprocess.run([sys.executable, str(PROJECT / "make_venv.py"), *args], cwd=PROJECT,
                          capture_output=True, text=True)


def planned(venv, *extra):
    """The install commands make_venv.py would run for the mo route, as `make venv` calls it."""
    line = next(line for line in make(venv.parent / "build", f"VENV={venv}", *extra, "-n", "venv").stdout.splitlines()
                if "make_venv.py" in line)
    result = subprocess.run(line + " --dry-run", shell=True, cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_default_environment_asks_pytorchs_cpu_index_for_the_pinned_torch(tmp_path):
    commands = planned(tmp_path / "new-venv").splitlines()
    assert "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in commands[0]
    # ... torch alone, without its dependencies: everything else comes from the usual index.
    assert "--no-deps" in commands[0] and commands[1].endswith("-r requirements.txt")


def test_torch_index_can_be_turned_off(tmp_path):
    commands = planned(tmp_path / "new-venv", "TORCH_INDEX=")
    assert "--index-url" not in commands and "-r requirements.txt" in commands


def test_an_unsupported_python_gets_one_line_saying_what_to_run(tmp_path):
    result = make_venv(str(tmp_path / "venv"), "requirements.txt", "--python-range", "3.1-3.2",
                       "--route", "the mo route", "--hint", "run make PYTHON=python3.12")
    assert result.returncode != 0 and not (tmp_path / "venv").exists()
    assert result.stderr.strip().endswith("the mo route needs 3.1 to 3.2: run make PYTHON=python3.12")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_an_index_that_does_not_answer_is_skipped_at_once_with_a_note(tmp_path):
    """Offline, pip would retry it for ~20 s per package; the recipe notes it and goes on.
    The rule runs again on the test environment (its requirements are all there already); its
    stamp gets its time back, so that the builds of the other tests stay up to date."""
    stamp = VENV / ".rnnt-requirements"
    times = (stamp.stat().st_atime_ns, stamp.stat().st_mtime_ns)
    began = time.monotonic()
    try:
        result = make(tmp_path / "build", "-W", "requirements.txt", "TORCH_INDEX=http://127.0.0.1:9/whl/cpu", "venv")
    finally:
        if not stamp.exists():
            stamp.touch()
        os.utime(stamp, ns=times)
    assert "note: TORCH_INDEX=http://127.0.0.1:9/whl/cpu does not answer: torch comes from your default index" \
        in result.stderr
    assert time.monotonic() - began < 60
