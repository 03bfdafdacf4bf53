"""`heard report`: the numbers from a real database, the self-contained HTML, and the command."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.analysis import analyze
from heard.cli import app
from heard.conversation import Conversation
from heard.feedback.metrics import wilson_interval
from heard.feedback.report import (
    Filters,
    ReportError,
    build_report,
    parse_moment,
    period_axis,
    render_html,
    report_json,
)
from heard.readers import read
from heard.store import repository
from heard.store.database import Database
from heard.store.models import SurveyResponse
from store import conftest as store_fixtures

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()
Stored = tuple[str, dict[str, Conversation], dict[str, float | None]]

# The nine examples, plus:
#   chat-1002b: cust-3310 again, three days after chat-1002, about the same late order
#               (agent-tom, team-orders) → chat-1002 was reopened;
#   chat-1005:  a new customer on 20 March (agent-zoe), so every window up to 13 March closes.
# Customer ids: chat-1001 cust-2291, chat-1002 cust-3310, chat-1003 cust-1188,
# chat-1004 cust-4402, m1-77120@example.org jordan.reyes@example.org; the calls and texts
# have none.
SURVEYS = [
    ("chat-1001", "csat", 5),
    ("chat-1002", "csat", 2),
    ("chat-1003", "csat", 4),
    ("chat-1004", "csat", 1),
    ("m1-77120@example.org", "csat", 5),
    ("sms-2001", "csat", 4),
    ("chat-1002b", "csat", 3),
    ("chat-1001", "nps", 10),
    ("chat-1002", "nps", 3),
    ("chat-1003", "nps", 8),
    ("m1-77120@example.org", "nps", 9),
    ("sms-2001", "ces", 6),
    ("chat-1004", "ces", 2),
]


def _shifted(conversation: Conversation, new_id: str, days: int, **changes: object) -> Conversation:
    delta = timedelta(days=days)
    assert conversation.started_at is not None
    turns = [
        t.model_copy(update={"time": t.time + delta if t.time else None})
        for t in conversation.turns
    ]
    return conversation.model_copy(
        update={
            "id": new_id,
            "started_at": conversation.started_at + delta,
            "turns": turns,
            **changes,
        }
    )


def _conversations() -> dict[str, Conversation]:
    conversations = {c.id: c for c in read(EXAMPLES) if isinstance(c, Conversation)}
    assert len(conversations) == 9
    conversations["chat-1002b"] = _shifted(conversations["chat-1002"], "chat-1002b", 3)
    conversations["chat-1005"] = _shifted(
        conversations["chat-1003"], "chat-1005", 17, customer_id="cust-9999", agent_id="agent-zoe"
    )
    return conversations


def _populate(url: str, conversations: dict[str, Conversation]) -> dict[str, float | None]:
    """Store and analyse the conversations, add the survey responses that belong to them, and
    return each conversation's listening score."""
    scores: dict[str, float | None] = {}
    db = Database(url)
    with db.session() as session:
        for conversation in conversations.values():
            analysis = analyze(conversation)
            scores[conversation.id] = analysis.listening_score
            repository.save_conversation(session, conversation, source="test")
            repository.save_analysis(session, conversation, analysis)
        session.flush()
        for index, (cid, kind, score) in enumerate(SURVEYS):
            if cid not in conversations:
                continue
            session.add(
                SurveyResponse(
                    conversation_id=cid,
                    kind=kind,
                    score=score,
                    source="import",
                    external_id=f"r{index}",
                    submitted_at=datetime(2026, 3, 21, tzinfo=UTC),
                )
            )
    db.dispose()
    return scores


