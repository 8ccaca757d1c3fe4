"""The audits have teeth: a page with a missing form label, or one wider than a phone, fails."""

import pytest

from tests.e2e.browser import audit

pytestmark = pytest.mark.e2e


def test_a_missing_form_label_fails_the_accessibility_audit(browser):
    page = browser.new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Broken</title></head>'
        '<body><main><h1>Broken form</h1><form><input type="text" name="curp"></form></main></body></html>'
    )
    with pytest.raises(AssertionError, match="label"):
        audit(page)
    page.close()


def test_a_page_wider_than_a_phone_fails_the_layout_check(browser):
    page = browser.new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Wide</title></head>'
        '<body><main><h1>Wide</h1><div style="width: 900px">A fixed-width table</div></main></body></html>'
    )
    with pytest.raises(AssertionError, match="scrolls sideways"):
        audit(page)
    page.close()
