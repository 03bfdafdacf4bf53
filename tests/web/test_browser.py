"""End to end in Debian's Chromium, driven by Playwright, as people use the app: sign in, read
the dashboard, open a conversation and its evidence, get a nudge in the assist panel, answer a
survey on a phone, complete a follow-up.

They skip (saying why) only where /usr/bin/chromium is absent and CI is not set; in CI
(``CI`` set) a missing browser fails them: `.ci/run` installs it.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import heard.service.routes.assist as assist_route
from heard.web.testing import browser, chromium_available, serve, sign_in

from .conftest import Site, _build

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (apt-get install chromium); CI installs it",
)

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    site = _build(tmp_path_factory.mktemp("e2e") / "e2e.db")
    with TestClient(site.app), serve(site.app) as base:
        yield site, base
    site.database.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as launched:
        yield launched


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_sign_in_and_read_the_dashboard(served: tuple[Site, str], page: Any) -> None:
    site, base = served
    page.goto(f"{base}/dashboard")
    assert "/login" in page.url  # not signed in yet
    sign_in(page, base, site.keys["supervisor"])
    assert page.url.endswith("/dashboard")
    page.wait_for_selector("#chart-listening-trend[data-chart-ready]")
    page.wait_for_selector("#chart-components[data-chart-ready]")
    page.wait_for_selector("#chart-distribution[data-chart-ready]")
    page.wait_for_selector("#chart-csat-trend[data-chart-ready]")
    page.wait_for_selector("#chart-fcr-trend[data-chart-ready]", timeout=60_000)
    assert page.get_by_role("heading", name="Most worth coaching").is_visible()
    assert "agent-li" not in page.content()  # another team's agent
    # Filters: choose an agent and apply.
    page.get_by_label("Agent", exact=True).select_option("agent-noor")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**agent=agent-noor**")
    page.wait_for_selector("#chart-components[data-chart-ready]")


def test_keyboard_reaches_the_content_first(served: tuple[Site, str], page: Any) -> None:
    site, base = served
    sign_in(page, base, site.keys["admin"])
    page.goto(f"{base}/dashboard")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_open_a_conversation_and_see_the_evidence(served: tuple[Site, str], page: Any) -> None:
    site, base = served
    sign_in(page, base, site.keys["agent"])
    page.goto(f"{base}/me")
    page.locator("a[href^='/conversations/orders-2']").first.click()
    page.wait_for_selector("#chart-emotion[data-chart-ready]")
    assert page.locator("mark.hl").count() > 0
    evidence = page.locator("#h-evidence + ul.evidence li")
    assert evidence.count() > 0
    assert "I was charged twice" in page.locator(".transcript").inner_text()
    assert page.get_by_role("heading", name="Unanswered concerns").is_visible()
    # Another agent's conversation is not there for this agent.
    page.goto(f"{base}/conversations/billing-1")
    assert page.get_by_role("heading", name="Not found").is_visible()


def test_the_assist_panel_nudges_and_suggestions_insert(
    served: tuple[Site, str], page: Any
) -> None:
    if "principal_from_cookie" not in inspect.getsource(assist_route):
        pytest.skip(
            "/v1/assist does not accept the web session cookie yet "
            "(heard.web.sessions.principal_from_cookie): the lead wires it in"
        )
    site, base = served
    sign_in(page, base, site.keys["agent"])
    page.goto(f"{base}/assist/live-e2e")
    page.wait_for_selector("#assist[data-state='ready']")
    page.get_by_label("Customer message").fill(
        "My order from the 3rd still hasn't arrived and I'm really worried, I need it for Saturday."
    )
    page.get_by_role("button", name="Add").click()
    page.wait_for_selector("#log li.customer .badges li")
    page.get_by_label("Your reply").fill("Order number?")
    page.keyboard.press("Enter")
    nudge = page.wait_for_selector("#nudges li.nudge")
    assert nudge is not None and "acknowledged" in (nudge.inner_text() or "")
    first = page.locator("#suggestions button.suggest").first
    text = first.inner_text()
    first.click()
    assert page.get_by_label("Your reply").input_value() == text
    page.wait_for_selector("#readiness:has-text('Draft readiness')")
    # A pasted call transcript streams as interim results, then final turns.
    page.get_by_text("Stream a pasted call transcript").click()
    page.get_by_label("One turn per line").fill(
        "Customer: I was charged twice for my subscription and I'm furious.\n"
        "Agent: Please check the billing page."
    )
    page.get_by_label("Pace").select_option("0")
    page.get_by_role("button", name="Stream it").click()
    page.wait_for_selector("#status:has-text('Transcript streamed: 2 turns')")
    assert page.locator("#log li.turn").count() == 4


def test_answer_a_survey_on_a_phone(served: tuple[Site, str], chromium: Any) -> None:
    site, base = served
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(f"{base}/s/{site.surveys['nps']}")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the survey scrolls sideways on a phone"
    assert phone.get_by_role("radio").count() == 11
    # Keyboard: focus the scale and move with the arrow keys, as a screen-reader user would.
    phone.get_by_label("0: Not at all likely").focus()
    for _ in range(9):
        phone.keyboard.press("ArrowRight")
    assert phone.locator("input[name=score]:checked").get_attribute("value") == "9"
    phone.get_by_label("Anything you would like to add?").fill("Sorted quickly.")
    phone.get_by_role("button", name="Send").tap()
    phone.wait_for_url("**/thanks")
    assert phone.get_by_role("heading", name="Thank you!").is_visible()
    phone.goto(f"{base}/s/{site.surveys['nps']}")
    assert phone.get_by_role("heading", name="Already answered").is_visible()
    context.close()


def test_complete_a_follow_up(served: tuple[Site, str], page: Any) -> None:
    site, base = served
    sign_in(page, base, site.keys["admin"])
    page.goto(f"{base}/followups")
    task = page.locator("li.task").first
    task_id = task.get_attribute("id")
    assert task_id and task.locator("textarea.message").input_value()  # the drafted message
    task.get_by_placeholder("Note (optional)").fill("Called, all sorted")
    task.get_by_role("button", name="Mark done").click()
    page.wait_for_selector("p.notice")
    assert "marked done" in page.locator("p.notice").inner_text()
    assert page.locator(f"#{task_id}").count() == 0
    page.goto(f"{base}/followups?status=done")
    assert page.locator(f"#{task_id}").count() == 1
    assert "Called, all sorted" in page.locator(f"#{task_id}").inner_text()
