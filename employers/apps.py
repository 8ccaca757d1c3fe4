from django.apps import AppConfig


class EmployersConfig(AppConfig):
    name = "employers"

    def ready(self):
        # Requests to review and employers awaiting approval join twp's staff home page; the
        # request queue joins its list exports.
        from employers import exports, panels  # noqa: F401
