"""The docs keep their promises: the README's two commands and settings table, links that
work in a clone, and the architecture decision records complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


# --- Links: every relative link in README.md and docs/ works in a clone -------------

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _prose(text: str) -> str:
    """The text without fenced blocks and code spans (links there are examples)."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def _anchors(path: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, and
    ``-1``, ``-2``... for repeats."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text())):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _broken_links(path: Path, root: Path = ROOT) -> list[str]:
    text = _prose(path.read_text())
    targets = _INLINE_LINK.findall(text) + _REFERENCE.findall(text)
    broken = []
    for target in targets:
        if _EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(root)}: {target}"
        if not resolved.is_relative_to(root):
            broken.append(f"{where} (outside the repository)")
        elif not resolved.exists():
            broken.append(f"{where} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{where} (no such heading)")
    return broken


def test_every_relative_link_in_the_docs_resolves_inside_the_repository():
    broken = [link for path in _markdown_files() for link in _broken_links(path)]
    assert broken == []


def test_the_link_check_finds_what_a_clone_would_miss(tmp_path):
    # given a checkout with one page of each kind of link
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "ops.md").write_text("# Ops\n\n## 8. `make run` on one machine\n")
    page = root / "README.md"
    page.write_text(
        "[ok](docs/ops.md#8-make-run-on-one-machine) [web](https://example.com/x.md)\n"
        "[out](../shared/DESIGN.md) [gone](docs/none.md) [bad anchor](docs/ops.md#nine)\n"
        "![picture](docs/missing.png) `[in code](nowhere.md)`\n"
        "```\n[in a fence](nowhere.md)\n```\n[ref]: docs/also-missing.md\n"
    )
    # when / then
    assert _broken_links(page, root) == [
        "README.md: ../shared/DESIGN.md (outside the repository)",
        "README.md: docs/none.md (no such file)",
        "README.md: docs/ops.md#nine (no such heading)",
        "README.md: docs/missing.png (no such file)",
        "README.md: docs/also-missing.md (no such file)",
    ]


# --- Architecture decision records -------------------------------------------------

ADR_DIR = ROOT / "docs" / "adr"
ADR_HEADINGS = ("Status", "Context", "Decision", "Consequences")


def _adr_files() -> list[Path]:
    return sorted(ADR_DIR.glob("[0-9][0-9][0-9][0-9]-*.md"))


def test_the_adr_index_lists_every_record():
    index = (ADR_DIR / "README.md").read_text()
    listed = set(re.findall(r"\]\((\d{4}-[^)#]+\.md)\)", index))
    files = {path.name for path in _adr_files()}
    assert files, "docs/adr/ holds no record"
    assert listed == files
    numbers = [path.name[:4] for path in _adr_files()]
    assert len(numbers) == len(set(numbers)), "two records share a number"


@pytest.mark.parametrize("path", _adr_files(), ids=lambda path: path.name)
def test_every_adr_has_the_sections(path):
    text = path.read_text()
    headings = re.findall(r"^## (.+?)\s*$", text, re.MULTILINE)
    missing = [name for name in ADR_HEADINGS if name not in headings]
    assert not missing, f"{path.name} lacks {missing}"
    assert text.startswith(f"# ADR {path.name[:4]}: ")
