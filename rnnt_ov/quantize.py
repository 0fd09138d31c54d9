"""An INT8 IR set from an FP32 one, quantized with NNCF and calibrated on real audio (PRECISION=INT8).

MLPerf publishes the calibration set for this model, and a submission may calibrate on it only:
calibration/LibriSpeech/calibration_files.txt in the r1.0 clone, 500 utterances of LibriSpeech
train-clean-100 named as upstream's WAV conversion names them. Each is looked for under the
calibration folder as listed, or as LibriSpeech distributes it (FLAC, without "-wav").

The encoder, where the time goes, is calibrated on the features of those utterances (features.py),
whole, one at a time. The prediction and joint networks see other inputs: the labels, states and
encoder frames of a greedy decode. They are quantized only when asked (--networks), calibrated on
the inputs they receive in an f32 greedy decode of the same utterances, recorded as it runs. The
networks not quantized are copied as they are, so that the set keeps the interface of every other.

With --validation and --max-wer-drop, NNCF's accuracy-controlled quantization keeps in f32 the
encoder layers that cost the most word error rate on that dataset, until the drop is within bound.
"""
import argparse
import os
import shutil
import sys

import numpy as np
import openvino as ov

from . import features, greedy
from .interface import NAMES, InterfaceError
from .runtimes import OpenVINORuntime, callables, read_network, set_batch

# How a list entry (upstream's WAV conversion) may be found: as listed, or as distributed.
FOLDER_SUFFIX = "-wav"


class CalibrationError(Exception):
    """Calibration data the quantizer cannot use; the message says what to give."""


def candidates(folder, entry):
    """Where the audio of a list entry may be: as listed (train-clean-100-wav/.../x.wav) or as
    LibriSpeech distributes it (train-clean-100/.../x.flac), under the folder or its LibriSpeech/."""
    parts = entry.strip().split("/")
    flac = [parts[0][:-len(FOLDER_SUFFIX)] if parts[0].endswith(FOLDER_SUFFIX) else parts[0],
            *parts[1:-1], os.path.splitext(parts[-1])[0] + ".flac"]
    return [os.path.join(folder, *parts), os.path.join(folder, *flac), os.path.join(folder, "LibriSpeech", *flac),
            os.path.join(folder, *flac[1:])]


def calibration_files(folder, listing):
    """The audio files to calibrate on: those a list names (found under `folder`), or every WAV
    and FLAC file of a folder given as the list."""
    if listing and os.path.isdir(listing):
        found = sorted(os.path.join(root, name) for root, _, names in os.walk(listing)
                       for name in names if name.endswith((".wav", ".flac")))
        if not found:
            raise CalibrationError(f"CALIBRATION_LIST={listing} is a folder without WAV or FLAC files")
        return found
    if not folder or not os.path.isdir(folder):
        raise CalibrationError(
            f"PRECISION=INT8 calibrates on real audio: give CALIBRATION_DIR= the folder holding LibriSpeech "
            f"train-clean-100 (upstream's WAV conversion or the original FLAC){f' ({folder} is not a folder)' if folder else ''}, "
            "or CALIBRATION_LIST= a folder of audio files")
    try:
        with open(listing) as f:
            entries = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    except OSError as err:
        raise CalibrationError(f"CALIBRATION_LIST={listing}: {err.strerror}") from None
    if not entries:
        raise CalibrationError(f"CALIBRATION_LIST={listing} names no files")
    found, missing = [], []
    for entry in entries:
        path = next((p for p in candidates(folder, entry) if os.path.isfile(p)), None)
        (found if path else missing).append(path or entry)
    if missing:
        raise CalibrationError(
            f"{len(missing)} of the {len(entries)} files of CALIBRATION_LIST={listing} are not in CALIBRATION_DIR="
            f"{folder}, the first {missing[0]} (looked for {', '.join(os.path.relpath(p, folder) for p in candidates(folder, missing[0])[:2])})")
    return found


