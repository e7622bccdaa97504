"""Every page as a reader's browser gets it: loads, shows its images and math, asks no one else.

Each page is loaded cold (fresh browser context, empty cache) from the local server. Any
request to a host other than 127.0.0.1 is recorded and blocked, so the test behaves the same
with or without internet, and the site is shown to work offline.
"""
import pytest

from book_site import SPHINX_PAGES, html_of, source_has_math, toc_pages
from browsing import PAGE_REPORT, load

# Console errors that Jupyter Book 1 pages are known to log, matched by exact text. Empty:
# the ones seen before are gone — "Got invalid theme mode" (fixed by html_context.default_mode
# in _config.yml), the favicon 404 (html.favicon; the landing redirect gets it from
# _ext/static_site.py) and the duplicate THEBE_JS_URL (sphinx_thebe is not loaded).
# Add a message here only with a note saying where it comes from and why it is harmless.
KNOWN_CONSOLE_ERRORS: frozenset[str] = frozenset()

# Runs in the page: wait for MathJax's first typesetting (if MathJax is on the page) and for
# every image, then report what was rendered. Lazy images are made eager so that all load.
INSPECT_PAGE = """async () => {
  const images = [...document.images];
  images.forEach(img => { img.loading = "eager"; });
  await Promise.all(images.map(img => img.complete ? null :
      new Promise(done => { img.onload = done; img.onerror = done; })));
  const mathjax = window.MathJax && MathJax.startup ? MathJax.startup.promise : null;
  if (mathjax) await mathjax;
  const mathElements = [...document.querySelectorAll(".math")];
  return {
    mathjaxLoaded: Boolean(mathjax),
    images: images.map(img => ({src: img.currentSrc || img.src, width: img.naturalWidth})),
    mathElements: mathElements.length,
    unrendered: mathElements.filter(el => !el.querySelector("mjx-container"))
                            .map(el => el.textContent.slice(0, 60)),
    rendered: document.querySelectorAll("mjx-container").length,
    texErrors: [...document.querySelectorAll("mjx-merror")].map(el => el.textContent.slice(0, 60)),
  };
}"""

# Figures (images in the page's content) drawn on a canvas at their natural size: the four
# corner pixels as [r, g, b, alpha]. A transparent figure would have alpha 0 there.
FIGURE_CORNERS = """() => [...document.querySelectorAll("article img")].map(img => {
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  const w = canvas.width - 1, h = canvas.height - 1;
  const corners = [[0, 0], [w, 0], [0, h], [w, h]].map(
      ([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data));
  return {src: img.currentSrc, corners};
})"""


@pytest.mark.parametrize("page_name", toc_pages() + SPHINX_PAGES)
def test_page_loads_offline_with_images_and_math(browser, server, site, page_name):
    in_toc = page_name not in SPHINX_PAGES
    if in_toc and not html_of(page_name).exists():
        pytest.fail(f"{page_name} is in _toc.yml but was not built", pytrace=False)
    page, response, log = load(browser, server, f"{page_name}.html")
    try:
        found = page.evaluate(INSPECT_PAGE)
        figures = page.evaluate(FIGURE_CORNERS)
        page.wait_for_load_state("networkidle")  # late requests (fonts, icons) count too
    finally:
        page.context.close()

    PAGE_REPORT.setdefault(page_name, {}).update(
        status=response.status, requests=log.requests, images=len(found["images"]),
        math=found["rendered"])

    assert response.status == 200
    assert not log.third_party, f"requests to hosts other than 127.0.0.1: {log.third_party}"
    assert not log.server_failures, f"requests the server could not answer: {log.server_failures}"
    assert not log.failed, f"requests that failed: {log.failed}"
    broken = [image["src"] for image in found["images"] if image["width"] == 0]
    assert not broken, f"images that did not load: {broken}"
    unexpected = [text for text in log.console_errors if text not in KNOWN_CONSOLE_ERRORS]
    assert not unexpected, f"console errors: {unexpected}"

    expects_math = (in_toc and source_has_math(page_name)) or found["mathElements"] > 0
    if expects_math:
        assert found["mathjaxLoaded"], "the page has math but MathJax did not load"
        assert found["rendered"] > 0, "the page has math but MathJax rendered none"
    assert not found["unrendered"], f"math MathJax left unrendered: {found['unrendered']}"
    assert not found["texErrors"], f"TeX errors in the math: {found['texErrors']}"

    # Dark mode: figures must carry their own opaque, white background (lossutils.plotting
    # does this), or their black text would sit on the dark page.
    not_white = [figure["src"] for figure in figures
                 if any(alpha < 255 or min(rgb) < 250
                        for *rgb, alpha in figure["corners"])]
    assert not not_white, f"figures without an opaque white background: {not_white}"
