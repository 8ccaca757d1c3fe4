"""Every user-visible string has its Spanish translation, and the catalogue matches the code."""

from pathlib import Path

import polib
from django.core.management import call_command

CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "es" / "LC_MESSAGES" / "django.po"


def entries(catalogue: polib.POFile) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in catalogue if not entry.obsolete}


def regenerated_catalogue() -> polib.POFile:
    """What `make makemessages` would write now; the committed file is left as it was."""
    committed = CATALOGUE.read_bytes()
    try:
        call_command("update_catalogue")
        return polib.pofile(CATALOGUE.read_text(encoding="utf-8"))
    finally:
        CATALOGUE.write_bytes(committed)


def test_the_spanish_catalogue_is_current_with_the_code():
    committed = polib.pofile(str(CATALOGUE))
    regenerated = regenerated_catalogue()
    missing = sorted(msgid for _context, msgid in entries(regenerated) - entries(committed))
    stale = sorted(msgid for _context, msgid in entries(committed) - entries(regenerated))
    assert not missing, f"Strings in the code but not in the catalogue (run `make makemessages`): {missing}"
    assert not stale, f"Strings in the catalogue that the code no longer uses: {stale}"


def test_every_string_has_a_spanish_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"Untranslated strings: {untranslated}"
    assert not fuzzy, f"Fuzzy (unchecked) translations: {fuzzy}"


def test_placeholders_survive_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    import re

    placeholder = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
    def names(text):
        return sorted(placeholder.findall(text))

    broken = [entry.msgid for entry in catalogue.translated_entries()
              if not entry.msgid_plural and names(entry.msgid) != names(entry.msgstr)]
    # A plural's forms follow the plural msgid; the singular form may drop the count ("one worker").
    broken += [entry.msgid for entry in catalogue.translated_entries() if entry.msgid_plural
               for index, translation in entry.msgstr_plural.items()
               if (index > 0 and names(translation) != names(entry.msgid_plural))
               or not set(names(translation)) <= set(names(entry.msgid_plural) + names(entry.msgid))]
    assert not broken, f"Translations that lose or invent a placeholder: {broken}"
