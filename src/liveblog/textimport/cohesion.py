"""Reading cues in the prose: is a line a headline, does a paragraph carry on the
post before it, or does it open a new update?"""

from __future__ import annotations

import itertools
import re

from .sources import find_verification
from .textutil import (
    FUNCTION_WORDS,
    INSTITUTION_HEADS,
    PRONOUNS,
    SENTENCE_END,
    bare_word,
    first_sentence,
    has_sentence_break,
    is_capitalised,
    unbalanced_closing_quote,
)

SUMMARY_TITLES = frozenset(
    [
        "summary",
        "summary of the day",
        "the day so far",
        "what we know so far",
        "recap",
        "key points",
        "catch up",
        "catch-up",
        "what we know",
        "the story so far",
        "closing summary",
        # The same headings in the other languages the importer reads.
        "l'essentiel",
        "l’essentiel",
        "en résumé",
        "résumé",
        "zusammenfassung",
        "das wichtigste in kürze",
        "resumen",
        "lo que sabemos",
        "riepilogo",
        "il punto",
        "resumo",
        "o que se sabe",
        "samenvatting",
        "wat we weten",
        "ملخص",
        "ملخص ما حدث حتى الآن",
        "خلاصه",
        "خلاصه رویدادها",
    ]
)

# Words that refer back, so a paragraph opening with one continues a discourse.
# fmt: off
_ANAPHORIC_OPENERS = frozenset([
    "he", "she", "it", "it’s", "it's", "its", "they", "their", "them", "this", "these", "those",
    "that", "such", "but", "and", "or", "so", "however", "also", "still", "yet", "then", "both",
    "neither", "nor", "his", "her",
])
# fmt: on
_CONNECTIVES = re.compile(r"\b(?:also|however)\b|,\s*(?:too|though|as well)\b", re.IGNORECASE)
_VERBS = (
    r"(?:is|was|are|were|has|had|have|says|said|told|tells|added|adds|reports|reported|"
    r"quoted|will|would|could|can|may|might|warned|claims|claimed|believes|thinks|"
    r"wrote|writes|announced|confirmed|denied)"
)
# "Volunteers there say ...", "They arrived there at dawn": "there" pointing back to a
# place the post has named. The existential "there is/are/were ..." points nowhere.
_THERE = re.compile(
    r"(?<!^)\bthere\b(?!\s+(?:is|are|was|were|seems?|seemed|appears?|appeared|remains?|"
    r"remained|exists?|existed|being|been)\b|[’']s\b|"
    r"\s+(?:has|have|had|will|would|could|can|may|might|must|should|used to)\s+"
    r"(?:\w+\s+)?be(?:en)?\b)",
    re.IGNORECASE,
)
# A greeting that opens a blog or a new shift of it: "Good morning and welcome to our
# live coverage ...", "Hello and welcome ...", "Welcome back to the live blog ...".
_GREETING = re.compile(
    r"^(?:(?:good (?:morning|afternoon|evening)|hello|hi)\b[^.!?]{0,20}?\bwelcome\b|"
    r"welcome (?:back )?to (?:our|the|this)\b)",
    re.IGNORECASE,
)
# The blog speaking in its own voice: "We will bring you ...", "Our reporters are ...".
_BLOG_VOICE = re.compile(r"^(?:we|we[’'](?:ll|re|ve)|our|us)\b", re.IGNORECASE)
# Subject at the start of a paragraph, possibly after a short fronted phrase:
# "Volodin is ...", "A harbour veteran, Amara is ...".
_LEADING_SUBJECT = re.compile(rf"^(?:[^,]{{1,60}},\s+)?([A-Z][\w’'-]*)\s+{_VERBS}\b")
# "Firstname Lastname, the role of something, has said": a new person being introduced.
_INTRODUCTION = re.compile(
    rf"^([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){{1,2}}),\s+(?:the\s+|a\s+|an\s+)?[a-z][^,]{{0,100}},"
    rf"\s+(?:has\s+|have\s+|had\s+)?{_VERBS}?\s*[a-z]"
)


# Headlines drop the leading article and the perfect tense ("Minister orders school
# checks"); a line that opens "The education minister has ordered ..." is a sentence
# that lost its full stop, whatever its length.
_PROSE_CLAUSE = re.compile(
    r"^(?:The|A|An)\s+[a-z][\w’'-]*(?:\s+[a-z][\w’'-]*){0,4}\s+(?:has|have|had)\s+"
    r"(?:not\s+|now\s+|just\s+|already\s+)?[a-z]+(?:ed|en|wn|ne|ght|id|un|ung)\b"
)


def is_headline_shape(text: str) -> bool:
    """Shape alone: short, one sentence, no closing full stop."""
    word_count = len(text.split())
    if word_count == 0 or word_count > 30 or len(text) > 220:
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "“‘\"'"):
        return False
    if unbalanced_closing_quote(text):
        return False  # the tail of a quotation, not a headline
    if text.endswith("?"):
        # Questions make headlines only when short; longer ones are prose.
        return word_count <= 12 and not has_sentence_break(text)
    if text.endswith("!"):
        # "Vane wins by four votes!" is a headline; "Wow!" is a reaction.
        return 4 <= word_count <= 12 and not has_sentence_break(text)
    if SENTENCE_END.search(text):
        return False
    if word_count >= 10 and _PROSE_CLAUSE.match(text):
        return False  # "The airport has reopened" is a headline; a long such line is prose
    return not has_sentence_break(text)


def opens_with_reference(text: str) -> bool:
    first = bare_word(text.split()[0]).casefold() if text.split() else ""
    return first in _ANAPHORIC_OPENERS


