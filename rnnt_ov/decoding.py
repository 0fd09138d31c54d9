"""Greedy RNN-T decoding of a batch of utterances, as upstream r1.0 decodes each one (decoders.py).

One decoder for every caller, batch 1 being just a batch (NVIDIA NeMo's GreedyBatchedRNNTInfer
is the model). Per encoder frame at most 30 symbols: the joint network scores the frame against
the prediction network's output; a symbol that is not blank is emitted and advances the prediction
network, blank (or the 30th symbol) moves to the next frame. The first prediction is r1.0's
start-of-sequence step.

For a batch, each step scores every row still decoding with one call of the joint network: each
row has its own frame, prediction output and state, and count of symbols on its frame. A row's
prediction output changes only when it emits, so a step scores the row's frame and the next
FRAMES_AHEAD - 1 against it at once and takes the first that is not blank: the blanks before it
are the frames upstream moves past one at a time, with the same scores. A row past its last frame
is finished and dropped from the batch, and the prediction network runs only for the rows that
emitted (both padded to a power of two, the batch sizes the networks are compiled for). Row by
row these are the decisions upstream makes on that utterance alone, so the labels are the same,
in fewer steps than the longest row has decisions (a trained model's ~0.9 symbols per frame take
~1.9 decisions per frame; with two frames a step, ~1), not the sum over rows. Upstream re-runs
the prediction network on every joint evaluation with the same (label, state) until a symbol is
emitted; its output depends on nothing else, so it is computed once per emitted symbol here:
same labels, fewer calls. This is the label-looping decoder of Bataev et al. (2024) in the
small: they loop over frames until a symbol; here a step looks FRAMES_AHEAD frames ahead, which
on the load set halved the steps (225 to 119 per batch of 32) and cut decoding by 25-35%; four
or more frames ahead saved no further steps there and made the joint's matrix products large
enough for numpy's BLAS to start threads, which then contend with OpenVINO's.
"""
import numpy as np

from .interface import BLANK

MAX_SYMBOLS_PER_FRAME = 30      # r1.0's decoders.py: max_symbols_per_step
FRAMES_AHEAD = 2                # frames of each row a step scores (a power of two): see the module doc


def bucket(n):
    """The smallest power of two >= n: the batch sizes the networks are called with."""
    return 1 << (int(n) - 1).bit_length()


def _padded(rows, size):
    """Indices `rows` padded to `size` by repeating the first (its results are not used)."""
    return np.concatenate([rows, np.full(size - len(rows), rows[0])]) if size > len(rows) else rows


class Hypotheses:
    """Where the greedy decoding of each row of a batch stands: the prediction network's output
    g (B, 1, G) and state h, c (2, B, 320) after the row's last symbol (r1.0's start step for a
    new row), and its labels. Decoding an utterance a chunk of frames at a time carries this from
    one chunk to the next; rows() and put() take and give back the hypotheses of some rows."""

    def __init__(self, g, h, c, labels):
        self.g, self.h, self.c, self.labels = g, h, c, labels

    @classmethod
    def starting(cls, start, batch):
        """`batch` rows, each at the start of an utterance (start: r1.0's start step)."""
        return cls(np.repeat(np.asarray(start[0], np.float32), batch, axis=0),
                   np.repeat(np.asarray(start[1], np.float32), batch, axis=1),
                   np.repeat(np.asarray(start[2], np.float32), batch, axis=1), [[] for _ in range(batch)])

    def reset(self, row, start):
        """Row `row` starts a new utterance."""
        self.g[row], self.h[:, row], self.c[:, row] = start[0][0], start[1][:, 0], start[2][:, 0]
        self.labels[row] = []

    def rows(self, rows):
        """The hypotheses of some rows (copies; the same label lists, appended to in place)."""
        return Hypotheses(self.g[rows], self.h[:, rows], self.c[:, rows], [self.labels[r] for r in rows])

    def put(self, rows, taken):
        self.g[rows], self.h[:, rows], self.c[:, rows] = taken.g, taken.h, taken.c


