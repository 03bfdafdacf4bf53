"""The distributed engine gives the same result as the local one, whatever the worker count,
and loses nothing: failed partitions are retried, then reported with what they held."""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.analysis import analyze_many
from heard.cli import app
from heard.distributed import Collect, DistributedRun, RunReport, TaskSettings, engine
from heard.distributed.faults import FailPartitions
from heard.distributed.tasks import as_ledger, compact_ledger, merge_ledgers
from heard.listening.corpus import EmpathyLedger
from heard.readers import expand_paths
from heard.scoring import default_rubric

from .scale_corpus import SCRIPTED_LINE, make_conversation, write_corpus

runner = CliRunner()


def local_analyze(paths: list[Path], tmp_path: Path, jobs: int) -> tuple[list[str], list[str]]:
    """``heard analyze --format jsonl`` on local processes: its records and its error lines."""
    out = tmp_path / f"local-{jobs}.jsonl"
    result = runner.invoke(
        app, ["analyze", *map(str, paths), "-f", "jsonl", "-o", str(out), "--jobs", str(jobs)]
    )
    assert result.exit_code in (0, 1), result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    return out.read_text().splitlines(), errors


def dask_analyze(
    paths: list[Path], *, scheduler: str | None = None, workers: int = 2, **options: object
) -> tuple[list[str], RunReport]:
    """The same on Dask (threads), through the API: its records and its report."""
    settings = TaskSettings(rubric=default_rubric(), collect=Collect.LINES)
    run = DistributedRun(
        list(expand_paths(paths)),
        settings,
        scheduler=scheduler,
        workers=workers,
        processes=False,
        partition_bytes=4096,
        **options,  # type: ignore[arg-type]
    )
    lines: list[str] = []
    for finished in run:
        assert finished.lines is not None
        lines.extend(zlib.decompress(finished.lines).decode().splitlines())
    return lines, run.report


def test_same_records_on_local_jobs_and_dask_workers(
    corpus_dir: Path, tmp_path: Path, thread_cluster: str
) -> None:
    expected, local_errors = local_analyze([corpus_dir], tmp_path, jobs=1)
    assert local_analyze([corpus_dir], tmp_path, jobs=2)[0] == expected
    one_worker, _ = dask_analyze([corpus_dir], workers=1)
    two_workers, report = dask_analyze([corpus_dir], scheduler=thread_cluster)
    assert one_worker == expected
    assert two_workers == expected
    assert report.partitions > 10, "the big JSONL file must be cut in many ranges"
    # Bad records are reported with the line numbers of the whole file, as locally.
    assert [f"error: {issue}" for issue in report.issues] == local_errors
    assert report.read == len(expected) and report.analysed == len(expected)
    assert report.failed == 0 and not report.partition_failures


def test_cli_on_real_worker_processes(corpus_dir: Path, tmp_path: Path) -> None:
    expected, local_errors = local_analyze([corpus_dir], tmp_path, jobs=1)
    out = tmp_path / "dask.jsonl"
    result = runner.invoke(
        app,
        [
            "analyze",
            str(corpus_dir),
            "-f",
            "jsonl",
            "-o",
            str(out),
            "--engine",
            "dask",
            "--jobs",
            "2",
            "--partition-mb",
            "0.004",
        ],
    )
    assert result.exit_code == 1, result.output  # the corpus has bad records
    assert out.read_text().splitlines() == expected
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == local_errors
    summary = result.stderr.splitlines()[-2:]
    assert f"{len(expected)} read, {len(expected)} analysed, 0 failed" in summary[0]
    assert "on 2 Dask workers" in summary[0]
    assert summary[1] == f"3 of {len(expected) + 3} records skipped: see errors above"


def test_csv_and_json_outputs_match_too(corpus_dir: Path, thread_cluster: str) -> None:
    for format in ("csv", "json"):
        local = runner.invoke(app, ["analyze", str(corpus_dir / "zz-big.jsonl"), "-f", format])
        distributed = runner.invoke(
            app,
            [
                "analyze",
                str(corpus_dir / "zz-big.jsonl"),
                "-f",
                format,
                "--engine",
                "dask",
                "--scheduler",
                thread_cluster,
                "--partition-mb",
                "0.004",
            ],
        )
        assert distributed.exit_code == local.exit_code == 1
        assert distributed.stdout == local.stdout


def test_reduce_step_marks_scripted_empathy_across_partitions(
    tmp_path: Path, thread_cluster: str
) -> None:
    conversations = [make_conversation(number) for number in range(120)]
    path = write_corpus(tmp_path / "clean.jsonl", 120, bad_lines=False)
    expected = [json.dumps(a.record(), ensure_ascii=False) for a in analyze_many(conversations)]
    lines, report = dask_analyze([path], scheduler=thread_cluster)
    assert lines == expected
    assert report.partitions > 5 and report.rescored > 0
    records = {record["conversation_id"]: record for record in map(json.loads, lines)}

    def scripted(conversation_id: str) -> bool:
        return bool(records[conversation_id]["turns"][1]["detail"]["empathy"]["scripted"])

    # agent-lena says SCRIPTED_LINE in conversations spread over every partition; agent-omar
    # says the same words twice (c-0049, c-0077): a script for her, not for him.
    lena = [c.id for c in conversations if c.agent_id == "agent-lena"]
    assert len(lena) > 30 and all(scripted(conversation_id) for conversation_id in lena)
    assert not scripted("c-0049") and not scripted("c-0077")


