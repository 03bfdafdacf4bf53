"""E-mail readers: one RFC 822 message ("email"), a mailbox of threads ("mbox"), reply text."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import sample_files, shared_path
from heard.conversation import Channel, Conversation, Role
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, detect, read_source
from heard.readers.email_messages import EmailReader, MboxReader, html_reply_text, reply_text

DATA = Path(__file__).parent / "data" / "email"
MBOX = DATA / "thread.mbox"


def _read(
    source: Source, fmt: str = "auto", options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    items = list(read_source(source, fmt, options or ReadOptions()))
    conversations = [item for item in items if isinstance(item, Conversation)]
    issues = [item for item in items if isinstance(item, ReadIssue)]
    assert len(conversations) + len(issues) == len(items)
    return conversations, issues


def _sample(name: str) -> Path:
    return shared_path("samples", "email", name)


def _mbox(*messages: str) -> Source:
    parts = [
        f"From someone@example.com Mon Mar  2 09:00:00 2026\n{m.strip()}\n\n" for m in messages
    ]
    return Source.from_bytes("".join(parts).encode(), "box.mbox")


# --- the real samples -------------------------------------------------------------------------


@pytest.mark.shared
def test_every_sample_file_is_covered() -> None:
    names = {path.name for path in sample_files("email")}
    assert names == {
        "email_reply_parser_email_1_3.txt",
        "email_reply_parser_email_1_8.txt",
        "talon_outlook_reply.eml",
        "talon_sparrow_reply.eml",
    }


@pytest.mark.shared
def test_eml_samples_are_detected_and_bare_bodies_are_left_to_others() -> None:
    for path in sample_files("email", ".eml"):
        assert detect(Source.from_path(path)).name == "email"
    for path in sample_files("email", ".txt"):
        # No RFC 822 headers: a .txt like this may be a chat transcript, so no claim.
        assert EmailReader().sniff(Source.from_path(path)) == 0.0
        assert MboxReader().sniff(Source.from_path(path)) == 0.0


@pytest.mark.shared
def test_outlook_reply_keeps_only_the_new_line() -> None:
    source = Source.from_path(_sample("talon_outlook_reply.eml"))
    [conversation], issues = _read(source)
    assert issues == []
    assert conversation.id == "talon_outlook_reply"  # no Message-ID: the file's stem
    assert conversation.channel is Channel.EMAIL
    assert conversation.metadata["subject"] == "Test"
    assert conversation.metadata["roles_inferred"] is True
    [turn] = conversation.turns
    assert (turn.role, turn.text, turn.time) == (Role.CUSTOMER, "Hello", None)
    assert turn.speaker is not None and turn.speaker.endswith("@example.com")
    assert conversation.customer_id == turn.speaker and conversation.agent_id is None


@pytest.mark.shared
def test_outlook_reply_html_part_drops_the_quoted_original() -> None:
    message = message_from_bytes(
        _sample("talon_outlook_reply.eml").read_bytes(), policy=policy.default
    )
    assert isinstance(message, EmailMessage)
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    text = html_reply_text(html_part.get_content())
    assert text == "Allo! Follow up MIME!"


@pytest.mark.shared
def test_sparrow_reply_drops_signature_and_quote() -> None:
    [conversation], issues = _read(Source.from_path(_sample("talon_sparrow_reply.eml")))
    assert issues == []
    # The Message-ID without its angle brackets.
    assert conversation.id.startswith("5BB86EF4B6E2") and conversation.id.endswith(".com")
    assert "<" not in conversation.id
    assert conversation.metadata["subject"] == "Re: Test"
    [turn] = conversation.turns
    assert turn.role is Role.CUSTOMER and turn.text == "Hello"
    assert turn.time == datetime(2012, 4, 3, 12, 58, 35, tzinfo=UTC)  # 16:58:35 +0400
    assert conversation.started_at == turn.time
    # The HTML alternative gives the same new text.
    message = message_from_bytes(
        _sample("talon_sparrow_reply.eml").read_bytes(), policy=policy.default
    )
    assert isinstance(message, EmailMessage)
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None and html_reply_text(html_part.get_content()) == "Hello"


@pytest.mark.shared
def test_bare_body_with_dash_signature_above_a_quoted_thread() -> None:
    source = Source.from_path(_sample("email_reply_parser_email_1_3.txt"))
    [conversation], issues = _read(source, "email")
    assert issues == []
    assert conversation.id == "email_reply_parser_email_1_3"
    assert conversation.metadata == {"headers": False}
    [turn] = conversation.turns
    assert turn.role is Role.CUSTOMER and turn.speaker is None
    assert turn.text == "Oh thanks.\n\nHaving the function would be great."
    raw = source.text()
    assert "wrote:" in raw and "mailing list" in raw  # ... all of which is gone:
    for gone in ("wrote:", ">", "mailing list", "bucket", "\n-"):
        assert gone not in turn.text


@pytest.mark.shared
def test_bare_body_with_inline_answers_keeps_them() -> None:
    source = Source.from_path(_sample("email_reply_parser_email_1_8.txt"))
    [conversation], _ = _read(source, "email")
    [turn] = conversation.turns
    # The answers written between the quoted lines stay; quotes, attributions, signature go.
    assert turn.text == "I will reply under this one\n\nand under this."


# --- own mbox thread --------------------------------------------------------------------------


def test_mbox_is_detected() -> None:
    assert detect(Source.from_path(MBOX)).name == "mbox"
    assert EmailReader().sniff(Source.from_path(MBOX)) == 0.0


def test_mbox_thread_is_rebuilt_with_new_text_only() -> None:
    conversations, issues = _read(Source.from_path(MBOX))
    assert issues == []
    assert [c.id for c in conversations] == ["c1.order1042@example.org", "d1.invoice@example.net"]
    thread, other = conversations

    assert thread.channel is Channel.EMAIL
    assert thread.metadata["subject"] == "Order 1042 arrived damaged"
    assert thread.metadata["messages"] == 4
    assert (thread.customer_id, thread.agent_id) == ("carla@example.org", "sam@example.com")
    assert [t.role for t in thread.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert [t.speaker for t in thread.turns] == [
        "carla@example.org", "sam@example.com", "carla@example.org", "rita@example.com",
    ]  # fmt: skip
    assert [t.time.hour if t.time else None for t in thread.turns] == [9, 10, 11, 11]
    assert thread.started_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    first, answer, html_only, last = (turn.text for turn in thread.turns)

    # '--' signature gone; the '>From' mbox escape undone.
    assert first.startswith("Hello,\n\nMy order 1042 arrived today")
    assert first.endswith("Can you send a replacement?")
    assert "\nFrom the box it looks like it was dropped in transit." in first
    assert "555-0100" not in first and "Carla Customer" not in first

    # Outlook: the sign-off block and the quoted original under the underscores are gone.
    assert answer == (
        "Hi Carla,\n\nI'm sorry the kettle arrived cracked. Could you send us a photo of the "
        "damage\nso I can book a replacement?"
    )

    # HTML only: the Gmail quote block (attribution and blockquote) is gone.
    assert html_only == "Thanks Sam, photos attached.\nWhen will the replacement ship?"

    # Joined by subject (no In-Reply-To/References); the phone footer and quote are gone.
    assert last.startswith("Hi Carla, Sam is out this afternoon")
    assert last.endswith("you will get a tracking link by e-mail.")
    assert "iPhone" not in last and "wrote:" not in last and "photos attached" not in last

    # Inferred roles, and the metadata says so.
    assert thread.metadata["roles_inferred"] is True
    assert thread.metadata["speaker_roles"] == {
        "carla@example.org": "customer", "sam@example.com": "agent", "rita@example.com": "agent",
    }  # fmt: skip

    # A separate thread; "Thanks,\nDan" is a sign-off, not part of the question.
    assert other.metadata["messages"] == 1 and other.agent_id is None
    assert [t.text for t in other.turns] == ["Why was I charged twice on invoice 77?"]


def test_agent_addresses_and_their_domain_decide_roles() -> None:
    options = ReadOptions(agent=frozenset({"Sam@Example.com"}))
    [thread, _], _ = _read(Source.from_path(MBOX), options=options)
    assert [t.role for t in thread.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER, Role.AGENT]
    # Rita shares Sam's domain: an agent by the options, not by inference.
    assert thread.metadata["speaker_roles"] == {"carla@example.org": "customer"}

    # Named the other way round, the options win over "the first sender is the customer".
    options = ReadOptions(agent=frozenset({"carla@example.org"}), customer=frozenset({"@x"}))
    [thread, _], _ = _read(Source.from_path(MBOX), options=options)
    assert thread.turns[0].role is Role.AGENT and thread.customer_id == "sam@example.com"

    # A domain alone ('@example.com') names every sender there.
    options = ReadOptions(agent=frozenset({"@example.com"}), customer=frozenset({"Carla Customer"}))
    [thread, _], _ = _read(Source.from_path(MBOX), options=options)
    assert [t.role for t in thread.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert "roles_inferred" not in thread.metadata


def test_messages_are_ordered_by_date_and_partial_threads_marked() -> None:
    source = _mbox(
        "From: b@example.com\nSubject: Re: Help\nDate: Mon, 02 Mar 2026 10:00:00 +0000\n"
        "Message-ID: <2@example.com>\nIn-Reply-To: <1@example.org>\n\nsecond",
        "From: a@example.org\nSubject: Re: Help\nDate: Mon, 02 Mar 2026 11:00:00 +0000\n"
        "Message-ID: <3@example.org>\nReferences: <0@example.org> <1@example.org> <2@example.com>"
        "\n\nthird",
        "From: a@example.org\nSubject: Help\nDate: Mon, 02 Mar 2026 09:00:00 +0000\n"
        "Message-ID: <1@example.org>\nReferences: <0@example.org>\n\nfirst",
    )
    [conversation], issues = _read(source)
    assert issues == []
    assert [t.text for t in conversation.turns] == ["first", "second", "third"]
    assert [t.role for t in conversation.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]
    # The thread began before this mailbox: its root is the first message it refers to.
    assert conversation.id == "0@example.org"
    assert conversation.metadata["partial_thread"] is True


def test_mbox_errors_are_issues_per_message() -> None:
    source = _mbox(
        "From: a@example.org\nSubject: Broken\nMessage-ID: <1@example.org>\n\nhello",
        "From: a@example.org\nSubject: Broken\nMessage-ID: <1@example.org>\n\nhello again",
        "From: b@example.org\nSubject: Empty\nMessage-ID: <2@example.org>\n"
        "Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=",
        'From: "unterminated <c@example.org>\nSubject: =?utf-8?q?bad=ZZ?=\nDate: yesterday\n'
        "Message-ID: <3@example.org>\n\nstill read",
    )
    conversations, issues = _read(source)
    assert [issue.location for issue in issues] == ["message 2 (line 8)", "message 3 (line 15)"]
    assert "same Message-ID" in issues[0].problem
    assert "no text" in issues[1].problem
    assert [c.id for c in conversations] == ["1@example.org", "3@example.org"]
    assert conversations[1].turns[0].text == "still read"
    assert conversations[1].turns[0].time is None


def test_not_an_mbox_and_empty_files() -> None:
    with pytest.raises(ReadError, match="not an mbox"):
        _read(Source.from_bytes(b"Hello there\nFrom me\n", "x.mbox"), "mbox")
    assert _read(Source.from_bytes(b"\n", "x.mbox"), "mbox") == ([], [])
    with pytest.raises(ReadError, match="empty"):
        _read(Source.from_bytes(b"  \n", "x.eml"), "email")


# --- single messages --------------------------------------------------------------------------


def test_a_txt_with_headers_is_an_email_and_one_without_is_not(tmp_path: Path) -> None:
    mail = tmp_path / "message.txt"
    mail.write_text(
        "From: Ann <ann@example.org>\nTo: help@example.com\nSubject: Login\n"
        "Message-ID: <abc@example.org>\nDate: Tue, 03 Mar 2026 08:00:00 +0100\n\n"
        "I cannot log in since yesterday.\n\nOn Mon, Mar 2, 2026, Help wrote:\n> Try again\n"
    )
    assert detect(Source.from_path(mail)).name == "email"
    [conversation], _ = _read(Source.from_path(mail))
    assert conversation.id == "abc@example.org"
    assert conversation.turns[0].text == "I cannot log in since yesterday."
    assert conversation.turns[0].time == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)

    chat = tmp_path / "chat.txt"
    chat.write_text("Agent: Hello, how can I help?\nCustomer: My order is late.\n")
    assert EmailReader().sniff(Source.from_path(chat)) == 0.0


def test_a_headerless_body_with_nothing_new_is_an_issue() -> None:
    source = Source.from_bytes(b"> only a quote\n> nothing else\n", "quote.txt")
    [], [issue] = _read(source, "email")
    assert "no new text" in issue.problem


def test_a_message_without_a_body_is_an_issue() -> None:
    data = b"From: a@example.org\nSubject: x\nContent-Type: image/png\n\niVBORw0KGgo=\n"
    [], [issue] = _read(Source.from_bytes(data, "x.eml"))
    assert issue.problem == "the message has no text" and issue.location == "message"


# --- reply extraction rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Works now.\n\n-----Original Message-----\nFrom: x@example.com\nold", "Works now."),
        (
            "Works now.\n\n---------- Forwarded message ---------\nFrom: a\nDate: b\nold",
            "Works now.",
        ),
        ("See below.\n\nBegin forwarded message:\n\nFrom: a\nold", "See below."),
        ("Sure.\nSent from my iPhone\n\n> quoted", "Sure."),
        ("Ok.\n\nGet Outlook for Android", "Ok."),
        ("Danke\n\nAm 01.01.2026 um 10:00 schrieb Max <m@example.de>:\n> hallo", "Danke"),
        ("Merci\n\nLe lun. 2 mars 2026 à 10:00, Jean <j@example.fr> a écrit :\n> salut", "Merci"),
        (
            "Got it\n\nOn Mon, Mar 2, 2026 at 10:00 AM Ann <\nann@example.org> wrote:\n> hi",
            "Got it",
        ),
        ("Hi\n\nFrom: Ann\nSent: Monday\nTo: Help\nSubject: x\n\nold text", "Hi"),
        ("Yes.\n\n________________________________\nlist footer", "Yes."),
        ("Fixed, thanks!\n\nKind regards,\nAnn Example\nExample Ltd", "Fixed, thanks!"),
        ("Fixed.\n\nCheers - Tom", "Fixed."),
        ("Fixed.\n\n--\nAnn", "Fixed."),
        # Not signatures, not quotes: kept.
        ("Thanks, but the refund has not arrived.\nCan you check?", None),
        ("My issues:\n- the router\n- the modem\n\nPlease help", None),
        ("Hello\n\nFrom: London\nTo: Paris\n\nis my trip", None),
        ("Thanks!", None),
        ("Best,\nAnn", None),  # nothing else: the sign-off is the message
    ],
)
def test_reply_text_rules(body: str, expected: str | None) -> None:
    assert reply_text(body) == (body if expected is None else expected)


def test_html_quote_and_signature_elements_are_dropped() -> None:
    markup = (
        "<div>New answer<br>second line</div><div id='Signature'>Ann | Example Ltd</div>"
        "<blockquote type='cite'>old message</blockquote><p>after the quote</p>"
    )
    assert html_reply_text(markup) == "New answer\nsecond line\n\nafter the quote"


# --- robustness -------------------------------------------------------------------------------

_HEADERS = st.sampled_from(
    ["From: a@example.org", "From: \"x <", "Subject: =?utf-8?b?%%%?=", "Date: 99 Foo 10000",
     "Message-ID: <>", "References: <a> <", "In-Reply-To: x", "Content-Type: multipart/mixed",
     "Content-Type: text/html; charset=nope", "Content-Transfer-Encoding: base64", "X: y"]
)  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headers=st.lists(_HEADERS, max_size=6), body=st.text(max_size=300))
def test_messages_with_odd_headers_never_crash(headers: list[str], body: str) -> None:
    message = ("\n".join(headers) + "\n\n" + body).encode("utf-8", errors="surrogatepass")
    for fmt, name, data in (
        ("email", "m.eml", message),
        ("mbox", "m.mbox", b"From x@example.org Mon Mar  2 09:00:00 2026\n" + message),
    ):
        try:
            for item in read_source(Source.from_bytes(data, name), fmt):
                assert isinstance(item, Conversation | ReadIssue)
        except ReadError:
            pass
