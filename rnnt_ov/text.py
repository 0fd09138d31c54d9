"""Text: labels to characters, and reference transcripts normalised as upstream r1.0's manifest
reader does it (every dataset reader of this project uses that one rule).

Upstream (parts/manifest.py with parts/text, after keithito's tacotron "english_cleaners"):
transliterate to ASCII, lower-case, spell out numbers, expand a few abbreviations, turn
punctuation into spaces (except what is in the alphabet, "+" and "&", which become " plus " and
" and "), collapse runs of whitespace, strip, and drop every character that is not in the
alphabet. A transcript whose normalisation fails is dropped from the set. The reference WER
(7.452%) was computed on transcripts normalised so; this module reproduces the same steps, with
the same libraries (Unidecode, inflect), so that the references and the sample count match.
"""
import re
import string

ABBREVIATIONS = [(re.compile(rf"\b{short}\.", re.IGNORECASE), long) for short, long in (
    ("mrs", "misess"), ("mr", "mister"), ("dr", "doctor"), ("st", "saint"), ("co", "company"),
    ("jr", "junior"), ("maj", "major"), ("gen", "general"), ("drs", "doctors"), ("rev", "reverend"),
    ("lt", "lieutenant"), ("hon", "honorable"), ("sgt", "sergeant"), ("capt", "captain"),
    ("esq", "esquire"), ("ltd", "limited"), ("col", "colonel"), ("ft", "fort"))]

_engine = None


def _words(number, **options):
    """inflect's number_to_words; the engine is built on first use (it is slow to build)."""
    global _engine
    if _engine is None:
        import inflect
        _engine = inflect.engine()
    return _engine.number_to_words(number, **options)


def _dollars(match):
    parts = match.group(1).split(".")
    if len(parts) > 2:
        return match.group(1) + " dollars"
    dollars = int(parts[0]) if parts[0] else 0
    cents = int(parts[1]) if len(parts) > 1 and parts[1] else 0
    said = []
    if dollars:
        said.append(f"{dollars} {'dollar' if dollars == 1 else 'dollars'}")
    if cents:
        said.append(f"{cents} {'cent' if cents == 1 else 'cents'}")
    return ", ".join(said) if said else "zero dollars"


def _number(match):
    digits = match.group(0)
    if digits[0] == "0":
        return _words(digits, andword="", group=1)
    number = int(digits)
    if 1000 < number < 3000:                      # years are said in pairs of digits
        if number == 2000:
            return "two thousand"
        if 2000 < number < 2010:
            return "two thousand " + _words(number % 100)
        if number % 100 == 0:
            return _words(number // 100) + " hundred"
        return _words(number, andword="", zero="oh", group=2).replace(", ", " ")
    if number > 1000000000 and number % 10000 != 0:   # phone numbers and the like: digit by digit
        return _words(number, andword="", group=1)
    return _words(number, andword="")


def _time(match):
    minutes = int(match.group(2))
    hours = _words(match.group(1))
    return hours if minutes == 0 else f"{hours} {_words(match.group(2))}"


# In this order: commas in numbers, pounds, dollars, decimals, ordinals, numbers, times.
NUMBER_RULES = [
    (re.compile(r"([0-9][0-9,]+[0-9])"), lambda m: m.group(1).replace(",", "")),
    (re.compile(r"£([0-9,]*[0-9]+)"), r"\1 pounds"),
    (re.compile(r"\$([0-9.,]*[0-9]+)"), _dollars),
    (re.compile(r"([0-9]+\.[0-9]+)"), lambda m: m.group(1).replace(".", " point ")),
    (re.compile(r"[0-9]+(st|nd|rd|th)"), lambda m: _words(m.group(0))),
    (re.compile(r"[0-9]+"), _number),
    (re.compile(r"([0-9]{1,2}):([0-9]{2})"), _time),
]


def punctuation_table(alphabet):
    """Punctuation to turn into spaces: all of string.punctuation but "+", "&" and the alphabet's."""
    marks = "".join(ch for ch in string.punctuation if ch not in "+&" and ch not in alphabet)
    return str.maketrans(marks, " " * len(marks))


def normalize(text, alphabet, table=None):
    """The transcript as upstream's manifest reader leaves it, or None if that fails."""
    from unidecode import unidecode
    try:
        text = unidecode(text).lower()
        for pattern, replacement in NUMBER_RULES:
            text = pattern.sub(replacement, text)
        for pattern, replacement in ABBREVIATIONS:
            text = pattern.sub(replacement, text)
        text = text.translate(table or punctuation_table(alphabet))
        text = text.replace("&", " and ").replace("+", " plus ")
        text = re.sub(r"\s+", " ", text).strip()
    except Exception:      # upstream drops such an utterance, and so do we
        return None
    allowed = set(alphabet)
    return "".join(ch for ch in text if ch in allowed)


def to_text(labels, alphabet):
    """Labels as text through the alphabet of rnnt.toml ([labels] labels: space, a-z, ')."""
    return "".join(alphabet[label] for label in labels)
