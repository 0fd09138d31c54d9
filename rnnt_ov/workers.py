"""Recognizers side by side, one per core, each compiled for one thread: an Offline run's batches
recognized two (or as many as there are cores) at a time.

One recognizer on every core leaves cores idle: its decoding is a loop in Python around small
OpenVINO calls, on one core, and the features' threads wait for the longest utterance of the
batch. Two workers, each on one thread, fill those gaps with the other's work, as the MLPerf
record's code runs one instance per few cores. On 2 Emerald Rapids cores (INT8, the load set,
batch 64-128) two workers recognized 20-30% more utterances per second than one on both cores.

Each worker takes the next batch when it is free, longest first: the last, shortest batches
even out where each worker ends. OpenVINO's threads are not pinned to cores, so that the two
workers' threads go where the operating system finds a core free.
"""
import os
import queue
from concurrent.futures import ThreadPoolExecutor, as_completed

from .recognizer import Recognizer


def cores():
    return len(os.sched_getaffinity(0))


class Workers:
    """recognizers: one per worker (Recognizer, compiled for one thread each)."""

    def __init__(self, recognizers):
        self.recognizers = recognizers
        self.idle = queue.SimpleQueue()
        for recognizer in recognizers:
            self.idle.put(recognizer)
        self.pool = ThreadPoolExecutor(len(recognizers), thread_name_prefix="worker")

    @classmethod
    def from_ir(cls, ir_dir, featurizer_file, precision="f32", workers=None, config=None):
        """`workers` recognizers of the IR of a folder (by default one per core), each on one
        thread; precision "f32", or None for the CPU's default."""
        config = {"ENABLE_CPU_PINNING": False, **(config or {})}
        return cls([Recognizer.from_ir(ir_dir, featurizer_file, precision, threads=1, config=config)
                    for _ in range(workers or cores())])

    @property
    def workers(self):
        return len(self.recognizers)

    @property
    def precision(self):
        return self.recognizers[0].precision

    @property
    def networks(self):
        return self.recognizers[0].networks

    def _on_a_worker(self, method, *args):
        recognizer = self.idle.get()
        try:
            return getattr(recognizer, method)(*args)
        finally:
            self.idle.put(recognizer)

    def __call__(self, utterances):
        """Labels of utterances given as samples, decoded together by one worker."""
        return self._on_a_worker("__call__", utterances)

    def decode_features(self, feats):
        return self._on_a_worker("decode_features", feats)

    def side_by_side(self, feats):
        """The same batch (features) decoded by every worker at once: what the batch costs when
        every worker is busy. Returns one worker's labels."""
        return [future.result() for future in [self.pool.submit(r.decode_features, feats) for r in self.recognizers]][0]

    def in_batches(self, utterances, batch):
        """Labels of many utterances, `batch` at a time, longest first, each batch on the next
        free worker. Yields (indices into utterances, their labels) as batches end."""
        order = sorted(range(len(utterances)), key=lambda i: -len(utterances[i]))
        pending = {}
        for first in range(0, len(order), batch):
            chosen = order[first:first + batch]
            pending[self.pool.submit(self._on_a_worker, "__call__", [utterances[i] for i in chosen])] = chosen
        for future in as_completed(pending):
            yield pending[future], future.result()

    def warm_up(self, batch, longest=None):
        """Every worker warmed up as Recognizer.warm_up, side by side."""
        for future in [self.pool.submit(r.warm_up, batch, longest) for r in self.recognizers]:
            future.result()


def recognizer(ir_dir, featurizer_file, precision, workers=None):
    """What an MLPerf run recognizes with: Workers (Offline, by default one per core), or one
    Recognizer on every core where `workers` is 1 (Server, SingleStream)."""
    workers = workers or cores()
    if workers > 1:
        return Workers.from_ir(ir_dir, featurizer_file, precision, workers)
    return Recognizer.from_ir(ir_dir, featurizer_file, precision)
