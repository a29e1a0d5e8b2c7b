"""Compile the translations (locale/*/LC_MESSAGES/*.po -> .mo) with the standard library.

    python locale/compile.py            # every catalogue whose .mo is missing or older
    python locale/compile.py FILE.po    # just these

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``; this needs only Python, so
``make run``, ``make test`` and the container build compile the catalogues anywhere. The
.mo files are build output and are not committed. Fuzzy and untranslated entries are left
out (gettext then shows the English text), as ``msgfmt`` does.
"""

from __future__ import annotations

import re
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}  # fmt: skip
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def parse(text: str) -> dict[str, str]:
    """The translated messages of a .po file as .mo keys and values: ``ctxt\\x04id`` for a
    context, ``id\\x00plural`` and ``form0\\x00form1`` for plurals; the header under ''."""
    messages: dict[str, str] = {}
    entry: dict[str, str] = {}
    plurals: dict[int, str] = {}
    fuzzy = False
    field: tuple[str, int] | None = None

    def flush() -> None:
        nonlocal entry, plurals, fuzzy, field
        if "msgid" in entry:
            msgid = entry["msgid"]
            if "msgid_plural" in entry:
                forms = [plurals[i] for i in sorted(plurals)]
                key, value = f"{msgid}\x00{entry['msgid_plural']}", "\x00".join(forms)
                translated = bool(forms) and all(forms)
            else:
                key, value = msgid, entry.get("msgstr", "")
                translated = bool(value)
            if "msgctxt" in entry:
                key = f"{entry['msgctxt']}\x04{key}"
            if translated and (not fuzzy or msgid == ""):
                messages[key] = value
        entry, plurals, fuzzy, field = {}, {}, False, None

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                flush()
            continue
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                if "msgid" in entry:
                    flush()
                fuzzy = True
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, value = match.groups()
            if keyword in ("msgctxt", "msgid") and field and field[0] == "msgstr":
                flush()  # the next entry starts without a blank line
            value = _unescape(value)
            if index is not None:
                plurals[int(index)] = value
                field = ("msgstr", int(index))
            else:
                entry[keyword] = value
                field = ("msgstr" if keyword == "msgstr" else keyword, -1)
        elif line.startswith('"') and line.endswith('"') and field is not None:
            value = _unescape(line[1:-1])
            name, index_ = field
            if name == "msgstr" and index_ >= 0:
                plurals[index_] += value
            else:
                entry[name] += value
    flush()
    return messages


def mo_bytes(messages: dict[str, str]) -> bytes:
    """A GNU .mo file (little-endian, revision 0, no hash table) for ``messages``."""
    keys = sorted(messages)
    ids = [k.encode("utf-8") for k in keys]
    strs = [messages[k].encode("utf-8") for k in keys]
    count = len(keys)
    start = 7 * 4 + 16 * count  # header and both tables
    id_table, str_table = [], []
    blob = b""
    for data in ids:
        id_table.append((len(data), start + len(blob)))
        blob += data + b"\x00"
    for data in strs:
        str_table.append((len(data), start + len(blob)))
        blob += data + b"\x00"
    header = struct.pack("<7I", 0x950412DE, 0, count, 28, 28 + 8 * count, 0, start)
    tables = b"".join(struct.pack("<2I", *pair) for pair in id_table + str_table)
    return header + tables + blob


def compile_file(po: Path) -> Path:
    mo = po.with_suffix(".mo")
    temporary = mo.with_suffix(".mo.tmp")
    temporary.write_bytes(mo_bytes(parse(po.read_text(encoding="utf-8"))))
    temporary.replace(mo)
    return mo


def compile_stale(root: Path = HERE) -> list[Path]:
    """Compile every .po under ``root`` whose .mo is missing or older; returns those made."""
    made = []
    for po in sorted(root.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            made.append(compile_file(po))
    return made


def main(argv: list[str]) -> int:
    made = [compile_file(Path(arg)) for arg in argv] if argv else compile_stale()
    for mo in made:
        print(f"compiled {mo.relative_to(HERE.parent) if mo.is_relative_to(HERE.parent) else mo}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
