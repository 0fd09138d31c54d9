"""The system under test: the IR, with the audio preprocessing inside the timed part.

For each query: the recognizer (recognizer.py: upstream's features, the encoder on the query's
utterances padded to the longest, each row exact, and greedy decoding of all of them at once),
and one response per sample holding its labels as an int64 array, as upstream's PyTorch SUT
answers, so that upstream's accuracy_eval.py reads the log unchanged.

    SingleStream  one utterance per query, decoded as it comes.
    Offline       all samples in one query: sorted by length, run in batches of `batch`.
    Server        queries queue up; a worker takes up to `batch` of them at a time, waiting at
                  most `max_wait` seconds after the first for more to arrive: the oldest, and
                  those closest to it in length.
"""
import array
import collections
import functools
import os
import queue
import sys
import threading
import time
import traceback

import mlperf_loadgen as lg

from .. import features
from ..recognizer import Recognizer

DEV_CLEAN_MEAN_SECONDS = 6.25      # MLPerf's set: dev-clean's utterances of 15 s or less


def fatal(method):
    """LoadGen calls the SUT from its own threads and waits for every answer: an error there would
    leave it waiting forever. Print it and end the process (the logs stay in LOG_DIR.tmp)."""
    @functools.wraps(method)
    def guarded(*args):
        try:
            return method(*args)
        except BaseException:
            traceback.print_exc()
            print("error: the system under test failed (above); the run is incomplete", file=sys.stderr, flush=True)
            os._exit(1)
    return guarded


class SUT:
    def __init__(self, qsl, ir_dir, featurizer_file, scenario, batch, precision="f32", max_wait=0.05):
        self.qsl, self.scenario, self.batch, self.max_wait = qsl, scenario, batch, max_wait
        # Server: a batch holds at most `batch` utterances of dev-clean's mean length (6.25 s), fewer longer ones.
        self.budget = batch * int(DEV_CLEAN_MEAN_SECONDS * features.SAMPLE_RATE)
        self.recognizer = Recognizer.from_ir(ir_dir, featurizer_file, precision)
        # Compiled for every batch size before LoadGen times, and a full batch of the longest
        # utterance run once: a batch that cannot run here fails now, before LoadGen starts.
        self.recognizer.warm_up(batch, max((qsl[i] for i in range(len(qsl))), key=len))
        self.queue = queue.Queue()
        self.worker = None
        if scenario == "Server":
            self.worker = threading.Thread(target=self.serve, daemon=True)
            self.worker.start()
        self.sut = lg.ConstructSUT(self.issue_queries, self.flush_queries)

    def answer(self, query_samples, labels=None):
        if labels is None:
            labels = self.recognizer([self.qsl[q.index] for q in query_samples])
        buffers = [array.array("q", tokens) for tokens in labels]      # alive until LoadGen copies them
        lg.QuerySamplesComplete([lg.QuerySampleResponse(q.id, b.buffer_info()[0], len(b) * b.itemsize)
                                 for q, b in zip(query_samples, buffers)])

    @fatal
    def issue_queries(self, query_samples):
        if self.scenario == "Server":
            for sample in query_samples:
                self.queue.put(sample)
            return
        # Offline: longest first, so that each batch pads as little as it can; SingleStream: one.
        for chosen, labels in self.recognizer.in_batches([self.qsl[q.index] for q in query_samples], self.batch):
            self.answer([query_samples[i] for i in chosen], labels)

    @fatal
    def serve(self):
        """Server: batches from the queries waiting, the oldest first and with it those closest to
        it in length (a padded batch costs its longest row times its size), the others left
        waiting for the next batch, in their order."""
        waiting = collections.deque()
        while True:
            if not waiting:
                first = self.queue.get()
                if first is None:
                    return
                waiting.append(first)
                self.take(waiting, self.batch, time.monotonic() + self.max_wait)
            self.take(waiting, None, None)               # and whatever else has arrived meanwhile
            oldest = len(self.qsl[waiting[0].index])
            closest = sorted(range(len(waiting)), key=lambda i: (abs(len(self.qsl[waiting[i].index]) - oldest), i))
            chosen, longest = set(), 0
            for i in closest[:self.batch]:      # as many as fit in the budget: a long batch is a long wait
                longest = max(longest, len(self.qsl[waiting[i].index]))
                if chosen and longest * (len(chosen) + 1) > self.budget:
                    break
                chosen.add(i)
            taken = [q for i, q in enumerate(waiting) if i in chosen]
            waiting = collections.deque(q for i, q in enumerate(waiting) if i not in chosen)
            self.answer(taken)

    def take(self, waiting, up_to, deadline):
        """Append queued queries to `waiting`: up to `up_to` of them (None: all that are there)
        until `deadline` (None: without waiting). The end-of-work mark stays in the queue."""
        while up_to is None or len(waiting) < up_to:
            try:
                sample = self.queue.get(timeout=max(0.0, deadline - time.monotonic())) if deadline \
                    else self.queue.get_nowait()
            except queue.Empty:
                return
            if sample is None:
                self.queue.put(None)
                return
            waiting.append(sample)

    def flush_queries(self):
        pass

    def destroy(self):
        if self.worker:
            self.queue.put(None)
            self.worker.join()
        lg.DestroySUT(self.sut)
