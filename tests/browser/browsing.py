"""Loading a page in the browser the way the site tests need it: cold, watched, offline."""
from dataclasses import dataclass, field
from urllib.parse import urlparse

# Results per page, printed as a table at the end of the run (conftest.pytest_terminal_summary).
PAGE_REPORT: dict[str, dict] = {}


@dataclass
class PageLog:
    """What happened while a page loaded."""
    requests: int = 0  # requests to the local server
    third_party: list[str] = field(default_factory=list)  # blocked requests to other hosts
    failed: list[str] = field(default_factory=list)  # local requests that did not complete
    console_errors: list[str] = field(default_factory=list)
    server_failures: list[str] = field(default_factory=list)  # answered by the server with >= 400


def load(browser, server, path: str, **context_options):
    """Open base URL + `path` in a fresh context (empty cache); return (page, response, log).

    Requests to any host but 127.0.0.1 are recorded and blocked, so the page behaves as it
    would with no internet, whether or not this machine has any.
    """
    base, failed_on_server = server
    failed_on_server.clear()  # the server fills it; from now on, for this page
    log = PageLog(server_failures=failed_on_server)

    def local_only(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            log.third_party.append(route.request.url)
            route.abort()

    def on_request(request):
        if request.url.startswith(base):
            log.requests += 1

    def on_request_failed(request):
        if request.url.startswith(base):
            log.failed.append(request.url)

    def on_console(message):
        if message.type == "error":
            log.console_errors.append(message.text)

    context = browser.new_context(service_workers="block", **context_options)
    context.route("**/*", local_only)
    page = context.new_page()
    page.on("request", on_request)
    page.on("requestfailed", on_request_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda error: log.console_errors.append(f"uncaught: {error}"))
    response = page.goto(base + path, wait_until="load")
    return page, response, log
