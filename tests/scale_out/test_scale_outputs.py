"""Outputs of a distributed run: partitioned Parquet, and idempotent database writes."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import func, select
from typer.testing import CliRunner

from heard.cli import app
from heard.distributed import Collect, DistributedRun, TaskSettings
from heard.distributed.parquet import MANIFEST_NAME, schema
from heard.scoring import COMPONENTS, default_rubric
from heard.store import Database
from heard.store.models import StoredAnalysis, StoredConversation
from store.conftest import database_url  # noqa: F401  (the SQLite and PostgreSQL fixture)

from .scale_corpus import write_corpus

runner = CliRunner()


def test_parquet_has_one_complete_file_per_partition(
    tmp_path: Path, corpus_dir: Path, thread_cluster: str
) -> None:
    local = tmp_path / "local.jsonl"
    assert runner.invoke(app, ["analyze", str(corpus_dir), "-f", "jsonl", "-o", str(local)])
    expected = local.read_text().splitlines()
    out = tmp_path / "parquet"
    result = runner.invoke(
        app,
        [
            "analyze",
            str(corpus_dir),
            "--engine",
            "dask",
            "--scheduler",
            thread_cluster,
            "--partition-mb",
            "0.004",
            "-f",
            "parquet",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 1, result.output  # bad records in the corpus
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == manifest["partitions"] > 10
    assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(len(parts))]
    tables = [pq.read_table(part) for part in parts]
    assert all(table.schema.equals(schema()) for table in tables)
    # The whole folder reads as one table, complete and in input order.
    table = pq.read_table(out)
    assert table.num_rows == len(expected) == manifest["written"] == manifest["read"]
    records = [record for t in tables for record in t.column("record").to_pylist()]
    assert records == expected
    row = table.slice(0, 1).to_pylist()[0]
    first = json.loads(expected[0])
    assert row["conversation_id"] == first["conversation_id"]
    assert row["listening_score"] == first["listening_score"]
    for name in COMPONENTS:
        assert row[name] == first["components"][name]["score"]
    assert row["source"].startswith(str(corpus_dir))
    assert manifest["complete"] is True and manifest["skipped_records"] == 3

    again = runner.invoke(
        app, ["analyze", str(corpus_dir), "--engine", "dask", "-f", "parquet", "-o", str(out)]
    )
    assert again.exit_code == 2 and "already holds Parquet parts" in again.stderr


def run_import(url: str, path: Path, scheduler: str) -> DistributedRun:
    settings = TaskSettings(
        rubric=default_rubric(), database_url=url, skip_unchanged=True, batch_size=16
    )
    run = DistributedRun([path], settings, scheduler=scheduler, partition_bytes=4096)
    for _ in run:
        pass
    return run


def test_database_writes_are_idempotent(
    tmp_path: Path,
    database_url: str,  # noqa: F811
    thread_cluster: str,
) -> None:
    path = write_corpus(tmp_path / "clean.jsonl", 80, bad_lines=False)
    Database(database_url).dispose()  # the client brings the schema up to date first
    first = run_import(database_url, path, thread_cluster).report
    assert first.stored["added"] == 80 and first.stored["analysed"] == 80
    assert first.partitions > 5 and not first.store_failures
    second = run_import(database_url, path, thread_cluster).report
    assert second.read == 80 and second.unchanged == 80 and second.analysed == 0
    assert not second.stored.get("added") and not second.stored.get("analysed")
    database = Database(database_url, upgrade=False)
    try:
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(StoredConversation)) == 80
            assert session.scalar(select(func.count()).select_from(StoredAnalysis)) == 80
            stored = {a.conversation_id: a.record for a in session.scalars(select(StoredAnalysis))}
    finally:
        database.dispose()
    # The stored records are the ones `heard analyze` gives (scripted empathy included).
    local = tmp_path / "local.jsonl"
    assert runner.invoke(app, ["analyze", str(path), "-f", "jsonl", "-o", str(local)])
    expected = {r["conversation_id"]: r for r in map(json.loads, local.read_text().splitlines())}
    assert stored == expected


def test_the_import_command_on_dask(tmp_path: Path, thread_cluster: str) -> None:
    path = write_corpus(tmp_path / "clean.jsonl", 30, bad_lines=False)
    db = tmp_path / "heard.db"
    arguments = ["import", str(path), "--db", str(db), "--engine", "dask"]
    arguments += ["--scheduler", thread_cluster, "--partition-mb", "0.004"]
    first = runner.invoke(app, arguments)
    assert first.exit_code == 0, first.output
    assert "30 read: 30 added, 0 updated, 0 unchanged; 30 analysed" in first.stderr
    second = runner.invoke(app, arguments)
    assert "30 read: 0 added, 0 updated, 30 unchanged; 0 analysed" in second.stderr
    no_analysis = runner.invoke(app, [*arguments, "--no-analyze"])
    assert no_analysis.exit_code == 2


def test_pairs_come_back_in_input_order(tmp_path: Path, thread_cluster: str) -> None:
    path = write_corpus(tmp_path / "clean.jsonl", 40, bad_lines=False)
    settings = TaskSettings(rubric=default_rubric(), collect=Collect.PAIRS)
    run = DistributedRun([path], settings, scheduler=thread_cluster, partition_bytes=2048)
    from heard.distributed.tasks import read_spool

    ids = [c.id for f in run for _, c, _ in read_spool(f.pairs or zlib.compress(b""))]
    assert ids == [f"c-{n:04d}" for n in range(40)]
