"""The audit trail: who changed what and when, recorded by database triggers (django-pghistory).

Triggers also catch ``QuerySet.update()``, bulk writes and raw SQL, which signals would miss.
``HistoryMiddleware`` attaches the acting user and the request URL to every event of a request;
:func:`context` does the same for Celery tasks and management commands.

A model opts in with one line::

    @audit.track()
    class Contract(models.Model): ...
"""

import pghistory


def track(*, exclude: tuple[str, ...] = ()):
    """Record inserts, updates and deletes of a model (minus the ``exclude``d fields)."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(exclude) or None,
    )


def context(**metadata):
    """Attach metadata (e.g. ``task="expire_contracts"``) to the events written inside a block."""
    return pghistory.context(**metadata)
