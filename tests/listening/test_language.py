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


@pytest.mark.parametrize(
    "text",
    [
        "My parcel still hasn't arrived and I need it for Saturday.",
        "Bonjour, ma commande n'est toujours pas arrivée et j'en ai besoin.",
        "Здравствуйте, мой заказ до сих пор не пришёл",
        "Zdravo, moja porudžbina još nije stigla do mene",
        "Здраво, моја поруџбина још није стигла",
        "Merhaba siparişim hala gelmedi ne zaman gelecek",
        "!!! ??? ...",
    ],
)
def test_same_language_and_probability_as_py3langid(text: str) -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from heard.listening.detectors.language import LANGUAGES, _identifier

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(LANGUAGES))
    expected_language, expected_probability = reference.classify(text)
    language, probability = _identifier().classify(text)
    assert language == expected_language
    assert probability == pytest.approx(expected_probability, abs=1e-5)
