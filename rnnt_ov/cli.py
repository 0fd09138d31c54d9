"""What the commands of this package share on their command lines."""
import argparse


def parser(module, doc):
    """An argument parser for `python -m module`, described by the first paragraph of `doc`."""
    return argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n\n")[0])


def add_model_arguments(parser):
    """The four places a comparison of runtimes reads the model from (verify, benchmark)."""
    parser.add_argument("--ir-dir", required=True, help="folder with the three IR")
    parser.add_argument("--onnx-dir", required=True, help="folder with the three ONNX files")
    parser.add_argument("--model-dir", required=True, help="upstream speech_recognition/rnnt/pytorch")
    parser.add_argument("--weights", required=True, help="state dict written by migrate.py")


def add_recognizer_arguments(parser):
    """What a recognizer.Recognizer is made from (transcribe, wer, make mlperf)."""
    parser.add_argument("--ir-dir", required=True, help="folder with the three IR and rnnt_prediction_start.npz")
    parser.add_argument("--featurizer", required=True, help="featurizer.npz written by migrate.py")
    parser.add_argument("--config", required=True, help="upstream configs/rnnt.toml (for the alphabet)")
    parser.add_argument("--precision", choices=("f32", "default"), default="f32",
                        help="OpenVINO inference precision: f32, or the CPU's default (bf16 where available)")


def inference_precision(choice):
    """--precision as OpenVINO's hint: "f32", or None for the CPU's own choice."""
    return None if choice == "default" else choice


def alphabet(config):
    """The 28 labels of upstream's configs/rnnt.toml."""
    import toml
    return toml.load(config)["labels"]["labels"]
