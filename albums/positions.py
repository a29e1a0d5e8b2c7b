"""Fractional position keys for manual ordering.

A key is a base-62 fraction written as a string ("V" is 0.5, "0V" is 0.5/62...): keys
compare as plain strings (the column uses the C collation), so an item moves by
rewriting its own key only. Between any two keys there is always another one; keys
never end in "0", which keeps that true at the low end.

Appending and prepending count up or down at the key's length (keys stay short when
items are added one by one, and double in length only when a length is used up);
inserting between neighbours takes the midpoint, which grows a key by about
one character for every six inserts at the very same spot. When a key would get longer
than ``MAX_LENGTH`` the album is renumbered once (``spread``) and the keys are short
again: rare, and one bulk update when it happens.
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_INDEX = {c: i for i, c in enumerate(DIGITS)}
MAX_LENGTH = 48


class PositionError(ValueError):
    pass


def _check(key: str) -> None:
    if not key or key[-1] == "0" or any(c not in _INDEX for c in key):
        raise PositionError(f"not a position key: {key!r}")


def _midpoint(a: str, b: str | None) -> str:
    """A key strictly between ``a`` ("" = 0) and ``b`` (None = 1)."""
    if b is not None:
        n = 0
        while n < len(b) and (a[n] if n < len(a) else "0") == b[n]:
            n += 1
        if n > 0:
            return b[:n] + _midpoint(a[n:], b[n:])
    low = _INDEX[a[0]] if a else 0
    high = _INDEX[b[0]] if b is not None else BASE
    if high - low > 1:
        return DIGITS[(low + high) // 2]
    if b is not None and len(b) > 1:
        return b[0]
    return DIGITS[low] + _midpoint(a[1:], None)


def _value(key: str) -> int:
    value = 0
    for c in key:
        value = value * BASE + _INDEX[c]
    return value


def _digits(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, rest = divmod(value, BASE)
        out.append(DIGITS[rest])
    return "".join(reversed(out))


def key_after(a: str) -> str:
    """The next key after ``a`` at the same length (a counter, so appending one item at
    a time keeps keys short); when the length is used up, a key twice as long."""
    _check(a)
    width = len(a)
    value = _value(a) + 1
    if value % BASE == 0:  # would end in "0"
        value += 1
    if value < BASE**width:
        return _digits(value, width)
    return a + "0" * (width - 1) + "1"


def key_before(b: str) -> str:
    """The key before ``b`` at the same length; twice as long when that is used up."""
    _check(b)
    width = len(b)
    value = _value(b) - 1
    if value % BASE == 0:
        value -= 1
    if value > 0:
        return _digits(value, width)
    return "0" * width + DIGITS[-1] * width


def key_between(a: str | None, b: str | None) -> str:
    """A key after ``a`` and before ``b`` (either may be None: no neighbour)."""
    if a is not None:
        _check(a)
    if b is not None:
        _check(b)
    if a is not None and b is not None and not a < b:
        raise PositionError(f"{a!r} is not before {b!r}")
    if a is None and b is None:
        return DIGITS[BASE // 2]
    if b is None:
        assert a is not None
        return key_after(a)
    if a is None:
        return key_before(b)
    return _midpoint(a, b)


def keys_between(a: str | None, b: str | None, n: int) -> list[str]:
    """``n`` ascending keys between ``a`` and ``b``."""
    if n <= 0:
        return []
    if b is None:
        keys: list[str] = []
        previous = a
        for _ in range(n):
            previous = key_between(previous, None)
            keys.append(previous)
        return keys
    if a is None:
        keys = []
        following = b
        for _ in range(n):
            following = key_between(None, following)
            keys.append(following)
        return keys[::-1]
    middle = n // 2
    c = key_between(a, b)
    return [*keys_between(a, c, middle), c, *keys_between(c, b, n - middle - 1)]


def _encode(value: int, width: int) -> str:
    return _digits(value, width).rstrip("0")


def spread(n: int) -> list[str]:
    """``n`` short, evenly spaced ascending keys for renumbering a whole album. They use
    the lower half of the space, so appends after a renumbering have room."""
    if n <= 0:
        return []
    width = 1
    while BASE**width < 4 * (n + 1):
        width += 1
    step = BASE**width // (2 * (n + 1))
    return [_encode((i + 1) * step, width) for i in range(n)]


def too_long(keys: list[str]) -> bool:
    return any(len(k) > MAX_LENGTH for k in keys)
