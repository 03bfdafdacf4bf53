"""The knowledge base: FAQ entries and articles, loaded from Markdown and YAML.

An entry is one answer with the ways customers ask for it (question variants), tags, links,
and optionally the skills a human needs when the bot hands the topic over. Three file shapes
are read (docs/bot.md has examples):

* YAML: ``entries:`` (or a bare list) of mappings with ``question``, ``variants``, ``answer``,
  ``tags``, ``links``, ``id``, ``topic``, ``skills``, ``handoff``;
* Markdown with front matter: one article per file, the answer is the body;
* Markdown with headings: each ``## Question?`` heading starts an entry; ``Also asked:``
  followed by a list gives variants, ``Tags:``, ``Skills:``, ``Topic:`` and ``Id:`` lines set
  those fields, ``Links:`` followed by ``[title](url)`` items gives links; the rest is the
  answer.

Every problem is a :class:`KnowledgeBaseError` naming the file and the entry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

MARKDOWN_SUFFIXES = (".md", ".markdown")
YAML_SUFFIXES = (".yaml", ".yml")
_SLUG = re.compile(r"[^a-z0-9]+")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FIELD_LINE = re.compile(r"^(id|tags|skills|topic|handoff)[ \t]*:[ \t]*(.*)$", re.IGNORECASE)
_LIST_START = re.compile(r"^(also asked|variants|links)[ \t]*:[ \t]*$", re.IGNORECASE)
_ITEM = re.compile(r"^[ \t]*[-*+][ \t]+(.+)$")
_MD_LINK = re.compile(r"^\[([^\]]+)\]\(([^)\s]+)\)$")


class KnowledgeBaseError(ValueError):
    """A knowledge-base file that cannot be used, with where and why."""


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    url: str = Field(min_length=1)


class Entry(BaseModel):
    """One answer, and every way customers ask for it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=120)
    question: str = Field(min_length=1, description="The canonical question.")
    variants: list[str] = Field(default_factory=list, description="Other ways to ask it.")
    answer: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    topic: str | None = Field(
        default=None,
        description="A short phrase for confirmations: 'changing your delivery address'.",
    )
    skills: list[str] = Field(
        default_factory=list, description="Skills a human needs for this topic (routing)."
    )
    handoff: bool = Field(
        default=False, description="Always hand this topic to a person (fraud, complaints)."
    )
    source: str | None = Field(default=None, description="The file it came from.")

    @field_validator("question", "answer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("variants", "tags", "skills")
    @classmethod
    def _clean_list(cls, values: list[str]) -> list[str]:
        cleaned = [value.strip() for value in values if value.strip()]
        return list(dict.fromkeys(cleaned))

    @property
    def questions(self) -> list[str]:
        """The canonical question, then its variants (duplicates dropped)."""
        return list(dict.fromkeys([self.question, *self.variants]))


class KnowledgeBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    language: str = "en"
    entries: list[Entry]

    def entry(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def digest(self) -> str:
        """A hash of the content: an index built from other content is stale."""
        text = json.dumps(self.model_dump(mode="json", exclude={"name"}), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:80] or "entry"


def load_knowledge_base(
    paths: Path | str | Sequence[Path | str], *, name: str | None = None, language: str = "en"
) -> KnowledgeBase:
    """Every entry in these files and folders (folders are read recursively, in name order)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    files = list(_files([Path(p) for p in paths]))
    if not files:
        raise KnowledgeBaseError(
            f"no knowledge-base files (*.md, *.yaml) in {', '.join(str(p) for p in paths)}"
        )
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for path in files:
        for entry in load_file(path):
            if entry.id in seen:
                raise KnowledgeBaseError(
                    f"{path}: entry {entry.id!r} is already defined in {seen[entry.id]}; "
                    "give one of them another id"
                )
            seen[entry.id] = str(path)
            entries.append(entry)
    first = Path(paths[0])
    kb_name = name or (first.stem if first.is_file() else first.resolve().name)
    return KnowledgeBase(name=kb_name, language=language, entries=entries)


def _files(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in (*MARKDOWN_SUFFIXES, *YAML_SUFFIXES)
            )
        elif path.is_file():
            yield path
        else:
            raise KnowledgeBaseError(f"{path}: no such file or folder")


def load_file(path: Path) -> list[Entry]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KnowledgeBaseError(f"{path}: cannot read it ({error})") from None
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return _from_yaml(text, path)
    if suffix in MARKDOWN_SUFFIXES:
        return _from_markdown(text, path)
    raise KnowledgeBaseError(f"{path}: not a knowledge-base file (use .md or .yaml)")


def _parse_yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        raise KnowledgeBaseError(f"{where}: not valid YAML{at}: {error}") from None


def _from_yaml(text: str, path: Path) -> list[Entry]:
    data = _parse_yaml(text, str(path))
    if isinstance(data, dict) and "entries" in data:
        data = data["entries"]
    if not isinstance(data, list):
        raise KnowledgeBaseError(f"{path}: expected a list of entries (or 'entries:' with one)")
    return [_entry(item, path, position) for position, item in enumerate(data, start=1)]


def _entry(item: Any, path: Path, position: int, *, answer: str | None = None) -> Entry:
    label = f"entry {position}"
    if not isinstance(item, dict):
        raise KnowledgeBaseError(f"{path}: {label}: expected a mapping with question and answer")
    values = dict(item)
    if "id" in values:
        label += f" ({values['id']})"
    elif isinstance(values.get("question"), str):
        label += f" ({values['question'][:60]!r})"
    if answer is not None:
        if "answer" in values:
            raise KnowledgeBaseError(
                f"{path}: {label}: the answer is the body; remove 'answer' from the front matter"
            )
        values["answer"] = answer
    for key in ("variants", "tags", "skills"):
        if isinstance(values.get(key), str):
            values[key] = [part.strip() for part in str(values[key]).split(",")]
    values["links"] = [_link(link, path, label) for link in values.get("links") or []]
    if isinstance(values.get("question"), str) and not values.get("id"):
        values["id"] = slug(values["question"])
    values["source"] = str(path)
    try:
        return Entry.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in error.errors()
        )
        raise KnowledgeBaseError(f"{path}: {label}: {problems}") from None


def _link(value: Any, path: Path, label: str) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        match = _MD_LINK.match(value.strip())
        if match:
            return {"title": match.group(1), "url": match.group(2)}
        return {"title": value.strip(), "url": value.strip()}
    raise KnowledgeBaseError(f"{path}: {label}: a link is a URL, [title](url) or title + url")


def _from_markdown(text: str, path: Path) -> list[Entry]:
    front = _FRONT_MATTER.match(text)
    if front is not None:
        meta = _parse_yaml(front.group(1), f"{path} (front matter)")
        if not isinstance(meta, dict):
            raise KnowledgeBaseError(f"{path}: the front matter must be a mapping")
        body = text[front.end() :].strip()
        meta.setdefault("id", path.stem)
        if "question" not in meta:
            raise KnowledgeBaseError(
                f"{path}: entry 1 ({path.stem}): the front matter needs a question"
            )
        return [_entry(meta, path, 1, answer=body)]
    return _from_headings(text, path)


def _from_headings(text: str, path: Path) -> list[Entry]:
    sections: list[tuple[str, list[str]]] = []
    lines = text.splitlines()
    depths = [len(m.group(1)) for m in map(_HEADING.match, lines) if m is not None]
    # Entries are the shallowest heading below the page title ('## ' usually); a file of
    # '# ' headings only has one entry per '# '.
    below_title = [depth for depth in depths if depth >= 2]
    level = min(below_title) if below_title else 1
    for line in lines:
        heading = _HEADING.match(line)
        if heading is not None and len(heading.group(1)) == level:
            sections.append((heading.group(2).strip(), []))
            continue
        if sections:
            sections[-1][1].append(line)
    if not sections:
        raise KnowledgeBaseError(
            f"{path}: no entries: use front matter (---) or one '## Question?' heading per entry"
        )
    entries: list[Entry] = []
    for position, (question, lines) in enumerate(sections, start=1):
        values: dict[str, Any] = {"question": question, "variants": [], "links": []}
        answer: list[str] = []
        collecting: str | None = None
        for line in lines:
            listed = _LIST_START.match(line.strip())
            if listed is not None:
                collecting = "links" if listed.group(1).lower() == "links" else "variants"
                continue
            item = _ITEM.match(line)
            if collecting is not None and item is not None:
                values[collecting].append(item.group(1).strip())
                continue
            if collecting is not None and not line.strip():
                continue
            collecting = None
            field = _FIELD_LINE.match(line.strip())
            if field is not None and not answer:
                key, value = field.group(1).lower(), field.group(2).strip()
                values[key] = value.lower() in {"yes", "true"} if key == "handoff" else value
                continue
            answer.append(line)
        values["answer"] = "\n".join(answer).strip()
        entries.append(_entry(values, path, position))
    return entries
