from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from heard.cli import app
from heard.conversation import Channel
from heard.feedback import followups
from heard.feedback.followups import (
    FollowUpError,
    FollowUpRules,
    asks_for_call,
    cancel,
    default_rules,
    generate_followups,
    list_followups,
    load_rules,
    mark_done,
    reported,
    snooze,
)
from heard.store import Database
from heard.store.models import FollowUp, SurveyResponse

from .support import Store, feedback_database, feedback_database_url, feedback_store  # noqa: F401

runner = CliRunner()
AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

HAPPY = [
    ("c", "Hi, I'd like to update the delivery address on my account."),
    (
        "a",
        "Of course. Go to Settings, then Addresses, and click Edit next to your current address.",
    ),
    ("c", "Found it, that worked. Thanks so much, that's perfect!"),
]
ANGRY = [
    ("c", "My internet has been down for three days and I work from home."),
    ("a", "Have you tried restarting the router?"),
    ("c", "Yes, obviously. This is absolutely ridiculous and unacceptable, I'm furious."),
]
NO_SOLUTION = [
    ("c", "My bill is wrong, I was charged twice for March."),
    ("a", "I see."),
    ("c", "So what happens now?"),
    ("a", "I can't say."),
]
URGENT = [
    ("c", "My passport renewal hasn't been processed and my flight is on Friday."),
    (
        "a",
        "I've escalated your application to the priority team and it will be processed within 24 hours.",
    ),
    ("c", "Thank you, that's a relief."),
]
CALLBACK = [
    ("c", "My router keeps dropping the connection every evening."),
    ("a", "I've reset your line from our side, which should fix the drops."),
    ("c", "Thanks. Can someone ring me this afternoon to check it's working?"),
    ("a", "Yes, I'll arrange that."),
]
NO_CALL = [
    ("c", "My router keeps dropping the connection every evening."),
    ("a", "I've reset your line from our side, which should fix the drops."),
    ("c", "Thanks, that's great. Please don't call me, email is fine."),
]
PARTY = [
    ("c", "Hi, my order from the 3rd still hasn't arrived and I need it for Saturday's party."),
    (
        "a",
        "I'm so sorry, I can see why you're worried. I've reshipped your order by express courier and it will arrive by Friday.",
    ),
    ("c", "Ok, thank you."),
]
PLACEHOLDER = re.compile(r"[\[\]{}<>]|\bNAME\b|\bTODO\b|\bXXX\b|_{3,}|\$\w+|%s", re.IGNORECASE)


def _generate(database: Database, **options: object) -> list[FollowUp]:
    with database.session() as session:
        return generate_followups(session, at=AT, **options)  # type: ignore[arg-type]


def _tasks(database: Database) -> list[FollowUp]:
    with database.session() as session:
        return list(session.scalars(select(FollowUp).order_by(FollowUp.id)))


