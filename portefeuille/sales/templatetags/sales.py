"""`{{ amount|money:currency }}`: an amount in the reader's language — « 12 500,00 € » in
French, « €12,500.00 » in English (docs/sales.md)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import get_language

register = template.Library()

# The symbols read more easily than the codes; the others stay as their code.
SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF", "CAD": "CA$"}
# English writes these symbols before the amount.
PREFIXED = {"€", "£", "$", "CA$"}


@register.filter
def money(amount: Decimal | int | float | str | None, currency: str = "") -> str:
    if amount is None or amount == "":
        return ""
    number = formats.number_format(Decimal(str(amount)), 2, use_l10n=True, force_grouping=True)
    symbol = SYMBOLS.get(currency, currency)
    if not symbol:
        return number
    if (get_language() or "fr").startswith("en") and symbol in PREFIXED:
        return f"{symbol}{number}"
    return f"{number}\u00a0{symbol}"


# The bar charts of the statistics page: one 22-pixel line per row, bars up to 340 pixels.
_BAR_LINE, _BAR_MAX = 22, 340


@register.filter
def bar_chart_height(rows: int) -> int:
    return max(1, rows) * _BAR_LINE


@register.filter
def bar_offset(index: int) -> int:
    return index * _BAR_LINE


@register.filter
def bar_width(count: int, peak: int) -> int:
    return round(_BAR_MAX * count / peak) if peak else 0
