"""The one rule for names, titles and other short text people type: no control
characters (CR/LF end up in mail headers, logs and ZIP entries), no bidirectional
overrides (they make "gpj.exe" read as "exe.jpg"), bounded length.

Services call `clean_text` before they save, so the API, the web forms and the admin
actions all refuse the same way (``invalid_text``, 400). Text that was stored before
this rule existed is made harmless where it leaves the system (`single_line` for mail
subjects and headers).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from .errors import ValidationFailed

# Embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI). The
# plain marks (LRM, RLM, ALM) stay allowed: right-to-left scripts need them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Line and paragraph separators break a "single line" as much as CR/LF do.
LINE_BREAKS = frozenset("\u2028\u2029\x85")
_MULTILINE_OK = frozenset("\n\r\t")


class InvalidText(ValidationFailed):
    code = "invalid_text"
    default_message = "The text holds control or text-direction characters."


def forbidden_characters(value: str, *, multiline: bool = False) -> list[str]:
    """The characters of ``value`` the rule refuses, as ``U+XXXX`` (first five)."""
    found: list[str] = []
    for ch in value:
        if multiline and ch in _MULTILINE_OK:
            continue
        if _unsafe(ch):
            code = f"U+{ord(ch):04X}"
            if code not in found:
                found.append(code)
            if len(found) == 5:
                break
    return found


def clean_text(
    value: Any,
    *,
    field: str,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
    label: str | None = None,
) -> str:
    """``value`` stripped, or InvalidText / ValidationFailed naming ``field``."""
    text = "" if value is None else str(value)
    name = label or field.replace("_", " ").capitalize()
    bad = forbidden_characters(text, multiline=multiline)
    if bad:
        raise InvalidText(
            f"{name} may not contain control or text-direction characters ({', '.join(bad)}).",
            details={"field": field, "characters": bad},
        )
    text = text.strip()
    if required and not text:
        raise ValidationFailed(f"{name} is required.", details={"field": field})
    if len(text) > max_length:
        raise ValidationFailed(
            f"{name} is longer than {max_length} characters.",
            code="too_long",
            details={"field": field, "max_length": max_length},
        )
    return text


def clean_email(value: Any, *, field: str = "email") -> str:
    """A lower-cased e-mail address that fits an EmailField (254), or ValidationFailed."""
    text = clean_text(value, field=field, max_length=254, required=True, label="E-mail address")
    try:
        validate_email(text)
    except DjangoValidationError:
        raise ValidationFailed("Enter a valid e-mail address.", details={"field": field}) from None
    return text.lower()


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS or ch in LINE_BREAKS


def strip_unsafe(value: Any, replacement: str = " ") -> str:
    """``value`` with every control, separator and direction character replaced."""
    return "".join(replacement if _unsafe(ch) else ch for ch in str(value))


def single_line(value: Any, *, max_length: int = 200) -> str:
    """``value`` made safe for a mail subject or a header: every control, separator and
    direction character becomes a space. For text stored before the rule existed."""
    return " ".join(strip_unsafe(value).split())[:max_length]
