"""Files written whole or not at all: to a temporary name beside the target, then renamed, so that
an interrupted command never leaves a file that looks finished."""
import contextlib
import json
import os


@contextlib.contextmanager
def atomic(path, mode="w", **open_args):
    """Open `path`.tmp for writing; on success rename it to `path`, on failure remove it."""
    tmp = f"{path}.tmp"
    try:
        with open(tmp, mode, **open_args) as out:
            yield out
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json(path, value, indent=1):
    with atomic(path, encoding="utf-8") as out:
        json.dump(value, out, indent=indent)
