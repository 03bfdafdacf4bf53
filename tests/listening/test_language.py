"""Turn `language`: a BCP 47 primary tag, or None when the turn is too short to tell."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("My parcel still hasn't arrived and I need it for Saturday.", "en"),
        ("Bonjour, ma commande n'est toujours pas arrivée et j'en ai besoin.", "fr"),
        ("Hola, mi pedido llegó roto y quiero un reembolso.", "es"),
        ("Hallo, meine Rechnung ist falsch, ich wurde doppelt belastet.", "de"),
        ("Buongiorno, il mio ordine non è ancora arrivato.", "it"),
        ("Olá, a minha encomenda chegou danificada.", "pt"),
        ("Hallo, mijn bestelling is nog steeds niet aangekomen.", "nl"),
    ],
)
def test_language_of_a_turn(said, text: str, language: str) -> None:
    assert said(text).language == language


@pytest.mark.parametrize(
    "text", ["ok", "Okay thanks", "Merci beaucoup!", "lol ok np thx", "Order 55120 ref XJ-4471"]
)
def test_too_short_or_unclear_to_say(said, text: str) -> None:
    assert said(text).language is None


def test_agent_turns_get_a_language_too(talk) -> None:
    annotated = talk(
        [
            ("customer", "Hola, mi pedido llegó roto y quiero un reembolso."),
            ("agent", "Lo siento mucho, le enviaré un reembolso completo hoy mismo."),
        ]
    )
    assert [t.language for t in annotated.turns] == ["es", "es"]
