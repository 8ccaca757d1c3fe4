"""Browser end-to-end tests: real Chromium against the app served by a live server on PostgreSQL."""

import os

import pytest

from tests.e2e.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DESKTOP, page_key

# Playwright's sync API keeps an asyncio loop running in the main thread for as long as the
# session-wide browser lives, so Django would refuse every ORM call the tests make meanwhile
# (database set-up, factories). The calls really are synchronous; this only lifts that guard.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report



@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `apt-get install -y chromium` (make test does it as root).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request, transactional_db):
    """A fresh browser tab on the live server; screenshots on failure; every visited page audited."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=DESKTOP,
        locale="es-MX",
        # axe-core is injected as a script; the app's CSP must not stop the audit.
        bypass_csp=True,
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.audited_pages = set()
    visited: list[str] = []
    tab.on("framenavigated", lambda frame: visited.append(frame.url) if frame.parent_frame is None else None)
    yield tab
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    if failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    if not failed:
        unaudited = sorted({page_key(url) for url in visited if url.startswith("http")} - tab.audited_pages)
        assert not unaudited, f"Pages visited but not audited (call audit(page) after each): {unaudited}"