def test_ledger_partials_merge_to_the_whole_ledger() -> None:
    rubric = default_rubric()
    cap = rubric.scripted_empathy.min_conversations
    conversations = [make_conversation(number) for number in range(24)]
    analyses = analyze_many(conversations)
    whole = EmpathyLedger()
    partials = []
    for start in range(0, 24, 5):
        part = EmpathyLedger()
        for conversation, analysis in zip(
            conversations[start : start + 5], analyses[start : start + 5], strict=True
        ):
            part.add(conversation.agent_id, conversation.id, analysis.turns)
            whole.add(conversation.agent_id, conversation.id, analysis.turns)
        partials.append(compact_ledger(part, cap))
    tree = merge_ledgers(cap, merge_ledgers(cap, *partials[:2]), merge_ledgers(cap, *partials[2:]))
    assert tree == merge_ledgers(cap, *partials)
    merged = as_ledger(tree)
    for agent in ("agent-lena", "agent-omar", "agent-ines"):
        assert merged.scripted(agent, SCRIPTED_LINE, cap) == whole.scripted(
            agent, SCRIPTED_LINE, cap
        )
    assert merged.scripted("agent-lena", SCRIPTED_LINE, cap)
    assert max(len(ids) for lines in tree.values() for ids in lines.values()) <= cap


def test_failed_partitions_are_retried_then_reported(tmp_path: Path, thread_cluster: str) -> None:
    path = write_corpus(tmp_path / "clean.jsonl", 120, bad_lines=False)
    faults = tmp_path / "faults"
    faults.mkdir()
    # Partition 1 fails once and recovers on its retry; partition 2 fails every attempt.
    fault = FailPartitions(str(faults), {1: 1, 2: 99})
    settings = TaskSettings(rubric=default_rubric(), collect=Collect.LINES, fault=fault)
    run = DistributedRun(
        [path], settings, scheduler=thread_cluster, partition_bytes=4096, retries=1
    )
    lines = [
        line
        for finished in run
        for line in zlib.decompress(finished.lines or b"").decode().splitlines()
    ]
    report = run.report
    assert sorted(report.retried) == [1]
    assert "injected failure of partition 1" in report.retried[1][0]
    (lost,) = report.partition_failures
    assert lost.partition.index == 2 and lost.stage == "map" and lost.attempts == 2
    assert "InjectedFaultError" in lost.error and lost.records
    # Nothing silently dropped: what was analysed plus what the failed partition held is all.
    assert report.read == report.analysed == len(lines)
    assert report.analysed + report.lost_records == 120
    assert "; 1 partition failed (" in report.counts()
    assert "; 1 partition recovered on retry" in report.counts()
    assert report.as_dict()["complete"] is False


def test_a_failed_finish_is_reported_too(tmp_path: Path, thread_cluster: str) -> None:
    path = write_corpus(tmp_path / "clean.jsonl", 60, bad_lines=False)
    faults = tmp_path / "faults"
    faults.mkdir()
    fault = FailPartitions(str(faults), {0: 99}, stage="finish")
    settings = TaskSettings(rubric=default_rubric(), collect=Collect.LINES, fault=fault)
    run = DistributedRun(
        [path], settings, scheduler=thread_cluster, partition_bytes=4096, retries=0
    )
    written = sum(f.conversations for f in run)
    (lost,) = run.report.partition_failures
    assert lost.stage == "finish" and lost.partition.index == 0 and lost.attempts == 1
    assert written + lost.records == 60 == run.report.analysed


def test_dask_engine_without_dask_says_how_to_install_it(
    corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = runner.invoke(app, ["analyze", str(corpus_dir), "--engine", "dask"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: --engine dask: the dask engine needs distributed, which are not installed: "
        "pip install 'heard[scale]'"
    ]


def test_usage_mistakes_exit_2(corpus_dir: Path, tmp_path: Path) -> None:
    for arguments in (
        ["--scheduler", "tcp://127.0.0.1:1"],
        ["--partition-mb", "1"],
        ["-f", "parquet", "-o", str(tmp_path / "out")],
        ["-f", "parquet", "--engine", "dask"],
    ):
        result = runner.invoke(app, ["analyze", str(corpus_dir), *arguments])
        assert result.exit_code == 2, (arguments, result.output)


def test_an_unreachable_scheduler_is_one_line(
    corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 1)
    result = runner.invoke(
        app, ["analyze", str(corpus_dir), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
