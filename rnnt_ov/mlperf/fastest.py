"""The Offline batch that runs fastest on this CPU: measured once, then remembered.

Which batch is fastest depends on the CPU, the precision, and how many samples the run issues:
the run sorts them by length, longest first, so its batches pad less the more samples it has.
So when no MLPERF_BATCH is given, Offline measures instead of assuming: the recognizer (encoder
and decoding; the features cost the same at any batch) at 16, 32, 64, ... utterances per batch
(each size first run once on a full batch of the longest utterance, as the SUT warms up), until
two sizes in a row run slower than the fastest so far; the three fastest within 10% of the
fastest are then measured twice more, in alternating order, and the fastest median wins (one
measurement moves by 5-10% here). Each size is measured on batches formed as
the run forms them: the lengths of as many samples as it issues (dev-clean's, lengths.py) sorted
longest first and cut into batches; the first (longest) batch, and one from the middle of each of
max(2, COUNT / batch) equal parts of the rest, weighted by its part's share of the run; random
features of those lengths. Measured instead on COUNT utterances alone, a batch of 128 or 256
spanned half or all of dev-clean's lengths and padded most of its frames: on 2 Zen 4 cores that
search picked 16, where LoadGen runs of 2048 samples ran 5-14% faster at 64.
Random features, not the dataset's: MLPerf's rules keep the performance set out of tuning. The
result is remembered in a JSON file, per CPU, core count, IR set (its path and files' times),
precision, version of the code and the run's sample count, so a CPU measures it once.

    python -m rnnt_ov.mlperf.fastest --ir-dir IR --featurizer F --config rnnt.toml --remember F.json
"""
import sys
import time

import numpy as np

from .. import cli, features
from ..interface import ENCODER_FEATURES
from ..workers import recognizer as make_recognizer
from . import measured
from .lengths import durations

CANDIDATES = (16, 32, 64, 128, 256)
COUNT = 256                 # utterances measured per batch size, at least two batches of it
# One measurement per size moves by 5-10% on a busy machine: on 2 Zen 4 cores a search chose 16
# at 53.4 utterances/s against 49.4 at 32, and LoadGen then ran 16 at 42.8-47.8 samples/s where 32
# had run 48.3-52.3. So the sizes within CLOSE of the fastest are measured CONFIRM more times each,
# in alternating order, and the fastest median wins.
CLOSE = 0.10
CONFIRM = 2
AGAIN = 3                   # sizes measured again at most: the fastest within CLOSE
RUN_SAMPLES = 24576         # what a valid Offline run issues at least (r1.0's mlperf.conf)


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


def confirm(rate_at, rates, close=CLOSE, rounds=CONFIRM, most=AGAIN):
    """(the fastest batch, {batch: utterances/s}) after measuring again, `rounds` more times each
    in alternating order, the `most` fastest sizes of `rates` (search's) within `close` of the
    fastest; their rates become the medians of their measurements. A size that cannot run now
    drops out."""
    best = max(rates, key=rates.get)
    fastest = sorted(rates, key=rates.get, reverse=True)[:most]
    again = sorted(b for b in fastest if rates[b] >= (1 - close) * rates[best])
    if len(again) < 2:
        return best, rates
    runs = {b: [rates[b]] for b in again}
    for round_ in range(rounds):
        for batch in (reversed(again) if round_ % 2 == 0 else again):
            if batch in runs:
                rate = rate_at(batch)
                if rate is None:
                    del runs[batch]
                else:
                    runs[batch].append(rate)
    rates = {b: float(np.median(runs[b])) if b in runs else rate for b, rate in rates.items()
             if b in runs or b not in again}            # search's order: increasing batch
    return max(runs, key=rates.get), rates


