"""The system under test: the IR, with the audio preprocessing inside the timed part.

For each query: the recognizer (recognizer.py: upstream's features, the encoder on the query's
utterances padded to the longest, each row exact, and greedy decoding of all of them at once),
and one response per sample holding its labels as an int64 array, as upstream's PyTorch SUT
answers, so that upstream's accuracy_eval.py reads the log unchanged.

    SingleStream  one utterance per query, decoded as it comes.
    Offline       all samples in one query: sorted by length, run in batches of `batch`.
    Server        continuous batching (streaming.py): a worker recognizes up to `batch` queries
                  together, a chunk of frames at a time, and a query that arrives takes the
                  first slot that frees, oldest first.
"""
import array
import collections
import functools
import os
import queue
import sys
import threading
import traceback

import mlperf_loadgen as lg

from ..streaming import ContinuousBatch


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
    def __init__(self, qsl, recognizer, scenario, batch):
        self.qsl, self.recognizer, self.scenario, self.batch = qsl, recognizer, scenario, batch
        # Compiled for every batch size before LoadGen times, and a full batch of the longest
        # utterance run once (Server: every slot holding it, a chunk at a time): a batch that
        # cannot run here fails now, before LoadGen starts.
        longest = max((qsl[i] for i in range(len(qsl))), key=len)
        self.recognizer.warm_up(batch, None if scenario == "Server" else longest)
        self.queue = queue.Queue()
        self.worker = None
        if scenario == "Server":
            self.slots = ContinuousBatch(self.recognizer, batch)
            self.slots.admit([(key, longest) for key in range(batch)])
            while self.slots.busy:
                self.slots.step()
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
        """Server: every query waiting takes a free slot, the oldest first; then one chunk of
        every query in a slot, and an answer for each that ended."""
        waiting = collections.deque()
        while True:
            block = not waiting and not self.slots.busy            # nothing to do until a query comes
            while True:
                try:
                    sample = self.queue.get(block=block)
                except queue.Empty:
                    break
                if sample is None:
                    return
                waiting.append(sample)
                block = False
            admitted = [waiting.popleft() for _ in range(min(len(waiting), self.slots.free))]
            if admitted:
                self.slots.admit([(sample, self.qsl[sample.index]) for sample in admitted])
            for sample, labels in self.slots.step():
                self.answer([sample], [labels])

    def flush_queries(self):
        pass

    def destroy(self):
        if self.worker:
            self.queue.put(None)
            self.worker.join()
        lg.DestroySUT(self.sut)
