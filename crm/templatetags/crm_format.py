"""Template filters of the dashboards."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

BREAK_AFTER = re.compile(r"([@._\-/])")


@register.filter(needs_autoescape=True)
def soft_breaks(value, autoescape=True) -> str:
    """An address that may wrap after ``@ . _ - /`` (never in the middle of a word)."""
    escape = conditional_escape if autoescape else str
    parts = BREAK_AFTER.split(str(value or ""))
    return mark_safe("".join(escape(p) + ("<wbr>" if BREAK_AFTER.fullmatch(p) else "") for p in parts))
