"""The dialogue policy: answer, confirm, clarify; listening behaviours; the tone."""

from __future__ import annotations

from heard.bot import Bot, Decision, KBIndex
from heard.bot.kb import Entry
from heard.bot.wording import about, calm, is_cheerful
from heard.conversation import Role

from .conftest import bot_with


def test_greets_then_answers_a_clear_question(bot: Bot) -> None:
    session = bot.session()
    assert session.greet().decision is Decision.GREET
    reply = session.reply("How do I reset my password?")
    assert reply.decision is Decision.ANSWER
    assert reply.entry_id == "reset-password"
    assert reply.confidence is not None and reply.confidence >= bot.thresholds.answer
    assert reply.evidence is not None and reply.evidence["entry_id"] == "reset-password"
    assert reply.reasons and "answer threshold" in reply.reasons[0]
    assert "Forgot password" in reply.text
    assert reply.text.endswith("Did that answer your question?")  # checks it helped
    assert "follow_up" in reply.behaviours
    assert reply.links and reply.links[0]["url"].startswith("https://maple-moss.example/")
    closing = session.reply("thanks, that worked")
    assert closing.decision is Decision.CLOSE
    assert session.outcome == "contained"
    assert session.attempts[-1].outcome == "helped"


def test_confirms_when_unsure_and_answers_on_yes(shop_index: KBIndex) -> None:
    bot = bot_with(shop_index, answer=0.999, confirm=0.01)
    session = bot.session()
    reply = session.reply("I moved house, can my parcel go to the new place?")
    assert reply.decision is Decision.CONFIRM
    assert reply.entry_id == "change-delivery-address"
    assert "Just to check — you're asking how to change your delivery address?" in reply.text
    assert "clarifying_question" in reply.behaviours
    answer = session.reply("yes")
    assert answer.decision is Decision.ANSWER and answer.entry_id == "change-delivery-address"
    assert session.attempts[0].outcome == "confirmed"


def test_a_confirmation_restates_the_customers_words(shop_index: KBIndex) -> None:
    bot = bot_with(shop_index, answer=0.999, confirm=0.01)
    reply = bot.session().reply(
        "Where is my refund? I returned the shoes on 3 March and it's been two weeks."
    )
    assert reply.decision is Decision.CONFIRM
    assert "paraphrase" in reply.behaviours
    # Their words, person switched: "I returned" → "you returned".
    assert "So you returned the shoes on 3 March and it's been two weeks." in reply.text


def test_no_to_a_confirmation_leads_to_a_clarifying_question(shop_index: KBIndex) -> None:
    bot = bot_with(shop_index, answer=0.999, confirm=0.01)
    session = bot.session()
    session.reply("I moved house, can my parcel go to the new place?")
    reply = session.reply("no")
    assert reply.decision is Decision.CLARIFY
    assert reply.text.startswith("Sorry, I misunderstood.")
    assert session.attempts[0].outcome == "rejected"


def test_clarifies_below_the_confirm_threshold(shop_index: KBIndex) -> None:
    bot = bot_with(shop_index, answer=0.999, confirm=0.998, out_of_scope_similarity=-1.0)
    session = bot.session()
    reply = session.reply("question about my return and the refund")
    assert reply.decision is Decision.CLARIFY
    assert reply.text.endswith("?")
    assert "clarifying_question" in reply.behaviours
    assert reply.entry_id is None and reply.alternatives


def test_a_short_reply_to_a_clarifying_question_is_read_with_it(shop_index: KBIndex) -> None:
    bot = bot_with(shop_index, confirm=0.95, answer=0.96, out_of_scope_similarity=-1.0)
    session = bot.session()
    first = session.reply("it's about the money")
    assert first.decision is Decision.CLARIFY
    second = session.reply("for the jacket I returned")
    assert second.evidence is not None
    assert second.evidence["entry_id"] in {"when-will-i-get-my-refund", "how-do-i-return-an-item"}


def test_small_talk_is_not_looked_up(bot: Bot) -> None:
    session = bot.session()
    assert session.reply("hello").decision is Decision.GREET
    assert session.reply("...").decision is Decision.CLARIFY


def test_never_cheerful_to_a_frustrated_customer(bot: Bot) -> None:
    # The KB's answer opens "Good news!"; a calm customer gets it as written.
    calm_session = bot.session()
    calm_reply = calm_session.reply("How do I change my delivery address?")
    assert calm_reply.decision is Decision.ANSWER and "Good news!" in calm_reply.text
    assert calm_reply.tone == "neutral"
    upset_session = bot.session()
    reply = upset_session.reply(
        "I'm so annoyed, I put the wrong address on my order and now I have to change it"
    )
    assert reply.decision in (Decision.ANSWER, Decision.CONFIRM)
    assert reply.tone == "calm"
    assert not is_cheerful(reply.text), reply.text
    assert "empathy" in reply.behaviours
    if reply.decision is Decision.CONFIRM:
        reply = upset_session.reply("yes")
        assert reply.decision is Decision.ANSWER
        assert not is_cheerful(reply.text), reply.text
        assert reply.tone == "calm"
    assert "Change delivery details" in reply.text  # the facts of the answer stay


def test_cheerful_lines_are_removed_not_the_answer() -> None:
    text = "Good news! You can change it in Account. Happy to help! 😊 Go to Orders.\nHope this helps :)"
    assert calm(text) == "You can change it in Account. Go to Orders."
    assert is_cheerful(text) and not is_cheerful(calm(text))


def test_confirmations_name_the_entry_as_an_indirect_question() -> None:
    def entry(question: str, topic: str | None = None) -> Entry:
        return Entry(id="x", question=question, answer="a", topic=topic)

    assert (
        about(entry("How do I change my delivery address?"))
        == "how to change your delivery address"
    )
    assert about(entry("Can I return a sale item?")) == "whether you can return a sale item"
    assert about(entry("Do you ship abroad?")) == "whether we ship abroad"
    assert about(entry("What is your returns policy?")) == "what our returns policy is"
    assert about(entry("My code fails", topic="a discount code that fails")) == (
        "about a discount code that fails"
    )


def test_the_transcript_keeps_the_bot_role(bot: Bot) -> None:
    session = bot.session(customer_id="cust-1")
    session.greet()
    session.reply("How do I reset my password?")
    conversation = session.transcript()
    assert [t.role for t in conversation.turns] == [Role.BOT, Role.CUSTOMER, Role.BOT]
    assert conversation.id == session.conversation_id
    assert conversation.metadata["bot"]["outcome"] == "contained"
    assert conversation.metadata["bot"]["decisions"] == ["greet", "answer"]