def _causes(tasks: list[FollowUp]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for task in tasks:
        found.setdefault(task.conversation_id, set()).add(task.cause)
    return found


def _answer(
    database: Database,
    conversation_id: str,
    kind: str,
    score: int,
    comment: str | None = None,
    days: int = 0,
) -> None:
    with database.session() as session:
        session.add(
            SurveyResponse(
                conversation_id=conversation_id,
                kind=kind,
                score=score,
                comment=comment,
                comment_emotion=None,
                comment_concerns=[],
                source="import",
                external_id=f"{kind}-{score}-{days}",
                submitted_at=AT - timedelta(days=1) + timedelta(hours=days),
            )
        )


# --- the rules ----------------------------------------------------------------------------------


def test_each_rule_fires_where_it_should_and_nowhere_else(database: Database, store: Store) -> None:
    for name, turns in [
        ("happy", HAPPY),
        ("angry", ANGRY),
        ("no-solution", NO_SOLUTION),
        ("urgent", URGENT),
        ("callback", CALLBACK),
        ("no-call", NO_CALL),
    ]:
        store(name, turns)
    causes = _causes(_generate(database))
    assert "happy" not in causes  # ended grateful, answered, no deadline, no call asked for
    assert "no-call" not in causes  # "please don't call me" is not a request for a call
    assert causes["angry"] == {"negative_end", "unresolved"}
    assert "unresolved" in causes["no-solution"]
    assert causes["urgent"] == {"urgency"}
    assert causes["callback"] == {"callback"}


def test_negative_end_needs_enough_intensity(database: Database, store: Store) -> None:
    store("angry", ANGRY)
    strict = default_rules().model_copy(
        update={
            "rules": default_rules().rules.model_copy(
                update={"negative_end": followups.NegativeEndRule(min_intensity=0.99)}
            )
        }
    )
    assert "negative_end" not in _causes(_generate(database, rules=strict)).get("angry", set())


def test_unresolved_for_a_concern_nobody_answered(database: Database, store: Store) -> None:
    store("angry", ANGRY)
    [task] = [t for t in _generate(database) if t.cause == "unresolved"]
    assert "never acknowledged or answered" in task.reason
    assert "ridiculous and unacceptable" in task.reason


def test_unresolved_when_no_solution_was_given(database: Database, store: Store) -> None:
    store("no-solution", NO_SOLUTION)
    [task] = [t for t in _generate(database) if t.cause == "unresolved"]
    assert "no solution" in task.reason
    assert "charged twice for March" in task.reason
    assert "you were charged twice for March" in task.message


def test_low_csat_fires_and_a_fair_one_does_not(database: Database, store: Store) -> None:
    store("low", HAPPY)
    store("fair", HAPPY)
    _answer(
        database, "low", "csat", 2, "The agent was polite but I'm still waiting for my replacement."
    )
    _answer(database, "fair", "csat", 3)
    causes = _causes(_generate(database))
    assert causes == {"low": {"csat_low"}}
    [task] = _tasks(database)
    assert task.priority == "high"
    assert "CSAT 2/5" in task.reason
    assert "rated us 2 out of 5" in task.message
    assert "“The agent was polite but I'm still waiting for my replacement.”" in task.message


def test_nps_detractors_fire_and_passives_do_not(database: Database, store: Store) -> None:
    store("detractor", HAPPY)
    store("passive", HAPPY)
    _answer(database, "detractor", "nps", 6)
    _answer(database, "passive", "nps", 7)
    assert _causes(_generate(database)) == {"detractor": {"nps_detractor"}}
    [task] = _tasks(database)
    assert "6 out of 10" in task.message


def test_the_latest_answer_counts(database: Database, store: Store) -> None:
    store("changed-mind", HAPPY)
    _answer(database, "changed-mind", "csat", 1, days=0)
    _answer(database, "changed-mind", "csat", 5, days=2)
    assert _generate(database) == []


def test_survey_answers_without_an_analysis(database: Database, store: Store) -> None:
    store("unanalysed", HAPPY, analyse=False)
    _answer(database, "unanalysed", "csat", 1, "Nobody listened to me.")
    [task] = _generate(database)
    assert task.cause == "csat_low"
    assert "“Nobody listened to me.”" in task.message


def test_urgency_is_due_sooner(database: Database, store: Store) -> None:
    store("urgent", URGENT)
    store("angry", ANGRY)
    tasks = {(t.conversation_id, t.cause): t for t in _generate(database)}
    urgent = tasks[("urgent", "urgency")]
    assert urgent.priority == "urgent"
    assert urgent.due_at.replace(tzinfo=UTC) == AT + timedelta(hours=4)
    assert "my flight is on Friday" in urgent.reason
    normal = tasks[("angry", "negative_end")]
    assert normal.priority == "normal"
    assert normal.due_at.replace(tzinfo=UTC) == AT + timedelta(days=2)


@pytest.mark.parametrize(
    "sentence",
    [
        "Can you call me back please?",
        "Can someone ring me?",
        "Could somebody give me a call tomorrow?",
        "I'd like a callback about this.",
        "Please phone me on my mobile.",
        "I want to speak to someone on the phone.",
        "Can’t someone just call me back?",
        "I don't know what's wrong, can you call me back?",
    ],
)
def test_requests_for_a_call(sentence: str) -> None:
    assert asks_for_call(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Please don't call me, email is fine.",
        "I called you yesterday about this.",
        "My phone screen is cracked.",
        "Do not ring me at work.",
        "There's no need to call me back.",
    ],
)
def test_not_requests_for_a_call(sentence: str) -> None:
    assert not asks_for_call(sentence)


