"""The self-contained HTML report: well formed, offline, escaped, and showing what it promises."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.analysis import Analysis, analyze
from heard.cli import app
from heard.conversation import Conversation, Role, Turn
from heard.readers import read
from heard.report.html import render_report
from heard.scoring.aggregate import GroupScorecard, aggregate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
# SVG elements written self-closing (<line/>) never push onto the stack; see handle_startendtag.


class _Checker(HTMLParser):
    """Checks that tags balance, and collects what a reader needs to check."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.svg_classes: list[str] = []
        self.scripts = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._collect(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._collect(tag, attrs)

    def _collect(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        for name in ("src", "href", "xlink:href", "action", "srcset", "poster", "data"):
            if values.get(name):
                self.links.append((name, values[name] or ""))
        if tag == "svg":
            self.svg_classes.append(values.get("class") or "")
        if tag == "script":
            self.scripts += 1
            if "src" in values:
                self.errors.append("a script with src")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _check(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert not checker.errors, checker.errors[:5]
    assert not checker.stack, f"unclosed: {checker.stack}"
    return checker


def _report(pairs: list[tuple[Conversation, Analysis]]) -> str:
    analyses = [a for _, a in pairs]
    agents = aggregate(analyses, [a.agent_id for a in analyses], "agent_id")
    teams = aggregate(analyses, [a.team_id for a in analyses], "team_id")
    return render_report(pairs, agents, teams)


@pytest.fixture(scope="module")
def example_pairs() -> list[tuple[Conversation, Analysis]]:
    conversations = [item for item in read(EXAMPLES) if isinstance(item, Conversation)]
    assert len(conversations) >= 5
    return [(c, analyze(c)) for c in conversations]


@pytest.fixture(scope="module")
def example_html(example_pairs: list[tuple[Conversation, Analysis]]) -> str:
    return _report(example_pairs)


def _section(html: str, conversation_id: str) -> str:
    """The <details> of one conversation."""
    start = html.index(f"<h3>{conversation_id}</h3>")
    start = html.rindex("<details", 0, start)
    return html[start : html.index("</details>", start)]


def test_parses_with_balanced_tags(example_html: str) -> None:
    checker = _check(example_html)
    assert example_html.lstrip().lower().startswith("<!doctype html>")
    assert len(checker.ids) == len(set(checker.ids)), "element ids must be unique"


def test_loads_nothing_from_the_network(example_html: str) -> None:
    checker = _check(example_html)
    for name, value in checker.links:
        assert value.startswith("#"), f"{name}={value!r} points outside the page"
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", example_html, re.I)
    assert "@import" not in example_html
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", example_html, re.I)
    assert "<link" not in example_html.lower()


def test_every_internal_link_has_a_target(example_html: str) -> None:
    checker = _check(example_html)
    ids = set(checker.ids)
    for _, value in checker.links:
        assert value[1:] in ids, f"link to missing #{value[1:]}"


def test_header_summarises_the_run(
    example_html: str, example_pairs: list[tuple[Conversation, Analysis]]
) -> None:
    assert f"<dd>{len(example_pairs)}</dd>" in example_html
    assert "2026-03-02 to 2026-03-09" in example_html
    for agent in {c.agent_id for c, _ in example_pairs if c.agent_id}:
        assert f'<th scope="row" class="name">{agent}</th>' in example_html
    assert 'class="histogram"' in example_html
    assert "Listening score (points, 0–100)" in example_html


def test_a_trajectory_chart_per_conversation_with_customer_turns(
    example_html: str, example_pairs: list[tuple[Conversation, Analysis]]
) -> None:
    checker = _check(example_html)
    charts = [c for c in checker.svg_classes if c == "trajectory"]
    expected = [
        c.id
        for c, a in example_pairs
        if c.turns_by(Role.CUSTOMER) and a.signals.emotion_trajectory.points
    ]
    assert len(charts) == len(expected) == len(example_pairs)
    for conversation_id in expected:
        section = _section(example_html, conversation_id)
        assert '<svg class="trajectory"' in section
        assert "Valence (−1 to +1)" in section


def test_highlights_a_known_paraphrase(example_html: str) -> None:
    section = _section(example_html, "chat-1001")
    match = re.search(
        r'<mark class="hl hl-pos" title="([^"]*)">(Just to make sure I have this right)', section
    )
    assert match, "the paraphrase in chat-1001 should be highlighted"
    assert "Paraphrase" in match.group(1)


def test_evidence_links_to_its_turn(example_html: str) -> None:
    section = _section(example_html, "chat-1002")
    anchor = re.search(r'<li id="([^"]+-t6)" class="agent">', section)
    assert anchor
    assert f'<a href="#{anchor.group(1)}">t6</a>' in section
    assert "Calm down please." in section


def test_null_component_shows_na_with_reason(
    example_html: str, example_pairs: list[tuple[Conversation, Analysis]]
) -> None:
    nulls = [
        (c.id, name, score.reason)
        for c, a in example_pairs
        for name, score in a.components.items()
        if score.score is None
    ]
    assert nulls, "the examples should include a component that cannot apply"
    conversation_id, _, reason = nulls[0]
    section = _section(example_html, conversation_id)
    assert '<span class="score na">n/a</span>' in section
    assert f"— {reason}" in section


def test_escapes_everything_from_the_data() -> None:
    attack = "<script>alert(1)</script>"
    conversation = Conversation(
        id='x"><script>alert(2)</script>',
        agent_id="<b>agent</b>",
        team_id="<i>team</i>",
        turns=[
            Turn(
                role=Role.CUSTOMER,
                speaker="<img src=x onerror=alert(3)>",
                text=f"Hi {attack}, my order is late and I'm upset.",
            ),
            Turn(role=Role.AGENT, text=f"I'm so sorry. {attack} Let me look into it right now."),
            Turn(role=Role.CUSTOMER, text="Thanks <3 & goodbye"),
        ],
    )
    html = _report([(conversation, analyze(conversation))])
    checker = _check(html)
    assert "<script>alert" not in html
    assert "<img" not in html
    assert "<b>agent</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert checker.scripts == 1  # the report's own small script, nothing from the data
    assert "Thanks &lt;3 &amp; goodbye" in html


def test_agent_only_conversation_has_no_chart() -> None:
    conversation = Conversation(
        id="agent-only", turns=[Turn(role=Role.AGENT, text="Hello, anyone there?")]
    )
    html = _report([(conversation, analyze(conversation))])
    checker = _check(html)
    assert "No customer turns." in html
    assert "trajectory" not in checker.svg_classes


def test_unscored_conversation_shows_na() -> None:
    conversation = Conversation(
        id="customer-only",
        turns=[Turn(role=Role.CUSTOMER, text="Can I change my delivery day to Wednesday?")],
    )
    analysis = analyze(conversation)
    assert analysis.listening_score is None
    html = _report([(conversation, analysis)])
    _check(html)
    section = _section(html, "customer-only")
    assert '<span class="score na" title="no component could be scored">n/a</span>' in section
    assert section.count('<span class="score na">n/a</span>') == 7
    assert "1 could not be scored and is not shown" in html


def test_no_conversations() -> None:
    empty: list[GroupScorecard] = []
    html = render_report([], empty, empty)
    _check(html)
    assert "No conversations" in html


def test_cli_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["analyze", str(EXAMPLES), "--format", "html", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    _check(html)
    assert "chat-1001" in html
    assert '<svg class="trajectory"' in html
