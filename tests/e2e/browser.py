"""Driving Debian's Chromium with Playwright, and auditing every page the browser sees.

``audit(page)`` runs axe-core (WCAG 2.1 A and AA) on the page as it is, then checks that the page
fits a 375 px wide phone without horizontal scrolling. The ``page`` fixture fails a test that
navigated to a page it did not audit, so every page the E2E suite visits is audited.
"""

from pathlib import Path
from urllib.parse import urlsplit

from tests.report import count

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE_SCRIPT = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = BASE_DIR / "test-artifacts" / "e2e"
# As root Chromium needs --no-sandbox; the rest keep it from calling the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def page_key(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def audit(page) -> None:
    """Fail on any WCAG 2.1 A/AA violation, or on horizontal scrolling at 375 px."""
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    violations = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in result["violations"]
    ]
    assert not violations, f"Accessibility violations on {page.url}:\n" + "\n".join(violations)

    size = page.viewport_size or DESKTOP
    page.set_viewport_size(PHONE)
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    finally:
        page.set_viewport_size(size)
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px at {PHONE['width']} px wide"

    audited = getattr(page, "audited_pages", None)
    if audited is not None:
        audited.add(page_key(page.url))
    count("pages audited (axe + 375px)")
