"""Word error rate of an MLPerf accuracy log, as upstream's accuracy_eval.py computes it.

mlperf_log_accuracy.json holds, per sample, its index in the QSL and the response's bytes as hex:
the labels, int64. They become text through the alphabet (rnnt.toml's 28 labels); the references
are the manifest's normalised transcripts (dataset.py). The WER is the word-level Levenshtein
distance summed over all samples, over the number of reference words, printed as upstream prints
it. On the full dev-clean set (2513 utterances of 15 s or less) it is also held against MLPerf's
bound: 99% of the FP32 reference's accuracy, whose WER is 7.452253714852645%.
"""
import array
import json
import os
import sys

from .. import cli
from ..dataset import DatasetError, read_manifest
from ..metrics import word_error_rate
from ..text import to_text

REFERENCE_WER = 7.452253714852645      # percent: upstream's FP32 model on dev-clean (its README)
DEV_CLEAN_SAMPLES = 2513               # dev-clean utterances of 15 s or less
TYPECODES = {"int8": "b", "int16": "h", "int32": "l", "int64": "q"}


def hypotheses(log_path, alphabet, dtype="int64"):
    """{sample index: decoded text} from an accuracy log."""
    with open(log_path) as f:
        results = json.load(f)
    return {r["qsl_idx"]: to_text(array.array(TYPECODES[dtype], bytes.fromhex(r["data"])).tolist(), alphabet)
            for r in results}


def report(log_path, dataset, alphabet):
    """The lines upstream prints, and the MLPerf bound where it applies. Returns (lines, wer)."""
    found = hypotheses(log_path, alphabet)
    pairs = [(dataset.utterances[index].transcript, text) for index, text in found.items()]
    wer, errors, words = word_error_rate(pairs)     # upstream's metrics.py: the same word-level sum
    lines = [f"Word Error Rate: {wer * 100}%, accuracy={(1 - wer) * 100}%",
             f"({errors} word errors in {words} reference words, {len(pairs)} samples)"]
    if len(dataset.utterances) == DEV_CLEAN_SAMPLES and len(pairs) == DEV_CLEAN_SAMPLES:
        bound = 0.99 * (100 - REFERENCE_WER)
        met = (1 - wer) * 100 >= bound
        lines.append(f"MLPerf bound: accuracy {(1 - wer) * 100:.3f}% {'>=' if met else '<'} 99% of the FP32 "
                     f"reference's {100 - REFERENCE_WER:.3f}% = {bound:.3f}%: {'met' if met else 'NOT met'}")
    else:
        lines.append(f"MLPerf bound: not checked ({len(pairs)} samples; it applies to the full dev-clean set, "
                     f"{DEV_CLEAN_SAMPLES} utterances of 15 s or less)")
    return lines, wer


def main():
    parser = cli.parser(__spec__.name, __doc__)
    parser.add_argument("--log_dir", required=True, help="the folder of mlperf_log_accuracy.json")
    parser.add_argument("--dataset_dir", required=True, help="the folder the manifest's fname entries are relative to")
    parser.add_argument("--manifest", required=True, help="the JSON manifest")
    parser.add_argument("--config", required=True, help="upstream configs/rnnt.toml (for the alphabet)")
    args = parser.parse_args()
    alphabet = cli.alphabet(args.config)
    try:
        dataset = read_manifest(args.manifest, args.dataset_dir, alphabet)
        lines, _ = report(os.path.join(args.log_dir, "mlperf_log_accuracy.json"), dataset, alphabet)
    except (DatasetError, OSError) as err:
        sys.exit(f"error: {err}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
