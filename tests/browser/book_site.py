"""What the site tests need to know about the book: its pages, their sources, the built HTML.

The page list comes from _toc.yml, so a chapter is tested as soon as it is listed there.
"""
import os
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# `make test` builds into _build/html; SITE_DIR lets the tests look at another build.
SITE = Path(os.environ.get("SITE_DIR", REPO / "_build" / "html")).resolve()
# A browser page may weigh at most this much: its HTML plus the images it shows.
MAX_PAGE_BYTES = 1_500_000
# Pages Sphinx adds to the book, which readers reach from every page.
SPHINX_PAGES = ["search", "genindex"]


def toc_pages() -> list[str]:
    """Page names (like 'book/01_the_question') in reading order, as _toc.yml lists them."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


def source_of(page: str) -> Path:
    """The .md or .ipynb file a page is built from."""
    for suffix in (".ipynb", ".md"):
        path = REPO / f"{page}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"_toc.yml lists {page!r}, but there is no {page}.ipynb or {page}.md")


def html_of(page: str) -> Path:
    return SITE / f"{page}.html"


def is_notebook(page: str) -> bool:
    return (REPO / f"{page}.ipynb").exists()


def markdown_text(page: str) -> str:
    """The prose of a page: a .md file, or the markdown cells of a notebook."""
    path = source_of(page)
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    import nbformat  # only notebooks need it

    notebook = nbformat.read(path, as_version=4)
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


# Math as MyST writes it (dollarmath and amsmath are on): $...$, $$...$$, \(...\), \[...\],
# {math} roles and directives, and bare LaTeX environments. Code is removed first, since
# a `$` in code is not math.
_CODE = re.compile(r"^(```|~~~).*?^\1|`[^`\n]+`", re.S | re.M)
_MATH = re.compile(
    r"\$\$"
    r"|(?<![\\$])\$(?=[^\s$])[^$\n]*?[^\s\\$]\$(?!\d)"  # dollarmath's rule for inline $...$
    r"|\\\(|\\\["
    r"|\{math\}"
    r"|\\begin\{(?:equation|align|gather|multline|eqnarray)\*?\}"
)


def source_has_math(page: str) -> bool:
    """Whether the page's source contains math, decided from the source, not from the HTML."""
    prose = _CODE.sub("", markdown_text(page))
    return bool(_MATH.search(prose))
