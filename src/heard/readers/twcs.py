"""Customer Support on Twitter (TWCS): the Kaggle ``twcs.csv`` layout, rebuilt into threads.

Columns: ``tweet_id, author_id, inbound, created_at, text, response_tweet_id,
in_response_to_tweet_id``. ``inbound`` True is the customer, False the company (the agent).
Threads are rebuilt from ``in_response_to_tweet_id``: every tweet whose parent is not in the file
(no parent, or a parent the file lacks) roots a conversation holding everything that replies to
it, directly or not. The tree is flattened in time order (``created_at``, then file order),
never putting a reply before the tweet it answers, so a branching thread (two answers to one
tweet) keeps all its branches; ``metadata.reply_to`` then records who answered whom.
Text is kept as written (@handles included), with Twitter's ``&amp; &lt; &gt;`` unescaped. When
``inbound`` is blank or unreadable, ``--agent``/``--customer`` author ids decide, else a numeric
author id (TWCS anonymises customers) is taken as the customer and a handle as the company.

Memory: the file is read twice. The first pass keeps only the links (tweet id, parent), no text:
packed ints while they are sorted (about 80 bytes per tweet at the peak, measured on 1M tweets;
~220 MB for the 2.8M-tweet corpus), then four typed arrays of 8 bytes per tweet. The second pass
holds the rows of the threads not yet complete; a thread is given out at its last row, so that
is small when, as in TWCS, a thread's tweets lie near each other in the file (the worst case,
threads spread over the whole file, holds them all).
"""

from __future__ import annotations

import csv
import heapq
import math
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from heard.conversation import Channel, Conversation, Role, Turn
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source, decode_text
from heard.readers.normalize import as_datetime, build_conversation, clean_text
from heard.readers.registry import register

__all__ = ["TwcsReader"]

COLUMNS = (
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
)
_REQUIRED = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
_SNIFF_KEYS = frozenset({"tweet_id", "author_id", "inbound", "in_response_to_tweet_id"})
_NONE = -1
_MAX_ID = 2**63 - 1
_ROW_BITS = 40  # a pass-1 record index packed below the tweet id while sorting
_ROW_MASK = (1 << _ROW_BITS) - 1
_TRUE = frozenset({"true", "t", "1", "yes", "y"})
_FALSE = frozenset({"false", "f", "0", "no", "n"})


