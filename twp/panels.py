"""Panels of the staff home page ("what needs action today") that apps to the right of ``twp``
fill: requests to review, employers awaiting approval, and later contracts ending and overdue
returns. A panel is ``def panel(request) -> dict | None`` returning a template and its context;
registering keeps the page in ``twp`` without importing the apps that extend it."""

from collections.abc import Callable

STAFF_HOME_PANELS: list[Callable] = []


def register_staff_home_panel(panel: Callable) -> Callable:
    STAFF_HOME_PANELS.append(panel)
    return panel


def staff_home_panels(request) -> list[dict]:
    return [rendered for panel in STAFF_HOME_PANELS if (rendered := panel(request)) is not None]
