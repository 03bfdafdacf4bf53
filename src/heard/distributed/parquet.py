"""Partitioned Parquet output: one file per partition, the JSONL record flattened where a query
engine wants columns, and the whole record kept as JSON text.

Columns (docs/scale.md):

===================  ==========  ==============================================================
column               type        what
===================  ==========  ==============================================================
conversation_id      string      the conversation's id
agent_id, team_id    string      null when the input does not say
channel              string      chat, email, voice, …
started_at           string      ISO 8601, as in the input (null when unknown)
listening_score      double      0–100, null when no component applies
attention … follow_up double     one column per component (0–100, null when it cannot apply)
turns                int32       number of turns
source               string      the input file the conversation was read from
engine_version       string      heard's analysis engine version
rubric_version       string      the rubric's version
record               string      the full JSONL record (exactly a ``--format jsonl`` line)
===================  ==========  ==============================================================

Files are named ``part-00000.parquet`` by partition index and written to a temporary name then
renamed, so a retried or killed task never leaves half a file behind.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heard.scoring import COMPONENTS

if TYPE_CHECKING:
    import pyarrow as pa

    from heard.analysis import Analysis
    from heard.conversation import Conversation

PART_NAME = "part-{index:05d}.parquet"
MANIFEST_NAME = "_heard_run.json"


def schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("conversation_id", pa.string(), nullable=False),
            pa.field("agent_id", pa.string()),
            pa.field("team_id", pa.string()),
            pa.field("channel", pa.string()),
            pa.field("started_at", pa.string()),
            pa.field("listening_score", pa.float64()),
            *(pa.field(name, pa.float64()) for name in COMPONENTS),
            pa.field("turns", pa.int32()),
            pa.field("source", pa.string()),
            pa.field("engine_version", pa.string()),
            pa.field("rubric_version", pa.string()),
            pa.field("record", pa.string(), nullable=False),
        ]
    )


def columns(
    rows: Sequence[tuple[Conversation, Analysis, str | None]],
) -> dict[str, list[Any]]:
    """Column-wise values of ``(conversation, final analysis, source file)`` rows."""
    table: dict[str, list[Any]] = {field: [] for field in schema().names}
    for conversation, analysis, source in rows:
        table["conversation_id"].append(analysis.conversation_id)
        table["agent_id"].append(analysis.agent_id)
        table["team_id"].append(analysis.team_id)
        table["channel"].append(analysis.channel.value)
        table["started_at"].append(analysis.started_at)
        table["listening_score"].append(analysis.listening_score)
        for name in COMPONENTS:
            component = analysis.components.get(name)
            table[name].append(None if component is None else component.score)
        table["turns"].append(len(conversation.turns))
        table["source"].append(source)
        table["engine_version"].append(analysis.engine_version)
        table["rubric_version"].append(analysis.rubric_version)
        table["record"].append(analysis.record_line())
    return table


class PartWriter:
    """One partition's Parquet file, written a row group at a time (a partition's rows are never
    all in memory) to a temporary name, renamed into place by :meth:`close`."""

    def __init__(self, directory: Path, index: int) -> None:
        import pyarrow.parquet as pq

        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / PART_NAME.format(index=index)
        self._temporary = directory / f".{self.path.name}.{uuid.uuid4().hex}.part"
        self._schema = schema()
        self._writer = pq.ParquetWriter(self._temporary, self._schema, compression="zstd")

    def write(self, rows: Sequence[tuple[Conversation, Analysis, str | None]]) -> None:
        import pyarrow as pa

        if rows:
            self._writer.write_table(pa.Table.from_pydict(columns(rows), schema=self._schema))

    def close(self) -> Path:
        """Finish the file (with the schema and no rows when nothing was written) and put it
        in place."""
        self._writer.close()
        os.replace(self._temporary, self.path)
        return self.path

    def abort(self) -> None:
        self._writer.close()
        self._temporary.unlink(missing_ok=True)


def write_part(
    directory: Path, index: int, rows: Sequence[tuple[Conversation, Analysis, str | None]]
) -> Path:
    """Write one partition's rows as ``part-<index>.parquet``."""
    writer = PartWriter(directory, index)
    try:
        writer.write(rows)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def existing_parts(directory: Path) -> list[Path]:
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


def write_manifest(directory: Path, summary: dict[str, Any]) -> Path:
    """What the run did (counts, failed partitions), beside the parts: a reader can tell a
    complete output from a partial one without counting rows."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MANIFEST_NAME
    temporary = directory / f".{MANIFEST_NAME}.{uuid.uuid4().hex}.part"
    temporary.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    os.replace(temporary, path)
    return path
