"""Domain errors. Services raise these; the API maps each to one HTTP status in one place."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule refused the change. Nothing was written."""

    default_message = _("The change was refused.")

    def __init__(self, message=None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class InvalidTransition(DomainError):
    """The requested status change is not allowed from the current status (HTTP 409)."""

    default_message = _("This action is not allowed in the current status.")

    def __init__(self, *, current: str, action: str, allowed: list[str]):
        self.current = current
        self.action = action
        self.allowed = allowed
        super().__init__(
            _("“%(action)s” is not allowed while the status is “%(current)s”.")
            % {"action": action, "current": current}
        )


class StaleVersion(DomainError):
    """The edit was based on an old version of the record (HTTP 409)."""

    default_message = _("Someone else changed this record meanwhile. Reload it and try again.")


class Conflict(DomainError):
    """The change collides with the current state of other records (HTTP 409): a worker already
    holds a contract over these dates, a request has no places left."""

    default_message = _("This conflicts with the current state of the records. Reload and try again.")
