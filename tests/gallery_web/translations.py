"""The .mo files are build output (`make messages`); tests that look at translated pages
compile any missing or stale catalogue first, so a bare `pytest` run works too."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"


def compiler() -> ModuleType:
    # locale/ is not a package (and `locale` is a standard module name): load by path.
    spec = importlib.util.spec_from_file_location("lumina_locale_compile", LOCALE / "compile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_compiled() -> None:
    compiler().compile_stale(LOCALE)
