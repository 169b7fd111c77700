"""The Japanese catalogs are complete and compiled: a string added without its
translation, or a .po edited without compiling, fails here."""

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as gettext_
from django.utils.translation import ngettext, npgettext, pgettext

CATALOGS = sorted(
    path
    for path in Path(settings.BASE_DIR).glob("**/locale/ja/LC_MESSAGES/django.po")
    if ".venv" not in path.parts
)


def test_there_is_a_japanese_catalog_for_the_project_and_each_app():
    owners = {path.parents[3].name for path in CATALOGS}
    assert {"accounts", "courses", "homework", "surveys"} <= owners
    assert Path(settings.BASE_DIR, "locale/ja/LC_MESSAGES/django.po") in CATALOGS


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.parents[3].name))
def test_every_string_is_translated_and_none_is_fuzzy(po_path):
    catalog = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert untranslated == [], f"untranslated in {po_path}"
    assert fuzzy == [], f"fuzzy in {po_path}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.parents[3].name))
def test_the_compiled_catalog_matches_the_source(po_path):
    catalog = polib.pofile(str(po_path))
    with po_path.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in catalog.translated_entries():
        if entry.msgid_plural:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        assert compiled._catalog.get(key) == entry.msgstr, (
            f"{po_path.with_suffix('.mo')} is stale: run `make messages`"
        )


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.parents[3].name))
def test_every_translation_keeps_the_placeholders_of_its_source(po_path):
    """A translation that drops %(number)s was copied from another string."""
    wrong = []
    for entry in polib.pofile(str(po_path)).translated_entries():
        if entry.msgid_plural:
            source = set(PLACEHOLDER.findall(entry.msgid_plural)) - {"%(counter)s"}
            targets = [
                set(PLACEHOLDER.findall(text)) - {"%(counter)s"}
                for text in entry.msgstr_plural.values()
            ]
            wrong += [entry.msgid for target in targets if target != source]
        elif sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(
            PLACEHOLDER.findall(entry.msgstr)
        ):
            wrong.append(entry.msgid)
    assert wrong == []


def _translated_as(entry: polib.POEntry, count: int = 1) -> str:
    if entry.msgid_plural and entry.msgctxt:
        return npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, count)
    if entry.msgid_plural:
        return ngettext(entry.msgid, entry.msgid_plural, count)
    if entry.msgctxt:
        return pgettext(entry.msgctxt, entry.msgid)
    return gettext_(entry.msgid)


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.parents[3].name))
def test_every_string_shows_the_translation_of_its_own_catalog(po_path):
    """Django merges every installed app's catalog into one: a message id that
    Django, allauth or another Koza app also translates shows whichever catalog
    wins ("Pending" as 送信待ち where a completion outcome meant 未判定). Such
    a string needs a `pgettext` context or the same wording everywhere."""
    shadowed = []
    with translation.override("ja"):
        for entry in polib.pofile(str(po_path)).translated_entries():
            if entry.msgid_plural:
                expected = [entry.msgstr_plural[0]] * 2
                shown = [_translated_as(entry, 1), _translated_as(entry, 2)]
            else:
                expected, shown = [entry.msgstr], [_translated_as(entry)]
            if shown != expected:
                shadowed.append((entry.msgctxt, entry.msgid, shown[0], expected[0]))
    assert shadowed == [], f"shown with another catalog's translation: {shadowed}"
