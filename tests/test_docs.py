"""The README's promises: two commands first, and every setting in the table."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in [*ROOT.glob("lumina/**/*.py"), *ROOT.glob("accounts/**/*.py")]:
        text = path.read_text()
        names |= set(re.findall(r'env(?:\.\w+)?\("([A-Z][A-Z0-9_]+)"', text))
        names |= set(re.findall(r'environ\.get\("([A-Z][A-Z0-9_]+)"', text))
    return names


def test_every_environment_variable_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in _variables_read_by_the_code() if f"`{name}`" not in readme)
    assert missing == []


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.index("## Quick start")
    assert readme.index("make run", quick_start) < readme.index("## Configuration")
    assert readme.index("make test", quick_start) < readme.index("## Configuration")


def test_ci_calls_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make lint" in (ROOT / ".ci" / "run").read_text()
