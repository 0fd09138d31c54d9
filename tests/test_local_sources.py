"""Working offline from files the user already has: MLCOMMONS_PATH= and WEIGHTS=."""
import hashlib

import pytest

import standin_upstream
from conftest import make

pytestmark = pytest.mark.slow      # runs make to build: left out of make test-fast


@pytest.fixture(scope="session")
def master_clone(fixtures_dir):
    """A full clone in today's master layout (retired_benchmarks/...)."""
    return standin_upstream.build_repo(fixtures_dir / "inference-master", layout="retired", branch="master")


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_existing_clone_and_checkpoint_are_used_in_place(tmp_path, master_clone, checkpoint, url_build):
    build = tmp_path / "build"
    sha = digest(checkpoint)
    result = make(build, f"MLCOMMONS_PATH={master_clone}", f"WEIGHTS={checkpoint}",
                  f"WEIGHTS_SHA256={sha}", "onnx")
    assert "retired_benchmarks/speech_recognition/rnnt/pytorch" in result.stdout
    assert not (build / "mlcommons").exists() and not (build / "download").exists()
    # Same code and weights as the URL build: the same ONNX files, byte for byte (the conversion
    # after them does not care where they came from).
    for network in ("encoder", "prediction", "joint"):
        name = f"onnx/rnnt_{network}.onnx"
        assert digest(build / name) == digest(url_build[0] / name), name


def test_switching_to_other_weights_rebuilds(tmp_path, upstream, checkpoint, fixtures_dir):
    build = tmp_path / "build"
    copy = fixtures_dir / "copy-of-checkpoint.pt"
    if not copy.exists():
        copy.write_bytes(checkpoint.read_bytes())
    common = [f"MLCOMMONS_PATH={upstream}", "weights"]
    make(build, "-j3", f"WEIGHTS={checkpoint}", *common)
    assert make(build, "-q", f"WEIGHTS={checkpoint}", *common, check=False).returncode == 0
    # An older file at another path is still a change: make must notice the setting changed.
    assert make(build, "-q", f"WEIGHTS={copy}", *common, check=False).returncode == 1
    assert "== migrate" in make(build, "-n", f"WEIGHTS={copy}", *common).stdout
    # make -q and -n only looked: the build is still up to date for the weights it was made from.
    assert make(build, "-q", f"WEIGHTS={checkpoint}", *common, check=False).returncode == 0


def test_clean_removes_derived_files_and_keeps_clone_and_download(tmp_path, upstream, checkpoint):
    build = tmp_path / "build"
    urls = [f"MLCOMMONS_URL=file://{upstream}", f"WEIGHTS_URL=file://{checkpoint}"]
    make(build, *urls, "source", str(build / "download" / checkpoint.name))
    # What the later steps leave (their contents do not matter to clean; other tests make them).
    for derived in ("weights/rnnt_state_dict.pt", "onnx/rnnt_encoder.onnx", "ir/seq157-batch1-FP32/rnnt_encoder.xml",
                    "config/weights"):
        (build / derived).parent.mkdir(parents=True, exist_ok=True)
        (build / derived).touch()
    make(build, *urls, "clean")
    assert sorted(p.name for p in build.iterdir()) == ["download", "mlcommons"]
    assert (build / "download" / checkpoint.name).stat().st_size == checkpoint.stat().st_size


def test_distclean_removes_build_and_only_a_venv_it_created(tmp_path, upstream):
    build = tmp_path / "build"
    make(build, f"MLCOMMONS_URL=file://{upstream}", "source")
    made, users = tmp_path / "made", tmp_path / "users"
    names = ("venv", "venv-ovc", "venv-reference")
    for venv in [owner / name for owner in (made, users) for name in names]:
        venv.mkdir(parents=True)
        if venv.parent == made:
            (venv / ".created-by-rnnt-ir").touch()
    for owner in (made, users):
        # VENV and OVC_VENV appear twice (make() names the tests' own); make takes the last.
        # REFERENCE_VENV too: left out, distclean removed the project's .venv-reference.
        make(build, f"VENV={owner / 'venv'}", f"OVC_VENV={owner / 'venv-ovc'}",
             f"REFERENCE_VENV={owner / 'venv-reference'}", "distclean")
    assert not build.exists() and not list(made.iterdir())
    assert sorted(p.name for p in users.iterdir()) == list(names)