def test_extra_callback_patterns_from_the_rules(
    database: Database, store: Store, tmp_path: Path
) -> None:
    store(
        "bell",
        [
            ("c", "My card was declined twice today."),
            ("a", "I've unblocked your card, so it will work now."),
            ("c", "Bell me later mate."),
        ],
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  callback:\n    patterns: ['\\bbell me\\b']\n")
    tasks = _generate(database, rules=rules)
    assert "callback" in {t.cause for t in tasks}
    assert {t.channel for t in tasks} == {"call"}


# --- never twice ----------------------------------------------------------------------------------


def test_never_twice_for_the_same_cause(database: Database, store: Store) -> None:
    store("angry", ANGRY)
    first = _generate(database)
    assert len(first) == 2
    assert _generate(database) == []
    with database.session() as session:
        for task in first:
            cancel(session, task.id)
    assert _generate(database) == []
    assert len(_tasks(database)) == 2


def test_a_new_cause_still_gets_its_task(database: Database, store: Store) -> None:
    store("angry", ANGRY)
    _generate(database)
    _answer(database, "angry", "csat", 1)
    [new] = _generate(database)
    assert new.cause == "csat_low"


def test_a_task_created_meanwhile_is_not_duplicated(
    database: Database, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique constraint is the guarantee: losing a race is handled, not an error."""
    store("callback", CALLBACK)
    original = followups._facts

    def racing(*args: object, **kwargs: object) -> object:
        with database.session() as other:  # another process got there first
            other.add(
                FollowUp(
                    conversation_id="callback",
                    cause="callback",
                    reason="made elsewhere",
                    priority="high",
                    channel="call",
                    assignee="someone",
                    due_at=AT,
                    status="open",
                    message="made elsewhere",
                    created_at=AT,
                    updated_at=AT,
                )
            )
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(followups, "_facts", racing)
    assert _generate(database) == []
    [task] = _tasks(database)
    assert task.reason == "made elsewhere"


# --- the drafted message --------------------------------------------------------------------------


def test_the_message_quotes_the_customer_and_what_was_done(
    database: Database, store: Store
) -> None:
    store("party", PARTY, customer="Sam Jones", agent="Mia")
    [task] = _generate(database)
    assert task.cause == "urgency"
    message = task.message
    assert message.startswith("Hi Sam,")
    # The customer's issue in their own words, turned to speak to them.
    assert (
        "your order from the 3rd still hasn't arrived and you need it for Saturday's party"
        in message
    )
    # What the agent did, quoted.
    assert "“I've reshipped your order by express courier and it will arrive by Friday.”" in message
    # What happens next, and when.
    assert "by Monday 2 March" in message
    assert message.rstrip().endswith("Mia")
    assert not PLACEHOLDER.search(message)


def test_no_message_has_template_blanks(database: Database, store: Store) -> None:
    for name, turns in [
        ("angry", ANGRY),
        ("no-solution", NO_SOLUTION),
        ("urgent", URGENT),
        ("callback", CALLBACK),
    ]:
        store(name, turns)
    store("voice", ANGRY, channel=Channel.VOICE, agent_id=None)
    _answer(database, "urgent", "nps", 2, "Slow.")
    tasks = _generate(database)
    assert len(tasks) >= 7
    for task in tasks:
        assert not PLACEHOLDER.search(task.message), task.message
        assert task.message.startswith("Hello,")
        assert task.message.rstrip().endswith("The customer service team")


def test_messages_are_deterministic(database: Database, store: Store) -> None:
    store("angry", ANGRY)
    store("callback", CALLBACK)
    first = {(t.conversation_id, t.cause): t.message for t in _generate(database)}
    with database.session() as session:
        session.execute(delete(FollowUp))
    second = {(t.conversation_id, t.cause): t.message for t in _generate(database)}
    assert first == second


def test_reported_speech() -> None:
    assert (
        reported("my order hasn't arrived and I need it")
        == "your order hasn't arrived and you need it"
    )
    assert reported("I am worried about my account") == "you are worried about your account"
    assert reported("we were charged twice") == "you were charged twice"
    assert reported("The app crashes when I log in") == "the app crashes when you log in"
    assert reported("you sent me the wrong size") is None  # speaks to us: quoted instead
    assert reported("Still waiting for my refund") is None


# --- channel, assignee --------------------------------------------------------------------------


def test_channel_follows_the_conversation_or_the_request(database: Database, store: Store) -> None:
    store("voice", ANGRY, channel=Channel.VOICE)
    store("email", ANGRY, channel=Channel.EMAIL)
    store("chat", ANGRY)
    store("callback", CALLBACK)
    channels = {t.conversation_id: t.channel for t in _generate(database)}
    assert channels == {"voice": "call", "email": "email", "chat": "message", "callback": "call"}


def test_assignee_is_the_agent_or_a_queue(database: Database, store: Store, tmp_path: Path) -> None:
    store("mine", ANGRY, agent_id="agent-tom")
    store("orphan", ANGRY, agent_id=None, team_id="team-billing")
    store("nobody", ANGRY, agent_id=None, team_id=None)
    rules = tmp_path / "rules.yaml"
    rules.write_text("assign:\n  queue: general\n  team_queues: {team-billing: billing-desk}\n")
    assignees = {t.conversation_id: t.assignee for t in _generate(database, rules=rules)}
    assert assignees == {"mine": "agent-tom", "orphan": "billing-desk", "nobody": "general"}


def test_queue_assignment_for_every_task(database: Database, store: Store, tmp_path: Path) -> None:
    store("mine", ANGRY, agent_id="agent-tom", agent="Tom")
    rules = tmp_path / "rules.yaml"
    rules.write_text("assign: {to: queue}\nsignature: The Orders team\n")
    tasks = _generate(database, rules=rules)
    assert {t.assignee for t in tasks} == {"follow-ups"}
    for task in tasks:
        assert task.message.rstrip().endswith("The Orders team")


# --- rules files ------------------------------------------------------------------------------------


def test_the_documented_defaults_are_the_defaults() -> None:
    assert default_rules() == FollowUpRules()
    assert load_rules(None) == FollowUpRules()


def test_a_rules_file_changes_only_what_it_says(
    database: Database, store: Store, tmp_path: Path
) -> None:
    store("fair", URGENT)
    _answer(database, "fair", "csat", 3)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  csat_low: {max_score: 3}\n  urgency: {enabled: false}\ndue_within: {high: 6h}\n"
    )
    loaded = load_rules(rules)
    assert loaded.rules.csat_low.max_score == 3
    assert loaded.rules.csat_low.priority == "high"
    assert loaded.rules.nps_detractor.max_score == 6
    [task] = _generate(database, rules=rules)
    assert task.cause == "csat_low"
    assert task.due_at.replace(tzinfo=UTC) == AT + timedelta(hours=6)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("rules: [", "not valid YAML"),
        ("- a list", "mapping"),
        ("rules:\n  csat_low: {max_scor: 3}\n", "max_scor"),
        ("due_within: {urgent: soon}\n", "soon"),
        ("rules:\n  callback: {patterns: ['(']}\n", "regular expression"),
        ("assign: {to: everyone}\n", "assign.to"),
    ],
)
def test_bad_rules_files_are_one_clear_error(tmp_path: Path, text: str, words: str) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(text)
    with pytest.raises(FollowUpError) as caught:
        load_rules(rules)
    assert caught.value.code == "bad_rules"
    assert words in caught.value.message
    assert "\n" not in caught.value.message


# --- working the tasks -------------------------------------------------------------------------------


@pytest.fixture
def tasks(database: Database, store: Store) -> dict[str, int]:
    store("angry", ANGRY, agent_id="agent-tom")
    store("urgent", URGENT, agent_id="agent-mia")
    return {f"{t.conversation_id}/{t.cause}": t.id for t in _generate(database)}


def test_done_snooze_and_cancel(database: Database, tasks: dict[str, int]) -> None:
    later = datetime.now(UTC) + timedelta(days=3)
    with database.session() as session:
        done = mark_done(session, tasks["angry/negative_end"], "Called, all sorted.")
        assert done.status == "done" and done.note == "Called, all sorted."
        snoozed = snooze(session, tasks["angry/unresolved"], later, "Customer on holiday.")
        assert snoozed.status == "snoozed"
        cancelled = cancel(session, tasks["urgent/urgency"])
        assert cancelled.status == "cancelled"
    states = {t.id: (t.status, t.due_at.replace(tzinfo=UTC)) for t in _tasks(database)}
    assert states[tasks["angry/unresolved"]] == ("snoozed", later)


def test_closed_tasks_stay_closed(database: Database, tasks: dict[str, int]) -> None:
    with database.session() as session:
        mark_done(session, tasks["angry/negative_end"])
        cancel(session, tasks["urgent/urgency"])
    for action in (
        lambda s, i: mark_done(s, i),
        lambda s, i: cancel(s, i),
        lambda s, i: snooze(s, i, datetime.now(UTC) + timedelta(days=1)),
    ):
        for task_id in (tasks["angry/negative_end"], tasks["urgent/urgency"]):
            with pytest.raises(FollowUpError) as caught, database.session() as session:
                action(session, task_id)
            assert caught.value.code == "closed"


def test_bad_ids_and_times(database: Database, tasks: dict[str, int]) -> None:
    with pytest.raises(FollowUpError) as caught, database.session() as session:
        mark_done(session, 999_999)
    assert caught.value.code == "not_found"
    with pytest.raises(FollowUpError) as caught, database.session() as session:
        snooze(session, tasks["angry/unresolved"], datetime.now(UTC) - timedelta(hours=1))
    assert caught.value.code == "bad_time"
    assert {t.status for t in _tasks(database)} == {"open"}


def test_list_filters(database: Database, tasks: dict[str, int]) -> None:
    with database.session() as session:
        everything = list_followups(session)
        assert len(everything) == 3
        assert everything[0].cause == "urgency"  # soonest due first
        assert {t.conversation_id for t in list_followups(session, assignee="agent-tom")} == {
            "angry"
        }
        assert [t.cause for t in list_followups(session, due_before=AT + timedelta(days=1))] == [
            "urgency"
        ]
        mark_done(session, tasks["urgent/urgency"])
    with database.session() as session:
        assert len(list_followups(session, status="open")) == 2
        assert [t.cause for t in list_followups(session, status="done")] == ["urgency"]
        with pytest.raises(FollowUpError):
            list_followups(session, status="sleeping")


def test_an_ended_snooze_is_open_again(database: Database, tasks: dict[str, int]) -> None:
    task_id = tasks["angry/unresolved"]
    with database.session() as session:
        snooze(session, task_id, AT + timedelta(days=5), at=AT)
    with database.session() as session:
        open_now = {t.id for t in list_followups(session, status="open", at=AT + timedelta(days=1))}
        open_later = {
            t.id for t in list_followups(session, status="open", at=AT + timedelta(days=6))
        }
    assert task_id not in open_now
    assert task_id in open_later


# --- heard followups ---------------------------------------------------------------------------------


def _cli(database: Database, *arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, ["followups", *arguments, "--db", database.url])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_cli_generate_list_show_and_work_the_tasks(
    database: Database, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    store("angry", ANGRY, agent_id="agent-tom")
    store("urgent", URGENT)
    code, output = _cli(database, "generate")
    assert code == 0, output
    assert "3 new follow-ups" in output
    code, output = _cli(database, "generate")
    assert code == 0 and "0 new follow-ups" in output
    code, output = _cli(database, "list", "--assignee", "agent-tom")
    assert code == 0, output
    assert "negative_end" in output and "urgency" not in output
    ids = {t.cause: t.id for t in _tasks(database)}
    code, output = _cli(database, "show", str(ids["urgency"]))
    assert code == 0, output
    assert "my flight is on Friday" in output
    code, output = _cli(database, "done", str(ids["negative_end"]), "--note", "Called back.")
    assert code == 0, output
    code, output = _cli(database, "snooze", str(ids["unresolved"]), "--until", "2099-01-01")
    assert code == 0, output
    code, output = _cli(database, "cancel", str(ids["urgency"]))
    assert code == 0, output
    statuses = {t.cause: (t.status, t.note) for t in _tasks(database)}
    assert statuses == {
        "negative_end": ("done", "Called back."),
        "unresolved": ("snoozed", None),
        "urgency": ("cancelled", None),
    }
    code, output = _cli(database, "list", "--status", "all", "--due-before", "2100-01-01")
    assert code == 0 and output.count("angry") == 2
    code, output = _cli(database, "list")
    assert code == 0 and "no follow-ups" in output


def test_cli_generate_with_a_rules_file(database: Database, store: Store, tmp_path: Path) -> None:
    store("urgent", URGENT)
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  urgency: {enabled: false}\n")
    code, output = _cli(database, "generate", "--rules", str(rules))
    assert code == 0 and "0 new follow-ups" in output
    rules.write_text("rules: [")
    code, output = _cli(database, "generate", "--rules", str(rules))
    assert code == 2
    assert "not valid YAML" in output


def test_cli_errors_are_one_line(database: Database, tasks: dict[str, int]) -> None:
    code, output = _cli(database, "done", "424242")
    assert (code, output.strip()) == (2, "error: no follow-up with id 424242")
    task_id = str(tasks["urgent/urgency"])
    _cli(database, "cancel", task_id)
    code, output = _cli(database, "done", task_id)
    assert (
        code == 2 and output.strip().startswith("error: ") and len(output.strip().splitlines()) == 1
    )
    code, output = _cli(database, "snooze", task_id, "--until", "next week")
    assert code == 2 and "next week" in output
    code, output = _cli(database, "snooze", str(tasks["angry/unresolved"]), "--until", "2001-01-01")
    assert code == 2 and "passed" in output


def test_cli_list_due_before_a_date(database: Database, tasks: dict[str, int]) -> None:
    code, output = _cli(database, "list", "--due-before", "2026-03-03")
    assert code == 0
    assert "urgency" in output and "negative_end" not in output


def test_cli_count(database: Database, tasks: dict[str, int]) -> None:
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(FollowUp)) == 3
