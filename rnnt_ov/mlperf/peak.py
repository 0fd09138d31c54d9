"""Server: the highest load this system keeps within the latency bound, found once, then remembered.

A valid Server run reports the load it was offered (target_qps), so that load is the figure. When
the user.conf does not set it, `make mlperf SCENARIO=Server` finds it before the timed run, with
short LoadGen runs of the same system (TRIAL_QUERIES queries each, no minimum duration): one at a
load no system keeps up with, whose completed queries per second are the system's capacity, then
a bisection below it for the highest load whose 99th percentile latency stays within the bound
(as make mlperf-compare's Server search). A trial's 99th percentile is that of a few hundred
queries, a ten-minute run's of many thousand, so the run offers MARGIN of what the trials found.
The result is remembered beside the Offline batch (fastest.py), per CPU, IR set, precision, code
(measured.key: the slots' steps in streaming.py among it) and slots, so a CPU searches once.
"""
import time

from . import measured

TRIAL_QUERIES = 500
STEPS = 5
MARGIN = 0.9
FLOOD = 10000          # queries/s: more than any system here keeps up with


def bisect(p99_at, capacity, bound_ms, steps=STEPS):
    """(the highest load tried whose p99_at(load) <= bound_ms, or None; {load: p99 ms}): the first
    trial at 0.8 x capacity, then halving the interval between the highest within and the lowest over."""
    low, high, best, tried = 0.0, capacity, None, {}
    for step in range(steps):
        load = round(capacity * 0.8 if step == 0 else (low + high) / 2, 2)
        tried[load] = p99_at(load)
        if tried[load] <= bound_ms:
            low = best = load
        else:
            high = load
    return best, tried


def key(ir_dir, precision, slots):
    """Where a Server load is remembered: the CPU, IR set, precision and code (measured.key: a load
    found with other code, such as other steps, is found again) and the slots."""
    return f"{measured.key(ir_dir, precision)} | Server, {slots} slots"


def server_load(trial, ir_dir, precision, slots, bound_ms, remember=None, queries=TRIAL_QUERIES,
                log=lambda line: print(line, flush=True)):
    """The load a Server run of this system offers: remembered, or found now by trial(load,
    queries) -> (99th percentile ms, completed queries/s) and remembered. None if even the lowest
    load tried went over the bound."""
    found = measured.remembered(remember)
    here = key(ir_dir, precision, slots)
    if here in found:
        entry, how = found[here], f"found before, {remember}"
    else:
        log(f"mlperf: finding the highest Server load this CPU keeps within {bound_ms:g} ms at the 99th percentile "
            f"({STEPS + 1} LoadGen runs of {queries} queries); once")
        _, capacity = trial(FLOOD, queries)
        log(f"mlperf: Server capacity {capacity:.2f} queries/s (all {queries} queries at once)")

        def p99_at(load):
            p99, _ = trial(load, queries)
            log(f"mlperf: Server at {load:g} queries/s: 99th percentile {p99:.0f} ms "
                f"{'within' if p99 <= bound_ms else 'over'} the bound")
            return p99
        best, tried = bisect(p99_at, capacity, bound_ms)
        if best is None:
            return None
        entry = {"queries_per_second": round(best * MARGIN, 2), "highest_within": best, "capacity": round(capacity, 2),
                 "p99_ms_by_load": {str(load): round(p99, 1) for load, p99 in tried.items()},
                 "trial_queries": queries, "measured": time.strftime("%Y-%m-%d %H:%M:%S")}
        how = "found now"
        if remember:
            measured.remember(remember, found, here, entry)
            how += f", remembered in {remember}"
    log(f"mlperf: Server offers {entry['queries_per_second']:g} queries/s: {MARGIN:.0%} of the highest load "
        f"its trials kept within the bound ({entry['highest_within']:g}; {how})")
    return entry["queries_per_second"]
