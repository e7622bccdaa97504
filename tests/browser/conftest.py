"""Fixtures for the tests of the built site: a local web server and a headless Chromium.

Run after the site is built (`make test` does: build, then `pytest tests/browser`). These
tests are kept out of `pytest tests` (pyproject.toml: norecursedirs), which must not need a
built site. The browser is Debian's Chromium driven by Playwright from PyPI; Playwright's own
browser download is never used. Without Chromium the browser tests are skipped with a message,
except under CI=true, where a missing browser is a failure.
"""
import functools
import http.server
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from book_site import MAX_PAGE_BYTES, SITE, SPHINX_PAGES, toc_pages
from browsing import PAGE_REPORT

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    # Chromium's own background traffic (updates, sync, safe browsing) would show up as
    # third-party requests that the page never made.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


def find_chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM")
    for candidate in ([explicit] if explicit else []) + list(CHROMIUM_CANDIDATES):
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run `make book` first", pytrace=False)
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site; remembers every request that did not succeed instead of logging it."""

    failures: list[str]  # set per server

    def log_message(self, format, *args):
        pass

    def log_request(self, code="-", size="-"):
        if str(code).isdigit() and int(code) >= 400:
            self.failures.append(f"{code} {self.path}")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a browser that closes a connection early is not an error of the site


@pytest.fixture(scope="session")
def server(site):
    """The built site served on 127.0.0.1, on a free port, for the whole session.

    Yields (base URL, list of failed requests) — the list fills as pages load.
    """
    failures: list[str] = []
    handler = type("Handler", (_QuietHandler,), {"failures": failures})
    httpd = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", failures
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        message = ("no Chromium found (looked for $CHROMIUM, " + ", ".join(CHROMIUM_CANDIDATES)
                   + "); install it with `apt-get install chromium` to run the browser tests")
        if in_ci():
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# `make test` runs these tests in one process. With pytest-xdist (`pytest tests/browser -n 2`,
# about 15 % faster on two cores) each worker fills its own PAGE_REPORT and hands it to the
# controller, which prints the table.
def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):  # this is an xdist worker
        session.config.workeroutput["page_report"] = json.dumps(PAGE_REPORT)


def pytest_testnodedown(node, error):
    for page, row in json.loads(node.workeroutput.get("page_report", "{}")).items():
        PAGE_REPORT.setdefault(page, {}).update(row)


def pytest_terminal_summary(terminalreporter):
    if not PAGE_REPORT:
        return
    write = terminalreporter.write_line
    order = {page: index for index, page in enumerate(toc_pages() + SPHINX_PAGES)}
    terminalreporter.section("pages checked")
    write(f"{'page':<40} {'status':>6} {'requests':>8} {'images':>6} {'math':>6} {'KB':>7}")
    for page, row in sorted(PAGE_REPORT.items(), key=lambda item: order.get(item[0], len(order))):
        kb = f"{row['bytes'] / 1000:.0f}" if "bytes" in row else "-"
        write(f"{page:<40} {row.get('status', '-'):>6} {row.get('requests', '-'):>8} "
              f"{row.get('images', '-'):>6} {row.get('math', '-'):>6} {kb:>7}")
    write("status: HTTP status in Chromium; requests: what the page fetched on a cold load"
          " (all from 127.0.0.1); images: <img> loaded; math: MathJax elements rendered;"
          " KB: the page's HTML + images")
    weighed = {page: row["bytes"] for page, row in PAGE_REPORT.items() if "bytes" in row}
    if weighed:
        heaviest = max(weighed, key=weighed.get)
        write(f"heaviest page: {heaviest}, {weighed[heaviest] / 1e6:.2f} MB"
              f" (limit {MAX_PAGE_BYTES / 1e6:.1f} MB)")
