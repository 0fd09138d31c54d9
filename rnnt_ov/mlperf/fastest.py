"""The Offline batch that runs fastest on this CPU: measured once, then remembered.

Which batch is fastest depends on the CPU and the precision. On 2 Zen 4 cores (VNNI, no AMX) the
INT8 encoder runs fastest at 32 utterances and the bf16 one at 16; larger batches run slower,
their activations out of the caches and each decoding step dearer per row. Intel's MLPerf record
ran batches of 256 on AMX. So when no MLPERF_BATCH is given, Offline measures instead of assuming:
the recognizer (encoder and decoding; the features cost the same at any batch) on COUNT utterances
of random features whose lengths follow dev-clean's (lengths.py), longest first, at 16, 32, 64, ...
utterances per batch (each size first run once on its longest utterance, as the SUT warms up),
until two sizes in a row run slower than the fastest so far. Random features, not the dataset's:
MLPerf's rules keep the performance set out of tuning. The result is remembered in a JSON file,
per CPU, core count, IR set (its path and files' times) and precision, so a CPU measures it once.

    python -m rnnt_ov.mlperf.fastest --ir-dir IR --featurizer F --config rnnt.toml --remember F.json
"""
import sys
import time

import numpy as np

from .. import cli, features
from ..interface import ENCODER_FEATURES
from ..recognizer import Recognizer
from . import measured
from .lengths import durations

CANDIDATES = (16, 32, 64, 128, 256)
COUNT = 256


def search(rate_at, candidates):
    """(the fastest batch, {batch: utterances/s}): rate_at(batch) measured in increasing order of
    batch until two in a row run slower than the fastest so far, or one cannot run (None)."""
    rates, best, slower = {}, None, 0
    for batch in sorted(candidates):
        rate = rate_at(batch)
        if rate is None:
            break
        rates[batch] = rate
        if best is None or rate > rates[best]:
            best, slower = batch, 0
        else:
            slower += 1
            if slower == 2:
                break
    return best, rates


def random_features(count, seed=1):
    """Encoder inputs of `count` utterances with dev-clean's lengths, longest first."""
    rng = np.random.default_rng(seed)
    frames = sorted((features.num_frames(int(s * features.SAMPLE_RATE)) for s in durations(count, seed)), reverse=True)
    return [rng.standard_normal((n, ENCODER_FEATURES), np.float32) for n in frames]


def utterances_per_second(recognizer, feats, batch):
    """The recognizer's rate on `feats` (longest first) run `batch` at a time; None if a batch of
    the longest does not run here (memory)."""
    try:
        recognizer.warm_up(batch)
        recognizer.decode_features([feats[0]] * batch)
    except (MemoryError, RuntimeError):
        return None
    began = time.perf_counter()
    for first in range(0, len(feats), batch):
        recognizer.decode_features(feats[first:first + batch])
    return len(feats) / (time.perf_counter() - began)


def fastest_offline_batch(recognizer, ir_dir, remember=None, count=COUNT, candidates=CANDIDATES,
                          log=lambda line: print(line, flush=True)):
    """The fastest Offline batch of this recognizer here: from `remember` (a JSON file) when this
    CPU, IR set and precision were measured before, else measured and added to it. None if not
    even the smallest candidate runs here."""
    found = measured.remembered(remember)
    here = measured.key(ir_dir, recognizer.precision)
    if here in found:
        entry, how = found[here], f"measured before, {remember}"
    else:
        log(f"mlperf: measuring the fastest Offline batch on this CPU ({count} utterances of random features "
            f"with dev-clean's lengths, at {', '.join(map(str, candidates))} until two run slower); once")
        feats = random_features(count)
        best, rates = search(lambda b: utterances_per_second(recognizer, feats, b), [c for c in candidates if c <= count])
        if best is None:
            return None
        entry = {"batch": best, "utterances_per_second": {str(b): round(r, 2) for b, r in rates.items()},
                 "measured": time.strftime("%Y-%m-%d %H:%M:%S")}
        how = "measured now"
        if remember:
            measured.remember(remember, found, here, entry)
            how += f", remembered in {remember}"
    rates = ", ".join(f"{b}: {r}" for b, r in entry["utterances_per_second"].items())
    log(f"mlperf: Offline batch {entry['batch']}, the fastest on this CPU at {recognizer.precision} "
        f"(utterances/s by batch, encoder and decoding: {rates}; {how})")
    return entry["batch"]


def measured_rate(recognizer, ir_dir, remember, batch, count=COUNT):
    """Utterances/s of this recognizer here at `batch` (encoder and decoding): as the search
    measured it (`remember`), else measured now on COUNT utterances of random features."""
    entry = measured.remembered(remember).get(measured.key(ir_dir, recognizer.precision), {})
    rate = entry.get("utterances_per_second", {}).get(str(batch))
    return rate if rate is not None else utterances_per_second(recognizer, random_features(count), batch)


def main():
    parser = cli.parser(__spec__.name, __doc__)
    cli.add_recognizer_arguments(parser)
    parser.add_argument("--remember", help="JSON file of the batches measured before (read, and written)")
    parser.add_argument("--count", type=int, default=COUNT, help="utterances per batch size (default: %(default)s)")
    parser.add_argument("--candidates", default=",".join(map(str, CANDIDATES)),
                        help="batch sizes to try, in increasing order (default: %(default)s)")
    args = parser.parse_args()
    recognizer = Recognizer.from_ir(args.ir_dir, args.featurizer, cli.inference_precision(args.precision))
    candidates = [int(c) for c in args.candidates.split(",")]
    print(fastest_offline_batch(recognizer, args.ir_dir, args.remember, args.count, candidates,
                                log=lambda line: print(line, file=sys.stderr, flush=True)))


if __name__ == "__main__":
    main()
