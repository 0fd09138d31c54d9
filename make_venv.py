#!/usr/bin/env python3
"""Step 0: a Python environment for the recipe, from pinned requirements (make venv).

Run by the Python the environment is made from. In order:
  1. that Python's version is checked against what the route supports (one line if it is not);
  2. the venv is created, marked as made here so that `make distclean` may remove it (an existing
     environment is used as it is, and never marked);
  3. torch first, from PyTorch's CPU wheel index (--torch-index) when it answers within 5 s: the
     same pinned version as on PyPI, where Linux gets the CUDA build with several GB of nvidia-*
     packages for a job that never touches a GPU. Alone and without its dependencies, so that
     every other package, and the user's pip settings, come from the usual index. An index that
     does not answer is skipped with a note (offline, pip would spend ~20 s retrying it);
  4. the requirements, without byte-compiling all of torch (~20 s);
  5. packages to install after the rest, without their dependencies (--after);
  6. instead of step 4's byte-compiling, the packages the recipe runs (--compile) and what importing
     the --check modules loads, which makes every later step start as fast as a full compile would;
  7. the stamp file that make depends on, written last.
"""
import argparse
import os
import re
import subprocess
import sys
import urllib.request

MARK = ".created-by-rnnt-ir"
STAMP = ".rnnt-requirements"
PIP = ["-m", "pip", "install", "--disable-pip-version-check", "--no-compile", "-q"]


def version_range(text):
    """'3.11-3.12' -> ((3, 11), (3, 12))."""
    low, high = text.split("-")
    return tuple(map(int, low.split("."))), tuple(map(int, high.split(".")))


def pinned_torch(requirements):
    """torch==X from the requirements file or the files it includes (-r)."""
    folder = os.path.dirname(os.path.abspath(requirements))
    with open(requirements) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if re.match(r"^torch==", line):
                return line
            if line.startswith("-r "):
                found = pinned_torch(os.path.join(folder, line[3:].strip()))
                if found:
                    return found
    return None


def index_answers(index, timeout=5.0):
    try:
        with urllib.request.urlopen(f"{index.rstrip('/')}/torch/", timeout=timeout):
            return True
    except Exception:      # refused, unreachable, timed out, HTTP error: all mean "do not use it"
        return False


def plan(args, python):
    """The commands that make the environment, in order, as argument lists."""
    commands = []
    torch = pinned_torch(args.requirements)
    if args.torch_index and torch:
        commands.append([python, *PIP, "--no-deps", "--index-url", args.torch_index, torch])
    commands.append([python, *PIP, "-r", args.requirements])
    if args.after:
        commands.append([python, *PIP, "--no-deps", *args.after])
    return commands


def show(command):
    print(" ".join(command), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("venv", help="the environment's folder")
    parser.add_argument("requirements", help="the pinned requirements file")
    parser.add_argument("--python-range", required=True, help="supported Python versions, e.g. 3.11-3.12")
    parser.add_argument("--route", required=True, help="what needs this environment, for the version error")
    parser.add_argument("--hint", required=True, help="what to do about an unsupported Python")
    parser.add_argument("--torch-index", default="", help="PyTorch's CPU wheel index; empty: do not ask it")
    parser.add_argument("--after", nargs="*", default=[], help="packages to install last, without dependencies")
    parser.add_argument("--compile", nargs="*", default=[], help="packages to byte-compile")
    parser.add_argument("--check", default="torch", help="modules that must import, comma-separated")
    parser.add_argument("--dry-run", action="store_true", help="print the install commands, run nothing")
    args = parser.parse_args()

    low, high = version_range(args.python_range)
    have = sys.version_info[:2]
    if not low <= have <= high:
        sys.exit(f"error: {sys.executable} is Python {have[0]}.{have[1]}; {args.route} needs "
                 f"{args.python_range.replace('-', ' to ')}: {args.hint}")
    python = os.path.join(args.venv, "bin", "python")
    commands = plan(args, python)
    if args.dry_run:
        for command in commands:
            show(command)
        return
    print(f"== environment: {args.venv} from {args.requirements}", flush=True)
    if not os.access(python, os.X_OK):
        subprocess.run([sys.executable, "-m", "venv", args.venv], check=True)
        open(os.path.join(args.venv, MARK), "w").close()
    stamp = os.path.join(args.venv, STAMP)
    if os.path.exists(stamp):
        os.remove(stamp)                  # not up to date until the end
    for command in commands:
        if "--index-url" in command:
            if not index_answers(args.torch_index):
                print(f"note: TORCH_INDEX={args.torch_index} does not answer: torch comes from your default index "
                      "(on Linux x86_64 PyPI serves the CUDA build, several GB); set TORCH_INDEX= to skip this check",
                      file=sys.stderr, flush=True)
                continue
            show(command)
            if subprocess.run(command).returncode != 0:
                print(f"note: pip could not install {command[-1]} from TORCH_INDEX={args.torch_index}: "
                      "torch comes from your default index", file=sys.stderr, flush=True)
            continue
        show(command)
        if subprocess.run(command).returncode != 0:
            sys.exit(f"error: pip could not install {args.requirements} into {args.venv} (its messages are above)")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    if args.compile:
        subprocess.run([python, "-W", "ignore", "-m", "compileall", "-q", "-j0",
                        *(os.path.join(site, package) for package in args.compile)], stdout=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if subprocess.run([python, "-c", f"import {args.check}"], env=env).returncode != 0:
        sys.exit(f"error: {args.venv} was made, but `import {args.check}` fails in it (above)")
    open(stamp, "w").close()


if __name__ == "__main__":
    main()