def _tweet_id(value: str | None) -> int | None:
    """A tweet id from '119237', '119237.0' or ' 119237 '; None when blank or not an id."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        try:
            real = float(text)
        except ValueError:
            return None
        if not math.isfinite(real) or not real.is_integer():
            return None
        number = int(real)
    return number if 0 <= number <= _MAX_ID else None


def _inbound(value: str | None) -> bool | None:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


_TWITTER_TIME = re.compile(
    r"^\s*[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) "
    r"([+-])(\d{2})(\d{2}) (\d{4})\s*$"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def _time(value: str | None) -> datetime | None:
    """created_at as aware UTC: Twitter's 'Tue Oct 31 22:10:47 +0000 2017' parsed directly
    (strptime is the slowest step on a 2.8M-row file), anything else by as_datetime."""
    match = _TWITTER_TIME.match(value or "")
    if match is None:
        return as_datetime(value)
    month = _MONTHS.get(match.group(1).lower())
    if month is None:
        return as_datetime(value)
    sign = -1 if match.group(6) == "-" else 1
    offset = sign * timedelta(hours=int(match.group(7)), minutes=int(match.group(8)))
    try:
        moment = datetime(
            int(match.group(9)),
            month,
            int(match.group(2)),
            int(match.group(3)),
            int(match.group(4)),
            int(match.group(5)),
            tzinfo=timezone(offset),
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _tweet_text(value: str | None) -> str:
    # Twitter's API escapes exactly these three characters in tweet text.
    text = (value or "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return clean_text(text.replace("\x00", ""))


def _header_names(cells: Iterable[str]) -> list[str]:
    return [cell.strip().lstrip("\ufeff").strip().lower() for cell in cells]


@dataclass
class _Tweet:
    """One row of a thread being collected (text None: the row is bad but still links)."""

    id: int
    parent: int | None
    row: int
    author: str | None
    inbound: bool | None
    time: datetime | None
    text: str | None
    missing_replies: int = 0


class _Rows:
    """The CSV rows of a source as (row number, first line, cells), never raising on bad bytes."""

    def __init__(self, source: Source):
        self.source = source

    def _text_lines(self) -> Iterator[str]:
        with self.source.open() as stream:
            for raw in stream:
                try:
                    yield decode_text(raw, self.source.name)
                except ReadError:  # a NUL byte in a line that is not UTF-8
                    yield raw.decode("cp1252", errors="replace")

    def __iter__(self) -> Iterator[tuple[int, int, list[str] | str]]:
        """Yield (row, line, cells) per record, or (row, line, problem) for an unparsable one.

        Row 0 is the header; data rows are numbered from 1.
        """
        reader = csv.reader(self._text_lines())
        row = -1
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                row += 1
                yield row, line, f"not valid CSV: {error}"
                continue
            if not cells or not any(cell.strip() for cell in cells):
                continue
            row += 1
            yield row, line, cells


class _Layout:
    """Where each TWCS column is in the rows of one file."""

    def __init__(self, header: list[str], options: ReadOptions, source: Source):
        names = _header_names(header)
        mapped = {key.lower(): value.strip().lower() for key, value in options.columns.items()}
        self.index: dict[str, int] = {}
        for column in COLUMNS:
            wanted = mapped.get(column, column)
            if wanted in names:
                self.index[column] = names.index(wanted)
        missing = [column for column in _REQUIRED if column not in self.index]
        if missing:
            raise ReadError(
                "not a TWCS file: the header lacks " + ", ".join(missing),
                source=source.name,
                location="line 1",
            )

    def get(self, cells: list[str], column: str) -> str | None:
        position = self.index.get(column)
        if position is None or position >= len(cells):
            return None
        return cells[position]


class _LinkIndex:
    """Tweet id → root of its thread, in sorted typed arrays (see the module's memory note)."""

    def __init__(self) -> None:
        self._keys: list[int] = []
        self._parents = array("q")
        self._rows = array("q")
        self.ids = array("q")
        self.row_of = array("q")
        self.root_of = array("q")
        self.last_row = array("q")
        self.duplicate_rows: set[int] = set()

    def add(self, tweet_id: int, parent: int | None, row: int) -> None:
        self._keys.append((tweet_id << _ROW_BITS) | len(self._parents))
        self._parents.append(_NONE if parent is None else parent)
        self._rows.append(row)

    def position(self, tweet_id: int) -> int:
        pos = bisect_left(self.ids, tweet_id)
        return pos if pos < len(self.ids) and self.ids[pos] == tweet_id else _NONE

    def build(self) -> None:
        keys = self._keys
        keys.sort()
        parent_ids = array("q")
        previous = _NONE
        for key in keys:
            tweet_id, slot = key >> _ROW_BITS, key & _ROW_MASK
            if tweet_id == previous:  # a repeated id: the first row keeps it
                self.duplicate_rows.add(self._rows[slot])
                continue
            previous = tweet_id
            self.ids.append(tweet_id)
            self.row_of.append(self._rows[slot])
            parent_ids.append(self._parents[slot])
        del keys[:]
        self._parents = array("q")
        self._rows = array("q")
        count = len(self.ids)
        # Union-find over parent positions: a root points at itself.
        links = array("q", [_NONE]) * count
        for pos in range(count):
            parent = parent_ids[pos]
            parent_pos = self.position(parent) if parent != _NONE else _NONE
            links[pos] = pos if parent_pos == _NONE else parent_pos
        del parent_ids
        for pos in range(count):
            self._resolve(links, pos)
        self.root_of = links
        self.last_row = array("q", [0]) * count
        for pos in range(count):
            root = links[pos]
            if self.row_of[pos] > self.last_row[root]:
                self.last_row[root] = self.row_of[pos]

    @staticmethod
    def _resolve(links: array[int], start: int) -> None:
        parent = links[start]
        if parent == start or links[parent] == parent:
            return
        while True:
            path: list[int] = []
            on_path: set[int] = set()
            current = start
            cycle = False
            while links[current] != current:
                if current in on_path:
                    cycle = True
                    break
                path.append(current)
                on_path.add(current)
                current = links[current]
            if not cycle:
                for pos in path:
                    links[pos] = current
                return
            # Replies that answer each other in a loop: the lowest id becomes the root.
            members = path[path.index(current) :]
            root = min(members)
            links[root] = root


@register
class TwcsReader(Reader):
    name = "twcs"
    description = "Customer Support on Twitter (TWCS) CSV: tweets rebuilt into reply threads"
    extensions = ("csv",)

    def sniff(self, source: Source) -> float:
        try:
            head = decode_text(source.head(), source.name)
        except ReadError:
            return 0.0
        first = head.split("\n", 1)[0]
        try:
            names = set(_header_names(next(csv.reader([first]), [])))
        except csv.Error:
            return 0.0
        if not names >= _SNIFF_KEYS:
            return 0.0
        return 1.0 if set(COLUMNS) <= names else 0.9

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        layout = self._layout(source, options)
        index = _LinkIndex()
        for row, _line, cells in _Rows(source):
            if row == 0 or isinstance(cells, str):
                continue
            tweet_id = _tweet_id(layout.get(cells, "tweet_id"))
            if tweet_id is not None:
                index.add(tweet_id, _tweet_id(layout.get(cells, "in_response_to_tweet_id")), row)
        index.build()
        yield from self._threads(source, options, layout, index)

    @staticmethod
    def _layout(source: Source, options: ReadOptions) -> _Layout:
        for row, line, cells in _Rows(source):
            if isinstance(cells, str):
                raise ReadError(cells, source=source.name, location=f"line {line}")
            if row == 0:
                return _Layout(cells, options, source)
        raise ReadError("file is empty", source=source.name)

    def _threads(
        self, source: Source, options: ReadOptions, layout: _Layout, index: _LinkIndex
    ) -> Iterator[Conversation | ReadIssue]:
        open_threads: dict[int, list[_Tweet]] = {}
        for row, line, cells in _Rows(source):
            if row == 0:
                continue
            where = f"row {row} (line {line})"
            if isinstance(cells, str):
                yield ReadIssue(source.name, cells, where)
                continue
            tweet, problem = self._tweet(cells, layout, row, index)
            if problem is not None:
                label = f"{where}, tweet {tweet.id}" if tweet is not None else where
                yield ReadIssue(source.name, problem, label)
            if tweet is None:
                continue
            pos = index.position(tweet.id)
            if pos == _NONE:  # the file changed between the two passes
                yield ReadIssue(source.name, "row appeared while the file was read", where)
                continue
            root = index.root_of[pos]
            open_threads.setdefault(root, []).append(tweet)
            if index.last_row[root] == row:
                item = self._conversation(source, options, index, open_threads.pop(root))
                if item is not None:
                    yield item
        for tweets in open_threads.values():  # only if the file changed between the passes
            item = self._conversation(source, options, index, tweets)
            if item is not None:
                yield item

    @staticmethod
    def _tweet(
        cells: list[str], layout: _Layout, row: int, index: _LinkIndex
    ) -> tuple[_Tweet | None, str | None]:
        raw_id = layout.get(cells, "tweet_id")
        tweet_id = _tweet_id(raw_id)
        if tweet_id is None:
            shown = (raw_id or "").strip()[:40]
            return None, f"tweet_id {shown!r} is not a tweet id" if shown else "tweet_id is empty"
        if row in index.duplicate_rows:
            return None, f"tweet {tweet_id} appears twice; the later row is skipped"
        raw_parent = layout.get(cells, "in_response_to_tweet_id")
        parent = _tweet_id(raw_parent)
        author = (layout.get(cells, "author_id") or "").strip() or None
        text = _tweet_text(layout.get(cells, "text"))
        missing = 0
        for reply in (layout.get(cells, "response_tweet_id") or "").split(","):
            reply_id = _tweet_id(reply)
            if reply_id is not None and index.position(reply_id) == _NONE:
                missing += 1
        tweet = _Tweet(
            id=tweet_id,
            parent=parent,
            row=row,
            author=author,
            inbound=_inbound(layout.get(cells, "inbound")),
            time=_time(layout.get(cells, "created_at")),
            text=text or None,
            missing_replies=missing,
        )
        problems = []
        if raw_parent and raw_parent.strip() and parent is None:
            problems.append(
                f"in_response_to_tweet_id {raw_parent.strip()[:40]!r} is not a tweet id; "
                "the tweet starts its own thread"
            )
        if author is None:
            tweet.text = None
            problems.append("author_id is empty; the tweet is left out")
        elif not text:
            tweet.text = None
            problems.append("text is empty; the tweet is left out")
        return tweet, "; ".join(problems) or None

    @staticmethod
    def _conversation(
        source: Source, options: ReadOptions, index: _LinkIndex, tweets: list[_Tweet]
    ) -> Conversation | ReadIssue | None:
        """The thread as a conversation; None when none of its rows was readable (each of
        them has had its issue already)."""
        ordered = _flatten(tweets, index)
        root = ordered[0]
        location = f"thread of tweet {root.id}"
        metadata: dict[str, Any] = {"root_tweet_id": str(root.id), "tweets": len(tweets)}
        if root.parent is not None and root.parent != root.id:
            if index.position(root.parent) == _NONE:
                metadata["partial_thread"] = True
            else:
                metadata["reply_cycle"] = True
            metadata["in_response_to_tweet_id"] = str(root.parent)
        missing = sum(tweet.missing_replies for tweet in tweets)
        if missing:
            metadata["missing_replies"] = missing
        answers: dict[int, int] = {}
        for tweet in tweets:
            if tweet.parent is not None and tweet is not root:
                answers[tweet.parent] = answers.get(tweet.parent, 0) + 1
        if any(count > 1 for count in answers.values()):
            metadata["branched"] = True
            metadata["reply_to"] = {
                str(tweet.id): str(tweet.parent)
                for tweet in ordered
                if tweet is not root and tweet.parent is not None
            }
        turns: list[Turn] = []
        inferred = False
        for tweet in ordered:
            if tweet.text is None:
                continue
            role, guessed = _role(tweet, options)
            inferred = inferred or guessed
            turns.append(
                Turn(
                    id=str(tweet.id),
                    role=role,
                    speaker=tweet.author,
                    text=tweet.text,
                    time=tweet.time,
                )
            )
        if not turns:
            return None
        if inferred:
            metadata["roles_inferred"] = True
            metadata["roles_reason"] = (
                "inbound was missing or unreadable for some tweets: numeric author ids "
                "(TWCS anonymises customers) were taken as customers, handles as the company"
            )
        agents = _distinct(turn.speaker for turn in turns if turn.role is Role.AGENT)
        customers = _distinct(turn.speaker for turn in turns if turn.role is Role.CUSTOMER)
        if root.author in customers:
            customers.remove(root.author)
            customers.insert(0, root.author)
        if len(agents) > 1:
            metadata["agent_ids"] = agents
        if len(customers) > 1:
            metadata["customer_ids"] = customers
        return build_conversation(
            source.name,
            location,
            lambda: Conversation(
                id=f"twcs-{root.id}",
                channel=Channel.SOCIAL,
                agent_id=agents[0] if agents else None,
                customer_id=customers[0] if customers else None,
                metadata=metadata,
                turns=turns,
            ),
        )


def _distinct(values: Iterable[str | None]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value is not None and value not in seen:
            seen.append(value)
    return seen


def _role(tweet: _Tweet, options: ReadOptions) -> tuple[Role, bool]:
    """The tweet's role, and whether it was guessed. ``inbound`` is the source's own word."""
    if tweet.inbound is not None:
        return (Role.CUSTOMER if tweet.inbound else Role.AGENT), False
    author = tweet.author or ""
    if author in options.agent:
        return Role.AGENT, False
    if author in options.customer:
        return Role.CUSTOMER, False
    return (Role.CUSTOMER if author.isdigit() else Role.AGENT), True


def _flatten(tweets: list[_Tweet], index: _LinkIndex) -> list[_Tweet]:
    """The thread's tweets from its root, earliest first, each after the tweet it answers."""
    by_id = {tweet.id: tweet for tweet in tweets}
    root = next(
        (
            tweet
            for tweet in tweets
            if index.root_of[index.position(tweet.id)] == index.position(tweet.id)
        ),
        min(tweets, key=lambda tweet: tweet.row),
    )
    children: dict[int, list[_Tweet]] = {}
    for tweet in tweets:
        if tweet is not root and tweet.parent is not None and tweet.parent in by_id:
            children.setdefault(tweet.parent, []).append(tweet)
    ordered: list[_Tweet] = []
    placed: set[int] = set()
    start = root.time.timestamp() if root.time is not None else -math.inf
    queue: list[tuple[float, int, _Tweet]] = [(start, root.row, root)]
    while queue:
        moment, _row, tweet = heapq.heappop(queue)
        if tweet.id in placed:
            continue
        placed.add(tweet.id)
        ordered.append(tweet)
        for child in children.get(tweet.id, []):
            # A reply stamped before its parent (clock skew) still comes after it.
            when = child.time.timestamp() if child.time is not None else moment
            heapq.heappush(queue, (max(when, moment), child.row, child))
    ordered.extend(sorted((t for t in tweets if t.id not in placed), key=lambda t: t.row))
    return ordered
