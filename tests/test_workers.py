"""Recognizers side by side (rnnt_ov/workers.py), on stand-in recognizers: an Offline run's
batches go to whichever worker is free, two at once, every utterance recognized once."""
import threading

import numpy as np
import pytest

from rnnt_ov.mlperf import fastest
from rnnt_ov.workers import Workers


class StandIn:
    """Labels an utterance by its length; the first call waits for the other worker's (the
    barrier breaks, and the test fails, if the workers take batches one after the other)."""

    def __init__(self, barrier, name):
        self.barrier, self.name, self.batches = barrier, name, []
        self.precision = "bf16"

    def __call__(self, utterances):
        if not self.batches:
            self.barrier.wait()
        self.batches.append([len(u) for u in utterances])
        return [[len(u)] for u in utterances]

    decode_features = __call__


def test_two_workers_recognize_two_batches_at_once_each_utterance_once_longest_first():
    barrier = threading.Barrier(2, timeout=10)
    recognizers = [StandIn(barrier, "a"), StandIn(barrier, "b")]
    workers = Workers(recognizers)
    utterances = [np.zeros(n) for n in (5, 90, 30, 70, 10, 50, 20)]
    found = {}
    for chosen, labels in workers.in_batches(utterances, 2):
        assert len(chosen) == len(labels) <= 2
        found.update(zip(chosen, labels))
    assert found == {i: [len(u)] for i, u in enumerate(utterances)}       # each once, its own labels
    assert all(r.batches for r in recognizers)                           # both worked
    batches = sorted(b for r in recognizers for b in r.batches)
    assert batches == sorted([[90, 70], [50, 30], [20, 10], [5]])        # longest first, 2 at a time
    assert workers.workers == 2 and workers.precision == "bf16"


def test_a_batch_measured_side_by_side_runs_on_every_worker_and_counts_for_each():
    barrier = threading.Barrier(2, timeout=10)
    recognizers = [StandIn(barrier, "a"), StandIn(barrier, "b")]
    workers = Workers(recognizers)
    workers.warm_up = lambda size: None
    feats = [np.zeros((9, 240))] * 4
    rate = fastest.utterances_per_second(workers, [(1, feats)])
    # Warm-up (the longest, side by side) and the measured batch: each worker recognized both.
    assert [r.batches for r in recognizers] == [[[9] * 4, [9] * 4]] * 2
    assert rate > 0


def test_an_error_in_a_worker_reaches_the_caller():
    class Failing(StandIn):
        def __call__(self, utterances):
            raise RuntimeError("out of memory")
    workers = Workers([Failing(None, "a")])
    with pytest.raises(RuntimeError, match="out of memory"):
        list(workers.in_batches([np.zeros(3)], 1))
