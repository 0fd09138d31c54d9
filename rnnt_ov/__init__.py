"""Everything that uses the RNN-T IR made by the recipe at the project's root.

Commands, run from the project root as `python -m rnnt_ov.<module> --help`:

    transcribe   speech to text with the IR
    wer          word error rate over a LibriSpeech-layout folder
    verify       the IR and the ONNX against upstream's PyTorch model
    benchmark    PyTorch, ONNX Runtime and OpenVINO side by side
    quantize     an INT8 set with NNCF (make PRECISION=INT8 ir)
    interface    print the three networks' inputs and outputs
    mlperf.run, mlperf.accuracy, mlperf.manifest   the MLPerf harness (see mlperf/__init__.py)

The path from audio to labels, which every command runs:

    features     audio to encoder input, as upstream computes it, in numpy
    networks     the three IR compiled for decoding a batch (OpenVINO)
    decoding     batched greedy decoding, as upstream r1.0 decodes each utterance
    recognizer   features, encoder and decoding together

Shared pieces, importing no command:

    interface    the three networks' inputs and outputs (names, shapes, element types), stated once
    ir           an IR set on disk: its networks with documented port names, its shape, its start step
    graph        edits of a model in memory: batch size, dynamic time, exact padded batches
    runtimes     PyTorch, OpenVINO and ONNX Runtime behind one interface (verify, benchmark)
    upstream     upstream's PyTorch model, from a checkout and migrated weights
    dataset      utterances and references from a manifest or a LibriSpeech folder
    text         labels to text; transcripts normalised as upstream does
    metrics      the word error rate
    files        files written whole or not at all
    charts       PNG charts beside comparison tables
    cli          command-line arguments the commands share
"""
