import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

SHIPPED = ["fr", "pl", "de", "es"]
LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%%|%\([a-z_]+\)[sd]|\{[a-z_0-9]*\}")
PLURAL_FORMS = {"fr": 2, "pl": 3, "de": 2, "es": 2}


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def problems_in(po: polib.POFile, forms: int) -> list[tuple[str, str]]:
    problems = []
    for entry in (entry for entry in po if not entry.obsolete):
        if "fuzzy" in entry.flags:
            problems.append(("fuzzy", entry.msgid))
        if not entry.msgid_plural:
            if not entry.msgstr:
                problems.append(("missing", entry.msgid))
            elif placeholders(entry.msgstr) != placeholders(entry.msgid):
                problems.append(("placeholders differ", entry.msgid))
            continue
        translated = [entry.msgstr_plural.get(form, "") for form in range(forms)]
        if not all(translated):
            problems.append(("missing a plural form", entry.msgid))
        elif placeholders(translated[0]) != placeholders(entry.msgid) or any(
            placeholders(text) != placeholders(entry.msgid_plural) for text in translated[1:]
        ):
            problems.append(("placeholders differ", entry.msgid))
    return problems


@pytest.mark.parametrize("language", SHIPPED)
def test_every_entry_is_translated_not_fuzzy_and_keeps_its_placeholders(language: str) -> None:
    po = catalogue(language)
    assert po.metadata["Language"] == language
    assert f"nplurals={PLURAL_FORMS[language]};" in po.metadata["Plural-Forms"]
    assert len(po) > 400
    assert problems_in(po, PLURAL_FORMS[language]) == []


def test_the_check_finds_a_missing_a_fuzzy_and_a_changed_placeholder() -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Delete “%(name)s”", msgstr="Supprimer « %(nom)s »"))
    po.append(polib.POEntry(msgid="Back", msgstr=""))
    po.append(polib.POEntry(msgid="Edit", msgstr="Modifier", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="%(count)s day", msgid_plural="%(count)s days", msgstr_plural={0: "%(count)s jour"}))
    assert problems_in(po, 2) == [
        ("placeholders differ", "Delete “%(name)s”"),
        ("missing", "Back"),
        ("fuzzy", "Edit"),
        ("missing a plural form", "%(count)s day"),
    ]


@pytest.mark.parametrize("language", SHIPPED)
def test_the_committed_compiled_catalogue_matches_its_source(language: str) -> None:
    """The .mo files are committed, so that a machine without gettext speaks every language."""

    def table(entries: polib._BaseFile) -> dict[tuple[str | None, str], object]:
        return {
            (entry.msgctxt, entry.msgid): tuple(sorted(entry.msgstr_plural.items()))
            if entry.msgid_plural
            else entry.msgstr
            for entry in entries
            if entry.msgid and not entry.obsolete
        }

    compiled = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    assert table(compiled) == table(catalogue(language))


def test_polish_counts_in_three_forms() -> None:
    with translation.override("pl"):
        shown = [
            translation.ngettext("%(count)s channel selected", "%(count)s channels selected", n) % {"count": n}
            for n in (1, 3, 5, 22, 112)
        ]
    assert shown == [
        "Zaznaczono 1 kanał",
        "Zaznaczono 3 kanały",
        "Zaznaczono 5 kanałów",
        "Zaznaczono 22 kanały",
        "Zaznaczono 112 kanałów",
    ]


def test_polish_says_never_active_not_never_inactive() -> None:
    with translation.override("pl"):
        assert translation.gettext("Never active") == "Nigdy nie były aktywne"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_no_message_of_the_panel_is_missing_from_a_catalogue(tmp_path: Path) -> None:
    """Extracts the panel's messages afresh and merges them into copies of the catalogues: a message added
    to the code without a translation shows up there as missing or fuzzy."""
    base = Path(settings.BASE_DIR)
    for part in ("config", "handlers_admin", "sandbox", "templates", "static", "locale", "manage.py"):
        source = base / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", *(f"--locale={code}" for code in SHIPPED), "--verbosity=0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "READ_DOT_ENV": "false"},
    )
    assert result.returncode == 0, result.stderr
    for language in SHIPPED:
        merged = polib.pofile(str(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"))
        assert problems_in(merged, PLURAL_FORMS[language]) == [], language
        assert len([entry for entry in merged if not entry.obsolete]) == len(catalogue(language)), language


# A number followed by the word it counts ("%(count)s rows", "%(seconds)s seconds", "%(days)s+ days"): in Polish
# that word takes one of three forms, so such a message must be a plural entry, and every language has them all.
COUNTED = re.compile(r"%\((count|seconds|minutes|hours|days|calls|limit_value)\)[sd]\+?\s+(?!of\b)[^\W\d_]{2,}")


def counted_but_singular(po: polib.POFile) -> list[str]:
    return [
        entry.msgid for entry in po if not entry.obsolete and not entry.msgid_plural and COUNTED.search(entry.msgid)
    ]


def test_every_message_with_a_count_uses_plural_forms() -> None:
    assert counted_but_singular(catalogue("fr")) == []


def test_the_plural_check_finds_a_count_in_a_singular_message() -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="The file has more than %(count)s rows.", msgstr="x"))
    po.append(polib.POEntry(msgid="%(first)s–%(last)s of %(total)s", msgstr="x"))
    po.append(polib.POEntry(msgid="Timed out after %(seconds)s s.", msgstr="x"))
    po.append(polib.POEntry(msgid="%(count)s day", msgid_plural="%(count)s days", msgstr_plural={0: "x", 1: "y"}))
    assert counted_but_singular(po) == ["The file has more than %(count)s rows."]
