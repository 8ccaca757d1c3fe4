from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_vocabularies(sender, **kwargs):
    from workers.models import Occupation
    from workers.occupations import seed_occupations

    seed_occupations(Occupation)


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("Workers")

    def ready(self):
        # Reference data, like Django's own permissions: recreated after migrate and after the
        # flush that ends each transactional test.
        post_migrate.connect(_seed_vocabularies, sender=self)
        # The worker importer joins twp's import registry, the worker list its exports.
        from workers import exports, importers  # noqa: F401
