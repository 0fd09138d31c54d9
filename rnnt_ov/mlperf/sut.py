"""The system under test: the IR, with the audio preprocessing inside the timed part.

For each query: upstream's features (features.py), the encoder on the query's utterances padded to
the longest (each row's own length; exact, see runtimes.mask_padded_frames), greedy decoding of
all of them at once (greedy_batched.py), and one response per sample holding its labels as an
int64 array, as upstream's PyTorch SUT answers, so that upstream's accuracy_eval.py reads the log
unchanged.

    SingleStream  one utterance per query, decoded as it comes.
    Offline       all samples in one query: sorted by length, run in batches of `batch`.
    Server        queries queue up; a worker takes up to `batch` of them at a time, waiting at
                  most `max_wait` seconds after the first for more to arrive.
"""
import array
import functools
import os
import queue
import sys
import threading
import time
import traceback

import mlperf_loadgen as lg
import numpy as np

from .. import features, greedy_batched
from ..runtimes import BatchedOpenVINO


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
        self.fb, self.window = features.load_featurizer(featurizer_file)
        self.runtime = BatchedOpenVINO(ir_dir, precision=precision)
        self.start = self.runtime.start()
        self.warm_up()
        self.queue = queue.Queue()
        self.worker = None
        if scenario == "Server":
            self.worker = threading.Thread(target=self.serve, daemon=True)
            self.worker.start()
        self.sut = lg.ConstructSUT(self.issue_queries, self.flush_queries)

    def warm_up(self):
        """Compile the networks at every batch size the decoder will ask for, before LoadGen times."""
        samples = [np.zeros(16000, np.float32) + 1e-3 * np.sin(np.arange(16000)).astype(np.float32)] * self.batch
        for size in sorted({greedy_batched.bucket(n) for n in range(1, self.batch + 1)}):
            self.transcribe(samples[:size])

    def transcribe(self, samples):
        """Label lists of a few utterances, decoded together."""
        feats = [features.features(s, self.fb, self.window) for s in samples]
        lengths = np.array([len(f) for f in feats], np.int64)
        padded = np.zeros((lengths.max(), len(feats), feats[0].shape[1]), np.float32)
        for row, f in enumerate(feats):
            padded[:len(f), row] = f
        encoded, encoded_lengths = self.runtime.encode(padded, lengths)
        return greedy_batched.decode_batch(encoded, encoded_lengths, self.runtime.predict,
                                           self.runtime.join, self.start)

    def answer(self, query_samples):
        labels = self.transcribe([self.qsl[q.index] for q in query_samples])
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
        ordered = sorted(query_samples, key=lambda q: -len(self.qsl[q.index]))
        for first in range(0, len(ordered), self.batch):
            self.answer(ordered[first:first + self.batch])

    @fatal
    def serve(self):
        while True:
            taken = [self.queue.get()]
            if taken[0] is None:
                return
            deadline = time.monotonic() + self.max_wait
            while len(taken) < self.batch:
                try:
                    sample = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if sample is None:
                    self.queue.put(None)
                    break
                taken.append(sample)
            self.answer(taken)

    def flush_queries(self):
        pass

    def destroy(self):
        if self.worker:
            self.queue.put(None)
            self.worker.join()
        lg.DestroySUT(self.sut)
