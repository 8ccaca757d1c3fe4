"""Helpers every later issue uses to prove its pages and endpoints.

- ``Cell`` / ``matrix`` / ``check_cell``: a role × endpoint matrix — one table, one test per cell;
  each cell asserts the status, and that nothing changed when the request was refused.
- ``assert_constant_queries``: a list served at two page sizes costs the same queries.
- ``with_teeth`` / ``safeguard``: run an idempotency or concurrency test once more with a safeguard
  deliberately removed (a lock, a unique key) and require that variant to fail, so we know the test
  catches the bug it is about.
"""

import contextlib
import threading
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Cell:
    """One persona calling one endpoint, and the status it must get."""

    persona: str
    method: str
    url: str  # may name objects: "/api/v1/programs/{program}/" is formatted with their ids
    status: int
    data: dict[str, Any] | None = field(default=None, hash=False)

    def __str__(self):
        return f"{self.persona}-{self.method}-{self.url}-{self.status}"


def matrix(*rows: tuple[str, str, dict[str, int]] | tuple[str, str, dict[str, int], dict]) -> list:
    """Expand ``(method, url, {persona: status}[, data])`` rows into one pytest param per cell."""
    cells = []
    for row in rows:
        method, url, statuses = row[:3]
        data = row[3] if len(row) > 3 else None
        for persona, status in statuses.items():
            cell = Cell(persona=persona, method=method, url=url, status=status, data=data)
            cells.append(pytest.param(cell, id=str(cell)))
    return cells


def check_cell(cell: Cell, *, personas: dict, objects: dict[str, Any], state: Callable[[], Any],
               headers: dict[str, str] | None = None):
    """Send the cell's request as its persona; assert the status, and on refusal an unchanged state.

    ``objects`` maps the names in the URL to model instances (their ``pk`` fills the URL);
    ``state`` returns everything the request could change (e.g. a queryset's values); ``headers``
    go with the request (e.g. an ``Idempotency-Key``)."""
    client = APIClient()
    if cell.persona != ANONYMOUS:
        client.force_authenticate(personas[cell.persona])
    url = cell.url.format(**{name: getattr(obj, "pk", obj) for name, obj in objects.items()})
    before = state()
    response = getattr(client, cell.method.lower())(url, cell.data, format="json", headers=headers)
    assert response.status_code == cell.status, (
        f"{cell.persona} {cell.method} {url}: expected {cell.status}, got {response.status_code}: "
        f"{getattr(response, 'data', response.content)!r}"
    )
    if cell.status >= 400 or cell.method == "GET":
        assert state() == before, f"{cell.persona} {cell.method} {url} was refused but changed data"
    return response


def assert_constant_queries(client, url: str, *, sizes: Iterable[int] = (2, 10), params: dict | None = None,
                            rows: Callable[[Any], Sized] | None = None) -> int:
    """Fetch a list at two page sizes; both must fill their page and cost the same queries.

    ``rows(response)`` returns the rows a page shows (for pages: e.g. a context variable); by
    default the JSON body's ``results`` (or the body itself).
    Returns the query count so the caller can pin it (with a comment naming the queries)."""
    counts = {}
    for size in sizes:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {**(params or {}), "page_size": size})
        assert response.status_code == 200, response.content[:500]
        if rows is not None:
            shown = rows(response)
        else:
            shown = response.json()["results"] if "results" in response.json() else response.json()
        assert len(shown) == size, f"seed at least {max(sizes)} rows: page of {size} had {len(shown)}"
        counts[size] = len(queries)
    assert len(set(counts.values())) == 1, f"queries grow with page size: {counts}"
    return next(iter(counts.values()))


def with_teeth(*breakages: Callable) -> pytest.MarkDecorator:
    """Run the decorated test intact and once per breakage, each of which must make it fail.

    A breakage is ``def remove_x(monkeypatch): ...`` that removes one safeguard. The test asks for
    the ``safeguard`` fixture, which applies the breakage of the variant being run. A broken
    variant that passes fails the suite (strict xfail): the test would not catch that bug."""
    return pytest.mark.parametrize(
        "safeguard",
        [
            pytest.param(None, id="intact"),
            *[
                pytest.param(
                    breakage,
                    id=f"without-{breakage.__name__}",
                    marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"{breakage.__name__}"),
                )
                for breakage in breakages
            ],
        ],
        indirect=True,
    )


def race(sends, *, language: str | None = None) -> list:
    """Run each send in its own thread (and database connection), all released at once by a
    barrier; return what each returned or raised, in order (the caller judges every outcome).
    ``language``: the threads' language, for callers that judge translated messages."""
    barrier = threading.Barrier(len(sends))
    outcomes: list = [None] * len(sends)

    def run(index, send):
        try:
            with translation.override(language) if language else contextlib.nullcontext():
                barrier.wait(timeout=30)
                outcomes[index] = send()
        except BaseException as error:  # every outcome is judged by the test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, send)) for index, send in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return outcomes
