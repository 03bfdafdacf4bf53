"""The draft check names what a reply misses before it is sent, and what it does well."""

from __future__ import annotations

from heard.assist import Severity

from .conftest import session_for

REFUND = [
    ("customer", "Hi, I returned the boots two weeks ago and I still haven't got my money back."),
    ("agent", "I'm sorry about that. Can you tell me the order number?"),
    ("customer", "It's 77120. When will I get my refund?"),
]


def test_names_the_question_the_draft_misses() -> None:
    session, _ = session_for(REFUND)
    check = session.check_draft("Thanks for waiting, our warehouse is very busy at the moment.")
    issue = check.issues[0]
    assert issue.code == "unanswered_question"
    assert issue.severity is Severity.URGENT
    assert issue.message == (
        "does not address the refund question the customer asked at t3: “When will I get my refund?”"
    )
    assert issue.evidence[0].turn_id == "t3"
    # The wait worries the customer too, and nothing in the draft speaks to that: both cost.
    assert [i.code for i in check.issues[1:]] == ["unacknowledged_emotion"]
    assert check.readiness == 100 - 30 - 15
    assert check.reason.startswith("Fix before sending: it does not address the refund question")


def test_a_draft_that_answers_is_ready_with_its_strengths() -> None:
    session, _ = session_for(REFUND)
    check = session.check_draft(
        "Thanks, so you sent the boots back two weeks ago and the refund hasn't reached you. "
        "Your refund will be back on your card within 3 working days, and I'll email you once "
        "it's sent."
    )
    assert not [i for i in check.issues if i.code == "unanswered_question"]
    labels = {strength.label for strength in check.strengths}
    assert {"timeline", "follow_up", "addresses"} <= labels
    assert check.readiness >= 90
    for strength in check.strengths:
        assert strength.quote in check.annotation.hits[0].quote or strength.quote


def test_asking_again_for_what_the_customer_gave() -> None:
    session, _ = session_for(
        [("customer", "My order #51877 hasn't arrived and I need it Saturday.")]
    )
    check = session.check_draft("Order number?")
    asked, *others = (i for i in check.issues if i.code == "asks_again")
    assert not others  # "order number" is one slot, however many kinds of issue share it
    assert asked.message == "asks for the order number, which the customer already gave at t1"
    assert "#51877" in asked.evidence[0].quote


def test_dismissive_draft_scores_low() -> None:
    session, _ = session_for(REFUND)
    check = session.check_draft("Calm down, you must have sent it to the wrong address.")
    assert check.issues[0].code == "dismissive"
    assert check.readiness <= 30


def test_draft_ignoring_feelings_and_an_empty_draft() -> None:
    session, _ = session_for(
        [
            ("customer", "This is ridiculous, I'm furious. You charged me twice!"),
            ("agent", "What's the account number?"),
            ("customer", "It's 4417. I'm so fed up with this, it happened in January too."),
        ]
    )
    check = session.check_draft("Which card did you pay with?")
    assert "unacknowledged_emotion" in {i.code for i in check.issues}
    warm = session.check_draft("I'm so sorry, that's really frustrating to see twice.")
    assert "unacknowledged_emotion" not in {i.code for i in warm.issues}
    empty = session.check_draft("  ")
    assert empty.readiness == 0 and empty.issues[0].code == "empty"


def test_draft_in_another_language() -> None:
    session, _ = session_for(
        [("customer", "Bonjour, ma commande n'est toujours pas arrivée et j'en ai besoin samedi.")]
    )
    check = session.check_draft("Hello, I am sorry that your order has not arrived yet.")
    issue = next(i for i in check.issues if i.code == "language_mismatch")
    assert issue.message == "is in English but the customer writes in French"


def test_draft_that_closes_too_early() -> None:
    session, _ = session_for(
        [
            ("customer", "My refund for the jacket still hasn't arrived after three weeks."),
            ("agent", "Just to confirm, your jacket refund hasn't come through yet?"),
            ("customer", "Yes."),
            ("agent", "I've asked the finance team to release the refund now."),
        ]
    )
    check = session.check_draft("Is there anything else I can help with?")
    issue = next(i for i in check.issues if i.code == "closing_checklist")
    assert issue.message == "before closing: give a timeline and say how you'll follow up"


def test_a_time_to_count_on_settles_worry_but_not_anger() -> None:
    worried, _ = session_for(
        [("customer", "I'm really worried, will my refund come before my rent is due?")]
    )
    answer = "Your refund will reach your card within 2 working days, well before then."
    assert "unacknowledged_emotion" not in {i.code for i in worried.check_draft(answer).issues}
    angry, _ = session_for(
        [
            ("customer", "This is ridiculous, I'm furious. You charged me twice!"),
            ("agent", "What's the account number?"),
            ("customer", "It's 4417. I'm so fed up with this, it happened in January too."),
        ]
    )
    timeline = "The second charge will be back on your card within 2 working days."
    assert "unacknowledged_emotion" in {i.code for i in angry.check_draft(timeline).issues}
