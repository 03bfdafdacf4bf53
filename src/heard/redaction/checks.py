"""Check digits of the identifiers heard redacts: a pattern alone matches too many order numbers.

Every function takes the identifier's digits (and letters) with separators already removed.
"""

from __future__ import annotations

# ISO 13616 lengths by country (the SWIFT IBAN registry): a country code outside this table, or
# a wrong length for it, is not an IBAN whatever its check digits say.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
# UK NI number prefixes HMRC never issues (besides the letters excluded by the pattern itself).
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of payment cards and Canadian SINs."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def iban_valid(compact: str) -> bool:
    """ISO 13616: a known country, its length, and the mod-97 check equal to 1."""
    compact = compact.upper()
    if len(compact) < 15 or IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    if not (compact[2:4].isdigit() and compact.isalnum() and compact.isascii()):
        return False
    rearranged = compact[4:] + compact[:4]
    # Letters count as 10..35; int() on the joined string is exact and fast enough here.
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """A US SSN the SSA could have issued: not area 000, 666 or 900-999, group 00, serial 0000."""
    if area in {"000", "666"} or area[0] == "9":
        return False
    return group != "00" and serial != "0000"


def nino_valid(prefix: str) -> bool:
    """A UK National Insurance prefix HMRC could issue (the pattern excludes D F I Q U V)."""
    return prefix.upper() not in _NINO_BAD_PREFIXES and prefix[1].upper() != "O"


def dni_valid(number: str, letter: str) -> bool:
    """Spanish DNI (8 digits) or NIE (X/Y/Z + 7 digits): the control letter is number mod 23."""
    head = number[0].upper()
    if head in "XYZ":
        number = str("XYZ".index(head)) + number[1:]
    if not number.isdigit():
        return False
    return _DNI_LETTERS[int(number) % 23] == letter.upper()


def bsn_valid(digits: str) -> bool:
    """Dutch BSN: the "11-proof" (weights 9..2 and -1), never all zeros."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum((9 - index) * int(char) for index, char in enumerate(digits[:8]))
    return (total - int(digits[8])) % 11 == 0


def sin_valid(digits: str) -> bool:
    """Canadian SIN: nine digits, Luhn, not starting with 0 or 8 (never issued)."""
    return len(digits) == 9 and digits[0] not in "08" and luhn_valid(digits)
