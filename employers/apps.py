from django.apps import AppConfig


class EmployersConfig(AppConfig):
    name = "employers"

    def ready(self):
        # Requests to review and employers awaiting approval join twp's staff home page.
        from employers import panels  # noqa: F401
