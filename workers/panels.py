"""Panels of the worker's page that apps to the right of ``workers`` fill (certificates, contracts,
savings). A panel is ``def panel(request, worker) -> dict | None`` returning a template and its
context; registering keeps the page in ``workers`` without importing the apps that extend it."""

from collections.abc import Callable

WORKER_PANELS: list[Callable] = []


def register_worker_panel(panel: Callable) -> Callable:
    WORKER_PANELS.append(panel)
    return panel


def worker_panels(request, worker) -> list[dict]:
    return [rendered for panel in WORKER_PANELS if (rendered := panel(request, worker)) is not None]
