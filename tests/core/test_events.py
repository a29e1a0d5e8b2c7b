"""The event catalogue: declared once, emitted somewhere, JSON payloads, delivered only
after commit, one failing listener does not silence the others, docs/events.md current."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from lumina.core import events
from lumina.core.events import Event, EventError

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("lumina", "accounts", "gallery", "albums", "search", "webhooks")
DOCS = ROOT / "docs" / "events.md"

SAMPLES: dict[str, Any] = {
    "int": 7,
    "str": "text",
    "bool": True,
    "float": 1.5,
    "int | None": None,
    "str | None": "text",
    "bool | None": None,
    "float | None": 2.5,
    "list[int]": [1, 2],
    "list[str]": ["a", "b"],
}


def _source_files() -> Iterator[Path]:
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def _emit_calls() -> list[tuple[str, int, ast.expr]]:
    """Every ``emit(...)`` / ``events.emit(...)`` call in the apps: (file, line, arg)."""
    found = []
    for path in _source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            receiver = func.value if isinstance(func, ast.Attribute) else None
            if name != "emit" or (
                receiver is not None
                and not (isinstance(receiver, ast.Name) and receiver.id == "events")
            ):
                continue
            if path == ROOT / "lumina" / "core" / "events.py":
                continue
            assert len(node.args) == 1, f"{path}:{node.lineno}"
            assert not node.keywords, f"{path}:{node.lineno}"
            found.append((str(path.relative_to(ROOT)), node.lineno, node.args[0]))
    return found


def _constructed(arg: ast.expr) -> str | None:
    if isinstance(arg, ast.Call):
        func = arg.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


def test_the_catalogue_holds_the_apps_events_each_a_frozen_keyword_only_dataclass():
    declared = events.catalogue()
    assert len(declared) >= 24
    names = [cls.__name__ for cls in declared]
    assert len(names) == len(set(names)), "class names must be unique (the scan uses them)"
    for cls in declared:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", cls.name), cls.name
        assert cls.version >= 1
        assert cls.description.endswith("."), cls.name
        assert dataclasses.is_dataclass(cls)
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        assert params.frozen, cls.name
        assert not cls.__module__.startswith("lumina."), "core declares no app's events"
        assert events.get(cls.name) is cls


def test_every_emit_constructs_a_declared_event_and_every_declared_event_is_emitted():
    by_name = {cls.__name__: cls for cls in events.catalogue()}
    calls = _emit_calls()
    assert calls
    emitted = set()
    for path, line, arg in calls:
        name = _constructed(arg)
        assert name in by_name, f"{path}:{line} emits something not in the catalogue"
        emitted.add(name)
    assert set(by_name) - emitted == set(), "declared but never emitted"


def test_payloads_are_json_and_their_field_types_are_checked_when_declared():
    for cls in events.catalogue():
        values = {
            f.name: SAMPLES[f.type if isinstance(f.type, str) else f.type.__name__]
            for f in dataclasses.fields(cls)
        }
        event = cls(**values)
        assert json.loads(json.dumps(event.payload())) == values
        assert event.name == cls.name
    with pytest.raises(EventError, match="not a payload type"):

        @dataclasses.dataclass(frozen=True, kw_only=True)
        class Bad(Event):
            name = "test.bad"
            description = "Never."

            when: object

    assert events.get("test.bad") is None

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class AbstractBase(Event):  # no name: not declared, its fields checked in subclasses
        when: object

    with pytest.raises(EventError, match="not a payload type"):

        @dataclasses.dataclass(frozen=True, kw_only=True)
        class BadChild(AbstractBase):
            name = "test.bad_child"
            description = "Never."

    assert events.get("test.bad_child") is None


@pytest.fixture
def happened() -> Iterator[type[Event]]:
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class ThingHappened(Event):
        name = "test.thing_happened"
        description = "A test says so."

        thing_id: int

    yield ThingHappened
    for handler in events.listeners(ThingHappened):
        events.unsubscribe(ThingHappened, handler)
    events._catalogue.unregister(ThingHappened.name)


def test_emitting_an_undeclared_event_raises(happened):
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Undeclared(Event):  # no name: not in the catalogue
        thing_id: int

    with pytest.raises(EventError):
        events.emit(Undeclared(thing_id=1))
    with pytest.raises(EventError):
        events.subscribe(Undeclared, lambda event: None)
    with pytest.raises(EventError):
        events.emit({"name": "test.thing_happened"})  # type: ignore[arg-type]


@pytest.mark.django_db(transaction=True)
def test_delivered_after_commit_not_on_rollback_and_a_failing_handler_does_not_stop_others(
    happened,
):
    from accounts.models import Tenant

    seen: list[tuple[str, Event]] = []
    everything: list[str] = []

    def broken(event: Event) -> None:
        raise RuntimeError("boom")

    def record(event: Event) -> None:
        seen.append(("record", event))

    def generic(event: Event) -> None:
        everything.append(event.name)

    events.subscribe(happened, broken)
    events.subscribe(happened, record)
    events.subscribe("*", generic)
    try:
        # a rolled-back transaction delivers nothing, though it wrote a row
        def roll_back() -> None:
            with transaction.atomic():
                Tenant.objects.create(name="gone", slug="gone")
                events.emit(happened(thing_id=1))
                raise RuntimeError("roll back")

        with pytest.raises(RuntimeError):
            roll_back()
        assert seen == []
        assert not Tenant.objects.filter(slug="gone").exists()

        # a rolled-back savepoint inside a committed transaction: its event is dropped
        with transaction.atomic():
            Tenant.objects.create(name="kept", slug="kept")
            try:
                with transaction.atomic():
                    events.emit(happened(thing_id=2))
                    raise RuntimeError("inner")
            except RuntimeError:
                pass
            events.emit(happened(thing_id=3))
            assert seen == []  # not before commit
        assert [e.payload() for _, e in seen] == [{"thing_id": 3}]
        assert everything == ["test.thing_happened"]
    finally:
        events.unsubscribe("*", generic)


def test_docs_events_md_is_the_generated_catalogue():
    text = DOCS.read_text()
    found = re.search(r"<!-- events:start -->\n(.*?)\n<!-- events:end -->", text, re.DOTALL)
    assert found, "docs/events.md lacks the catalogue markers"
    assert found.group(1).strip() == events.markdown_catalogue().strip(), (
        "docs/events.md is stale: paste lumina.core.events.markdown_catalogue() between the markers"
    )
