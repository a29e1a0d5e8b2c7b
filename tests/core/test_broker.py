"""The embedded broker keeps a taken message until it is acknowledged, so a worker killed
with its tasks in flight loses none of them (lumina.core.broker)."""

from __future__ import annotations

from pathlib import Path

import pytest
from kombu import Connection, Exchange, Queue


def _queue(folder: Path) -> Queue:
    # kombu remembers declared exchanges per process: one name per test folder.
    name = f"jobs-{folder.name}"
    return Queue(name, Exchange(name), routing_key=name)


def _connection(folder: Path, transport: str) -> Connection:
    for sub in ("queue", "unacked", "control", "processed"):
        (folder / sub).mkdir(exist_ok=True)
    return Connection(
        "filesystem://",
        transport=transport,
        transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "processed_folder": str(folder / "processed"),
            "unacked_folder": str(folder / "unacked"),
            "polling_interval": 0.01,
        },
    )


def _publish(folder: Path, transport: str, *bodies: str) -> None:
    with _connection(folder, transport) as conn:
        producer = conn.Producer()
        queue = _queue(folder)
        for body in bodies:
            producer.publish(
                body, exchange=queue.exchange, routing_key=queue.routing_key, declare=[queue]
            )


def _take(conn: Connection, folder: Path, *, ack: bool, expect: int) -> list[str]:
    """Consume until ``expect`` messages came or a second passed without one; acknowledge
    them or not (a worker killed mid-task)."""
    got: list[str] = []

    def on_message(body: str, message: object) -> None:
        got.append(body)
        if ack:
            message.ack()  # type: ignore[attr-defined]

    with conn.Consumer(_queue(folder), callbacks=[on_message]):
        while len(got) < expect:
            try:
                conn.drain_events(timeout=1)
            except TimeoutError:
                break
    return got


@pytest.mark.parametrize(
    ("transport", "survives"),
    [("lumina.core.broker:Transport", True), ("filesystem", False)],
)
def test_a_message_taken_by_a_killed_worker_comes_back(tmp_path, transport, survives):
    # given: two tasks, taken by a worker that dies before acknowledging them (its
    # connection is never closed, so nothing is handed back at a shutdown)
    _publish(tmp_path, transport, "one", "two")
    dead = _connection(tmp_path, transport)
    assert sorted(_take(dead, tmp_path, ack=False, expect=2)) == ["one", "two"]

    # when: the next worker starts
    with _connection(tmp_path, transport) as conn:
        again = _take(conn, tmp_path, ack=True, expect=2)

    # then: it gets them again (the stock transport has lost them)
    assert sorted(again) == (["one", "two"] if survives else [])


def test_an_acknowledged_message_is_gone_for_good(tmp_path):
    transport = "lumina.core.broker:Transport"
    _publish(tmp_path, transport, "one")
    with _connection(tmp_path, transport) as conn:
        assert _take(conn, tmp_path, ack=True, expect=1) == ["one"]

    with _connection(tmp_path, transport) as conn:
        assert _take(conn, tmp_path, ack=True, expect=1) == []
    assert list((tmp_path / "unacked").iterdir()) == []
