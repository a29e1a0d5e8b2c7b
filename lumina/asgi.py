"""The ASGI application served by gunicorn's uvicorn workers (lumina.core.server)."""

import os
from collections.abc import AsyncIterator, Iterable
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lumina.settings.production")
django.setup(set_prefix=False)

_DONE = object()


async def _pull(content: Iterable[bytes], source: Any) -> AsyncIterator[bytes]:
    iterator = iter(content)
    step = sync_to_async(next, thread_sensitive=True)
    try:
        while (part := await step(iterator, _DONE)) is not _DONE:  # type: ignore[call-arg]
            yield part
    finally:
        close = getattr(source, "close", None)
        if callable(close):
            await sync_to_async(close, thread_sensitive=True)()


class StreamingASGIHandler(ASGIHandler):
    """Django's ASGI handler, streaming sync iterators chunk by chunk.

    Django reads a synchronous streaming body into one list before sending it under
    ASGI. Our ZIP exports and file downloads are synchronous generators that may be
    gigabytes: here each chunk is pulled from the thread where Django runs sync code
    and sent at once, so memory stays at one chunk (LUMINA_ZIP_CHUNK_BYTES).
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # nothing to set up or tear down; say so politely
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await super().__call__(scope, receive, send)

    async def send_response(self, response: Any, send: Any) -> None:
        if response.streaming and not response.is_async:
            source = getattr(response, "_iterator", None)
            response.streaming_content = _pull(response.streaming_content, source)
        await super().send_response(response, send)


application = StreamingASGIHandler()
