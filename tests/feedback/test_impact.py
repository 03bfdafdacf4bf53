"""`heard.feedback.impact` on synthetic conversations whose truth is known.

The generator builds 400 analysed conversations in which the share of satisfied customers is
exactly 0.40 + 0.15·paraphrase + 0.30·chat − 0.10·angry-start in every cell (counts, not
draws), and paraphrasing agents are far more common in chat: the plain difference (33 points)
is confounded by channel, the regression must recover the 15 points.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from heard.cli import app
from heard.feedback.impact import (
    RESOLUTION_CONCERNS,
    RESOLUTION_REOPENED,
    ConversationRow,
    adjusted,
    analyse_impact,
    bootstrap_nps_difference,
    build_impact_report,
    concurrency,
    load_rows,
    newcombe,
    render_html,
    robust_ols,
    wilson,
)
from heard.store import Database
from heard.store.models import StoredAnalysis, StoredConversation, StoredTurn, SurveyResponse

runner = CliRunner()
BASE = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
COMPONENTS = (
    "attention",
    "no_interruption",
    "clarification",
    "paraphrase",
    "empathy",
    "solution",
    "follow_up",
)
# (channel, paraphrase) → conversations; half start neutral, half angry.
CELLS = {("chat", True): 160, ("chat", False): 40, ("voice", True): 40, ("voice", False): 160}
TRUE_EFFECT = 15.0
RAW_DIFFERENCE = 33.0  # 74% satisfied with a paraphrase, 41% without
NPS_WITH, NPS_WITHOUT = 30.0, -10.0


def p_satisfied(channel: str, paraphrase: bool, emotion: str) -> float:
    return 0.40 + 0.15 * paraphrase + 0.30 * (channel == "chat") - 0.10 * (emotion == "anger")


@dataclass
class Spec:
    id: str
    channel: str
    paraphrase: bool
    emotion: str
    satisfied: bool
    nps: int
    resolved: bool
    agent: str
    start: datetime
    concurrency: int
    listening: float
    follow_up: bool = False
    late_paraphrase: bool = False
    team: str = "t1"


def _exact(rng: random.Random, n: int, share: float) -> list[bool]:
    count = round(n * share)
    assert abs(count - n * share) < 1e-9, "cells are sized so that every count is exact"
    flags = [True] * count + [False] * (n - count)
    rng.shuffle(flags)
    return flags


def _nps_scores(rng: random.Random, n: int, promoters: float, detractors: float) -> list[int]:
    p, d = round(n * promoters), round(n * detractors)
    scores = (
        [rng.choice((9, 10)) for _ in range(p)]
        + [rng.choice((0, 3, 5, 6)) for _ in range(d)]
        + [rng.choice((7, 8)) for _ in range(n - p - d)]
    )
    rng.shuffle(scores)
    return scores


def _slots(rng: random.Random) -> Iterator[tuple[str, datetime, int]]:
    """400 (agent, start, how many at once) places: per agent 10 singles, 6 pairs, 6 triples,
    each slot two hours after the previous; within a slot the conversations start a minute
    apart and last ten, so they all overlap."""
    places: list[tuple[str, datetime, int]] = []
    for agent in range(10):
        sizes = [1] * 10 + [2] * 6 + [3] * 6
        rng.shuffle(sizes)
        for slot, size in enumerate(sizes):
            start = BASE + timedelta(days=agent % 5, hours=2 * slot, minutes=agent)
            places.extend(
                (f"agent-{agent}", start + timedelta(minutes=j), size) for j in range(size)
            )
    assert len(places) == 400
    yield from places


def specs(seed: int = 20240304) -> list[Spec]:
    rng = random.Random(seed)
    rows: list[tuple[str, bool, str, bool]] = []
    for (channel, paraphrase), n in CELLS.items():
        for emotion in ("neutral", "anger"):
            for satisfied in _exact(rng, n // 2, p_satisfied(channel, paraphrase, emotion)):
                rows.append((channel, paraphrase, emotion, satisfied))
    rng.shuffle(rows)
    nps = {
        True: iter(_nps_scores(rng, 200, 0.5, 0.2)),
        False: iter(_nps_scores(rng, 200, 0.3, 0.4)),
    }
    resolved = {True: iter(_exact(rng, 200, 0.8)), False: iter(_exact(rng, 200, 0.8))}
    places = list(_slots(rng))
    result: list[Spec] = []
    follow_ups = 0
    for index, ((channel, paraphrase, emotion, satisfied), place) in enumerate(
        zip(rows, places, strict=True)
    ):
        agent, start, size = place
        follow_up = False
        if not paraphrase and follow_ups < 5:
            follow_up, follow_ups = True, follow_ups + 1
        result.append(
            Spec(
                id=f"c{index:03d}",
                channel=channel,
                paraphrase=paraphrase,
                emotion=emotion,
                satisfied=satisfied,
                nps=next(nps[paraphrase]),
                resolved=next(resolved[paraphrase]),
                agent=agent,
                start=start,
                concurrency=size,
                listening=80.0 - 8.0 * (size - 1) + rng.uniform(-5, 5),
                follow_up=follow_up,
                # A paraphrase only in the fourth agent turn is not "in the first three".
                late_paraphrase=not paraphrase and index % 3 == 0,
            )
        )
    return result


def _turns(spec: Spec) -> list[dict[str, Any]]:
    agent_labels: list[list[str]] = [["acknowledgement"], [], ["solution"], []]
    if spec.paraphrase:
        agent_labels[1].append("paraphrase")
    if spec.late_paraphrase:
        agent_labels[3].append("paraphrase")
    if spec.follow_up:
        agent_labels[3].append("follow_up")
    turns: list[dict[str, Any]] = []
    order = ["customer", "agent", "customer", "agent", "agent", "agent"]
    agent_index = 0
    for position, role in enumerate(order):
        turn: dict[str, Any] = {"id": f"t{position + 1}", "role": role, "detail": {}}
        if role == "agent":
            turn |= {"labels": agent_labels[agent_index], "emotion": None, "intensity": None}
            agent_index += 1
        else:
            emotion = spec.emotion if position == 0 else "neutral"
            turn |= {"labels": [], "emotion": emotion, "intensity": 0.6}
        turns.append(turn)
    return turns


def _record(spec: Spec) -> dict[str, Any]:
    unaddressed = (
        []
        if spec.resolved
        else [
            {
                "id": "t3.c1",
                "turn_id": "t3",
                "text": "still broken",
                "quote": "It is still broken.",
                "start": 0,
                "end": 19,
            }
        ]
    )
    return {
        "conversation_id": spec.id,
        "agent_id": spec.agent,
        "listening_score": spec.listening,
        "components": {name: {"score": 80.0, "reason": None} for name in COMPONENTS},
        "evidence": [],
        "turns": _turns(spec),
        "signals": {
            "concerns": [],
            "unaddressed_concerns": unaddressed,
            "emotion_trajectory": {
                "start": {
                    "turn_id": "t1",
                    "emotion": spec.emotion,
                    "intensity": 0.6,
                    "valence": -0.6,
                }
            },
        },
    }


def store(
    database: Database, items: list[Spec], *, customers: dict[str, str] | None = None
) -> None:
    moment = datetime(2024, 4, 1, tzinfo=UTC)
    with database.session() as session:
        for spec in items:
            digest = f"hash-{spec.id}"
            session.add(
                StoredConversation(
                    id=spec.id,
                    channel=spec.channel,
                    agent_id=spec.agent,
                    team_id=spec.team,
                    customer_id=(customers or {}).get(spec.id),
                    started_at=spec.start,
                    content_hash=digest,
                    imported_at=moment,
                    updated_at=moment,
                )
            )
        session.flush()  # conversations first: the other rows refer to them
        for spec in items:
            digest = f"hash-{spec.id}"
            for position, turn in enumerate(_turns(spec)):
                session.add(
                    StoredTurn(
                        conversation_id=spec.id,
                        position=position,
                        turn_id=turn["id"],
                        role=turn["role"],
                        text=f"{turn['role']} says something ({position})",
                        time=spec.start + timedelta(minutes=2 * position),
                    )
                )
            record = _record(spec)
            session.add(
                StoredAnalysis(
                    conversation_id=spec.id,
                    content_hash=digest,
                    engine_version="0.1.0",
                    rubric_version="test",
                    created_at=moment,
                    listening_score=spec.listening,
                    components={name: 80.0 for name in COMPONENTS},
                    start_emotion=spec.emotion,
                    end_emotion="neutral",
                    record=record,
                )
            )
            session.add(
                SurveyResponse(
                    conversation_id=spec.id,
                    kind="csat",
                    score=random.Random(spec.id).choice((4, 5) if spec.satisfied else (1, 2, 3)),
                    source="import",
                    submitted_at=spec.start + timedelta(hours=1),
                )
            )
            session.add(
                SurveyResponse(
                    conversation_id=spec.id,
                    kind="nps",
                    score=spec.nps,
                    source="import",
                    submitted_at=spec.start + timedelta(hours=1),
                )
            )


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("impact") / "heard.db"
    db = Database(str(path))
    items = specs()
    # An older analysis of one conversation says the opposite: only the latest counts.
    store(db, items)
    with db.session() as session:
        first = items[0]
        session.add(
            StoredAnalysis(
                conversation_id=first.id,
                content_hash=f"hash-{first.id}",
                engine_version="0.0.9",
                rubric_version="test",
                created_at=datetime(2024, 1, 1, tzinfo=UTC),
                listening_score=1.0,
                components={},
                record={"turns": []},
            )
        )
    # Another team's conversations stay out of --team t1.
    others = [
        Spec(f"x{i}", "email", True, "neutral", True, 10, True, "agent-x", BASE, 1, 90.0, team="t2")
        for i in range(3)
    ]
    store(db, others)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def report(database: Database) -> Any:
    with database.session() as session:
        return build_impact_report(session, team="t1")


# ---------------------------------------------------------------------------------------------
# The statistics.


def test_wilson_and_newcombe_match_published_values() -> None:
    # Newcombe (1998), table II example (a): 56/70 vs 48/80 → 0.2, 95% CI 0.0524 to 0.3339.
    difference, low, high = newcombe(56, 70, 48, 80)
    assert difference == pytest.approx(0.2)
    assert low == pytest.approx(0.0524, abs=5e-4)
    assert high == pytest.approx(0.3339, abs=5e-4)
    low, high = wilson(81, 263)
    assert (low, high) == (pytest.approx(0.2553, abs=5e-4), pytest.approx(0.3662, abs=5e-4))


def test_robust_ols_recovers_a_known_line() -> None:
    import numpy as np

    x = np.column_stack([np.ones(6), np.array([0, 1, 2, 3, 4, 5], dtype=float)])
    y = 2 + 3 * x[:, 1]
    beta, se = robust_ols(x, y)
    assert beta == pytest.approx([2, 3])
    assert se == pytest.approx([0, 0], abs=1e-9)


def test_hc1_on_one_dummy_is_the_unpooled_two_group_standard_error() -> None:
    import numpy as np

    rng = random.Random(3)
    group = np.array([1.0] * 40 + [0.0] * 60)
    y = np.array([rng.gauss(5 if g else 3, 2 if g else 1) for g in group])
    beta, se = robust_ols(np.column_stack([np.ones(100), group]), y)
    a, b = y[group == 1], y[group == 0]
    assert beta[1] == pytest.approx(a.mean() - b.mean())
    hc0 = math.sqrt(a.var() / a.size + b.var() / b.size)  # ddof=0 variances
    assert se[1] == pytest.approx(hc0 * math.sqrt(100 / 98))


def test_nps_bootstrap_is_seeded_and_covers_the_difference() -> None:
    a = [10] * 50 + [7] * 30 + [3] * 20  # NPS 30
    b = [9] * 30 + [8] * 30 + [0] * 40  # NPS −10
    first = bootstrap_nps_difference(a, b, seed=1)
    assert first == bootstrap_nps_difference(a, b, seed=1)
    difference, low, high = first
    assert difference == pytest.approx(40)
    assert low < 40 < high
    # The normal approximation: SE = √(0.61/100 + 0.69/100) × 100 ≈ 11.4 → width ≈ 44.7.
    assert high - low == pytest.approx(44.7, abs=5)


# ---------------------------------------------------------------------------------------------
# The analysis on the synthetic team.


def test_rows_come_from_the_team_and_the_latest_analysis(report: Any) -> None:
    assert report.conversations == 400
    assert report.with_csat == 400
    assert report.with_nps == 400
    paraphrase = report.behaviour("paraphrase_early")
    # c000's older analysis has no turns; the latest one decides.
    assert paraphrase.n_with + paraphrase.n_without == 400
    assert paraphrase.n_with == 200  # a paraphrase only in the fourth agent turn does not count


def test_since_and_until_select_by_start(database: Database) -> None:
    since, until = datetime(2024, 3, 5, tzinfo=UTC), datetime(2024, 3, 7, tzinfo=UTC)
    with database.session() as session:
        rows, _ = load_rows(session, team="t1", since=since, until=until)
    expected = {s.id for s in specs() if since <= s.start < until}
    assert 0 < len(expected) < 400
    assert {row.id for row in rows} == expected


def test_paraphrase_difference_and_ci_contain_the_truth(report: Any) -> None:
    csat = report.behaviour("paraphrase_early").comparison("csat")
    assert csat.n_with == 200 and csat.n_without == 200
    assert csat.value_with == pytest.approx(74.0)
    assert csat.value_without == pytest.approx(41.0)
    assert csat.difference == pytest.approx(RAW_DIFFERENCE)
    assert csat.low < RAW_DIFFERENCE < csat.high
    assert csat.high - csat.low < 20
    assert csat.verdict == "higher"
    # The plain difference is confounded by channel: it excludes the true effect.
    assert csat.low > TRUE_EFFECT


def test_regression_adjusts_for_channel_and_starting_emotion(report: Any) -> None:
    effect = report.behaviour("paraphrase_early").adjusted_effect("csat")
    assert effect is not None
    assert effect.controls == ["channel", "starting emotion"]
    assert effect.n == 400
    # Cell counts are exact, so the linear probability model recovers the effect exactly.
    assert effect.coefficient == pytest.approx(TRUE_EFFECT, abs=1e-6)
    assert effect.low < TRUE_EFFECT < effect.high
    assert effect.low > 0 and effect.high < RAW_DIFFERENCE
    assert effect.p_value is not None and effect.p_value < 0.05
    assert effect.verdict == "higher"


def test_nps_difference_with_bootstrap_ci(report: Any) -> None:
    nps = report.behaviour("paraphrase_early").comparison("nps")
    assert nps.method == "bootstrap"
    assert nps.value_with == pytest.approx(NPS_WITH)
    assert nps.value_without == pytest.approx(NPS_WITHOUT)
    assert nps.difference == pytest.approx(NPS_WITH - NPS_WITHOUT)
    assert nps.low < 40 < nps.high
    assert nps.verdict == "higher"


def test_no_clear_difference_when_the_ci_spans_zero(report: Any) -> None:
    assert report.resolution_measure == RESOLUTION_CONCERNS  # no customer ids: no reopening
    resolution = report.behaviour("paraphrase_early").comparison("resolution")
    assert resolution.difference == pytest.approx(0.0)
    assert resolution.low < 0 < resolution.high
    assert resolution.verdict == "no_clear_difference"
    findings = report.behaviour("paraphrase_early").findings
    assert any(f.startswith("No clear difference in the resolution rate") for f in findings)


def test_too_few_is_said_plainly(report: Any) -> None:
    follow_up = report.behaviour("follow_up")
    assert follow_up.n_with == 5
    csat = follow_up.comparison("csat")
    assert csat.verdict == "too_few"
    text = next(f for f in follow_up.findings if "CSAT" in f)
    assert text.startswith("Too few conversations to conclude")
    assert "5 with it" in text and "at least 30" in text
    assert follow_up.adjusted_effect("csat").verdict == "too_few"  # type: ignore[union-attr]


def test_findings_are_plain_and_never_causal(report: Any) -> None:
    headline = report.findings[0]
    assert headline.startswith(
        "Conversations with a paraphrase in the first three agent turns had CSAT 33 points higher"
        " (95% CI "
    )
    assert "n=400" in headline
    assert (
        "Allowing for the channel and the customer's starting emotion, CSAT was 15 points higher"
        " (95% CI 3–27, p=0.012)." in headline
    )
    text = " ".join(report.findings + report.notes).lower()
    for causal in ("caused", "causes", "leads to", "led to", "because of", "drives", "results in"):
        assert causal not in text.replace("not proof that one causes the other", "")
    assert "not proof" in report.notes[0]


def test_multitasking_groups_come_from_overlapping_intervals(report: Any) -> None:
    tasking = report.multitasking
    assert tasking.measured == 400
    groups = {g.group: g for g in tasking.groups}
    assert (groups["1"].conversations, groups["2"].conversations, groups["3+"].conversations) == (
        100,
        120,
        180,
    )
    assert groups["1"].listening_mean == pytest.approx(80, abs=1.5)
    assert groups["3+"].listening_mean == pytest.approx(64, abs=1.5)
    assert groups["1"].listening_low < groups["1"].listening_mean < groups["1"].listening_high
    differences = {(d.group, d.outcome): d for d in tasking.differences}
    two = differences[("2", "listening_score")]
    three = differences[("3+", "listening_score")]
    assert two.low < -8 < two.high and two.verdict == "lower"
    assert three.low < -16 < three.high and three.verdict == "lower"
    assert any(
        f.startswith(
            "When the agent was handling three or more conversations at once, listening"
            " scores were 16"
        )
        for f in tasking.findings
    )


def test_concurrency_is_the_peak_not_the_count_of_overlaps() -> None:
    t = datetime(2024, 1, 1, 10, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return t + timedelta(minutes=minutes)

    intervals = {
        # a holds b and c at once at 10:15 → 3 each
        "a": ("ann", at(0), at(30)),
        "b": ("ann", at(10), at(20)),
        "c": ("ann", at(15), at(40)),
        "d": ("ann", at(60), at(70)),  # alone
        # a chain: e–f overlap, f–g overlap, e and g do not → never more than 2 at once
        "e": ("bob", at(120), at(150)),
        "f": ("bob", at(140), at(170)),
        "g": ("bob", at(160), at(180)),
        # touching ends do not overlap
        "h": ("cy", at(0), at(10)),
        "i": ("cy", at(10), at(20)),
        # another agent's overlapping conversation does not count
        "j": ("dee", at(0), at(30)),
    }
    assert concurrency(intervals) == {
        "a": 3,
        "b": 3,
        "c": 3,
        "d": 1,
        "e": 2,
        "f": 2,
        "g": 2,
        "h": 1,
        "i": 1,
        "j": 1,
    }


def test_too_little_data_overall() -> None:
    rows = [
        ConversationRow(
            id=f"r{i}", channel="chat", behaviours={"paraphrase_early": i % 2 == 0}, csat=5
        )
        for i in range(10)
    ]
    report = analyse_impact(rows)
    assert report.findings[0].startswith("Only 10 conversations have a CSAT answer: too few")
    assert all(c.verdict == "too_few" for b in report.behaviours for c in b.comparisons)


def test_a_behaviour_that_is_one_channel_cannot_be_adjusted() -> None:
    rows = [
        ConversationRow(
            id=f"r{i}",
            channel="chat" if i < 40 else "email",
            start_emotion="anger" if i % 2 else "neutral",
            behaviours={"paraphrase_early": i < 40},
            csat=5 if i % 3 else 2,
        )
        for i in range(80)
    ]
    effect = adjusted(rows, "paraphrase_early", "csat")
    assert effect.verdict == "not_estimable" and effect.coefficient is None
    impact = analyse_impact(rows).behaviour("paraphrase_early")
    assert any("cannot be told apart from the channel" in f for f in impact.findings)


def test_reopening_is_the_resolution_measure_when_customers_are_known(tmp_path: Path) -> None:
    database = Database(str(tmp_path / "reopen.db"))
    items = specs()[:80]
    customers: dict[str, str] = {}
    for index, spec in enumerate(items):
        spec.start = BASE + timedelta(days=index)  # one a day
        customers[spec.id] = f"cust-{index}"
    # c001's customer comes back three days later (no concern texts: topic unknown → a reopen)
    comeback = Spec(
        "z1",
        "chat",
        False,
        "neutral",
        False,
        5,
        True,
        "agent-0",
        items[1].start + timedelta(days=3),
        1,
        70.0,
    )
    customers["z1"] = customers[items[1].id]
    store(database, [*items, comeback], customers=customers)
    with database.session() as session:
        report = build_impact_report(session, team="t1")
    assert report.resolution_measure == RESOLUTION_REOPENED
    with database.session() as session:
        rows, _ = load_rows(session, team="t1")
    reopened = {row.id: row.reopened for row in rows}
    assert reopened[items[1].id] is True  # its customer came back within 7 days
    assert reopened[items[2].id] is False
    assert reopened[items[-1].id] is None  # too recent to tell
    # The last week's conversations cannot have been reopened yet: resolution unknown.
    assert 60 <= report.with_resolution < 81
    assert "not reopened within 7 days" in " ".join(report.notes)
    database.dispose()


def test_html_is_self_contained_and_escaped(report: Any) -> None:
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "<script" not in page
    assert "http://" not in page and "https://" not in page
    assert "a paraphrase in the first three agent turns" in page
    assert "Effects with their 95% confidence intervals" in page


# ---------------------------------------------------------------------------------------------
# The command.


def test_impact_command_json_table_and_html(database: Database, tmp_path: Path) -> None:
    url = database.url
    result = runner.invoke(app, ["impact", "--db", url, "--team", "t1", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["conversations"] == 400
    keys = [b["key"] for b in document["behaviours"]]
    assert keys[0] == "paraphrase_early"
    csat = document["behaviours"][0]["comparisons"][0]
    assert csat["outcome"] == "csat" and csat["difference"] == pytest.approx(RAW_DIFFERENCE)

    table = runner.invoke(
        app,
        ["impact", "--db", url, "--team", "t1", "--since", "2024-03-01", "--until", "2024-03-31"],
    )
    assert table.exit_code == 0, table.output
    assert "a paraphrase in the first three agent turns" in table.stdout
    assert "Multitasking" in table.stdout

    out = tmp_path / "impact.html"
    html = runner.invoke(app, ["impact", "--db", url, "--format", "html", "--out", str(out)])
    assert html.exit_code == 0, html.output
    assert "<svg" in out.read_text()


def test_impact_command_errors_are_one_line(tmp_path: Path, database: Database) -> None:
    missing = runner.invoke(app, ["impact", "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code == 2
    assert "no database at" in missing.output and "Traceback" not in missing.output
    bad_date = runner.invoke(app, ["impact", "--db", database.url, "--since", "last week"])
    assert bad_date.exit_code == 2
    assert len(bad_date.output.strip().splitlines()) == 1
    empty = runner.invoke(app, ["impact", "--db", database.url, "--team", "nobody"])
    assert empty.exit_code == 3
    assert "no analysed conversations for team nobody" in empty.output