@pytest.fixture(scope="module")
def service_db(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    path = str(tmp_path_factory.mktemp("report") / "heard.db")
    conversations = _conversations()
    return path, conversations, _populate(path, conversations)


@pytest.fixture(name="backend_url", params=store_fixtures.BACKENDS)
def _backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file, then a fresh PostgreSQL database (skipped when none is reachable,
    except in CI), as in the storage tests."""
    if request.param == "sqlite":
        yield store_fixtures.sqlite_url(tmp_path)
    else:
        with store_fixtures.postgres_database() as url:
            yield url


def test_the_same_numbers_on_sqlite_and_postgresql(backend_url: str) -> None:
    # The six chats only: chat-1001, -1002, -1002b, -1003, -1004, -1005.
    chats = {k: v for k, v in _conversations().items() if k.startswith("chat-")}
    _populate(backend_url, chats)
    db = Database(backend_url)
    try:
        everything = report_json(build_report(db, Filters()))
        # CSAT [5, 2, 4, 1, 3] → 2 / 5 = 40 %; NPS [10, 3, 8] → (1 − 1) / 3 = 0
        assert everything["overall"]["csat"]["value"] == pytest.approx(40.0)
        assert everything["overall"]["nps"]["value"] == pytest.approx(0.0)
        # as of 20 March: chat-1001, -1002 (reopened by -1002b), -1002b, -1003, -1004 → 4 / 5
        assert everything["overall"]["fcr"]["value"] == pytest.approx(80.0)
        days = report_json(
            build_report(
                db,
                Filters(
                    since=parse_moment("2026-03-03"), until=parse_moment("2026-03-04", end=True)
                ),
            )
        )
        assert days["counts"]["conversations"] == 2  # chat-1003 (3 March), chat-1004 (4 March)
        team = report_json(build_report(db, Filters(team="team-orders", period="day")))
        assert team["counts"]["conversations"] == 3  # chat-1001, -1002, -1002b
        assert {r["group"] for r in team["slices"]["period"]} == {"2026-03-02", "2026-03-05"}
    finally:
        db.dispose()


def _json(db: str, *args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["report", "--db", db, "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _handle_time(conversation: Conversation) -> float:
    if conversation.channel.value == "voice":
        starts = [t.start for t in conversation.turns if t.start is not None]
        ends = [t.end if t.end is not None else t.start for t in conversation.turns]
        return max(e for e in ends if e is not None) - min(starts)
    times = [t.time for t in conversation.turns if t.time is not None]
    return (max(times) - min(times)).total_seconds()


def test_json_report_numbers(
    service_db: Stored,
) -> None:
    db, conversations, scores = service_db
    report = _json(db)
    assert report["counts"] == {
        "conversations": 11,
        "analysed": 11,
        "responses": {"csat": 7, "nps": 4, "ces": 2},
    }
    overall = report["overall"]
    # CSAT [5, 2, 4, 1, 5, 4, 3]: satisfied 5, 4, 5, 4 → 4 / 7 = 57.1 %
    low, high = wilson_interval(4, 7)
    assert overall["csat"]["value"] == pytest.approx(400 / 7)
    assert overall["csat"]["n"] == 7
    assert overall["csat"]["ci_low"] == pytest.approx(100 * low)
    assert overall["csat"]["ci_high"] == pytest.approx(100 * high)
    assert overall["csat"]["small_sample"] is True
    # NPS [10, 3, 8, 9]: promoters 2, passives 1, detractors 1 → (2 − 1) / 4 = +25
    assert overall["nps"]["value"] == pytest.approx(25.0)
    assert overall["nps"]["details"]["passives"] == 1
    # CES [6, 2]: mean 4.0; agreeing (5–7) 1 / 2 = 50 %
    assert overall["ces"]["value"] == pytest.approx(4.0)
    assert overall["ces_agree"]["value"] == pytest.approx(50.0)
    # Reopens: as of 20 March (chat-1005), every window that started by 13 March has closed.
    # Eligible (have a customer id): chat-1001, chat-1002, chat-1002b, chat-1003, chat-1004,
    # the email = 6 (chat-1005's window is still open). chat-1002 was reopened by chat-1002b.
    # FCR 5 / 6 = 83.3 %, reopen rate 1 / 6 = 16.7 %.
    assert report["as_of"].startswith("2026-03-20")
    assert overall["fcr"]["value"] == pytest.approx(500 / 6)
    assert overall["fcr"]["n"] == 6
    assert overall["reopen_rate"]["value"] == pytest.approx(100 / 6)
    assert overall["fcr"]["details"]["excluded_window_still_open"] == 1
    assert overall["fcr"]["details"]["excluded_no_customer_id"] == 4
    # Listening score: the mean of the stored analyses
    known = [s for s in scores.values() if s is not None]
    assert overall["listening_score"]["value"] == pytest.approx(statistics.fmean(known))
    assert overall["listening_score"]["n"] == len(known)
    # AHT: the mean span of every conversation
    spans = [_handle_time(c) for c in conversations.values()]
    assert overall["aht"]["value"] == pytest.approx(statistics.fmean(spans))
    assert overall["aht"]["unit"] == "seconds"
    # FRT only for messaging conversations (9 of 11 are not calls)
    assert overall["frt"]["n"] == 9
    # Every estimate has its interval and method when it has a value
    for estimate in overall.values():
        if estimate["value"] is not None and estimate["n"] > 0:
            assert estimate["ci_method"] in ("wilson", "bootstrap")
            assert estimate["ci_low"] <= estimate["value"] + 1e-9 <= estimate["ci_high"] + 2e-9
    # The distribution covers every analysed conversation
    assert sum(b["count"] for b in report["distribution"]["bands"]) == len(known)


def test_json_slices(
    service_db: Stored,
) -> None:
    db, _, _ = service_db
    report = _json(db, "--period", "week")
    assert set(report["slices"]) == {"period", "agent", "team", "channel"}
    weeks = {r["group"] for r in report["slices"]["period"]}
    # 2–8 March is 2026-W10, 9–15 March W11, 16–22 March W12; the calls have no date
    assert weeks == {"2026-W10", "2026-W11", "2026-W12", "(undated)"}
    agents = {(r["group"], r["metric"]): r for r in report["slices"]["agent"]}
    # agent-tom: chat-1002 (reopened), chat-1002b, chat-1004 → FCR 2 / 3; CSAT [2, 3, 1] → 0 %
    assert agents["agent-tom", "fcr"]["value"] == pytest.approx(200 / 3)
    assert agents["agent-tom", "csat"]["value"] == 0.0
    assert agents["agent-tom", "csat"]["conversations"] == 3
    # agent-mia: CSAT [5, 4] → 100 %, NPS [10, 8] → (1 − 0) / 2 = +50
    assert agents["agent-mia", "csat"]["value"] == 100.0
    assert agents["agent-mia", "nps"]["value"] == 50.0
    months = _json(db, "--period", "month")["slices"]["period"]
    assert {r["slice"] for r in months} == {"month"}
    assert {r["group"] for r in months} == {"2026-03", "(undated)"}


def test_filters(service_db: Stored) -> None:
    db, _, _ = service_db
    mia = _json(db, "--agent", "agent-mia")
    assert mia["filters"]["agent"] == "agent-mia"
    assert mia["counts"]["conversations"] == 2  # chat-1001, chat-1003
    assert mia["overall"]["csat"]["value"] == 100.0
    orders = _json(db, "--team", "team-orders")
    assert orders["counts"]["conversations"] == 3  # chat-1001, chat-1002, chat-1002b
    # chat-1002 reopened by chat-1002b; both others resolved → 2 / 3
    assert orders["overall"]["fcr"]["value"] == pytest.approx(200 / 3)
    sms = _json(db, "--channel", "sms")
    assert sms["counts"]["conversations"] == 2
    assert sms["overall"]["ces"]["value"] == 6.0
    # --until is inclusive of its day: 3 and 4 March → chat-1003, chat-1004
    days = _json(db, "--since", "2026-03-03", "--until", "2026-03-04")
    assert days["counts"]["conversations"] == 2
    assert days["overall"]["csat"]["n"] == 2  # [4, 1]
    assert days["overall"]["csat"]["value"] == 50.0
    # A reopen that happened after --until still counts against the first contact
    early = _json(db, "--until", "2026-03-02", "--channel", "chat")
    assert early["counts"]["conversations"] == 2  # chat-1001, chat-1002
    assert early["overall"]["reopen_rate"]["value"] == 50.0
    nothing = _json(db, "--agent", "nobody")
    assert nothing["counts"]["conversations"] == 0
    assert nothing["overall"]["csat"]["value"] is None
    assert nothing["overall"]["csat"]["reason"] == "no CSAT responses"


class _Checker(HTMLParser):
    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr", "col", "source"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.links: list[str] = []
        self.svg_classes: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._collect(tag, attrs)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._collect(tag, attrs)

    def _collect(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "xlink:href", "action", "srcset", "data"):
            if values.get(name):
                self.links.append(values[name] or "")
        if tag == "svg":
            self.svg_classes.append(values.get("class") or "")
        if tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


def test_html_is_self_contained_and_has_the_charts(service_db: Stored, tmp_path: Path) -> None:
    db, _, _ = service_db
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--db", db, "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    assert checker.scripts == 0
    assert all(link.startswith("#") for link in checker.links), checker.links
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html)
    assert "@import" not in html and "url(" not in html
    # trends (one per metric with a value), the distribution, agents compared
    assert checker.svg_classes.count("trend-chart") == 4  # listening, CSAT, NPS, FCR
    assert "histogram" in checker.svg_classes
    assert checker.svg_classes.count("agent-chart") >= 3
    # interval bands and whiskers, axis labels with units
    assert '<polygon class="band"' in html
    assert 'class="whisker"' in html
    for label in (
        "Listening score (points, 0–100)",
        "CSAT (% satisfied, 4–5 of 5)",
        "NPS (points, −100 to +100)",
        "First-contact resolution (%)",
        "Period (UTC)",
        "Conversations",
    ):
        assert label in html
    assert "2026-W10" in html and "agent-tom" in html
    assert "small n" in html


def test_html_escapes_data(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db = Database(str(path))
    conversation = Conversation.model_validate(
        {
            "id": "<script>alert(1)</script>",
            "channel": "chat",
            "agent_id": "<b>agent</b>",
            "started_at": "2026-03-02T10:00:00Z",
            "turns": [
                {
                    "id": "t1",
                    "role": "customer",
                    "text": "My order is late.",
                    "time": "2026-03-02T10:00:00Z",
                },
                {
                    "id": "t2",
                    "role": "agent",
                    "text": "Sorry, I will check.",
                    "time": "2026-03-02T10:01:00Z",
                },
            ],
        }
    )
    with db.session() as session:
        repository.save_conversation(session, conversation)
        repository.save_analysis(session, conversation, analyze(conversation))
    report = build_report(db, Filters())
    db.dispose()
    html = render_html(report)
    assert "<b>agent</b>" not in html and "&lt;b&gt;agent&lt;/b&gt;" in html
    assert "<script" not in html


def test_empty_database_renders_every_format(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    Database(str(path)).dispose()
    for fmt in ("table", "json", "html"):
        result = runner.invoke(app, ["report", "--db", str(path), "--format", fmt])
        assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(app, ["report", "--db", str(path), "-f", "json"]).stdout)
    assert data["counts"]["conversations"] == 0
    assert all(e["value"] is None and e["reason"] for e in data["overall"].values())


def test_table_output(
    service_db: Stored,
) -> None:
    db, _, _ = service_db
    result = runner.invoke(app, ["report", "--db", db, "--team", "team-orders"])
    assert result.exit_code == 0, result.output
    for text in ("Service report", "team team-orders", "CSAT", "NPS", "First-contact", "By week"):
        assert text in result.stdout
    assert "fewer than 30" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-13-45"], "not a date"),
        (["--until", "yesterday"], "not a date"),
        (["--since", "2026-03-05", "--until", "2026-03-01"], "--since must be before --until"),
        (["--agent", "a", "--team", "t"], "not both"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(
    service_db: Stored,
    args: list[str],
    message: str,
) -> None:
    db, _, _ = service_db
    result = runner.invoke(app, ["report", "--db", db, *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_and_unreachable_databases(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["report", "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code == 2
    assert "no database at" in missing.output
    assert not (tmp_path / "nope.db").exists()
    unreachable = runner.invoke(
        app, ["report", "--db", "postgresql://heard@127.0.0.1:1/heard", "--format", "json"]
    )
    assert unreachable.exit_code == 2
    assert "cannot open the database" in unreachable.output
    assert "Traceback" not in unreachable.output
    assert len(unreachable.output.strip().splitlines()) == 1


def test_parse_moment() -> None:
    assert parse_moment("2026-03-04") == datetime(2026, 3, 4, tzinfo=UTC)
    assert parse_moment("2026-03-04", end=True) == datetime(2026, 3, 5, tzinfo=UTC)
    assert parse_moment("2026-03-04T12:30:00+02:00") == datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    with pytest.raises(ReportError):
        parse_moment("4 March")


def test_period_axis_fills_gaps() -> None:
    assert period_axis(["2026-W10", "2026-W12", "(undated)"], "week") == [
        "2026-W10",
        "2026-W11",
        "2026-W12",
    ]
    assert period_axis(["2025-12", "2026-02"], "month") == ["2025-12", "2026-01", "2026-02"]
    assert period_axis(["2026-03-30", "2026-04-01"], "day") == [
        "2026-03-30",
        "2026-03-31",
        "2026-04-01",
    ]
    assert period_axis([], "week") == []


def test_report_json_is_plain_json(
    service_db: Stored,
) -> None:
    db_path, _, _ = service_db
    db = Database(db_path)
    report = build_report(db, Filters(period="day"))
    db.dispose()
    text = json.dumps(report_json(report), allow_nan=False)
    assert json.loads(text)["period"] == "day"