def is_headline(text: str, next_text: str | None, next_is_body: bool) -> bool:
    """A headline is told from a paragraph by shape *and* what follows it.

    It needs body text after it; a long unpunctuated line followed by a paragraph
    that refers back ("It is likely ...") is a paragraph missing its full stop.
    """
    if not next_is_body or not is_headline_shape(text):
        return False
    word_count = len(text.split())
    if word_count > 8 and opens_with_reference(text):
        # "That is how many MPs have said ...": a line that points back at the text
        # before it continues a post; a headline opens one.
        return False
    long_line = word_count > 22
    return not (long_line and next_text is not None and opens_with_reference(next_text))


def full_names(text: str) -> set[str]:
    """Surnames of "Firstname Lastname" pairs in text."""
    tokens = text.split()
    found: set[str] = set()
    for a, b in itertools.pairwise(tokens):
        first, last = bare_word(a), bare_word(b)
        if (
            is_capitalised(a)
            and is_capitalised(b)
            and first.casefold() not in FUNCTION_WORDS
            and last.casefold() not in FUNCTION_WORDS
            and not a.endswith((",", ".", ":", ";"))
        ):
            found.add(last)
    return found


def bare_surnames(text: str) -> set[str]:
    """Capitalised words used alone (not after another capitalised word)."""
    tokens = text.split()
    found: set[str] = set()
    for i, token in enumerate(tokens):
        if i == 0 or not is_capitalised(token):
            continue
        previous = tokens[i - 1]
        if is_capitalised(previous) and not previous.endswith((",", ".", ":", ";")):
            continue
        found.add(bare_word(token))
    return found


def _pronoun_before_names(sentence: str) -> bool:
    """A he/it/their before any name in the sentence points back to an earlier paragraph."""
    for token in sentence.split()[1:]:
        word = bare_word(token)
        if word.casefold() in PRONOUNS and word.islower():
            return True
        if is_capitalised(token):
            return False
    return False


def continues(text: str, previous: str | None, post_text: str, after_image: bool) -> bool:
    """True when a paragraph shows it carries on the post it follows."""
    if after_image:
        return True  # a photo sits inside a post; the text after it is the same story
    if opens_with_reference(text):
        return True
    sentence = first_sentence(text)
    if _CONNECTIVES.search(sentence):
        return True
    if find_verification(sentence) is not None and (
        opens_with_reference(sentence)
        or _ABOUT_CLAIMS.match(sentence) is not None
        or len(sentence.split()) <= 12
    ):
        # "Claims by the ministry could not be verified.": a short remark on the claims
        # just made. A long sentence that reports new claims and doubts them opens a post.
        return True
    m = _LEADING_SUBJECT.match(text)
    if (
        m
        and m[1].casefold() not in FUNCTION_WORDS
        and re.search(rf"\b{re.escape(m[1])}\b", post_text)
    ):
        return True
    if _pronoun_before_names(sentence) or refers_to_named_body(sentence, post_text):
        return True
    if previous is not None and _THERE.search(sentence):
        return True
    if previous is not None and greets(previous) and _BLOG_VOICE.match(text):
        return True  # "Good morning and welcome ..." then "We will bring you ...": the welcome
    return bool(previous and bare_surnames(sentence) & full_names(previous))


_HEAD_WORDS = "|".join(h.casefold() for h in INSTITUTION_HEADS)
_BACK_TO_BODY = re.compile(rf"\bthe ({_HEAD_WORDS})\b")


def refers_to_named_body(sentence: str, post_text: str) -> bool:
    """ "the council" in a sentence, after the post has named "Norland Fiscal Council"."""
    for m in _BACK_TO_BODY.finditer(sentence):
        head = m[1].capitalize()
        if re.search(rf"\b[A-Z][\w’'-]*\s+{head}\b", post_text):
            return True
    return False


# "Claims that ...", "These reports ...": a sentence about what was just reported.
_ABOUT_CLAIMS = re.compile(
    r"^(?:(?:the|these|those|such)\s+)?(?:claims?|reports?)\b", re.IGNORECASE
)


def is_lead_in(text: str) -> bool:
    """ "Talks are back on.", "Four rebels.": one short sentence that opens a post and is
    explained by the paragraph after it; it is not a post on its own."""
    words = text.split()
    return (
        0 < len(words) <= 8
        and text.endswith((".", "!"))
        and not has_sentence_break(text)
        and not unbalanced_closing_quote(text)
    )


_SIGN_OFF = re.compile(
    r"^(?:that[’']?s (?:it|all)|that is (?:it|all)|thanks?\b|thank you|good ?night|goodbye|"
    r"see you)\b",
    re.IGNORECASE,
)


def signs_off(text: str) -> bool:
    """ "We will be back tomorrow.", "That's it from us tonight.", "Thanks for reading":
    the blog speaking of itself, closing a shift."""
    return _SIGN_OFF.match(text) is not None or _BLOG_VOICE.match(text) is not None


def greets(text: str) -> bool:
    """ "Good morning and welcome to our live coverage ...": a post of its own, always."""
    return _GREETING.match(text) is not None


def opens_update(text: str, post_text: str) -> bool:
    """Strong sign of a new update inside a headed post: a person introduced in full."""
    m = _INTRODUCTION.match(text)
    if not m:
        return False
    name = m[1]
    if name.split()[0].casefold() in FUNCTION_WORDS:
        return False
    surname = name.split()[-1]
    return re.search(rf"\b{re.escape(surname)}\b", post_text) is None
