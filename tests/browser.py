"""The one way tests (and benchmarks) start Chromium: where it is and its launch flags."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("LUMINA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_installed() -> bool:
    return bool(shutil.which(CHROMIUM)) or Path(CHROMIUM).exists()


def launch(playwright: Any) -> Any:
    """Headless Chromium through Playwright's sync API (``sync_playwright()``)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
