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

With --validation and --max-wer-drop, accuracy control keeps in f32 the encoder's LSTM layers that
cost the most word error rate on that dataset, until the drop is within bound (quantize_within:
NNCF's own accuracy-controlled quantization fails on this encoder).
"""
import os
import shutil
import sys

import numpy as np
import openvino as ov

from . import cli, features, graph
from .dataset import DatasetError, read
from .decoding import GreedyDecoder
from .interface import NAMES, InterfaceError
from .ir import read_network
from .metrics import word_error_rate
from .networks import OpenVINONetworks
from .recognizer import Recognizer
from .text import to_text

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


class Recording:
    """Decoding networks that record, at batch 1, the inputs the prediction and joint networks
    receive."""

    def __init__(self, networks):
        self.networks, self.start = networks, networks.start
        self.seen = {"prediction": [], "joint": []}

    def predict(self, labels, state):
        for row, label in enumerate(labels.tolist()):
            self.seen["prediction"].append({"input.1": np.array([[label]], np.int64),
                                            "1": state[0][:, row:row + 1].copy(), "2": state[1][:, row:row + 1].copy()})
        return self.networks.predict(labels, state)

    def join(self, f, g):
        for row in range(f.shape[0]):
            self.seen["joint"].append({"0": np.array(f[row:row + 1], np.float32), "1": np.array(g[row:row + 1], np.float32)})
        return self.networks.join(f, g)


def recorded_feeds(fp32_dir, utterances, limit):
    """The inputs the prediction and joint networks receive in an f32 greedy decode of the
    utterances (one at a time), at most `limit` of each, spread evenly over the decode."""
    networks = OpenVINONetworks(fp32_dir, precision="f32", projected=False)   # the joint IR's own inputs
    recording = Recording(networks)
    decoder = GreedyDecoder(recording)
    for f in utterances:
        padded, lengths = features.pad([f])
        decoder(*networks.encode(padded, lengths))
    return {network: [feeds[i] for i in np.linspace(0, len(feeds) - 1, min(limit, len(feeds))).astype(int)]
            if feeds else [] for network, feeds in recording.seen.items()}


def for_calibration(model, network):
    """A copy at batch 1 (and, for the encoder, any number of frames), and its original shapes,
    to reshape the quantized copy back to."""
    shapes = {p.get_any_name(): p.get_partial_shape() for p in model.inputs}
    copy = model.clone()
    graph.set_batch(copy, network, 1)
    if network == "encoder":
        graph.dynamic_time(copy)
    return copy, shapes


def quantize(model, feeds, kept=()):
    """nncf.quantize on the calibration feeds, the layers named in `kept` left in float.

    Activations are quantized asymmetrically (NNCF's MIXED preset): OpenVINO's CPU plugin runs an
    LSTM in int8 on unsigned activations with a zero point, and with NNCF's default (symmetric,
    signed) activations its int8 LSTMs lose the encoder (seen here: output correlation with f32
    0.07 after five layers; 0.998 with MIXED)."""
    import nncf
    return nncf.quantize(model, nncf.Dataset(feeds), subset_size=len(feeds), preset=nncf.QuantizationPreset.MIXED,
                         ignored_scope=nncf.IgnoredScope(names=list(kept)))


def layers_to_keep(layers, rise_with, max_rise):
    """Which layers to keep in float so that the error rises by at most max_rise.

    rise_with(kept) quantizes all layers but `kept` and returns how much the error rose. All
    quantized if that is within bound; else each layer is ranked by the rise left with it alone
    kept in float, and the costliest are kept, one more at a time, until the rise is within bound
    (all of them at worst). What nncf.quantize_with_accuracy_control does, by layer."""
    if rise_with([]) <= max_rise:
        return []
    cost = {layer: rise_with([layer]) for layer in layers}
    kept = []
    for layer in sorted(layers, key=lambda name: cost[name]):     # the one whose float helps most first
        kept.append(layer)
        if len(kept) == len(layers) or rise_with(kept) <= max_rise:
            break
    return kept


def quantize_within(model, feeds, validation):
    """The encoder quantized with as many LSTM layers in INT8 as the word error rate allows
    (layers_to_keep). NNCF 3.4.0's own accuracy-controlled quantization fails on this encoder: its
    quantizer ranking raises KeyError with a dynamic time axis, ZeroDivisionError with a fixed one.
    Returns (model, names of the layers kept in f32)."""
    data, accuracy, max_drop = validation
    layers = [op.get_friendly_name() for op in model.get_ordered_ops() if op.get_type_name() == "LSTMSequence"]

    def wer(candidate):
        return 1.0 - accuracy(candidate, data)

    reference = wer(model)
    print(f"quantize: f32 encoder: WER {reference * 100:.2f}% on {len(data)} validation utterances", flush=True)
    tried = {}

    def rise_with(kept):
        key = tuple(sorted(kept))
        if key not in tried:
            candidate = quantize(model, feeds, kept)
            tried[key] = (candidate, wer(candidate) - reference)
            print(f"quantize: {len(layers) - len(kept)} of {len(layers)} LSTM layers in INT8: WER "
                  f"{(reference + tried[key][1]) * 100:.2f}% (+{tried[key][1] * 100:.2f} points)", flush=True)
        return tried[key][1]

    kept = layers_to_keep(layers, rise_with, max_drop)
    if len(kept) == len(layers):
        print(f"quantize: no LSTM layer can be INT8 within MAX_WER_DROP={max_drop * 100:g}: the encoder stays f32",
              flush=True)
    return tried[tuple(sorted(kept))][0], kept


def validation_for_encoder(fp32_dir, featurizer_file, validation, config, max_drop):
    """(data, accuracy, max_drop) for quantize_within: a candidate encoder decodes the validation
    set (a LibriSpeech-layout folder or a manifest) with the f32 prediction and joint networks;
    accuracy is 1 - WER, so that max_drop is the word error rate that may be lost (absolute)."""
    alphabet = cli.alphabet(config)
    featurizer = features.load_featurizer(featurizer_file)
    try:
        utterances = read(validation, alphabet).utterances
        data = [(features.features(features.load_audio(u.audio), *featurizer), u.transcript) for u in utterances]
    except (DatasetError, features.AudioError) as err:
        raise CalibrationError(f"VALIDATION: {err}") from None

    def accuracy(candidate, items):
        recognizer = Recognizer(OpenVINONetworks(fp32_dir, precision="f32", encoder=candidate.clone()), featurizer)
        pairs = [(reference, to_text(recognizer.decode_features([feats])[0], alphabet)) for feats, reference in items]
        return 1.0 - word_error_rate(pairs)[0]
    return data, accuracy, max_drop


def main():
    parser = cli.parser(__spec__.name, __doc__)
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
        os.makedirs(args.output_dir, exist_ok=True)
        import nncf
        for network in NAMES:
            stem = f"rnnt_{network}"
            if network not in args.networks:
                for ext in ("xml", "bin"):
                    shutil.copyfile(os.path.join(args.fp32_ir_dir, f"{stem}.{ext}"),
                                    os.path.join(args.output_dir, f"{stem}.{ext}"))
                print(f"quantize: {network}: kept in FP32", flush=True)
                continue
            model, _ = read_network(core, args.fp32_ir_dir, network)
            calibration_model, shapes = for_calibration(model, network)
            feeds = encoder_feeds(calibration_model, utterances[:args.subset_size]) if network == "encoder" \
                else recorded[network]
            kept = []
            if network == "encoder" and args.validation:
                validation = validation_for_encoder(args.fp32_ir_dir, args.featurizer, args.validation, args.config,
                                                    args.max_wer_drop / 100)
                quantized, kept = quantize_within(calibration_model, feeds, validation)
            else:
                quantized = quantize(calibration_model, feeds)
            quantized.reshape(shapes)
            graph.match_int8_lstm_scales(quantized)      # else OpenVINO's CPU plugin computes other numbers
            quantized.set_rt_info(f"NNCF {nncf.__version__}, {len(feeds)} calibration inputs from "
                                  f"{len(utterances)} utterances"
                                  + (f", {len(kept)} LSTM layers kept in f32 for MAX_WER_DROP" if kept else ""),
                                  ["quantized_int8"])
            ov.save_model(quantized, os.path.join(args.output_dir, f"{stem}.xml"), compress_to_fp16=False)
            print(f"quantize: {network}: INT8, calibrated on {len(feeds)} inputs"
                  + (f", {len(kept)} LSTM layers kept in f32" if kept else ""), flush=True)
    except (CalibrationError, InterfaceError) as err:
        sys.exit(f"error: {err}")


if __name__ == "__main__":
    main()
