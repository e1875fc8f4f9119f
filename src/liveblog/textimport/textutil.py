"""Small text helpers shared by the text-import modules: quote-blind comparison,
sentence splitting and word lists used by several heuristics."""

from __future__ import annotations

import re
import unicodedata

# Curly, straight and guillemet quotes are folded together when *comparing*
# (an alt line may use ' where the caption uses ’); stored text is never folded.
_QUOTE_FOLD = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "«": '"',
        "»": '"',
    }
)

CLOSING_QUOTES = '”"»'
OPENING_QUOTES = "“„«"

# Terminal punctuation of a sentence, possibly followed by closing quotes or brackets.
SENTENCE_END = re.compile(r"[.!?…:;][\"'’”»)\]]*$")
# A sentence boundary inside a line: "word. Next" (used to reject headlines).
_SENTENCE_BREAK = re.compile(r"(?<=[a-z0-9%)\]])[.!?…][\"'’”»]?\s+(?=[A-Z“‘\"])")

# Capitalised words that start sentences or phrases but are not names.
# fmt: off
FUNCTION_WORDS = frozenset([
    "a", "an", "the", "in", "on", "at", "after", "before", "as", "by", "for", "from", "of", "to",
    "with", "without", "and", "or", "but", "so", "if", "when", "while", "since", "until",
    "during", "over", "under", "about", "into", "onto", "this", "that", "these", "those", "there",
    "here", "it", "its", "it’s", "it's", "he", "she", "they", "we", "you", "i", "his", "her",
    "their", "our", "your", "other", "another", "both", "each", "every", "some", "any", "all",
    "no", "not", "one", "two", "three", "new", "earlier", "later", "today", "yesterday",
    "tomorrow", "now", "then", "meanwhile", "however", "also", "still", "yet", "speaking",
    "among", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
])
# fmt: on

# Words that end (or lead) the name of a public body or a company: "Harbour Authority",
# "Kesterby City Council", "Ministry of Transport". Places and buildings are left out.
# fmt: off
INSTITUTION_HEADS = (
    "Authority", "Agency", "Service", "Services", "Council", "Board", "Trust", "Ministry",
    "Department", "Office", "Police", "Commission", "Committee", "Institute", "Bureau",
    "Observatory", "Foundation", "Network", "Networks", "Rail", "Railways", "Airlines",
    "Airways", "Company", "Corporation", "Association", "Coastguard", "Brigade",
    "Inspectorate", "Regulator", "Tribunal",
)
# fmt: on

PRONOUNS = frozenset(["he", "him", "his", "she", "her", "they", "them", "their", "it", "its"])


def fold(text: str) -> str:
    """Comparison key: quote styles folded, whitespace collapsed, case folded."""
    return " ".join(text.translate(_QUOTE_FOLD).split()).casefold()


def words(text: str) -> list[str]:
    return text.split()


def first_sentence(text: str) -> str:
    parts = _SENTENCE_BREAK.split(text, maxsplit=1)
    return parts[0]


def has_sentence_break(text: str) -> bool:
    return _SENTENCE_BREAK.search(text) is not None


def bare_word(token: str) -> str:
    """A token without surrounding punctuation and without a possessive ’s."""
    token = token.strip("“”‘’\"'(),.;:!?…–—-")
    for suffix in ("’s", "'s"):
        if token.endswith(suffix):
            token = token[: -len(suffix)]
    return token


def is_capitalised(token: str) -> bool:
    word = bare_word(token)
    return bool(word) and word[0].isupper()


def unbalanced_closing_quote(text: str) -> bool:
    """True when text ends with a closing double quote that no opening quote matches."""
    if not text or text[-1] not in CLOSING_QUOTES:
        return False
    if text[-1] == '"':
        # Straight quotes open and close alike: an odd count means one is unmatched.
        return text.count('"') % 2 == 1
    opens = sum(text.count(q) for q in OPENING_QUOTES)
    closes = sum(text.count(q) for q in "”»")
    return closes > opens


def script_of(text: str) -> str | None:
    """The dominant writing system of the letters in text ("LATIN", "ARABIC", ...)."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            script = name.split(" ")[0] if name else "UNKNOWN"
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    return max(sorted(counts), key=lambda k: counts[k])
