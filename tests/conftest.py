"""Shared fixtures: a stand-in upstream, a synthetic checkpoint, and the real Makefile run on them.

Everything is offline. The tests run `make` in the project folder with BUILD_DIR in a temporary
folder, VENV set to the environment running pytest and OVC_VENV to the ovc route's environment
that `make test` built beside it, so the Makefile never reinstalls either.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PROJECT = TESTS.parent
VENV = Path(sys.prefix)   # `make test` runs pytest from the venv it built
OVC_VENV = Path(os.environ.get("RNNT_OVC_VENV", PROJECT / ".venv-ovc"))
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(PROJECT))

import standin_upstream     # noqa: E402
import synthetic_checkpoint  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs make to build IR (make test-fast leaves it out)")


# (SEQ_LEN, BATCH, PRECISION) built by the tests with both converters, the default first; mo's
# batch-4 FP32 set (the INT8 tests quantize it); and the encoders with a dynamic time axis, one per
# converter. Between them every axis is covered: the documented and another length, batch 1 and 4,
# FP32 and FP16 weights, fixed and dynamic time.
CONFIGURATIONS = [(157, 1, "FP32"), (300, 4, "FP16")]
DYNAMIC_CONFIGURATIONS = {"mo": ("dynamic", 1, "FP16"), "ovc": ("dynamic", 4, "FP32")}
CONVERTERS = ("mo", "ovc")
BUILT = [(*configuration, converter) for converter in CONVERTERS
         for configuration in CONFIGURATIONS + [DYNAMIC_CONFIGURATIONS[converter]]] + [(157, 4, "FP32", "mo")]


def ir_dir(build, seq_len=157, batch=1, precision="FP32", converter="mo"):
    """Where `make ir` puts an IR set: one folder per configuration and converter."""
    return build / "ir" / f"seq{seq_len}-batch{batch}-{precision}{'-ovc' if converter == 'ovc' else ''}"


# The environment of the tests' own make runs: a user's shell's, without the flags of the make
# that runs pytest (`make test` builds its environments at -j2; its jobserver is not theirs).
MAKE_ENV = {name: value for name, value in os.environ.items()
            if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}


def make_command(build_dir, *args):
    """The project's Makefile run on build_dir with the tests' two environments, as a list."""
    return ["make", "--no-print-directory", "-C", str(PROJECT), f"BUILD_DIR={build_dir}",
            f"VENV={VENV}", f"OVC_VENV={OVC_VENV}", *args]


def make(build_dir, *args, check=True, timeout=600):
    """Run the project's Makefile with its outputs in build_dir; return the CompletedProcess."""
    result = subprocess.run(make_command(build_dir, *args), capture_output=True, text=True, timeout=timeout,
                            env=MAKE_ENV)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(result.args)} failed ({result.returncode}):\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def files(build):
    """Every file below build, hidden ones included, as paths relative to it."""
    return sorted(os.path.relpath(os.path.join(root, name), build)
                  for root, _, names in os.walk(build) for name in names)


def leftovers(build):
    """Temporary files and folders of interrupted or failed steps."""
    return [p for p in files(build) if p.endswith((".tmp", ".part", ".tmp.npz", ".log"))
            or "/.tmp-" in p or p.startswith("mlcommons.tmp")]


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fixtures")


@pytest.fixture(scope="session")
def upstream(fixtures_dir):
    """A git repository laid out like mlcommons/inference at r1.0, with a branch r1.0."""
    return standin_upstream.build_repo(fixtures_dir / "inference")


@pytest.fixture(scope="session")
def checkpoint(fixtures_dir):
    """A 181 MB checkpoint in the upstream format with synthetic weights (synthetic_checkpoint.py)."""
    return synthetic_checkpoint.write_checkpoint(fixtures_dir / "DistributedDataParallel-synthetic.pt")


@pytest.fixture(scope="session")
def url_build(tmp_path_factory, upstream, checkpoint):
    """`make -j3 ir` from file:// URLs, as a user with network would run it."""
    build = tmp_path_factory.mktemp("url-build") / "build"
    result = make(build, "-j3", f"MLCOMMONS_URL=file://{upstream}",
                  f"WEIGHTS_URL=file://{checkpoint}", "ir")
    return build, result


@pytest.fixture(scope="session")
def reference_model(url_build):
    """The PyTorch model from the build's own clone and migrated weights, loaded as export does."""
    from rnnt_ov.upstream import load_model
    build, _ = url_build
    return load_model(str(build / "mlcommons" / standin_upstream.LAYOUTS["r1.0"]),
                      str(build / "weights" / "rnnt_state_dict.pt"))


# `make demo` with the ovc route's dynamic-length IR at batch 4 (the session's build is mo's default).
DEMO_ARGS = ["CONVERTER=ovc", "SEQ_LEN=dynamic", "BATCH=4"]


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`make demo`: the recipe offline on the stand-ins it builds itself, then verify and a quick
    benchmark. Its build in build/demo is an uninterrupted `make -j3 ir` from file:// URLs, which
    the interrupted builds are held against."""
    build = tmp_path_factory.mktemp("demo") / "build"
    return build, make(build, *DEMO_ARGS, "demo", timeout=900)


def demo_build(demo):
    """The demo's own build folder, and the arguments of `make ir` there: the demo's settings."""
    build = demo[0] / "demo"
    fixtures = build / "fixtures"
    return build, ["-j3", *DEMO_ARGS, f"MLCOMMONS_URL=file://{fixtures}/inference",
                   f"WEIGHTS_URL=file://{fixtures}/checkpoint.pt"]


@pytest.fixture(scope="session")
def configured_builds(url_build, upstream, checkpoint):
    """The same build folder, reconfigured as users would: batched, longer, FP16 weights, a
    dynamic time axis; with both converters (BUILT)."""
    build, _ = url_build
    urls = [f"MLCOMMONS_URL=file://{upstream}", f"WEIGHTS_URL=file://{checkpoint}"]
    onnx_before = {p: p.stat().st_mtime_ns for p in (build / "onnx").glob("*.onnx")}
    runs = {}
    for seq_len, batch, precision, converter in BUILT[1:]:     # url_build made the first
        runs[(seq_len, batch, precision, converter)] = make(
            build, "-j3", *urls, f"CONVERTER={converter}", f"SEQ_LEN={seq_len}", f"BATCH={batch}",
            f"PRECISION={precision}", "ir")
    onnx_after = {p: p.stat().st_mtime_ns for p in (build / "onnx").glob("*.onnx")}
    return build, runs, onnx_before, onnx_after

