"""The environments: torch's CPU build where PyTorch's CPU index answers, PyPI's otherwise."""
import os
import time

from conftest import VENV, make


def test_the_default_environment_asks_pytorchs_cpu_index_for_the_pinned_torch(tmp_path):
    result = make(tmp_path / "build", f"VENV={tmp_path / 'new-venv'}", "-n", "venv")
    assert "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in result.stdout
    # ... torch alone, without its dependencies: everything else comes from the usual index.
    assert "--no-deps" in result.stdout and "-r requirements.txt" in result.stdout


def test_torch_index_can_be_turned_off(tmp_path):
    result = make(tmp_path / "build", f"VENV={tmp_path / 'new-venv'}", "TORCH_INDEX=", "-n", "venv")
    assert "--index-url" not in result.stdout and "-r requirements.txt" in result.stdout


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
        os.utime(stamp, ns=times)
    assert "note: TORCH_INDEX=http://127.0.0.1:9/whl/cpu does not answer: torch comes from your default index" \
        in result.stderr
    assert time.monotonic() - began < 60