class GreedyDecoder:
    """networks: predict(labels, (h, c)), join(f, g) and start, as networks.py describes them."""

    def __init__(self, networks, blank=BLANK, max_symbols=MAX_SYMBOLS_PER_FRAME, frames_ahead=FRAMES_AHEAD):
        self.networks, self.blank, self.max_symbols = networks, blank, max_symbols
        self.frames_ahead = frames_ahead

    def __call__(self, encoded, lengths, trace=None, hypotheses=None):
        """Labels of each row. encoded (B, T', ...): the encoder's output frames; lengths (B,): the
        valid frames of each row. `trace`, a dict, receives "steps" (the number of batch steps)
        and "logits" (per row, the logits of each of its steps). `hypotheses`: where each row's
        decoding stands after the frames before these (Hypotheses, updated here); by default
        each row starts an utterance."""
        predict, join = self.networks.predict, self.networks.join
        batch = encoded.shape[0]
        limit = np.minimum(np.asarray(lengths, np.int64).reshape(batch), encoded.shape[1])
        state = hypotheses if hypotheses is not None else Hypotheses.starting(self.networks.start, batch)
        g, h, c, labels = state.g, state.h, state.c, state.labels
        frame = np.zeros(batch, np.int64)
        emitted_here = np.zeros(batch, np.int64)
        logged = [[] for _ in range(batch)] if trace is not None else None
        live = np.flatnonzero(limit > 0)          # the rows still decoding, as indices into the batch
        ahead = np.arange(self.frames_ahead)
        steps = 0
        while live.size:
            steps += 1
            n, size = live.size, bucket(live.size)
            rows = _padded(live, size)
            # The joint on this frame and the next frames_ahead - 1 of each row, against the row's
            # prediction output: until the row emits, g does not change, so these are the very
            # evaluations (and decisions) upstream makes one frame at a time.
            frames = frame[rows][:, None] + ahead                                    # (size, K)
            valid = frames < limit[rows][:, None]
            f = encoded[rows[:, None], np.minimum(frames, limit[rows][:, None] - 1)]  # (size, K, ...)
            g_rows = np.repeat(g[rows], ahead.size, axis=0)
            logits = join(f.reshape(size * ahead.size, 1, *f.shape[2:]), g_rows).reshape(size, ahead.size, -1)[:n]
            best = np.argmax(logits, axis=2)
            symbol = (best != self.blank) & valid[:n]
            emits = symbol.any(axis=1)
            # Where each row's evaluations end: its first symbol, or every valid frame blank.
            reach = np.where(emits, np.argmax(symbol, axis=1), valid[:n].sum(axis=1))
            if logged is not None:
                for i, row in enumerate(live.tolist()):
                    logged[row].extend(np.array(x, np.float32) for x in logits[i, :reach[i] + emits[i]])
            skipped = reach > 0                  # blank frames passed: a new frame, no symbols on it yet
            frame[live] += reach
            emitted_here[live[skipped]] = 0
            if emits.any():
                speakers = live[emits]
                said = best[np.flatnonzero(emits), reach[emits]]
                for row, label in zip(speakers.tolist(), said.tolist()):
                    labels[row].append(label)
                size = bucket(speakers.size)
                rows = _padded(speakers, size)
                g_new, (h_new, c_new) = predict(_padded(said, size).astype(np.int64), (h[:, rows], c[:, rows]))
                k = speakers.size
                g[speakers], h[:, speakers], c[:, speakers] = g_new[:k], h_new[:, :k], c_new[:, :k]
                emitted_here[speakers] += 1
                full = speakers[emitted_here[speakers] >= self.max_symbols]     # r1.0's cap: next frame
                frame[full] += 1
                emitted_here[full] = 0
            live = live[frame[live] < limit[live]]
        if trace is not None:
            trace["steps"] = steps
            trace["logits"] = logged
        return labels
