"""Refresh the Spanish catalogue from the code and templates (`make makemessages`)."""

from django.core.management.base import BaseCommand
from django.core.management.commands import makemessages

# Folders with no user-facing strings of ours: tools, data, the test suite.
IGNORED = [".venv", ".venv/*", "node_modules", "node_modules/*", ".local", ".local/*", "tests", "tests/*",
           "test-artifacts", "test-artifacts/*"]


class Command(BaseCommand):
    help = "Extract every translatable string into locale/es/LC_MESSAGES/django.po."

    def handle(self, *args, **options):
        command = makemessages.Command()
        # msgmerge's fuzzy matching guesses translations from similar strings ("Workers" became
        # "Mis trabajadores"): new strings must arrive untranslated so nobody overlooks them.
        command.msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
        command.run_from_argv(["manage.py", "makemessages", "--locale", "es", "--no-obsolete", "--verbosity", "0",
                               *[argument for pattern in IGNORED for argument in ("--ignore", pattern)]])