def run_batches(batch, samples=RUN_SAMPLES, count=COUNT, seed=1):
    """[(weight, batch)]: batches of `batch` utterances' random encoder inputs as an Offline run of
    `samples` samples forms them (their lengths, dev-clean's, sorted longest first and cut into
    batches), each with how many of the run's batches it stands for. The first, longest batch is
    always one of them, on its own: it pads most (frames to 15 s), and in a short run it is a large
    share (one of 8 at 128 of 1024 samples). The rest stand for max(2, count // batch) equal parts
    of the run's other batches, each measured on the batch in its middle; every batch where there
    are no more than that."""
    frames = sorted((features.num_frames(int(s * features.SAMPLE_RATE)) for s in durations(samples, seed)), reverse=True)
    batch = min(batch, samples)
    others = -(-samples // batch) - 1                   # the run's batches after the first
    parts = min(max(2, count // batch), others)
    bounds = np.linspace(1, others + 1, parts + 1).round().astype(int)
    chosen = [(1, 0)] + [(int(hi - lo), int((lo + hi - 1) // 2)) for lo, hi in zip(bounds[:-1], bounds[1:])]
    rng = np.random.default_rng(seed)
    return [(weight, [rng.standard_normal((n, ENCODER_FEATURES), np.float32) for n in frames[i * batch:(i + 1) * batch]])
            for weight, i in chosen]


def utterances_per_second(recognizer, batches, warm_up=True):
    """The recognizer's rate on a run's `batches` ([(weight, encoder inputs longest first)], as
    run_batches forms them): the utterances they stand for over the time they stand for. None if a
    full batch of the longest does not run here (memory). warm_up=False: this size ran before."""
    size = max(len(b) for _, b in batches)
    longest = max((f for _, b in batches for f in b), key=len)
    # Workers (workers.py) recognize a batch each at once: each batch is measured so, on all of them.
    copies, decode = recognizer.workers, recognizer.side_by_side
    try:
        if warm_up:
            recognizer.warm_up(size)
            decode([longest] * size)
    except (MemoryError, RuntimeError):
        return None
    utterances = seconds = 0.0
    for weight, feats in batches:
        began = time.perf_counter()
        decode(feats)
        seconds += weight * (time.perf_counter() - began)
        utterances += weight * len(feats) * copies
    return utterances / seconds


def key(ir_dir, precision, samples, workers=1):
    """Where a batch is remembered: the CPU, IR set, precision and code (measured.key), the
    run's sample count and the workers recognizing side by side."""
    return f"{measured.key(ir_dir, precision)} | Offline, runs of {samples} samples, {workers} worker(s)"


def fastest_offline_batch(recognizer, ir_dir, remember=None, samples=RUN_SAMPLES, count=COUNT,
                          candidates=CANDIDATES, log=lambda line: print(line, flush=True)):
    """The fastest batch of this recognizer here for an Offline run of `samples` samples: from
    `remember` (a JSON file) when this CPU, IR set, precision and code were measured for such a run
    before, else measured and added to it. None if not even the smallest candidate runs here."""
    found = measured.remembered(remember)
    here = key(ir_dir, recognizer.precision, samples, recognizer.workers)
    if here in found:
        entry, how = found[here], f"measured before, {remember}"
    else:
        tried = [c for c in candidates if c <= max(samples, min(candidates))]
        log(f"mlperf: measuring the fastest Offline batch on this CPU for a run of {samples} samples (random "
            f"features with dev-clean's lengths, batched as the run batches them, {count} utterances or two "
            f"batches per size, at {', '.join(map(str, tried))} until two run slower, those within "
            f"{CLOSE:.0%} of the fastest, {AGAIN} at most, {CONFIRM} more times); once")
        def rate_at(batch, warm_up=True):
            return utterances_per_second(recognizer, run_batches(batch, samples, count), warm_up)
        best, rates = search(rate_at, tried)
        if best is None:
            return None
        best, rates = confirm(lambda batch: rate_at(batch, warm_up=False), rates)
        entry = {"batch": best, "utterances_per_second": {str(b): round(r, 2) for b, r in rates.items()},
                 "measured": time.strftime("%Y-%m-%d %H:%M:%S")}
        how = "measured now"
        if remember:
            measured.remember(remember, found, here, entry)
            how += f", remembered in {remember}"
    rates = ", ".join(f"{b}: {r}" for b, r in entry["utterances_per_second"].items())
    log(f"mlperf: Offline batch {entry['batch']}, the fastest on this CPU at {recognizer.precision} for a run of "
        f"{samples} samples (utterances/s by batch, encoder and decoding: {rates}; {how})")
    return entry["batch"]


def measured_rate(recognizer, ir_dir, remember, batch, samples=RUN_SAMPLES, count=COUNT):
    """Utterances/s of this recognizer here at `batch` (encoder and decoding) in a run of
    `samples` samples: as the search measured it (`remember`), else measured now."""
    entry = measured.remembered(remember).get(key(ir_dir, recognizer.precision, samples, recognizer.workers), {})
    rate = entry.get("utterances_per_second", {}).get(str(batch))
    return rate if rate is not None else utterances_per_second(recognizer, run_batches(batch, samples, count))


def main():
    parser = cli.parser(__spec__.name, __doc__)
    cli.add_recognizer_arguments(parser)
    parser.add_argument("--remember", help="JSON file of the batches measured before (read, and written)")
    parser.add_argument("--samples", type=int, default=RUN_SAMPLES,
                        help="samples the Offline run issues, batched longest first (default: %(default)s)")
    parser.add_argument("--count", type=int, default=COUNT,
                        help="utterances measured per batch size, at least two batches (default: %(default)s)")
    parser.add_argument("--candidates", default=",".join(map(str, CANDIDATES)),
                        help="batch sizes to try, in increasing order (default: %(default)s)")
    parser.add_argument("--workers", type=int, help="recognizers side by side, as the Offline run has them "
                        "(default: one per core, workers.py)")
    args = parser.parse_args()
    recognizer = make_recognizer(args.ir_dir, args.featurizer, cli.inference_precision(args.precision), args.workers)
    candidates = [int(c) for c in args.candidates.split(",")]
    print(fastest_offline_batch(recognizer, args.ir_dir, args.remember, args.samples, args.count, candidates,
                                log=lambda line: print(line, file=sys.stderr, flush=True)))


if __name__ == "__main__":
    main()
