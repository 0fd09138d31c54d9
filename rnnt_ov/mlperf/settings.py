"""LoadGen's settings and summary files: merged, looked up and read as LoadGen does."""
import os
import re


def merged_settings(mlperf_conf, user_conf, path):
    """mlperf.conf, then user.conf, in one file: the later setting of a key wins."""
    with open(path, "w") as out:
        for source in (mlperf_conf, user_conf):
            with open(source) as f:
                out.write(f"# ---- {os.path.abspath(source)}\n{f.read()}\n")


SEEDS = ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")


def fastest_batch(scenario):
    """Utterances decoded together in Server and SingleStream when none is asked for (Offline
    measures its own: fastest.py). Server 16 slots of continuous batching (INT8 on 2 Zen 4 cores:
    20 queries/s within 1000 ms at the 99th percentile with 16, where 12 went over at 20 and 24 at
    23); SingleStream 1 (one query at a time)."""
    return {"Server": 16, "SingleStream": 1}[scenario]


def _settings(path):
    """(line number, line, its words before any #) of each line of a LoadGen configuration file
    that holds more than a comment."""
    with open(path) as f:
        for number, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if words:
                yield number, line, words


def conf_value(path, model, scenario, key):
    """A key of a LoadGen configuration file, looked up as LoadGen does: model.scenario.key, then
    *.scenario.key, model.*.key, *.*.key; the last line setting it wins. None if absent."""
    found = {words[0]: words[2] for _, _, words in _settings(path) if len(words) == 3 and words[1] == "="}
    for pattern in (f"{model}.{scenario}.{key}", f"*.{scenario}.{key}", f"{model}.*.{key}", f"*.*.{key}"):
        if pattern in found:
            return found[pattern]
    return None


def unreadable_line(path):
    """The first line of a LoadGen configuration file that is not `model.scenario.key = number`
    (as "file, line N: text"), or None: what LoadGen rejects without saying where."""
    for number, line, words in _settings(path):
        try:
            float.fromhex(words[2]) if words[2].lower().startswith("0x") else float(words[2])
            readable = len(words) == 3 and words[1] == "=" and words[0].count(".") == 2
        except (IndexError, ValueError):
            readable = False
        if not readable:
            return f"{path}, line {number}: {line.strip()}"
    return None


def summary_values(summary_path):
    """A function from a label of LoadGen's mlperf_log_summary.txt to its value ("?" if absent)."""
    with open(summary_path) as f:
        text = f.read()

    def value(label):
        match = re.search(rf"^{re.escape(label)}\s*:\s*(\S+)", text, re.M)
        return match.group(1) if match else "?"
    return value


def digest(summary_path, scenario):
    """One line from LoadGen's summary: the figure the scenario is judged by, and the verdict."""
    value = summary_values(summary_path)

    def ms(label):
        ns = value(label)
        return f"{int(ns) / 1e6:.1f} ms" if ns.isdigit() else "?"

    if scenario == "Offline":
        figure = f"{value('Samples per second')} samples/s"
    elif scenario == "Server":
        figure = (f"{value('Completed samples per second')} samples/s completed of "
                  f"{value('Scheduled samples per second')} scheduled, 99th percentile latency "
                  f"{ms('99.00 percentile latency (ns)')}")
    else:
        figure = f"90th percentile latency {ms('90.00 percentile latency (ns)')}"
    return f"{scenario}: {figure}; LoadGen: {value('Result is')}"
