"""Translations: English plus Indonesian and French are shipped complete, selectable, and
compiled by locale/compile.py exactly as GNU msgfmt would."""

from __future__ import annotations

import gettext
import json
import os
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from accounts import audit_verbs
from tests import images
from tests.gallery_web.translations import LOCALE, ROOT, compiler

SHIPPED = ("id", "fr")


@pytest.mark.parametrize("language", SHIPPED)
def test_catalogue_is_complete(language):
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    live = "\n".join(line for line in po.splitlines() if not line.startswith("#~"))
    assert "#, fuzzy" not in live
    entries = len(re.findall(r"^msgid ", live, flags=re.M)) - 1  # the header
    translated = compiler().parse(po)
    assert len(translated) - 1 == entries  # every entry has every form translated
    assert f"Language: {language}" in translated[""]


# What makemessages must not scan (as the header of each .po file says), plus the
# catalogues themselves and what is not source.
NOT_SOURCE = {"locale", ".venv", "var", "tests", "bench", ".git", "node_modules"}


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgen")) and not os.environ.get("CI"),
    reason="GNU gettext is not installed (CI installs it and runs this)",
)
def test_every_string_in_the_source_is_in_the_catalogues(tmp_path, monkeypatch):
    """Extract the source's strings as makemessages does, into a scratch tree (the real
    catalogues are not touched), and check each is an entry of every shipped catalogue."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in NOT_SOURCE and not entry.name.startswith("."):
            (tree / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (tree / "locale").mkdir()
    monkeypatch.chdir(tree)
    with override_settings(LOCALE_PATHS=[tree / "locale"]):
        call_command(
            "makemessages",
            locale=[SHIPPED[0]],
            symlinks=True,
            keep_pot=True,
            no_location=True,
            verbosity=0,
        )
    pot = tree / "locale" / "django.pot"
    filled = subprocess.run(["msgen", str(pot)], check=True, capture_output=True, text=True).stdout
    in_source = set(compiler().parse(filled)) - {""}
    assert len(in_source) > 100  # the extraction did find the source
    with translation.override(None):  # marked in a way xgettext cannot see (an alias)?
        marked = [str(v.one) for v in audit_verbs.VERBS.values()]
        marked += [str(name) for name in audit_verbs.FIELD_NAMES.values()]
    assert not sorted(set(marked) - in_source), "audit_verbs strings not extractable"
    for language in SHIPPED:
        po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        missing = sorted(in_source - set(compiler().parse(po)))
        assert not missing, (
            f"{len(missing)} string(s) not translated in locale/{language} "
            "(run makemessages as the .po header says, then translate):\n"
            + "\n".join(m.replace("\x00", " | ").replace("\x04", " :: ") for m in missing)
        )


@pytest.mark.skipif(
    not shutil.which("msgfmt") and not os.environ.get("CI"),
    reason="GNU gettext is not installed (CI installs it and runs this)",
)
@pytest.mark.parametrize("language", SHIPPED)
def test_compiler_gives_the_catalogue_msgfmt_gives(language, tmp_path):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    reference = tmp_path / "reference.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(reference), str(po)], check=True)
    ours = tmp_path / "ours.mo"
    ours.write_bytes(compiler().mo_bytes(compiler().parse(po.read_text(encoding="utf-8"))))
    expected = gettext.GNUTranslations(reference.open("rb"))
    actual = gettext.GNUTranslations(ours.open("rb"))
    expected._catalog.pop("")  # type: ignore[attr-defined]
    actual._catalog.pop("")  # type: ignore[attr-defined]
    assert actual._catalog == expected._catalog  # type: ignore[attr-defined]
    assert actual.plural(2) == expected.plural(2)  # type: ignore[attr-defined]


def test_compiler_skips_fuzzy_and_untranslated_entries():
    po = (
        'msgid ""\nmsgstr "Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        'msgid "Done"\nmsgstr "Fait"\n\n'
        '#, fuzzy\nmsgid "Maybe"\nmsgstr "Peut-\\"être\\""\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        'msgctxt "menu"\nmsgid "File"\nmsgstr ""\n"Fichier"\n\n'
        'msgid "%(n)s file"\nmsgid_plural "%(n)s files"\nmsgstr[0] "%(n)s fichier"\n'
        'msgstr[1] "%(n)s fichiers"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Vieux"\n'
    )
    parsed = compiler().parse(po)
    assert parsed["Done"] == "Fait"
    assert "Maybe" not in parsed
    assert "Empty" not in parsed
    assert "Old" not in parsed
    assert parsed["menu\x04File"] == "Fichier"
    assert parsed["%(n)s file\x00%(n)s files"] == "%(n)s fichier\x00%(n)s fichiers"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words", "plural"),
    [
        ("id", ["Galeri", "Unggah folder", "Tempat sampah", "Tampilan"], "dipilih"),
        ("fr", ["Galerie", "Envoyer un dossier", "Corbeille", "Affichage"], "sélectionnées"),
    ],
)
def test_language_is_selectable_and_the_gallery_speaks_it(
    browser, editor, upload, language, words, plural
):
    upload(editor, images.jpeg())
    browser.force_login(editor)
    english = browser.get(reverse("home")).content.decode()
    assert 'lang="en"' in english
    assert "Upload a folder" in english
    assert f'<option value="{language}" lang="{language}">' in english
    browser.post(reverse("set_language"), {"language": language, "next": "/"})
    page = browser.get(reverse("home")).content.decode()
    assert f'<html lang="{language}"' in page
    for word in words:
        assert word in page, word
    strings = json.loads(
        re.search(r'id="lumina-strings"[^>]*>(.*?)</script>', page, flags=re.S).group(1)  # type: ignore[union-attr]
    )
    assert plural in strings["selected"]["other"]
    assert strings["loading"] != "Loading more…"
    # the sign-in page too (our layout, allauth's own catalogue)
    browser.logout()
    browser.post(reverse("set_language"), {"language": language, "next": "/"})
    login = browser.get(reverse("account_login")).content.decode()
    assert {"id": "Langsung ke konten", "fr": "Aller au contenu"}[language] in login
    assert f'<html lang="{language}"' in login
