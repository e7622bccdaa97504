"""The pages read like a book: nothing cut at 1280 px, one search field, numbered chapters."""
import re

import pytest

from book_site import is_notebook, toc_pages
from browsing import load

WIDE = {"width": 1280, "height": 900}
CHAPTERS = [page for page in toc_pages() if is_notebook(page)]

# Every visible code or output block whose content is wider than the block, so that a reader
# has to scroll it sideways to see the end of a line.
CUT_BLOCKS = """() => [...document.querySelectorAll("article pre")]
  .filter(pre => pre.offsetParent !== null)   // skip blocks hidden behind "Show code"
  .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
  .map(pre => pre.textContent.split("\\n")
                 .reduce((a, b) => (b.length > a.length ? b : a), "").slice(0, 100))"""

VISIBLE_SEARCH_FIELDS = """() => [...document.querySelectorAll(
    "button.search-button-field, input[type=search]")]
  .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height > 0).length"""

# The theme's top navbar: present in the DOM, but it must take no room (its only content
# would be a second search field).
TOP_BAR_HEIGHT = """() => { const bar = document.querySelector(".bd-header");
                          return bar ? bar.getBoundingClientRect().height : 0; }"""


@pytest.mark.parametrize("page_name", CHAPTERS)
def test_no_code_or_output_block_is_cut_at_1280_px(browser, server, page_name):
    page, _, _ = load(browser, server, f"{page_name}.html", viewport=WIDE)
    try:
        cut = page.evaluate(CUT_BLOCKS)
    finally:
        page.context.close()
    assert not cut, f"{len(cut)} block(s) scroll sideways at 1280 px; longest lines: {cut[:5]}"


@pytest.mark.parametrize("page_name", [toc_pages()[0], CHAPTERS[0], CHAPTERS[-1]])
def test_one_search_field_and_no_empty_bar(browser, server, page_name):
    page, _, _ = load(browser, server, f"{page_name}.html", viewport=WIDE)
    try:
        fields = page.evaluate(VISIBLE_SEARCH_FIELDS)
        bar = page.evaluate(TOP_BAR_HEIGHT)
    finally:
        page.context.close()
    assert fields == 1, f"{fields} visible search fields"
    assert bar == 0, f"an empty top bar {bar} px high"


def test_chapters_are_numbered_in_titles_and_sidebar(browser, server):
    """Chapter NN_slug is chapter NN wherever a reader sees its title, so "chapter 9" in the
    text is the sidebar's "9."."""
    page, _, _ = load(browser, server, f"{CHAPTERS[0]}.html", viewport=WIDE)
    try:
        entries = page.eval_on_selector_all(
            "nav.bd-docs-nav li.toctree-l1 > a",
            "all => all.map(a => [a.getAttribute('href'), a.textContent.trim()])")
    finally:
        page.context.close()
    here = CHAPTERS[0].split("/")[-1] + ".html"  # the current page links to "#"
    numbered = {(here if href == "#" else href).split(".")[0]: text for href, text in entries
                if re.match(r"\d\d_", here if href == "#" else href)}
    assert len(numbered) == len(CHAPTERS)
    for slug, text in numbered.items():
        assert text.startswith(f"{int(slug[:2])}. "), f"sidebar shows {text!r} for {slug}"
    for chapter in CHAPTERS[:3] + CHAPTERS[-1:]:
        page, _, _ = load(browser, server, f"{chapter}.html", viewport=WIDE)
        try:
            title = page.inner_text("article h1")
        finally:
            page.context.close()
        number = int(chapter.split("/")[-1][:2])
        assert title.startswith(f"{number}. "), f"{chapter}'s title reads {title!r}"
