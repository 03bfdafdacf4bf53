"""The bot's own words: acknowledgements, confirmations and a tone that fits the customer.

Restatements of what the customer said come from heard.assist (their words, person switched);
confirmations name the KB entry the bot thinks they mean, as an indirect question ("how to
change your delivery address") made from the entry's canonical question.
"""

from __future__ import annotations

import re
import zlib

from heard.assist.suggestions import PARAPHRASE_FRAME
from heard.assist.wording import lower_first, to_second_person, upper_first
from heard.bot.kb import Entry

# Lines that read as cheerful: fine for a calm customer, grating for an upset one.
CHEERFUL = re.compile(
    r"\b(?:great|good|excellent|awesome|fantastic|wonderful|amazing|brilliant|perfect) "
    r"(?:news|question|choice)\b|\b(?:happy|glad|delighted|thrilled|excited) to (?:help|assist|"
    r"hear|say)\b|\bno (?:problem|worries)\b|\bhope (?:this|that) helps\b|\byay\b|\bwoo\w*\b|"
    r"\bhave a (?:great|lovely|wonderful|fantastic|nice) day\b|\bwe'?d love to\b|\bexciting\b|"
    r"\bhappy shopping\b",
    re.IGNORECASE,
)
EMOJI = re.compile(r"\s*(?:[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?|:-?\)|;-?\)|:D)")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*\s*|\n")
_PERSON_QUESTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^how (?:do|can|should|would|could) (?:i|we) (?P<rest>.+)$", re.I),
        "how to {rest}",
    ),
    (re.compile(r"^(?:can|could|may) (?:i|we) (?P<rest>.+)$", re.I), "whether you can {rest}"),
    (re.compile(r"^(?:do|does) you (?P<rest>.+)$", re.I), "whether we {rest}"),
    (re.compile(r"^do i (?:need|have) to (?P<rest>.+)$", re.I), "whether you need to {rest}"),
    (
        re.compile(
            r"^(?P<wh>what|where|when|why|which|who|how \w+) (?P<verb>is|are) (?P<rest>.+)$", re.I
        ),
        "{wh} {rest} {verb}",
    ),
    (re.compile(r"^(?P<wh>how long|how much|how many) (?P<rest>.+)$", re.I), "{wh} {rest}"),
)
ACKNOWLEDGEMENTS = ("Thanks for explaining.", "Got it.", "Thanks, I see.", "Understood.")
_FRAME_HEAD, _FRAME_TAIL = PARAPHRASE_FRAME.split("{}")


def about(entry: Entry) -> str:
    """What the entry answers, as the end of "you're asking …": 'how to change your address'
    (its ``topic`` when it has one, else its question turned into an indirect one)."""
    if entry.topic:
        return f"about {entry.topic}"
    question = entry.question.strip().rstrip("?").strip()
    for pattern, template in _PERSON_QUESTIONS:
        match = pattern.match(question)
        if match is not None:
            parts = {key: value.lower() for key, value in match.groupdict().items()}
            parts["rest"] = to_second_person(match.group("rest"))
            return template.format(**parts)
    return f"about “{entry.question}”"


def confirmation(entry: Entry) -> str:
    return f"Just to check — you're asking {about(entry)}?"


def inner_paraphrase(text: str) -> str | None:
    """The restatement inside heard.assist's paraphrase frame ("Just to confirm: … — is that
    right?"), so the bot can say it in its own sentence."""
    if text.startswith(_FRAME_HEAD) and text.endswith(_FRAME_TAIL):
        return text[len(_FRAME_HEAD) : len(text) - len(_FRAME_TAIL)].strip() or None
    return None


def restated(inner: str) -> str:
    return f"So {lower_first(inner)}."


def acknowledgement(seed: str) -> str:
    """A short acknowledgement, varied by a stable hash so the bot does not repeat itself."""
    return ACKNOWLEDGEMENTS[zlib.crc32(seed.encode()) % len(ACKNOWLEDGEMENTS)]


def calm(text: str) -> str:
    """The text without cheerful sentences and exclamation marks: for an upset customer."""
    kept = [piece for piece in _SENTENCE.findall(EMOJI.sub("", text)) if not CHEERFUL.search(piece)]
    out = "".join(kept).replace("!", ".")
    out = re.sub(r"[ \t]+\n", "\n", out)
    return upper_first(out.strip())


_LIST_LINE = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s")


def plain(text: str) -> str:
    """Markdown-ish answer text for a chat bubble: lines of a paragraph joined (YAML block
    scalars and Markdown keep the file's line breaks), paragraphs and list items kept."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        joined: list[str] = []
        for line in lines:
            if joined and not _LIST_LINE.match(line):
                joined[-1] += " " + line
            else:
                joined.append(line)
        paragraphs.append("\n".join(joined))
    return "\n\n".join(paragraphs)


def is_cheerful(text: str) -> bool:
    return CHEERFUL.search(text) is not None or EMOJI.search(text) is not None or "!" in text
