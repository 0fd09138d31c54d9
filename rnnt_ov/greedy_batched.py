"""Greedy RNN-T decoding of a batch of utterances at once, with the same result as greedy.py per row.

A runtime is three callables on numpy arrays, for any number n of rows (n a power of two up to
the batch: the runtime may compile one model per size):

    predict(labels (n,) int64, (h, c) each (2, n, 320)) -> (g (n, 1, 320), (h, c))
    join(f (n, 1, 1024), g (n, 1, 320)) -> logits (n, 29), blank last
    start: r1.0's start-of-sequence outputs (g (1, 1, 320), (h (2, 1, 320), c (2, 1, 320)))

Each step evaluates the joint network once for every row still decoding: each row has its own
frame position, prediction output and state, and count of symbols emitted on its frame. A row
whose best symbol is not blank emits it and takes the prediction network's output and state for
it; a row moves to its next frame on blank or after 30 symbols on one frame, as upstream's decoder
does; a row past its last frame is finished. Row by row this is the decision sequence of
greedy.greedy_decode, so the labels are the same, in far fewer calls: the number of steps is that
of the longest row, not the sum over rows. Both networks cost in proportion to the rows they are
given, so finished rows are dropped from the batch and the prediction network runs only for the
rows that emitted (padded to a power of two). NeMo's batched greedy transducer decoding, and the
label-looping decoder of Bataev et al. (2024), work in the same spirit.
"""
import numpy as np

from . import interface

MAX_SYMBOLS_PER_FRAME = 30


def bucket(n):
    """The smallest power of two >= n: the batch sizes the networks are called with."""
    return 1 << (int(n) - 1).bit_length()


def padded(rows, size):
    """Indices `rows` padded to `size` by repeating the first (its results are not used)."""
    return np.concatenate([rows, np.full(size - len(rows), rows[0])]) if size > len(rows) else rows


def decode_batch(encoded, lengths, predict, join, start, steps=None,
                 blank=interface.BLANK, max_symbols=MAX_SYMBOLS_PER_FRAME):
    """Labels of each row. encoded (B, T', 1024); lengths (B,): valid frames of each row.
    `steps`, a list, receives the number of batch steps taken."""
    batch = encoded.shape[0]
    limit = np.minimum(np.asarray(lengths, np.int64).reshape(batch), encoded.shape[1])
    g0, (h0, c0) = start
    g = np.repeat(np.asarray(g0, np.float32), batch, axis=0)          # (B, 1, 320)
    h = np.repeat(np.asarray(h0, np.float32), batch, axis=1)          # (2, B, 320)
    c = np.repeat(np.asarray(c0, np.float32), batch, axis=1)
    frame = np.zeros(batch, np.int64)
    emitted_here = np.zeros(batch, np.int64)
    labels = [[] for _ in range(batch)]
    live = np.flatnonzero(limit > 0)          # the rows still decoding, as indices into the batch
    count = 0
    while live.size:
        count += 1
        size = bucket(live.size)
        rows = padded(live, size)
        logits = join(encoded[rows, frame[rows]][:, None, :], g[rows]).reshape(size, -1)
        best = np.argmax(logits[:live.size], axis=1)
        emit = best != blank
        if emit.any():
            speakers = live[emit]
            for row, label in zip(speakers.tolist(), best[emit].tolist()):
                labels[row].append(label)
            size = bucket(speakers.size)
            rows = padded(speakers, size)
            g_new, (h_new, c_new) = predict(padded(best[emit], size).astype(np.int64), (h[:, rows], c[:, rows]))
            n = speakers.size
            g[speakers], h[:, speakers], c[:, speakers] = g_new[:n], h_new[:, :n], c_new[:, :n]
            emitted_here[speakers] += 1
        move = live[~emit | (emitted_here[live] >= max_symbols)]
        frame[move] += 1
        emitted_here[move] = 0
        live = live[frame[live] < limit[live]]
    if steps is not None:
        steps.append(count)
    return labels
