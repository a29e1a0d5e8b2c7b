"""Query-parameter filters defined once, as a table of small typed entries.

One ``Filter`` per filter: the parameter(s) it reads (``Param``: name, OpenAPI type,
description, choices), how it parses them (errors are ``ValidationFailed`` naming the
parameter), how it narrows a QuerySet, and its line in the docs. A ``FilterSet`` is an
ordered table of them plus the frozen dataclass the parsed values go into; the parsing,
the applying, the OpenAPI parameters and the docs table all come from it. Gallery's asset
list and search each build their table from these pieces (search reuses gallery's
entries where they mean the same thing).

Why our own table rather than django-filter (installed, but not a dependency): our
filters' semantics are not field lookups: comma lists with a cap, an "all of these tags"
resolved against the workspace, a bounding box that may cross the antimeridian, a point
and a radius read together, an ISO date *or* date-time in the server's time zone,
parameters another app leaves to gallery; and errors must be our ``ValidationFailed``
naming the parameter, not a form's error dict. A table of plain entries is less code
than bending ``FilterSet`` to that, and it stays a plain function call per filter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter

from .dates import parse_when
from .errors import ValidationFailed

MAX_LIST = 50  # values in one list parameter (comma-separated and repeated together)

V = TypeVar("V")

# A QueryDict, a DRF ``query_params`` or a plain dict (values: a string or a list).
Params = Mapping[str, Any]
Parser = Callable[[Params], Any]
# (queryset, parsed value, context) -> queryset; the context is what the caller passes
# to ``FilterSet.apply`` (the caller's membership for both tables today).
Applier = Callable[[QuerySet[Any], Any, Any], QuerySet[Any]]


def invalid(field: str, message: str) -> ValidationFailed:
    """The error of a malformed parameter: code ``invalid``, ``details.field`` naming it."""
    return ValidationFailed(f"{field}: {message}", details={"field": field})


def _values(params: Params, name: str) -> list[Any]:
    if hasattr(params, "getlist"):
        return list(params.getlist(name))
    value = params.get(name)
    if isinstance(value, list | tuple):
        return list(value)
    return [] if value is None else [value]


def first(params: Params, name: str) -> str:
    """The parameter's (last) value, stripped; ``""`` when absent."""
    values = _values(params, name)
    return str(values[-1]).strip() if values else ""


def many(params: Params, name: str) -> list[str]:
    """Every value of a repeated and/or comma-separated parameter, at most ``MAX_LIST``."""
    out: list[str] = []
    for value in _values(params, name):
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    if len(out) > MAX_LIST:
        raise invalid(name, f"at most {MAX_LIST} values.")
    return out


def without(params: Params, names: Iterable[str]) -> dict[str, list[Any]]:
    """``params`` as a plain dict of lists, less ``names``."""
    dropped = set(names)
    if hasattr(params, "lists"):
        items = list(params.lists())
    else:
        items = [(k, v if isinstance(v, list) else [v]) for k, v in params.items()]
    return {k: list(v) for k, v in items if k not in dropped}


# --- value parsers: a string in, a value or None out; errors name the parameter ------------


def to_bool(value: str, field: str) -> bool | None:
    """``true/false`` (also 1/0, yes/no, on/off); anything else is an error."""
    if value == "":
        return None
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise invalid(field, "use true or false.")


def to_flag(value: str) -> bool | None:
    """The lenient reading gallery's list has always had: true, 1, yes or on is true,
    any other value false."""
    if value == "":
        return None
    return value.lower() in ("1", "true", "yes", "on")


def to_int(value: str, field: str, *, low: int = 0, high: int = 2**62) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise invalid(field, "use a whole number.") from None
    if not low <= number <= high:
        raise invalid(field, f"must lie between {low} and {high}.")
    return number


def to_floats(value: str, field: str, count: int) -> tuple[float, ...] | None:
    """``count`` finite comma-separated numbers."""
    if not value:
        return None
    try:
        numbers = tuple(float(part) for part in value.split(","))
    except ValueError:
        raise invalid(field, f"use {count} comma-separated numbers.") from None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        raise invalid(field, f"use {count} comma-separated numbers.")
    return numbers


def to_choice(value: str, field: str, choices: Sequence[str]) -> str | None:
    if value and value not in choices:
        raise invalid(field, f"one of {', '.join(choices)}.")
    return value or None


# --- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One query parameter as the OpenAPI schema shows it."""

    name: str
    type: type = str
    description: str = ""
    enum: tuple[str, ...] = ()

    def openapi(self) -> OpenApiParameter:
        return OpenApiParameter(
            self.name, self.type, description=self.description, enum=list(self.enum) or None
        )


@dataclass(frozen=True)
class Filter:
    """One filter: sets ``field`` of the values from ``params``; ``apply`` narrows a
    QuerySet by the value and runs only when the value is given (not None, not ``()``).
    ``doc`` is its meaning in the docs table (consecutive filters with the same ``doc``
    share a row); ``label`` replaces the row's list of parameter names."""

    field: str
    params: tuple[Param, ...]
    parse: Parser
    apply: Applier
    doc: str = ""
    label: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def applied_by(self, apply: Applier) -> Filter:
        """The same parameters and parsing, applied differently (another model)."""
        return replace(self, apply=apply)


