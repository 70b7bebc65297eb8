"""`{% load formats %}`: `{{ amount|money }}` ("1 234,50 €"), `{{ rate|percent }}` ("5,5 %"),
`{{ number|phone }}` ("02 98 00 11 22"). The same functions write the PDFs
(`ponton.web.formats`), so a page and its PDF say the same thing."""

from django import template

from ponton.web.formats import money_text, percent_text, phone_text

register = template.Library()


@register.filter
def money(value) -> str:
    return money_text(value)


@register.filter
def percent(value) -> str:
    return percent_text(value)


@register.filter
def phone(value) -> str:
    return phone_text(value)
