"""Turning a customer's own sentences into words an agent can say back to them.

Everything here rearranges the customer's words and never adds a fact: person is switched
("my order" → "your order", "you charged me" → "we charged you"), greetings, filler and pure
feeling clauses are dropped (feelings belong to the empathy opener, not the restatement).
"""

from __future__ import annotations

import re

# Longest forms first, so "I'm" is not read as "I" + "'m".
_PERSON = re.compile(
    r"(?<![\w'’])(?:"
    r"i['’]m|i am|i['’]ve|i['’]d|i['’]ll|i was|i wasn['’]t|i|me|my|mine|myself|"
    r"we['’]re|we are|we['’]ve|we['’]d|we['’]ll|we were|we|us|our|ours|ourselves|"
    r"you['’]re|you are|you['’]ve|you['’]d|you['’]ll|you were|you|your|yours|yourself|yourselves"
    r")(?![\w'’])",
    re.IGNORECASE,
)
_SWAP = {
    "i'm": "you're",
    "i am": "you are",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "i was": "you were",
    "i wasn't": "you weren't",
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    # The customer's household ("we ordered") is the customer.
    "we're": "you're",
    "we are": "you are",
    "we've": "you've",
    "we'd": "you'd",
    "we'll": "you'll",
    "we were": "you were",
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
    "ourselves": "yourselves",
    # "you" in a customer's complaint is the company: the agent says "we".
    "you're": "we're",
    "you are": "we are",
    "you've": "we've",
    "you'd": "we'd",
    "you'll": "we'll",
    "you were": "we were",
    "your": "our",
    "yours": "ours",
    "yourself": "yourselves",
    "yourselves": "yourselves",
}
# After these words "you" is an object ("you charged me twice" → "we charged you", but
# "I told you" → "you told us").
_OBJECT_AFTER = frozenset(
    "to for with from at by about of on than told tell gave give sent send asked ask called call "
    "emailed email paid pay contacted contact rang ring charged charge messaged message thank "
    "thanked let help helped need needed want wanted trust trusted expect expected showed show "
    "reminded remind informed inform like liked love loved chose choose".split()
)
_PREVIOUS_WORD = re.compile(r"([A-Za-z']+)\W*$")

GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b"
    r"[^,.!?\n]{0,25}[,.!\n]+\s*)+",
    re.IGNORECASE,
)
FILLER = re.compile(
    r"^\s*(?:(?:so|well|um+|uh+|basically|honestly|look|ok(?:ay)?|yeah|yes|right|and|but|also|"
    r"anyway|sorry|please)\b[\s,.!:-]*)+",
    re.IGNORECASE,
)
# Clauses that only say how the customer feels; their facts (if any) live in other clauses.
FEELING = re.compile(
    r"\b(?:worried|worrying|anxious|nervous|scared|stress\w*|frustrat\w*|annoy\w*|angry|furious|livid|"
    r"upset|fed up|sick of|tired of|disappoint\w*|ridiculous|unacceptable|outrageous|a joke|"
    r"terrible|awful|rubbish|useless|pathetic|devastated|heartbroken|confus\w*|desperate|"
    r"panick\w*|don'?t understand)\b",
    re.IGNORECASE,
)
# What makes a clause worth restating even when it sounds emotional.
FACT = re.compile(
    r"\d|n't|\[[A-Z_]+\]|\b(?:order|charge\w*|refund\w*|deliver\w*|arriv\w*|bill\w*|account|payment|"
    r"broken|stopped|error|crash\w*|need|cancel\w*|return\w*|not|never|still|since|due|"
    r"supposed|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tomorrow|yesterday|"
    r"week|month|once|twice|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"(?:thir|four|fif|six|seven|eigh|nine)teen|(?:twen|thir|for|fif|six|seven|eigh|nine)ty|hundred)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r"(,\s+(?:and|but|so)\s+|\s+(?:but|because|although|though)\s+|;\s*|\s+[-—–]\s+|"
    r",?\s+and\s+(?=(?:i|i'm|i've|we|we're|it's|this|that's)\b)|"
    r",\s+(?=(?:i|i'm|i've|i'd|i'll|we|we're|we've|my|our)\b))",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"[\s.!?,;:…]+$")
_ELLIPSIS_TAIL = re.compile(r"\s*(?:\.\.\.|…)\s*$")


def to_second_person(text: str) -> str:
    """The customer's words as the agent would say them back."""

    def swap(match: re.Match[str]) -> str:
        said = match.group().replace("’", "'")
        key = said.lower()
        if key == "you":
            previous = _PREVIOUS_WORD.search(text, 0, match.start())
            if previous is not None and previous.group(1).lower() in _OBJECT_AFTER:
                return "us"
            return "we"
        replacement = _SWAP[key]
        # Sentence-initial capitals are lowered later by lower_first; "I" alone was capitalised
        # only because it is "I".
        return replacement

    return _PERSON.sub(swap, text)


def strip_opening(text: str) -> str:
    """Without the greeting and the filler words a message opens with."""
    previous = None
    while previous != text:
        previous = text
        text = FILLER.sub("", GREETING.sub("", text))
    return text.strip()


def clauses(sentence: str) -> list[str]:
    return [part.strip() for part in _CLAUSE_BREAK.split(sentence)[::2] if part.strip()]


def feeling_only(clause: str) -> bool:
    """A clause that says how the customer feels and holds no fact to restate."""
    if not FEELING.search(clause):
        return False
    without_feeling = FEELING.sub("", clause)
    return not FACT.search(without_feeling)


def factual_part(sentence: str) -> str:
    """The sentence without its pure-feeling clauses, its greeting and its end punctuation.

    The customer's own connectives ("but", "so", "because") are kept between the clauses that
    stay: they carry the logic of the complaint.
    """
    # re.split with a group alternates clause, separator, clause, …
    pieces = _CLAUSE_BREAK.split(strip_opening(sentence))
    out: list[str] = []
    for position in range(0, len(pieces), 2):
        clause = pieces[position].strip()
        if not clause or feeling_only(clause):
            continue
        if out and position > 0:
            out.append(pieces[position - 1])
        out.append(clause)
    return tidy("".join(out))


def tidy(text: str) -> str:
    text = _ELLIPSIS_TAIL.sub("", text)
    text = re.sub(r"\s+", " ", text)
    return _TRAILING.sub("", text).strip()


def lower_first(text: str) -> str:
    """Lower the first letter when it was capitalised only for starting a sentence.

    Names of days and months keep their capital, as do words capitalised inside (iPhone,
    McAfee) or all in capitals (an acronym); other names at the very start of a customer's
    sentence are rare enough to accept the odd lowered one.
    """
    first = re.match(r"[A-Za-z']+", text)
    if first is None:
        return text
    word = first.group()
    if word in {"I", "I'm", "I've", "I'd", "I'll"} or word.lower() in _CALENDAR:
        return text
    if len(word) > 1 and (word.isupper() or any(c.isupper() for c in word[1:])):
        return text
    return text[0].lower() + text[1:]


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split()
)


def join_clauses(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    parts = [part for part in parts if part]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