def _given(value: Any) -> bool:
    return value is not None and value != ()


class FilterSet(Generic[V]):
    """An ordered table of filters whose parsed values fill the dataclass ``values``."""

    def __init__(self, values: type[V], filters: Iterable[Filter]) -> None:
        self.values = values
        self.filters = tuple(filters)
        assert is_dataclass(values)
        known = {f.name for f in fields(values)}
        unknown = [f.field for f in self.filters if f.field not in known]
        if unknown:  # a programming error: fail at import, not on a request
            raise TypeError(f"{values.__name__} has no field(s) {', '.join(unknown)}")

    def parse(self, params: Params, *, ignore: Iterable[str] = ()) -> V:
        """The values of every filter from ``params`` (less the ``ignore``d names)."""
        source: Params = without(params, ignore) if ignore else params
        return self.values(**{f.field: f.parse(source) for f in self.filters})

    def apply(self, queryset: QuerySet[Any], values: V, context: Any) -> QuerySet[Any]:
        """Narrow ``queryset`` by every given value, in table order; stops once the
        result is known to be empty (a filter no row can meet)."""
        for entry in self.filters:
            value = getattr(values, entry.field)
            if _given(value):
                queryset = entry.apply(queryset, value, context)
                if queryset.query.is_empty():
                    break
        return queryset

    def names(self) -> tuple[str, ...]:
        """Every parameter name the table reads, in order."""
        return tuple(name for entry in self.filters for name in entry.names)

    def openapi_parameters(self, *, ignore: Iterable[str] = ()) -> list[OpenApiParameter]:
        dropped = set(ignore)
        return [
            param.openapi()
            for entry in self.filters
            for param in entry.params
            if param.name not in dropped
        ]

    def markdown(self) -> str:
        """The docs table: one row per filter, or per run of filters with one meaning."""
        rows: list[tuple[list[str], str]] = []
        for entry in self.filters:
            label = entry.label or ", ".join(f"`{n}`" for n in entry.names)
            if rows and rows[-1][1] == entry.doc:
                rows[-1][0].append(label)
            else:
                rows.append(([label], entry.doc))
        lines = ["| parameter | meaning |", "|---|---|"]
        lines += [f"| {', '.join(labels)} | {doc} |" for labels, doc in rows]
        return "\n".join(lines) + "\n"


# --- builders for the common kinds --------------------------------------------------------


def moment_filter(field: str, apply: Applier, *, description: str, doc: str) -> Filter:
    """An ISO date or date-time bound read from the parameter named like the field."""
    return Filter(
        field=field,
        params=(Param(field, str, description),),
        # A plain date is its midnight as a lower and as an (exclusive) upper bound.
        parse=lambda params: parse_when(first(params, field), field),
        apply=apply,
        doc=doc,
    )


def int_filter(
    field: str, apply: Applier, *, low: int = 0, high: int = 2**62, description: str, doc: str
) -> Filter:
    return Filter(
        field=field,
        params=(Param(field, int, description),),
        parse=lambda params: to_int(first(params, field), field, low=low, high=high),
        apply=apply,
        doc=doc,
    )


def bool_filter(field: str, apply: Applier, *, description: str, doc: str) -> Filter:
    return Filter(
        field=field,
        params=(Param(field, bool, description),),
        parse=lambda params: to_bool(first(params, field), field),
        apply=apply,
        doc=doc,
    )


def choice_filter(
    field: str, choices: Sequence[str], apply: Applier, *, description: str, doc: str
) -> Filter:
    return Filter(
        field=field,
        params=(Param(field, str, description, tuple(choices)),),
        parse=lambda params: to_choice(first(params, field), field, choices),
        apply=apply,
        doc=doc,
    )


def text_filter(
    field: str, apply: Applier, *, max_length: int, description: str, doc: str
) -> Filter:
    """Free text, stripped and cut at ``max_length``; empty is absent."""
    return Filter(
        field=field,
        params=(Param(field, str, description),),
        parse=lambda params: first(params, field)[:max_length] or None,
        apply=apply,
        doc=doc,
    )


def lookup(name: str) -> Applier:
    """An applier filtering ``name=value`` (a Django lookup such as ``bytes__gte``)."""
    return lambda queryset, value, context: queryset.filter(**{name: value})


M = TypeVar("M", bound=Callable[..., Any])


def with_registered_parameters(registry: Iterable[Any]) -> Callable[[M], M]:
    """For a view method (below its ``@extend_schema``): its OpenAPI parameters also
    list the ``parameters`` of every entry of ``registry`` (such as
    ``plugins.asset_list_filters``), read when the schema is generated, after every
    app's ``ready()``."""

    def decorate(method: M) -> M:
        from .schema import AutoSchema

        class RegisteredParametersSchema(AutoSchema):
            def get_override_parameters(self) -> list[Any]:
                found = list(super().get_override_parameters())
                for entry in registry:
                    found.extend(entry.parameters)
                return found

        method.schema = RegisteredParametersSchema  # type: ignore[attr-defined]
        return method

    return decorate
