"""Maintain the message catalogues: extract the marked messages, update the ``.po``, compile.

::

    python -m pvd_optim.i18n.catalogue update    # add new messages to every .po, drop gone ones
    python -m pvd_optim.i18n.catalogue compile   # rewrite the committed .mo from the .po
    python -m pvd_optim.i18n.catalogue check     # what the test checks: exit 1 on a problem

Messages are found in the whole package by reading its syntax trees: calls of
``gettext``, ``ngettext``, ``_`` and ``N_`` with literal text, a translator's
``t.gettext("...")`` and calls inside f-strings included (which a token-based
extractor misses). A message is complete when every catalogue translates it
(non-empty, not fuzzy) with the same ``{placeholders}``. Babel reads, writes
and compiles the catalogues.
"""

from __future__ import annotations

import ast
import io
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from pvd_optim.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, placeholders

PACKAGE_DIR = LOCALE_DIR.parents[1]
KEYWORDS = ("gettext", "_", "N_", "Message")
PLURAL_KEYWORDS = ("ngettext", "Plural")

MessageId = str | tuple[str, str]


def po_path(language: str) -> Path:
    """The ``.po`` source of a language's catalogue."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    """The compiled ``.mo`` of a language's catalogue."""
    return po_path(language).with_suffix(".mo")


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def messages_in(source: str) -> list[tuple[MessageId, int]]:
    """The marked messages of one module's source, with their line numbers."""
    found: list[tuple[MessageId, int]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else "")
        if name in KEYWORDS and (text := _literal(node.args[0])) is not None:
            found.append((text, node.lineno))
        elif name in PLURAL_KEYWORDS and len(node.args) >= 2:
            singular, plural = _literal(node.args[0]), _literal(node.args[1])
            if singular is not None and plural is not None:
                found.append(((singular, plural), node.lineno))
    return found


def extract_messages(package_dir: Path = PACKAGE_DIR) -> dict[MessageId, list[str]]:
    """Every marked message of the package's code -> where it is used (``file:line``)."""
    found: dict[MessageId, list[str]] = {}
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir).as_posix()
        for key, line in messages_in(path.read_text(encoding="utf-8")):
            found.setdefault(key, []).append(f"{relative}:{line}")
    return found


def read_catalogue(language: str) -> Catalog:
    """A language's ``.po`` catalogue."""
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def problems(language: str, messages: Iterable[MessageId]) -> list[str]:
    """What is wrong with a catalogue against the code's messages (empty when complete)."""
    catalogue = read_catalogue(language)
    wanted = set(messages)
    # Keyed by the singular: a plural message's id is (singular, plural).
    present = {(message.id if isinstance(message.id, str) else message.id[0]): message
               for message in catalogue if message.id}
    out = []
    for key in sorted(wanted, key=str):
        message = present.get(key if isinstance(key, str) else key[0])
        if message is None:
            out.append(f"{language}: no translation of {key!r}")
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (
            message.string,)
        if message.fuzzy or not all(strings):
            out.append(f"{language}: {key!r} is untranslated or fuzzy")
            continue
        source = key if isinstance(key, str) else key[0]
        for text in strings:
            if placeholders(text or "") != placeholders(source):
                out.append(f"{language}: {key!r} has placeholders "
                           f"{sorted(placeholders(text or ''))}, "
                           f"the code {sorted(placeholders(source))}")
    ids = {key if isinstance(key, str) else key[0] for key in wanted}
    out += [f"{language}: {key!r} is in the catalogue but no longer in the code"
            for key in sorted(present) if key not in ids]
    return out


def compiled(language: str) -> bytes:
    """The ``.mo`` bytes that the ``.po`` compiles to."""
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(language), use_fuzzy=False)
    return buffer.getvalue()


def _translations(catalogue: Catalog) -> dict[object, object]:
    # A plural message's id and strings are lists in a read .mo, tuples in a read .po.
    def plain(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {plain(m.id): plain(m.string)
            for m in catalogue if m.id and not m.fuzzy and m.string}


def compiled_matches(language: str) -> bool:
    """Whether the committed ``.mo`` holds exactly the ``.po``'s translations.

    Compared message by message rather than byte by byte, so that another Babel
    version's byte layout of the same catalogue still matches.
    """
    path = mo_path(language)
    if not path.exists():
        return False
    with path.open("rb") as handle:
        committed = read_mo(handle)
    return _translations(committed) == _translations(read_catalogue(language))


def update(messages: dict[MessageId, list[str]]) -> None:
    """Add the code's new messages to every ``.po`` (untranslated) and drop the gone ones."""
    for language in LANGUAGES:
        old = read_catalogue(language) if po_path(language).exists() else Catalog(
            locale=language, domain=DOMAIN)
        new = Catalog(locale=language, domain=DOMAIN, project="pvd-optim",
                      header_comment=old.header_comment, fuzzy=False)
        for key, locations in sorted(messages.items(), key=lambda kv: str(kv[0])):
            msgid = key
            previous = old.get(key if isinstance(key, str) else key[0])
            string: object = ("", "") if isinstance(key, tuple) else ""
            if previous is not None and not previous.fuzzy and previous.string:
                string = previous.string
            where = [(loc.rsplit(":", 1)[0], int(loc.rsplit(":", 1)[1])) for loc in locations]
            new[msgid] = Message(msgid, string, locations=where)  # type: ignore[arg-type]
        po_path(language).parent.mkdir(parents=True, exist_ok=True)
        with po_path(language).open("wb") as handle:
            write_po(handle, new, width=100, sort_output=True, omit_header=False)


def compile_all() -> None:
    """Rewrite every committed ``.mo`` from its ``.po``."""
    for language in LANGUAGES:
        mo_path(language).write_bytes(compiled(language))


def check() -> list[str]:
    """Every problem of every catalogue, compiled files included."""
    messages = extract_messages()
    out = [p for language in LANGUAGES for p in problems(language, messages)]
    out += [f"{language}: {mo_path(language).name} differs from the .po; run "
            "`python -m pvd_optim.i18n.catalogue compile`"
            for language in LANGUAGES
            if not compiled_matches(language)]
    return out


def main(argv: list[str] | None = None) -> int:
    """``update``, ``compile`` or ``check`` (see the module docstring)."""
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "check"
    if command == "update":
        update(extract_messages())
    elif command == "compile":
        compile_all()
    elif command == "check":
        found = check()
        for problem in found:
            print(problem, file=sys.stderr)
        return 1 if found else 0
    else:
        print("usage: python -m pvd_optim.i18n.catalogue update|compile|check", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
