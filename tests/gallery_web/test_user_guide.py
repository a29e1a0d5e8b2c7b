"""The user guide shows the screenshots the browser tests take, and only those."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_user_guide_uses_the_screenshots_of_the_browser_tests():
    guide = (ROOT / "docs" / "user-guide.md").read_text()
    used = set(re.findall(r"\]\(screenshots/([\w-]+\.png)\)", guide))
    taken = set()
    for test in (ROOT / "tests" / "ui").glob("test_*.py"):
        taken |= {
            f"{name}.png" for name in re.findall(r'screenshot\(page, "([\w-]+)"', test.read_text())
        }
    assert used == taken
    for name in used:
        assert (ROOT / "docs" / "screenshots" / name).stat().st_size > 5000, name
