"""Text pieces the detectors share: sentences with offsets, words, and cue matching.

Evidence must quote the exact words, so every sentence keeps its character offsets into the
turn's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A period, ! or ? ends a sentence only before white space or the end (not in 3.5, e.g, a URL).
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?![\s\"')\]]|$))+(?:[.!?]+[\"')\]]*|\n|$)")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9]+(?:['’][A-Za-z]+)?")
# Abbreviations whose period does not end a sentence.
_NO_BREAK = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|St|No|vs|etc|e\.g|i\.e|approx|Ltd|Inc|a\.m|p\.m)\.$", re.I
)


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    start: int
    end: int

    @property
    def is_question(self) -> bool:
        return self.text.rstrip().endswith("?")


# E-mail bodies are hard-wrapped at ~72 characters: a line break after a long line that does
# not end a sentence continues the sentence.
WRAPPED_LINE = 50
_TERMINAL = frozenset(".!?:;")
_LIST_ITEM = re.compile(r"\d+[.)]\s")


def _unwrap(text: str) -> str:
    """``text`` with hard-wrap line breaks turned into spaces (same length, same offsets)."""
    if "\n" not in text:
        return text
    characters = list(text)
    line_start = 0
    for index, character in enumerate(text):
        if character != "\n":
            continue
        line = text[line_start:index].rstrip()
        following = text[index + 1 : index + 2]
        if (
            len(line) >= WRAPPED_LINE
            and line[-1] not in _TERMINAL
            and following
            and not following.isspace()
            and following not in "-*•>"
            and not _LIST_ITEM.match(text, index + 1)
        ):
            characters[index] = " "
        line_start = index + 1
    return "".join(characters)


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with offsets into ``text``; a sentence spans a line break only where the text
    was hard-wrapped (a long line that does not end a sentence)."""
    sentences: list[Sentence] = []
    pending_start: int | None = None
    # Same length as ``text``, so offsets found in it are offsets into ``text``.
    scan = _unwrap(text)
    for match in _SENTENCE.finditer(scan):
        piece = match.group()
        if not piece.strip():
            continue
        start = match.start() + (len(piece) - len(piece.lstrip()))
        end = match.end() - (len(piece) - len(piece.rstrip()))
        if pending_start is not None:
            start = pending_start
            pending_start = None
        if _NO_BREAK.search(text[start:end]) and end < len(text) and text[end : end + 1] != "\n":
            pending_start = start
            continue
        sentences.append(Sentence(text[start:end], start, end))
    if pending_start is not None:
        stripped_end = len(text.rstrip())
        sentences.append(Sentence(text[pending_start:stripped_end], pending_start, stripped_end))
    return sentences


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes kept: "don't", "I'm")."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def normalise_quote(text: str) -> str:
    """A form of a phrase for spotting the same line across conversations: lower case, numbers
    and names' capitalised words kept out, punctuation dropped."""
    return " ".join(words(re.sub(r"\d+", "#", text)))
