"""What `make mlperf` measured on this CPU, remembered in one JSON file (build/mlperf/measured-here.json):
Offline's fastest batch and rates (fastest.py), Server's load (peak.py). An entry is keyed by what
the figure depends on, so another CPU, core count, IR set, precision or version of this package's
code measures again (a faster decoder can move the fastest batch and the load kept in bound)."""
import functools
import glob
import hashlib
import json
import os

from ..files import write_json
from ..networks import cpu_name


PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))     # rnnt_ov/


@functools.lru_cache(maxsize=None)
def code_digest(package=PACKAGE):
    """12 hex digits of a digest of a package's Python sources (their names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(package, "**", "*.py"), recursive=True)):
        digest.update(os.path.relpath(path, package).encode())
        with open(path, "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()[:12]


def key(ir_dir, precision):
    """The CPU, its cores, the IR set (its path and files' times), the precision and the code."""
    newest = max((os.stat(p).st_mtime_ns for p in glob.glob(os.path.join(ir_dir, "*.xml"))), default=0)
    return (f"{cpu_name()}, {len(os.sched_getaffinity(0))} cores | {os.path.realpath(ir_dir)} @ {newest} | "
            f"{precision} | code {code_digest()}")


def remembered(path):
    """{key: entry} of the file; empty where there is none, or it cannot be read (measured again
    and written anew)."""
    if path and os.path.isfile(path):
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            pass
    return {}


def remember(path, found, here, entry):
    """`found` (as read) with `entry` at `here`, written whole to `path`."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    write_json(path, {**found, here: entry})
