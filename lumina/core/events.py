"""Domain events: a typed catalogue, delivered after the transaction commits.

Each event is declared once, in the app that owns it (``gallery/events.py``, ...), as a
frozen, keyword-only dataclass subclassing :class:`Event` with a dotted ``name``, a
``version`` and a one-sentence ``description`` (when it is emitted)::

    @dataclass(frozen=True, kw_only=True)
    class AssetReady(Event):
        name = "asset.ready"
        version = 1
        description = "An asset finished processing: renditions and metadata are stored."

        tenant_id: int
        asset_id: int

Declaring the class puts it in the catalogue (:func:`catalogue`). Its fields are the
payload: JSON scalars and lists of them only, so webhooks can send it as it is. Apps
announce what happened with ``emit(AssetReady(tenant_id=..., asset_id=...))`` without
knowing who listens; listeners (search, webhooks, notifications, ...) subscribe in their
``AppConfig.ready()`` with ``subscribe(AssetReady, handler)``, or ``subscribe("*", ...)``
for every event, and receive the instance. A new version of a payload bumps
``version``. docs/events.md is :func:`markdown_catalogue` (a test keeps them equal).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar, overload

from django.db import transaction

from .registries import Registry

logger = logging.getLogger(__name__)

# The payload types a field may be declared with (as written in the annotation).
PAYLOAD_TYPES = frozenset(
    {
        "int",
        "str",
        "bool",
        "float",
        "int | None",
        "str | None",
        "bool | None",
        "float | None",
        "list[int]",
        "list[str]",
    }
)


class EventError(TypeError):
    """An event that is not declared in the catalogue, or declared wrongly."""


class Event:
    """Base of every domain event; subclasses declare ``name``, ``version`` and
    ``description`` and are frozen, keyword-only dataclasses (the payload)."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    description: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            return  # an abstract intermediate class
        if not isinstance(cls.__dict__.get("description"), str) or not cls.description:
            raise EventError(f"{cls.__qualname__}: an event needs a description")
        # Fields may come from abstract bases (AssetEvent): check every class's.
        for klass in cls.__mro__:
            if not (isinstance(klass, type) and issubclass(klass, Event)) or klass is Event:
                continue
            for field, annotation in inspect.get_annotations(klass).items():
                written = _written(annotation)
                if written.startswith(("ClassVar", "typing.ClassVar")):
                    continue
                if written not in PAYLOAD_TYPES:
                    raise EventError(
                        f"{cls.__qualname__}.{field}: {annotation} is not a payload type "
                        f"({', '.join(sorted(PAYLOAD_TYPES))})"
                    )
        _catalogue.register(cls.name, cls)

    def payload(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (what webhooks send)."""
        data: dict[str, Any] = dataclasses.asdict(self)  # type: ignore[call-overload]
        return data


def _written(annotation: object) -> str:
    """An annotation as written (modules with ``from __future__ import annotations``
    keep strings; others give types)."""
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation)


E = TypeVar("E", bound=Event)
Handler = Callable[[E], None]
AnyHandler = Callable[[Event], None]

_catalogue: Registry[type[Event]] = Registry("events", "Every declared domain event, by name.")
_handlers: dict[type[Event] | str, list[Callable[[Any], None]]] = defaultdict(list)


def catalogue() -> list[type[Event]]:
    """Every declared event class, by name (what a webhook endpoint may subscribe to)."""
    return [cls for _, cls in sorted(_catalogue.items())]


def get(name: str) -> type[Event] | None:
    """The event class declared under ``name``."""
    return _catalogue.get(name)


def _check_declared(event: type[Event] | str) -> None:
    if event == "*":
        return
    name = getattr(event, "name", None)
    if not (isinstance(event, type) and isinstance(name, str) and _catalogue.get(name) is event):
        raise EventError(f"{event!r} is not a declared event")
    if not dataclasses.is_dataclass(event) or not event.__dataclass_params__.frozen:
        raise EventError(f"{event.__qualname__} must be a frozen dataclass")


@overload
def subscribe(event: Literal["*"], handler: AnyHandler) -> None: ...
@overload
def subscribe(event: type[E], handler: Handler[E]) -> None: ...
def subscribe(event: type[Event] | str, handler: Callable[[Any], None]) -> None:
    """Call ``handler(instance)`` after each commit that emitted ``event`` ("*": every
    event). Registering twice is a no-op."""
    _check_declared(event)
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def unsubscribe(event: type[Event] | str, handler: Callable[[Any], None]) -> None:
    if handler in _handlers[event]:
        _handlers[event].remove(handler)


def listeners(event: type[Event] | str) -> list[Callable[[Any], None]]:
    """The handlers subscribed to ``event`` (not counting the "*" ones)."""
    return list(_handlers.get(event, []))


def emit(event: Event) -> None:
    """Deliver ``event`` once the current transaction commits (at once outside one).
    Raises :class:`EventError` if its class is not a declared event."""
    _check_declared(type(event))

    def deliver() -> None:
        for handler in [*_handlers[type(event)], *_handlers["*"]]:
            try:
                handler(event)
            except Exception:
                # One failing subscriber must not hide the event from the others.
                logger.exception("Event handler failed", extra={"event": event.name})

    transaction.on_commit(deliver)


def _qualname(handler: Callable[..., Any]) -> str:
    module = getattr(handler, "__module__", "?")
    return f"{module}.{getattr(handler, '__qualname__', repr(handler))}"


def markdown_catalogue() -> str:
    """The catalogue as docs/events.md shows it (kept equal by a test). Listeners are
    the subscriptions made by the apps' ``ready()``."""
    lines = [
        "| Event | Version | When | Payload | Listeners |",
        "|---|---|---|---|---|",
    ]
    for cls in catalogue():
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        # A "|" inside a table cell must be escaped, even within code.
        payload = ", ".join(f"`{f.name}: {_written(f.type)}`" for f in fields).replace("|", "\\|")
        who = ", ".join(f"`{_qualname(h)}`" for h in listeners(cls)) or "none yet"
        when = cls.description.replace("|", "\\|")
        lines.append(f"| `{cls.name}` | {cls.version} | {when} | {payload} | {who} |")
    everything = ", ".join(f"`{_qualname(h)}`" for h in listeners("*"))
    if everything:
        lines += ["", f"Every event also goes to: {everything}."]
    return "\n".join(lines)
