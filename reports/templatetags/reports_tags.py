"""Showing figures: "—" for an undefined rate, percent with two decimals, thousands separators."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure_value(value, unit=""):
    if value is None:
        return "—"
    if unit == "%":
        return f"{Decimal(value):.2f}%"
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


@register.filter
def signed(value):
    if value is None:
        return ""
    return f"+{value}%" if value > 0 else f"{value}%"
