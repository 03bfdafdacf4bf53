"""Each kind of personal data: what is found, and the look-alikes that must not be."""

from __future__ import annotations

import pytest

from heard.redaction import Redactor
from heard.redaction.checks import (
    bsn_valid,
    dni_valid,
    iban_valid,
    luhn_valid,
    nino_valid,
    sin_valid,
    ssn_valid,
)

REDACTOR = Redactor()


def found(text: str) -> list[tuple[str, str]]:
    return [(span.kind, span.text) for span in REDACTOR.find(text)]


# Checksums ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),
        ("5555555555554444", True),
        ("378282246310005", True),
        ("4111111111111112", False),
        ("1234567812345678", False),
        ("", False),
        ("4111x11111111111", False),
    ],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("GB82WEST12345698765432", True),
        ("gb82west12345698765432", True),
        ("DE89370400440532013000", True),
        ("NO9386011117947", True),
        ("GB82WEST12345698765433", False),  # check digits off by one
        ("GB82WEST1234569876543", False),  # one short for GB
        ("XX82WEST12345698765432", False),  # no such country
        ("GB8?WEST12345698765432", False),
    ],
)
def test_iban_mod97(iban: str, valid: bool) -> None:
    assert iban_valid(iban) is valid


def test_national_id_checks() -> None:
    assert ssn_valid("123", "45", "6789")
    assert not ssn_valid("000", "45", "6789")
    assert not ssn_valid("666", "45", "6789")
    assert not ssn_valid("901", "45", "6789")
    assert not ssn_valid("123", "00", "6789")
    assert not ssn_valid("123", "45", "0000")
    assert nino_valid("AB") and not nino_valid("GB") and not nino_valid("AO")
    assert dni_valid("12345678", "Z") and not dni_valid("12345678", "A")
    assert dni_valid("X1234567", "L") and dni_valid("Y7654321", "g")
    assert bsn_valid("111222333") and not bsn_valid("111222334") and not bsn_valid("000000000")
    assert sin_valid("130692544") and not sin_valid("130692545") and not sin_valid("046454286")


# Positives ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("mail jane.doe+shop@mail.example.com today", "email", "jane.doe+shop@mail.example.com"),
        ("is LUCY.CHEN@EXAMPLE.COM right?", "email", "LUCY.CHEN@EXAMPLE.COM"),
        ("write to sam[at]example[dot]org", "email", "sam[at]example[dot]org"),
        ("my email is jane dot doe at example dot com", "email", "jane dot doe at example dot com"),
        ("call me on +44 20 7946 0958", "phone", "+44 20 7946 0958"),
        ("it's (555) 123-4567", "phone", "(555) 123-4567"),
        ("reach me: 555.123.4567", "phone", "555.123.4567"),
        ("Tel +49 30 1234567", "phone", "+49 30 1234567"),
        ("mobile 07700 900123 thanks", "phone", "07700 900123"),
        ("desk (201) 555-0143 ext. 204 ok", "phone", "(201) 555-0143 ext. 204"),
        ("ring 020 7946 0321", "phone", "020 7946 0321"),
        ("+44 (0)161 496 0112", "phone", "+44 (0)161 496 0112"),
        ("06 39 98 12 34", "phone", "06 39 98 12 34"),
        ("my mobile is 5550100199", "phone", "5550100199"),
        ("card 4111 1111 1111 1111 exp 12/26", "card", "4111 1111 1111 1111"),
        ("amex 3782 822463 10005", "card", "3782 822463 10005"),
        ("6011-1111-1111-1117", "card", "6011-1111-1111-1117"),
        ("IBAN GB82 WEST 1234 5698 7654 32 please", "iban", "GB82 WEST 1234 5698 7654 32"),
        ("to DE89370400440532013000.", "iban", "DE89370400440532013000"),
        ("SSN 123-45-6789", "national_id", "123-45-6789"),
        ("my ssn is 536221475", "national_id", "536221475"),
        ("NI number AB 12 34 56 C", "national_id", "AB 12 34 56 C"),
        ("DNI 12345678Z", "national_id", "12345678Z"),
        ("NIE X1234567L", "national_id", "X1234567L"),
        ("BSN: 111222333", "national_id", "111222333"),
        ("my SIN is 130 692 544", "national_id", "130 692 544"),
        ("from 203.0.113.42 today", "ip", "203.0.113.42"),
        ("from 2001:db8::1f", "ip", "2001:db8::1f"),
        ("see https://jdoe:Winter2024@portal.example.com", "url_credentials", "jdoe:Winter2024"),
        (
            "to 742 Larkspur Lane, Shelbyville, TN 37160.",
            "address",
            "742 Larkspur Lane, Shelbyville, TN 37160",
        ),
        (
            "Flat 4, 27 Elmwood Road, Bristol BS1 4DJ",
            "address",
            "Flat 4, 27 Elmwood Road, Bristol BS1 4DJ",
        ),
        (
            "at 1234 Maple Avenue, Apt 5B, Springfield, IL 62704",
            "address",
            "1234 Maple Avenue, Apt 5B, Springfield, IL 62704",
        ),
        ("deliver to 12 oak street please", "address", "12 oak street"),
        ("Beispielweg 7, 10115 Berlin", "address", "Beispielweg 7, 10115 Berlin"),
        ("12 rue des Lilas, 75011 Paris", "address", "12 rue des Lilas, 75011 Paris"),
        ("Calle del Olmo 14, 28013 Madrid", "address", "Calle del Olmo 14, 28013 Madrid"),
        ("send to PO Box 4471", "address", "PO Box 4471"),
        ("postcode SW1A 1AA", "address", "SW1A 1AA"),
    ],
)
def test_found(text: str, kind: str, value: str) -> None:
    assert (kind, value) in found(text), found(text)


# Hard negatives ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Order #4455667788 placed 2024-03-12 at 14:30 for $129.99",
        "tracking 1Z999AA10123456784",
        "tracking number 9400 1000 0000 0000 0000 00",
        "order 5550100199 is late",
        "ticket INC0012345 and case 01234567",
        "on 12.03.2024 or 12/03/2024 or 2024-03-12",
        "version 10.0.19045.3570",
        "The update to 4.2.1.0 broke it",
        "total $1,299.99 or 1.299,00 €",
        "In 2023 we processed 1 234 567 orders",
        "order number 4111111111111111",  # passes Luhn, but an order number
        "card ending 1111",
        "my zip is 62704",
        "SSN 900-12-3456",  # 9xx areas are never issued
        "I waited 2 hours on the road",
        "my hard drive died after 3 months",
        "look at example dot com for the manual",
        "I'm at home dot",
        "Spring 2024 collection",
        "GTIN 00012345600012",
        "IMEI 490154203237518",
        "from 9-5 on weekdays, 10:00-12:00 Saturdays",
        "BSN 111222334",
        "the figure 111222333 with no word for it",
        "http://admin:admin123@192.0.2.10:8080/ has no personal IP",
    ],
)
def test_not_found(text: str) -> None:
    kinds = [kind for kind, _ in found(text)]
    if text.startswith("http://"):
        assert kinds == ["url_credentials"]
    else:
        assert kinds == [], found(text)


def test_card_needs_luhn_and_a_card_prefix() -> None:
    assert found("card 4111 1111 1111 1112") == []
    assert found("card 9111 1111 1111 1113") == []  # Luhn-valid, but no card starts with 9
    assert found("card 4444 4444 4444 4448")[0][0] == "card"


def test_iban_stops_at_its_country_length() -> None:
    assert found("GB82 WEST 1234 5698 7654 32 THEN") == [("iban", "GB82 WEST 1234 5698 7654 32")]
