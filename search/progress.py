"""A small progress bar for management commands (no dependency): redrawn in place on
a terminal, a line every 10 % elsewhere (logs, CI)."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    def __init__(self, stream: TextIO, label: str, total: int, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.total = max(total, 0)
        self.width = width
        self.done = 0
        self.started = time.monotonic()
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_tenth = -1
        self._draw()

    def update(self, count: int) -> None:
        self.done += count
        self._draw()

    def _line(self) -> str:
        fraction = min(1.0, self.done / self.total) if self.total else 1.0
        filled = round(self.width * fraction)
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 and self.total > self.done else 0.0
        bar = "#" * filled + "." * (self.width - filled)
        return (
            f"{self.label:<16} [{bar}] {fraction:6.1%} {self.done:,}/{self.total:,} "
            f"{rate:,.0f}/s eta {left:,.0f}s"
        )

    def _draw(self) -> None:
        if self.tty:
            self.stream.write("\r" + self._line())
            self.stream.flush()
            return
        tenth = int(10 * self.done / self.total) if self.total else 10
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(self._line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r" + self._line() + "\n")
            self.stream.flush()
        elif self._last_tenth != 10:
            self.stream.write(self._line() + "\n")
