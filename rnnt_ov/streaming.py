"""Continuous batching: utterances recognized a chunk of frames at a time, up to `slots` of them
together, and a finished utterance's slot given to the next one at once, as the MLPerf record's
Server code serves (a padded batch would make every query wait for its longest one).

A step runs the encoder on the next CHUNK_FRAMES input frames of every utterance in a slot, each
from the LSTM state its last chunk left (networks.encode_chunk), then the one greedy decoder on
the frames that came out, from where each utterance's decoding stood (decoding.Hypotheses). An
utterance gets the labels that the whole-utterance path (recognizer.Recognizer) gives it: chunks
of an even number of frames pair the same frames in the encoder's time stacking, and greedy
decoding moves on frame by frame.

A step is shorter when an utterance ends sooner: as many frames as the one nearest its end has
left (MIN_CHUNK_FRAMES at least), rounded up as the encoder call is (networks.call_shape: to a
multiple of 16), since the call computes those frames anyway. A chunk is a padded batch, and the
frames past an utterance's end cost as much as any: with every step CHUNK_FRAMES long, 29% of the
encoder's work on the load set (16 slots) was padding, 7% with steps as long as the nearest end;
the slot frees for the next query that much sooner too.
"""
import numpy as np

from .decoding import Hypotheses
from .interface import ENCODER_FEATURES
from .networks import call_shape

CHUNK_FRAMES = 128      # encoder input frames per step at most (30 ms each: 3.84 s of audio); even
MIN_CHUNK_FRAMES = 32   # and at least, unless every utterance in a slot ends sooner; even


class ContinuousBatch:
    """recognizer: a recognizer.Recognizer; slots: utterances decoded together at most."""

    def __init__(self, recognizer, slots, chunk=CHUNK_FRAMES, shortest=MIN_CHUNK_FRAMES):
        for name, frames in (("chunk", chunk), ("shortest", shortest)):
            if frames < 2 or frames % 2:
                raise ValueError(f"{name}={frames}: the encoder pairs frames, so a chunk is an even number of them")
        self.recognizer, self.slots, self.chunk, self.shortest = recognizer, slots, chunk, min(shortest, chunk)
        networks = recognizer.networks
        self.state = networks.initial_state(slots)
        self.hypotheses = Hypotheses.starting(networks.start, slots)
        self.keys = [None] * slots              # what the caller calls each slot's utterance; None: free
        self.features = [None] * slots
        self.position = np.zeros(slots, np.int64)
        self.frames_encoded = 0                 # padding included: what the steps cost the encoder

    @property
    def free(self):
        return self.keys.count(None)

    @property
    def busy(self):
        return self.slots - self.free

    def admit(self, arrivals):
        """Start recognizing each (key, samples) of `arrivals` (16 kHz audio; at most `free` of them)
        in a free slot, their features computed side by side; `key` names it in step()."""
        feats = self.recognizer.features_of([samples for _, samples in arrivals])
        for (key, _), found in zip(arrivals, feats):
            slot = self.keys.index(None)
            self.keys[slot], self.features[slot], self.position[slot] = key, found, 0
            for values in self.state.values():
                values[slot] = 0
            self.hypotheses.reset(slot, self.recognizer.networks.start)

    def step(self):
        """The next chunk of every utterance in a slot. Returns [(key, labels)] of the utterances
        that ended in it, their slots free again."""
        rows = [slot for slot, key in enumerate(self.keys) if key is not None]
        if not rows:
            return []
        left = min(len(self.features[s]) - self.position[s] for s in rows)
        chunk = min(self.chunk, max(self.shortest, call_shape(left + left % 2)))
        parts = [self.features[s][self.position[s]:self.position[s] + chunk] for s in rows]
        lengths = np.array([len(p) for p in parts], np.int64)
        # A step where every utterance ends sooner: as far as its longest, rounded up as the call is.
        longest = int(lengths.max())
        frames = np.zeros((chunk if longest == chunk else call_shape(longest), len(rows), ENCODER_FEATURES), np.float32)
        for i, part in enumerate(parts):
            frames[:len(part), i] = part
        state = {name: values[rows] for name, values in self.state.items()}
        encoded, encoded_lengths, after = self.recognizer.networks.encode_chunk(frames, lengths, state)
        self.frames_encoded += frames.shape[0] * frames.shape[1]
        for name, values in after.items():
            self.state[name][rows] = values
        taken = self.hypotheses.rows(rows)
        self.recognizer.decoder(encoded, encoded_lengths, hypotheses=taken)
        self.hypotheses.put(rows, taken)
        self.position[rows] += chunk
        ended = []
        for slot in rows:
            if self.position[slot] >= len(self.features[slot]):
                ended.append((self.keys[slot], self.hypotheses.labels[slot]))
                self.keys[slot] = self.features[slot] = None
        return ended
