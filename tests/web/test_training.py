"""Training progress on the agent page and the dashboard: practice stored through the API's
training endpoints, then read on the pages with the same role rules as the API's."""

from __future__ import annotations

from typing import Any

import pytest

from heard.training import find_exercise, save_summary, score_summary

from .conftest import Site

# A good listener resolves the delayed order; a poor one escalates it (tests/training/scripts).
GOOD = [
    "I'm so sorry, that sounds really stressful with your daughter's party on Saturday. "
    "What's your order number?",
    "Thank you. Just to check I've understood: your decorations haven't arrived and you need "
    "them before the party on Saturday, is that right?",
    "Which address was it going to?",
    "I see, so it went to your old flat. I'll make sure it goes to your new address this time.",
    "I'll re-send the decorations today by express courier to your new address, and they will "
    "arrive tomorrow, well before Saturday.",
]
POOR = [
    "What's your order number?",
    "Calm down, it's probably just delayed. Orders can take up to 10 days.",
    "You must have given the wrong address.",
    "Please check the tracking page.",
]


def _api(site: Site, who: str) -> tuple[Any, dict[str, str]]:
    return site.client(), {"Authorization": f"Bearer {site.keys[who]}"}


def practise(site: Site, who: str, lines: list[str], scenario: str = "delayed-order") -> str:
    """Play a role-play through the API until it ends; returns the outcome."""
    client, headers = _api(site, who)
    started = client.post(
        "/v1/training/sessions", json={"scenario_id": scenario, "seed": 1}, headers=headers
    )
    assert started.status_code == 201, started.text
    session_id = started.json()["session_id"]
    for line in lines:
        turn = client.post(
            f"/v1/training/sessions/{session_id}/turns", json={"text": line}, headers=headers
        )
        if turn.status_code == 409:  # the customer has already ended it
            break
        assert turn.status_code == 200, turn.text
    ended = client.post(f"/v1/training/sessions/{session_id}/end", headers=headers)
    assert ended.status_code == 200, ended.text
    return str(ended.json()["debrief"]["outcome"])


def summarise(site: Site, who: str) -> None:
    client, headers = _api(site, who)
    attempt = client.post(
        "/v1/training/exercises/moving-home-chat/attempts",
        json={"summary": "They are moving on the 28th and need the broadband moved."},
        headers=headers,
    )
    assert attempt.status_code == 201, attempt.text


@pytest.fixture
def practised(site: Site) -> Site:
    """Mia (team-orders) resolved one role-play, escalated one and wrote a summary; Li
    (team-billing) escalated one; Noor (team-orders) has not practised."""
    assert practise(site, "agent", GOOD) == "resolved"
    assert practise(site, "agent", POOR) == "escalated"
    summarise(site, "agent")
    assert practise(site, "other_agent", POOR) == "escalated"
    return site


def _training_section(page: str) -> str:
    start = page.index('id="h-training"')  # the last section of the page
    return page[start : page.index("</main>", start)]


def test_the_agent_page_shows_real_training_progress(practised: Site) -> None:
    page = practised.signed_in("agent").get("/me")
    assert page.status_code == 200
    text = page.text
    assert "My training progress" in text
    assert "Training is not available" not in text and 'id="training-empty"' not in text
    section = _training_section(text)
    assert "<dt>Role-plays</dt><dd>2 " in section
    assert "1 resolved · 1 escalated" in section
    assert "after 6 role-plays (2 so far)" in section  # the trend needs more practice
    assert "<dt>Summaries</dt><dd>1 " in section and "mean score" in section
    # Per scenario: its title, two tries, one resolved, the best outcome.
    assert "An order delayed before an event</th><td>2</td><td>1</td>" in section
    assert 'class="badge outcome-resolved"' in section
    assert 'class="badge outcome-escalated"' in section
    # The last sessions, newest first: the summary, then the two role-plays.
    recent = section[section.index('id="training-recent"') :]
    assert recent.count('<tr><th scope="row">') == 3
    assert recent.index("(summary)") < recent.index("(role-play)")
    assert 'href="/train"' in section


