"""Everything that uses the RNN-T IR made by the recipe at the project's root.

Run each command from the project root as `python -m rnnt_ov.<module> --help`:

    interface    the three networks' inputs and outputs (names, shapes, element types)
    runtimes     the networks behind one interface: OpenVINO, ONNX Runtime, PyTorch
    greedy       greedy RNN-T decoding as upstream r1.0 does it, over any runtime
    features     audio to encoder input, as upstream computes it, in numpy
    transcribe   speech to text with the IR
    wer          word error rate over a LibriSpeech-layout folder
    verify       the IR and the ONNX against upstream's PyTorch model
    benchmark    PyTorch, ONNX Runtime and OpenVINO side by side
    recipe_timing  make ir (both routes) against the guide's steps 5-6 by hand
    upstream     upstream's PyTorch model, from a checkout and migrated weights
"""
