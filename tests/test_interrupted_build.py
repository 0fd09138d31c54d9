"""A build killed at any step (Ctrl-C or SIGKILL), then `make ir` again: the same files as a build
that was never interrupted, and no earlier good IR lost on the way."""
import glob
import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import MAKE_ENV, demo_build, files, ir_dir, leftovers, make, make_command

pytestmark = pytest.mark.slow      # runs make to build: left out of make test-fast

IR = ir_dir(Path(), "dynamic", 4, "FP32", "ovc").name


_digests = {}


def outputs(build):
    """sha256 of every file the build produces: clone, download, migrated weights, ONNX, IR. A file
    whose inode, size and time stamp are those of a file already hashed is not read again."""
    found = {}
    for relative in files(build):
        if not relative.startswith(("config/", "mlcommons/.git/")):
            path = os.path.join(build, relative)
            stat = os.stat(path)
            key = (path, stat.st_ino, stat.st_size, stat.st_mtime_ns)
            if key not in _digests:
                with open(path, "rb") as f:
                    _digests[key] = hashlib.sha256(f.read()).hexdigest()
            found[relative] = _digests[key]
    return found


# Each step in the order make runs them, and the first things it makes, whose appearance says that
# it is running. The migration and the export are one step (one process): it is interrupted at
# both points.
STEPS = {
    "clone": ["mlcommons.tmp"],
    "download": ["download/*.part"],
    "migrate-export": ["weights/featurizer.npz.tmp.npz", "onnx/rnnt_encoder.onnx.tmp"],
    "convert": [f"ir/{IR}/.tmp-ovc"],
    "readback": [f"ir/{IR}/rnnt_ir.txt.tmp"],
}


@pytest.fixture(scope="module")
def reference(demo):
    """`make demo`'s build (an uninterrupted `make -j3 ir` from file:// URLs), the arguments that
    build it, and the hashes of its files."""
    build, args = demo_build(demo)
    assert make(build, "-q", *args, "ir", check=False).returncode == 0     # the demo's very settings
    return build, args, outputs(build)


def appeared_since(pattern, began):
    """Whether a file matching `pattern` was made (or made again) since `began` (ns). A step's
    temporary file may be renamed between the glob and the stat: then it was there, and counts."""
    for path in glob.glob(pattern):
        try:
            if os.stat(path).st_ctime_ns >= began:
                return True
        except FileNotFoundError:
            return True
    return False


def interrupt(build, args, marker, sig):
    """Start `make ir`, and once the step makes `marker` (a leftover of an earlier interruption
    does not count) send `sig` to make and everything it started."""
    # A process started in the background may inherit SIGINT ignored, and make keeps it so: give
    # make the default handling a terminal's Ctrl-C meets.
    process = subprocess.Popen(make_command(build, *args, "ir"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env=MAKE_ENV,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    began = time.time_ns() - 1_000_000          # the file system's clock may lag a little
    deadline = time.monotonic() + 120
    try:
        while not appeared_since(f"{build}/{marker}", began):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make finished before {marker} appeared")
            time.sleep(0.001)
        os.killpg(process.pid, sig)
        process.wait(timeout=60)
        assert process.returncode != 0
    finally:
        # Whatever happened above, nothing of this make may go on writing into the build that the
        # next case uses: the whole process group goes.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=60)


def test_a_build_killed_at_every_step_rebuilds_the_same_files(reference):
    """With the clone and the download removed, so that every step has to run again: Ctrl-C
    during each step, then SIGKILL during the same step run again (at each of its points); each
    run after an interruption first finishes the steps before. Then a whole build. The earlier
    weights, ONNX and IR stay in place all along (older than the new download: make redoes them)."""
    build, args, expected = reference
    for path in [build / "mlcommons", *glob.glob(f"{build}/download/*.pt")]:
        subprocess.run(["rm", "-rf", path], check=True)
    for step, markers in STEPS.items():
        for marker, sig in [(m, s) for m in markers for s in (signal.SIGINT, signal.SIGKILL)]:
            interrupt(build, args, marker, sig)
            # Nothing that make would take as finished: it still has work to do.
            assert make(build, "-q", *args, "ir", check=False).returncode != 0, (marker, sig)
            if step == "convert":       # the IR from before the interrupted conversion is intact
                now = outputs(build)
                assert {k: now.get(k) for k in expected if k.startswith("ir/") and not k.endswith("rnnt_ir.txt")} == \
                       {k: v for k, v in expected.items() if k.startswith("ir/") and not k.endswith("rnnt_ir.txt")}, sig
    make(build, *args, "ir")
    assert outputs(build) == expected
    assert not leftovers(build)
