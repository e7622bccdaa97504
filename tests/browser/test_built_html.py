"""Checks of the built HTML that need no browser: links, weight, widgets, buttons, offline assets.

These run even where Chromium is missing (the browser tests then skip).
"""
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml

from book_site import (MAX_PAGE_BYTES, REPO, SITE, SPHINX_PAGES, is_notebook, source_of,
                       toc_pages)
from browsing import PAGE_REPORT

PAGES = toc_pages()
NOTEBOOK_PAGES = [page for page in PAGES if is_notebook(page)]
# Every HTML page a reader can reach: the book's pages, Sphinx's own, and the landing page.
READER_PAGES = PAGES + SPHINX_PAGES + ["index"]
# Tags whose URL the browser fetches by itself (a link in <a> is only followed when clicked).
FETCHED = {("img", "src"), ("script", "src"), ("iframe", "src"), ("source", "src"),
           ("source", "srcset"), ("link", "href"), ("object", "data"), ("embed", "src")}
# Stands for the site's root when resolving relative URLs (urljoin needs a web-like scheme).
BASE = "http://site.invalid/"
WIDGET_MIMETYPES = ("application/vnd.jupyter.widget-state+json",
                    "application/vnd.jupyter.widget-view+json")


class _Page(HTMLParser):
    """The URLs a page refers to, and the ids it defines (the targets of #fragments)."""

    def __init__(self, text: str):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.ids: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for attribute in ("href", "src", "data", "srcset"):
            if attrs.get(attribute):
                self.urls.append((tag, attribute, attrs[attribute]))


_parsed: dict[Path, _Page] = {}


def parsed(path: Path) -> _Page:
    if path not in _parsed:
        _parsed[path] = _Page(path.read_text(encoding="utf-8"))
    return _parsed[path]


def built(page: str) -> Path:
    path = SITE / f"{page}.html"
    if not path.exists():
        pytest.fail(f"{page} was not built (no {path})", pytrace=False)
    return path


@pytest.mark.parametrize("page", PAGES)
def test_toc_page_has_a_source(page):
    source_of(page)  # raises, naming the page, when neither .ipynb nor .md exists


@pytest.mark.parametrize("page", READER_PAGES)
def test_links_resolve_and_assets_are_local(page):
    """Every local link and asset exists (with its #anchor); nothing is fetched from elsewhere."""
    path = built(page)
    page_url = BASE + path.relative_to(SITE).as_posix()
    broken, third_party = [], []
    for tag, attribute, url in parsed(path).urls:
        scheme = urlparse(url).scheme
        if scheme in {"http", "https"} or url.startswith("//"):
            if (tag, attribute) in FETCHED and tag != "a":
                third_party.append(url)
            continue
        if scheme in {"mailto", "data", "javascript"} or url in {"#", ""}:
            continue
        target = urlparse(urljoin(page_url, url))
        file = SITE / unquote(target.path).lstrip("/")
        if file.is_dir():
            file = file / "index.html"
        if not file.is_file():
            broken.append(url)
        elif target.fragment and file.suffix == ".html" and target.fragment not in parsed(file).ids:
            broken.append(url)
    assert not third_party, f"assets fetched from other hosts: {third_party}"
    assert not broken, f"links to missing files or anchors: {broken}"


def test_stylesheets_load_no_remote_fonts():
    """Web fonts or imports named in CSS would be fetched from their host."""
    remote = [f"{css.relative_to(SITE)}: {match}"
              for css in (SITE / "_static").rglob("*.css")
              for match in re.findall(r"(?:url\(|@import)\s*['\"]?(?:https?:)?//[^)'\"\s]+",
                                      css.read_text(encoding="utf-8", errors="replace"))]
    assert not remote, f"CSS that fetches from other hosts: {remote}"


def test_no_page_carries_widget_state():
    """The site loads no widget manager, so widget state or views would be dead weight
    (or, worse, controls that look alive); _ext/static_site.py removes the state."""
    carrying = [str(html.relative_to(SITE)) for html in SITE.rglob("*.html")
                if any(mime in html.read_text(encoding="utf-8") for mime in WIDGET_MIMETYPES)]
    assert not carrying, f"pages with widget state or views: {carrying}"


