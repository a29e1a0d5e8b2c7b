from __future__ import annotations

from tests.factories import personal_membership as membership_of
from tests.gallery_api.conftest import editor, upload
from tests.gallery_web.translations import ensure_compiled

# Before any test activates French or Indonesian (catalogues are cached per process).
ensure_compiled()

__all__ = ["editor", "membership_of", "upload"]
