from __future__ import annotations

from heard.listening.text import split_sentences


def test_hard_wrapped_email_lines_join_into_sentences() -> None:
    text = (
        "I returned the tent (order 77120) on 20 February because a pole\n"
        "snapped on the first trip. The courier confirmed delivery to your warehouse on\n"
        "24 February but I still have not received my refund.\n"
        "\n"
        "Thanks,\n"
        "Jordan"
    )
    sentences = split_sentences(text)
    assert [s.text.replace("\n", " ") for s in sentences] == [
        "I returned the tent (order 77120) on 20 February because a pole snapped on the first trip.",
        "The courier confirmed delivery to your warehouse on 24 February but I still have not received my refund.",
        "Thanks,",
        "Jordan",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_short_lines_and_list_items_stay_apart() -> None:
    text = (
        "Hi Sam\nThe steps are:\n1. Unplug the router for ten seconds and plug it in again\n2. Wait"
    )
    parts = [s.text for s in split_sentences(text)]
    assert parts[0] == "Hi Sam"
    assert "The steps are:" in parts
    assert not any("\n" in p for p in parts)


def test_abbreviations_and_decimals_do_not_end_sentences() -> None:
    parts = [
        s.text
        for s in split_sentences("Thanks Mr. Smith. It costs 3.5 dollars, e.g. on www.x.com. Ok?")
    ]
    assert parts == ["Thanks Mr. Smith.", "It costs 3.5 dollars, e.g. on www.x.com.", "Ok?"]