@pytest.mark.parametrize("page", PAGES)
def test_page_weight(page):
    """A page's HTML plus the images it shows stays under MAX_PAGE_BYTES."""
    path = built(page)
    images = {urljoin(BASE + path.relative_to(SITE).as_posix(), url)
              for tag, attribute, url in parsed(path).urls if tag == "img" and attribute == "src"
              and not urlparse(url).scheme}
    weight = path.stat().st_size + sum(
        (SITE / unquote(urlparse(image).path).lstrip("/")).stat().st_size for image in images)
    PAGE_REPORT.setdefault(page, {})["bytes"] = weight
    assert weight <= MAX_PAGE_BYTES, f"{page}: {weight / 1e6:.2f} MB of HTML and images"


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_chapter_offers_launch_and_download(page):
    """Binder and Colab open this chapter's notebook in the repository named in _config.yml,
    and the download button offers the notebook itself."""
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    repository = config["repository"]
    owner_and_name = urlparse(repository["url"]).path.strip("/")
    notebook_in_repo = source_of(page).relative_to(REPO).as_posix()
    text = built(page).read_text(encoding="utf-8")

    binder = (f'{config["launch_buttons"]["binderhub_url"]}/v2/gh/{owner_and_name}/'
              f'{repository["branch"]}?urlpath=lab/tree/{notebook_in_repo}')
    colab = (f'{config["launch_buttons"]["colab_url"]}/github/{owner_and_name}/blob/'
             f'{repository["branch"]}/{notebook_in_repo}')
    assert f'href="{binder}"' in text
    assert f'href="{colab}"' in text

    download = SITE / "_sources" / f"{page}.ipynb"
    assert f'_sources/{page}.ipynb"' in text and download.is_file()
    cells = json.loads(download.read_text(encoding="utf-8"))["cells"]
    assert len(cells) == len(json.loads(source_of(page).read_text(encoding="utf-8"))["cells"])


# interact(...) and friends, or a slider put on the page with display(...).
WIDGET_CALL = re.compile(r"\b(interact|interactive|interact_manual)\s*\("
                         r"|\bdisplay\s*\(\s*\w*[Ss]lider")
CONTROL_CALL = re.compile(r"\bexplore\s*\(")


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_slider_cells_work_on_the_site(page):
    """A chapter's slider is one lossutils.controls.explore cell: the build executes it (nobody
    at the kernel, so it draws precomputed frames and creates no widget), nbval ignores its
    output (widgets in a live session, PNG bytes that vary with matplotlib), and it follows a
    static figure of the default state and a note saying what the control shows."""
    import nbformat

    cells = nbformat.read(source_of(page), as_version=4).cells
    controls = [index for index, cell in enumerate(cells)
                if cell.cell_type == "code" and CONTROL_CALL.search(cell.source)]
    assert len(controls) == 1, f"{page}: {len(controls)} explore(...) cells; a chapter has one"
    for index, cell in enumerate(cells):
        if cell.cell_type == "code" and WIDGET_CALL.search(cell.source):
            pytest.fail(f"{page}, cell {index}: a widget made directly shows nothing on the site;"
                        " use lossutils.controls.explore", pytrace=False)
    index, = controls
    where = f"{page}, cell {index}"
    tags = cells[index].metadata.get("tags", [])
    assert "nbval-ignore-output" in tags, f"{where}: needs the nbval-ignore-output tag"
    for tag in ("skip-execution", "remove-output", "remove-cell"):
        assert tag not in tags, f"{where}: the {tag} tag would keep the control off the site"
    before = cells[max(0, index - 3):index]
    assert any(output.get("output_type") in {"display_data", "execute_result"}
               and {"image/png", "image/svg+xml"} & set(output.get("data", {}))
               for earlier in before if earlier.cell_type == "code"
               for output in earlier.outputs), f"{where}: no static figure just before it"
    note = next((c.source for c in reversed(before) if c.cell_type == "markdown"), "")
    assert re.search(r"precomputed|built", note, re.I) and re.search(r"jupyter", note, re.I), \
        f"{where}: the markdown cell before it should say what the control shows and that " \
        "Jupyter gives a live slider"


def test_intro_says_how_to_run_it_locally():
    """The reader who wants the sliders finds the two commands on the first page."""
    text = built(PAGES[0]).read_text(encoding="utf-8")
    start = text.find('id="how-to-run-it"')
    assert start >= 0, "the first page has no 'How to run it' section"
    section = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text[start:]))  # the visible text
    assert "make book" in section and "make test" in section
