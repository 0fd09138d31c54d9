"""The MLPerf Inference harness for the RNN-T IR: LoadGen, the dataset, the SUT, the accuracy script.

    python -m rnnt_ov.mlperf.run         run LoadGen (make mlperf)
    python -m rnnt_ov.mlperf.manifest    a manifest for a LibriSpeech FLAC folder (make mlperf-manifest)
    python -m rnnt_ov.mlperf.accuracy    word error rate of an accuracy log, as upstream's accuracy_eval.py
"""
