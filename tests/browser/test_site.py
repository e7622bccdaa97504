"""The site as a whole, in the browser: landing page, navigation, search, dark mode."""
import io

import numpy as np
import pytest
from PIL import Image  # comes with matplotlib

from book_site import SITE, html_of, toc_pages
from browsing import load

SCREENSHOTS = SITE.parent / "browser-screenshots"


def test_landing_page_leads_to_the_book(browser, server):
    base, _ = server
    page, response, log = load(browser, server, "")
    try:
        page.wait_for_url(base + toc_pages()[0] + ".html")
        page.wait_for_load_state("networkidle")
        assert response.status == 200
        assert not log.server_failures, f"missing files: {log.server_failures}"
    finally:
        page.context.close()


def test_navigation_reaches_every_chapter(browser, server):
    """The sidebar links every page, and following "next" from the first page visits all of
    them in the order of _toc.yml."""
    base, _ = server
    pages = toc_pages()
    expected = [base + page + ".html" for page in pages]
    page, _, _ = load(browser, server, pages[0] + ".html")
    try:
        sidebar = set(page.eval_on_selector_all("nav.bd-docs-nav a", "all => all.map(a => a.href)"))
        missing = [url for url in expected[1:] if url not in sidebar]
        assert not missing, f"pages missing from the sidebar: {missing}"

        visited = [page.url]
        while page.locator("a.right-next").count():
            # Follow the link, but wait only until the browser has parsed the footer with the
            # prev/next links, not for the page's math and images (the per-page test does that).
            page.goto(page.eval_on_selector("a.right-next", "a => a.href"), wait_until="commit")
            page.wait_for_selector(".prev-next-area", state="attached")
            visited.append(page.url.split("#")[0])
            assert len(visited) <= len(expected), "the 'next' links run past the last page"
        assert visited == expected
    finally:
        page.context.close()


def search_results(browser, server, query: str) -> list[str]:
    page, _, _ = load(browser, server, f"search.html?q={query}")
    try:
        # Sphinx's search writes a summary line once it has searched the whole index.
        page.wait_for_selector("#search-results .search-summary", timeout=15_000)
        return page.eval_on_selector_all("#search-results ul.search li a",
                                         "all => all.map(a => a.href)")
    finally:
        page.context.close()


def test_search_finds_a_term(browser, server):
    base, _ = server
    hits = search_results(browser, server, "entropy")
    # The book's first page has the word in its title, so it must be found.
    assert base + toc_pages()[0] + ".html" in [hit.split("#")[0].split("?")[0] for hit in hits]
    assert search_results(browser, server, "qzxjvwk") == [], "a nonsense word should find nothing"


def first_page_with_a_figure() -> str:
    for page in toc_pages():
        if html_of(page).exists() and "_images/" in html_of(page).read_text(encoding="utf-8"):
            return page
    pytest.skip("no page with a figure yet")


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance (WCAG 2) of sRGB pixels (..., 3) in 0-255: 0 is black, 1 white."""
    c = rgb / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ [0.2126, 0.7152, 0.0722]


def contrast(l1: float, l2: float) -> float:
    light, dark = max(l1, l2), min(l1, l2)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_figures_readable_in_light_and_dark_mode(browser, server, mode):
    """Screenshot a figure as the theme shows it in each mode; the figure must stay a light
    panel whose dark text and lines contrast with it, whatever the page around it."""
    name = first_page_with_a_figure()
    page, _, _ = load(browser, server, name + ".html", color_scheme=mode,
                      viewport={"width": 1280, "height": 900})
    try:
        assert page.evaluate("document.documentElement.dataset.theme") == mode
        figure = page.locator("article img").first
        figure.scroll_into_view_if_needed()
        box = figure.bounding_box()  # in the viewport's coordinates, like the screenshot
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = page.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}-{mode}.png")
    finally:
        page.context.close()

    pixels = luminance(np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=float))
    top, left = round(box["y"]), round(box["x"])
    bottom, right = round(box["y"] + box["height"]), round(box["x"] + box["width"])
    margin = 12  # just outside the figure (and its padding): the page's own colour
    page_colour = np.median(pixels[top:bottom, max(left - margin, 0)])
    inset = 10  # inside the figure, clear of the theme's padding and rounded corners
    levels = pixels[top + inset:bottom - inset, left + inset:right - inset]
    background = np.median(levels)  # most of a plot is its background
    ink = np.quantile(levels, 0.005)  # the darkest 0.5 %: text, axes, curves

    if mode == "dark":
        assert page_colour < 0.1, "the page did not switch to dark mode"
    else:
        assert page_colour > 0.9
    assert background > 0.6, f"the figure is not a light panel in {mode} mode"
    assert contrast(background, ink) >= 4.5, f"text in the figure lacks contrast in {mode} mode"
