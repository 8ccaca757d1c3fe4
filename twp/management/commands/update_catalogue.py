"""Refresh the Spanish catalogue from the code and templates (`make makemessages`)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Folders with no user-facing strings of ours: tools, data, the test suite.
IGNORED = [".venv", ".venv/*", "node_modules", "node_modules/*", ".local", ".local/*", "tests", "tests/*",
           "test-artifacts", "test-artifacts/*"]


class Command(BaseCommand):
    help = "Extract every translatable string into locale/es/LC_MESSAGES/django.po."

    def handle(self, *args, **options):
        call_command("makemessages", locale=["es"], ignore_patterns=IGNORED, no_obsolete=True, verbosity=0)