def load_features(paths, featurizer_file):
    fb, window = features.load_featurizer(featurizer_file)
    try:
        return [features.features(features.load_audio(p), fb, window) for p in paths]
    except features.AudioError as err:
        raise CalibrationError(str(err)) from None


def encoder_feeds(model, utterances):
    """One feed per utterance, whole, for the encoder reshaped to batch 1 and any length."""
    has_lengths = any("1" in p.get_names() for p in model.inputs)
    return [{"input.1": f[:, None, :], **({"1": np.array([len(f)], np.int64)} if has_lengths else {})}
            for f in utterances]


def recorded_feeds(fp32_dir, utterances, limit):
    """The inputs the prediction and joint networks receive in an f32 greedy decode of the
    utterances, at most `limit` of each, spread evenly over the decode."""
    runtime = OpenVINORuntime(fp32_dir, precision="f32", batch=1, encoder_batch=1, dynamic_time=True)
    encode, predict, join = callables(runtime)
    seen = {"prediction": [], "joint": []}

    def recording_predict(label, state):
        if label is not None:
            seen["prediction"].append({"input.1": np.array([[label]], np.int64), "1": state[0], "2": state[1]})
        return predict(label, state)

    def recording_join(f, g):
        seen["joint"].append({"0": np.array(f, np.float32), "1": np.array(g, np.float32)})
        return join(f, g)

    for f in utterances:   # a fixed-length IR's encoded_lengths is frozen: ceil(frames / 2) is the truth
        encoded, _ = encode(f[:, None, :], np.array([len(f)], np.int64))
        greedy.greedy_decode(encoded[0], (len(f) + 1) // 2, recording_predict, recording_join)
    return {network: [feeds[i] for i in np.linspace(0, len(feeds) - 1, min(limit, len(feeds))).astype(int)]
            if feeds else [] for network, feeds in seen.items()}


def for_calibration(model, network):
    """A copy at batch 1 (and, for the encoder, any number of frames), and its original shapes."""
    shapes = {p.get_any_name(): p.get_partial_shape() for p in model.inputs}
    copy = model.clone()
    set_batch(copy, network, 1)
    if network == "encoder":
        shape = copy.input("input.1").get_partial_shape()
        shape[0] = -1
        copy.reshape({"input.1": shape})
    return copy, shapes


def quantize(model, feeds, validation=None):
    """nncf.quantize, or its accuracy-controlled variant when `validation` is (data, fn, max_drop)."""
    import nncf
    calibration = nncf.Dataset(feeds)
    if validation is None:
        return nncf.quantize(model, calibration, subset_size=len(feeds))
    data, fn, max_drop = validation
    return nncf.quantize_with_accuracy_control(model, calibration, nncf.Dataset(data), fn, max_drop=max_drop,
                                               drop_type=nncf.DropType.ABSOLUTE, subset_size=len(feeds))


def validation_for_encoder(fp32_dir, featurizer_file, validation, config, max_drop):
    """(data, validation_fn, max_drop) for nncf.quantize_with_accuracy_control: the candidate
    encoder decodes the validation set with the f32 prediction and joint networks; the metric is
    1 - WER, so that max_drop is the word error rate that may be lost (absolute)."""
    import toml
    from .transcribe import Transcriber
    from .wer import utterances as librispeech, word_error_rate
    alphabet = toml.load(config)["labels"]["labels"]
    if validation.endswith(".json"):
        from .mlperf.manifest import read
        dataset = read(validation, os.path.dirname(os.path.abspath(validation)), alphabet)
        pairs = [(u.audio, u.transcript) for u in dataset.utterances]
    else:
        pairs = [(audio, text) for _, audio, text in librispeech(validation)]
    transcriber = Transcriber(fp32_dir, featurizer_file, config)
    data = [(features.features(features.load_audio(a), transcriber.fb, transcriber.window), ref) for a, ref in pairs]

    def accuracy(compiled, items):
        hypotheses = []
        for feats, reference in items:
            out = compiled({"input.1": feats[:, None, :], **({"1": np.array([len(feats)])} if len(compiled.inputs) > 1 else {})})
            encoded = out[compiled.output("encoded")]
            labels = greedy.greedy_decode(encoded[0], (len(feats) + 1) // 2, transcriber.predict, transcriber.join)
            hypotheses.append((reference, greedy.to_text(labels, alphabet)))
        return 1.0 - word_error_rate(hypotheses)[0]
    return data, accuracy, max_drop


def main():
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fp32-ir-dir", required=True, help="the FP32 IR set to quantize")
    parser.add_argument("--output-dir", required=True, help="where the three IR go (a folder to move them from)")
    parser.add_argument("--featurizer", required=True, help="featurizer.npz written by migrate.py")
    parser.add_argument("--calibration-dir", help="the folder holding LibriSpeech train-clean-100")
    parser.add_argument("--calibration-list", help="MLPerf's calibration_files.txt, or a folder of audio files")
    parser.add_argument("--networks", nargs="+", choices=NAMES, default=["encoder"],
                        help="the networks to quantize (default: %(default)s); the others are copied")
    parser.add_argument("--subset-size", type=int, default=300, help="calibration inputs per network at most")
    parser.add_argument("--validation", help="a dataset for accuracy control: LibriSpeech layout or a manifest")
    parser.add_argument("--max-wer-drop", type=float, help="with --validation: word error rate (%%) that may be lost")
    parser.add_argument("--config", help="upstream configs/rnnt.toml (for the alphabet, with --validation)")
    args = parser.parse_args()
    if bool(args.validation) != (args.max_wer_drop is not None):
        parser.error("--validation and --max-wer-drop go together")
    try:
        paths = calibration_files(args.calibration_dir, args.calibration_list)
        utterances = load_features(paths, args.featurizer)
        core = ov.Core()
        print(f"quantize: calibrating on {len(utterances)} utterances "
              f"({sum(len(u) for u in utterances) * 0.03 / 60:.1f} min of audio)", flush=True)
        recorded = recorded_feeds(args.fp32_ir_dir, utterances, args.subset_size) \
            if set(args.networks) - {"encoder"} else {}
        tmp = args.output_dir
        os.makedirs(tmp, exist_ok=True)
        import nncf
        for network in NAMES:
            stem = f"rnnt_{network}"
            if network not in args.networks:
                for ext in ("xml", "bin"):
                    shutil.copyfile(os.path.join(args.fp32_ir_dir, f"{stem}.{ext}"), os.path.join(tmp, f"{stem}.{ext}"))
                print(f"quantize: {network}: kept in FP32", flush=True)
                continue
            model, _ = read_network(core, args.fp32_ir_dir, network)
            calibration_model, shapes = for_calibration(model, network)
            feeds = encoder_feeds(calibration_model, utterances[:args.subset_size]) if network == "encoder" \
                else recorded[network]
            validation = validation_for_encoder(args.fp32_ir_dir, args.featurizer, args.validation, args.config,
                                                args.max_wer_drop / 100) \
                if network == "encoder" and args.validation else None
            quantized = quantize(calibration_model, feeds, validation)
            quantized.reshape(shapes)
            quantized.set_rt_info(f"NNCF {nncf.__version__}, {len(feeds)} calibration inputs from "
                                  f"{len(utterances)} utterances", ["quantized_int8"])
            ov.save_model(quantized, os.path.join(tmp, f"{stem}.xml"), compress_to_fp16=False)
            print(f"quantize: {network}: INT8, calibrated on {len(feeds)} inputs", flush=True)
    except (CalibrationError, InterfaceError) as err:
        sys.exit(f"error: {err}")


if __name__ == "__main__":
    main()