def test_no_practice_is_an_honest_empty_state_linking_to_the_practice_page(site: Site) -> None:
    text = site.signed_in("agent").get("/me").text
    assert 'id="training-empty"' in text
    empty = text[text.index('id="training-empty"') :]
    empty = empty[: empty.index("</p>")]
    assert "No practice yet" in empty and '<a href="/train">start one</a>' in empty
    assert 'id="training-stats"' not in text


def test_another_agents_progress_is_not_visible(practised: Site) -> None:
    mia = practised.signed_in("agent")
    assert mia.get("/agents/agent-li").status_code == 404
    own = _training_section(mia.get("/me").text)
    assert "agent-li" not in own and "<dt>Role-plays</dt><dd>2 " in own
    # Li sees only Li's one escalated role-play, not Mia's resolved one.
    li = practised.signed_in("other_agent").get("/me").text
    mine = _training_section(li)
    assert "<dt>Role-plays</dt><dd>1 " in mine and "0 resolved · 1 escalated" in mine
    # A supervisor sees their teams' agents' progress, and not another team's.
    supervisor = practised.signed_in("supervisor")
    assert "1 resolved · 1 escalated" in supervisor.get("/agents/agent-mia").text
    assert supervisor.get("/agents/agent-li").status_code == 404
    assert practised.signed_in("other_supervisor").get("/agents/agent-mia").status_code == 404
    admin = practised.signed_in("admin").get("/agents/agent-li").text
    assert "0 resolved · 1 escalated" in _training_section(admin)


def _panel(page: str) -> str:
    start = page.index('id="training-table"')
    return page[start : page.index("</table>", start)]


def test_the_dashboard_lists_the_teams_agents_training(practised: Site) -> None:
    page = practised.signed_in("supervisor").get("/dashboard")
    assert page.status_code == 200
    panel = _panel(page.text)
    assert "agent-mia" in panel and "agent-noor" in panel
    assert "agent-li" not in panel  # another team's
    mia = panel[panel.index("agent-mia") :]
    mia = mia[: mia.index("</tr>")]
    assert "<td>2</td>" in mia and "50 %" in mia and "(1 of 2)" in mia and "<td>1</td>" in mia
    noor = panel[panel.index("agent-noor") :]
    assert "not yet" in noor[: noor.index("</tr>")]
    assert panel.index("agent-mia") < panel.index("agent-noor")  # who practised first
    assert "1 of 2 have practised" in page.text
    # New practice shows on the next load (the panel's cache follows the stored practice).
    text = "They are moving on the 28th and need the broadband moved."
    with practised.database.session() as session:
        result = score_summary(find_exercise("moving-home-chat"), text)
        save_summary(session, result, text, trainee_id="agent-noor")
    again = _panel(practised.signed_in("supervisor").get("/dashboard").text)
    noor = again[again.index("agent-noor") :]
    assert "not yet" not in noor[: noor.index("</tr>")]
    # The filters narrow it: one agent, or the other team (admins).
    one = _panel(practised.signed_in("supervisor").get("/dashboard?agent=agent-noor").text)
    assert "agent-noor" in one and "agent-mia" not in one
    billing = _panel(practised.signed_in("admin").get("/dashboard?team=team-billing").text)
    assert "agent-li" in billing and "agent-mia" not in billing


def test_signed_in_pages_link_to_practice(site: Site) -> None:
    for who, path in (("agent", "/me"), ("supervisor", "/dashboard"), ("admin", "/followups")):
        text = site.signed_in(who).get(path).text
        nav = text[text.index('<nav aria-label="Main">') : text.index("</nav>")]
        assert '<a href="/train">Practice</a>' in nav, who
    assert '<a href="/train">Practice</a>' not in site.client().get("/login").text
