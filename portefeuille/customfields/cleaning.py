"""Reading the number and date a colleague types into a custom field or a list's filter
(docs/custom-fields.md): the services check values with it, the lists read their filters
with it, so both accept the same writing."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from portefeuille.firms.guards import field_error

# Numbers: up to 14 digits before the decimal point, 4 after (the column's precision).
NUMBER_DIGITS = 14
NUMBER_PLACES = 4

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SPACES = re.compile(r"[ \u00a0\u202f']")


def clean_number(value: Any, name: str) -> Decimal | None:
    """A number: 1234.5, "1 234,5", "-3"; at most 14 digits before the point and 4 after."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise field_error(name, _("Saisissez un nombre."), "invalid")
    if isinstance(value, float):
        value = repr(value)
    text = _SPACES.sub("", str(value).strip())
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise field_error(name, _("Saisissez un nombre."), "invalid")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise field_error(name, _("Saisissez un nombre."), "invalid") from None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > NUMBER_PLACES:
        normal = number.normalize()
        normal_exponent = normal.as_tuple().exponent
        if isinstance(normal_exponent, int) and -normal_exponent > NUMBER_PLACES:
            raise field_error(
                name,
                _("%(places)s décimales au plus.") % {"places": NUMBER_PLACES},
                "max_decimal_places",
            )
        number = normal
    if abs(number) >= Decimal(10) ** NUMBER_DIGITS:
        raise field_error(name, _("Ce nombre est trop grand."), "max_value")
    return number


def clean_date(value: Any, name: str) -> datetime.date | None:
    """A date: a date, "2025-03-31" or "31/03/2025"."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DATE.match(text):
                return datetime.date.fromisoformat(text)
            french = _FRENCH_DATE.match(text)
            if french:
                day, month, year = (int(part) for part in french.groups())
                return datetime.date(year, month, day)
        except ValueError:
            pass
    raise field_error(name, _("Saisissez une date valide (AAAA-MM-JJ)."), "invalid")
