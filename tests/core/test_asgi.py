"""The ASGI app streams synchronous bodies (ZIP exports, downloads) chunk by chunk.

Django's own ASGI handler reads a synchronous streaming body into one list before it
sends anything: a ZIP of a large album would sit in memory whole."""

from __future__ import annotations

import asyncio
import io
import threading
from typing import Any

from django.http import FileResponse, StreamingHttpResponse

from lumina.asgi import StreamingASGIHandler


def _run(coroutine: Any) -> None:
    """asyncio.run in a thread of its own: the browser tests leave a loop in this one."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _send(response: Any) -> list[bytes]:
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            chunks.append(message["body"])

    _run(StreamingASGIHandler().send_response(response, send))
    return chunks


def test_each_chunk_of_a_generator_is_sent_before_the_next_is_made():
    made: list[int] = []
    sent_after: list[int] = []

    def body():
        for i in range(5):
            made.append(i)
            yield b"x" * 10

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            sent_after.append(len(made))

    _run(StreamingASGIHandler().send_response(StreamingHttpResponse(body()), send))

    assert sent_after == [1, 2, 3, 4, 5]


def test_a_file_response_arrives_whole_and_in_blocks():
    data = bytes(range(256)) * 64  # 16 KiB
    response = FileResponse(io.BytesIO(data))
    response.block_size = 4096

    chunks = _send(response)

    assert b"".join(chunks) == data
    assert len(chunks) == 4
