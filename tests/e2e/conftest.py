"""Browser tests: headless Chromium (Debian's, no Playwright download) against `live_server`.

Every test under tests/e2e is marked `e2e` here, so `pytest -m "not e2e"` leaves them out
and scripts/test.sh runs them last with `pytest -m e2e`.  Tests use pytest-django's
`live_server` (a real HTTP server in a thread, on the test database) and drive it only
through the page.  Each test gets a fresh browser context (1366x900, en-US); the browser
itself is started once per session.

Screenshots go to test-results/screenshots/ (gitignored), one file per test and step,
named `<test>__<NN>-<step>.<lang>.png`; a failing test also leaves `<test>__FAILED.png`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.migration_data import reinstall

E2E_DIR = Path(__file__).resolve().parent
ROOT = E2E_DIR.parents[1]
SCREENSHOTS = ROOT / "test-results" / "screenshots"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1366, "height": 900}
TIMEOUT_MS = 10_000
LANG_BUTTON = {"en": "lang-en", "zh-hans": "lang-zh-hans"}


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Mark every test under tests/e2e (and only those) `e2e`, and run them last.

    The marking happens before `-m` selects; the move to the end after pytest-django has
    put its transactional tests last.  Once the browser has started, this thread has
    Playwright's event loop (see `browser`), so no other test should run after it.
    """
    e2e = [item for item in items if E2E_DIR in Path(item.path).resolve().parents]
    for item in e2e:
        item.add_marker(pytest.mark.e2e)
    result = yield
    items.sort(key=lambda item: E2E_DIR in Path(item.path).resolve().parents)  # stable
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Keep each phase's report on the item, so `page` can photograph a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session.

    Playwright's sync API keeps an asyncio event loop in this thread, so Django would refuse
    the test's own ORM calls (SynchronousOnlyOperation).  They are plain synchronous calls
    made between browser steps, so allowing them is safe.  It is set here rather than at
    import time, so that the rest of the suite (which also imports this conftest) keeps
    Django's check.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class SerialWSGIServer(WSGIServer):
    """Django's test server, answering one request at a time.

    On in-memory SQLite the live server shares the test's one database connection.  Django's
    threaded server would answer a page and the htmx requests it fires (the approvals badge
    on every page) in parallel threads on that one connection, and the second BEGIN fails
    with "cannot start a transaction within a transaction".  Without threads, Django also
    closes each HTTP connection after its response, so the browser never waits on a
    kept-alive socket.
    """

    def __init__(self, *args: object, connections_override: object = None, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """pytest-django's live server, with `SerialWSGIServer` in place of the threaded one."""
    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.server_class = SerialWSGIServer
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def builtin_roles(transactional_db: None) -> None:
    """Install the built-in roles and chart, as their data migrations do.

    A transactional test starts from whatever the previous one left: after a flush, that
    is an empty database, without the roles the migration made.  (serialized_rollback
    cannot restore them here: once Playwright's loop runs, Django hands this thread a new
    connection object, which lacks the snapshot taken when the database was created.)
    """
    reinstall()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a new browser context; a failing test leaves a screenshot behind."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{request.node.name}__FAILED.png", full_page=True)
    context.close()


Shoot = Callable[..., list[Path]]


@pytest.fixture
def shoot(page: Page, request: pytest.FixtureRequest) -> Shoot:
    """`shoot("step")` saves the page as `<test>__<NN>-step.<lang>.png`.

    With `both=True` it also switches to the other language with the page's own switch
    (which comes back to the same address), saves that too, and switches back.  A page
    that has no switch is saved in its current language only.
    """
    test = re.sub(r"[^\w.-]+", "_", request.node.name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOTS.glob(f"{test}__*.png"):
        stale.unlink()
    counter = iter(range(1, 100))

    def save(step: str) -> Path:
        lang = page.locator("html").get_attribute("lang") or "none"
        path = SCREENSHOTS / f"{test}__{next(counter):02d}-{step}.{lang}.png"
        page.screenshot(path=path, full_page=True)
        return path

    def flip(lang: str) -> None:
        with page.expect_navigation():
            page.get_by_test_id(LANG_BUTTON[lang]).click()
        expect(page.locator("html")).to_have_attribute("lang", lang)

    def shoot_(step: str, *, both: bool = False) -> list[Path]:
        paths = [save(step)]
        current = page.locator("html").get_attribute("lang") or ""
        if both and current in LANG_BUTTON:
            other = "en" if current == "zh-hans" else "zh-hans"
            if page.get_by_test_id(LANG_BUTTON[other]).count():
                flip(other)
                paths.append(save(step))
                flip(current)
        return paths

    return shoot_
