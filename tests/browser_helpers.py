"""What the browser tests of the page share: the system's chromium driven by Playwright, a page opened in a fresh
context with its errors and requests recorded, and a question run from its form."""

import contextlib
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CHROMIUM, missing_tool, skip_without_browser
from locations import PROJECT

ARTEFACTS = Path(os.environ.get("SALVAGE_KG_ARTEFACTS", PROJECT / "test-artifacts"))
# Headless as root in a closed network: no sandbox (Playwright adds --no-sandbox), no GPU, and none of the
# browser's own calls home, which would fail here and could show as errors.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-default-apps"]
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
DESKTOP_1440 = {"width": 1440, "height": 900}
PHONE_390 = {"width": 390, "height": 844}
WAIT_MS = 20_000


@contextlib.contextmanager
def chromium():
    """The system's chromium driven by Playwright, closed at the end. Its own temp files go to a folder removed once
    it has closed: under load one of them (.org.chromium.Chromium.*) outlived the browser and failed the suite's
    check of the temp directory."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as own, \
            sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              env={**os.environ, "TMPDIR": own})
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser():
    skip_without_browser()
    with chromium() as launched:
        yield launched


@pytest.fixture
def yasgui():
    """The page's YASGUI editor is vendored from npm at install (hatch_build.py); without npm it is not there, the
    page offers its plain editor instead, and a test of YASGUI would only wait for an editor that never comes."""
    from api.page import yasgui_vendored

    if not yasgui_vendored():
        missing_tool("YASGUI was not vendored into api/static/vendor/ (npm was missing when the project was "
                     "installed): apt-get install npm, then pip install -e . again")


class Visit:
    """A page opened in a fresh context, with every console error, page error and requested URL recorded."""

    def __init__(self, browser, url: str, viewport: dict, **options):
        self.context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(url)
        self.page.wait_for_selector(".patient img")
        self.page.wait_for_selector(".question")

    def foreign_requests(self) -> list[str]:
        local = {"http", "https"}
        return [url for url in self.requests
                if urlsplit(url).scheme in local and urlsplit(url).hostname != "127.0.0.1"
                or urlsplit(url).scheme not in local | {"data", "blob"}]

    def screenshot(self, name: str) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{name}.png"
        self.page.screenshot(path=path, full_page=True)
        print(f"screenshot: {path}")
        return path

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    opened = []

    def open_(path: str = "/", viewport: dict = LAPTOP, **options) -> Visit:
        opened.append(Visit(browser, server.url + path, viewport, **options))
        return opened[-1]

    yield open_
    for page in opened:
        page.close()


def besides_pathways_being_read(errors: list[str]) -> list[str]:
    """Console errors but the 503 the Sankey frame meets on a cohort whose pathways are still being read after the
    write that made it (the page asks again a few seconds later)."""
    return [error for error in errors if "status of 503" not in error]


def run_question(page, name: str):
    """Open a question, run it from its form with the values it starts with; its answer rows."""
    card = page.locator(f"#question-{name}")
    readers = page.locator("#internal-questions")
    if readers.locator(f"#question-{name}").count() and readers.get_attribute("open") is None:
        # the readers behind the pathway analytics are listed apart
        page.locator("#internal-questions > summary").click()
    card.locator("summary").click()
    card.get_by_role("button", name="Run").click()
    rows = card.locator(".answer tbody tr")
    rows.first.wait_for()
    return card, rows
