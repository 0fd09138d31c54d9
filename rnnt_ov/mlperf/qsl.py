"""LoadGen's query sample library over a manifest: every utterance loaded into memory up front.

As upstream's AudioQSLInMemory: reading the files is not part of what LoadGen times, the audio
preprocessing is (it runs in the system under test, per query).
"""
import mlperf_loadgen as lg
from tqdm import tqdm

from .. import features
from ..dataset import DatasetError


class QSL:
    def __init__(self, dataset, performance_sample_count=None):
        self.dataset = dataset
        self.samples = []
        for utterance in tqdm(dataset.utterances, desc="loading audio", unit=" utterances", leave=False,
                              disable=None):
            try:
                self.samples.append(features.load_audio(utterance.audio))
            except features.AudioError as err:
                raise DatasetError(str(err)) from None
        count = len(self.samples)
        self.qsl = lg.ConstructQSL(count, min(count, performance_sample_count or count),
                                   lambda indices: None, lambda indices: None)

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        return self.samples[index]

    def destroy(self):
        lg.DestroyQSL(self.qsl)
