#!/usr/bin/env python3
"""Build the offline stand-ins in one folder: `inference/` (a git repository laid out like
mlcommons/inference at r1.0, branch r1.0) and `checkpoint.pt` (the upstream checkpoint format,
synthetic weights). The tests use the same builders; `make demo` runs the recipe on these."""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import standin_upstream      # noqa: E402
import synthetic_checkpoint  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", help="where inference/ and checkpoint.pt go (replaced)")
    args = parser.parse_args()
    tmp = f"{args.folder}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    standin_upstream.build_repo(os.path.join(tmp, "inference"))
    synthetic_checkpoint.write_checkpoint(os.path.join(tmp, "checkpoint.pt"))
    shutil.rmtree(args.folder, ignore_errors=True)
    os.replace(tmp, args.folder)
    print(f"stand-in upstream in {args.folder}/inference, synthetic checkpoint {args.folder}/checkpoint.pt")


if __name__ == "__main__":
    main()
