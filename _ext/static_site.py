"""Two fixes to the HTML Jupyter Book 1 writes, so the static site is honest and self-contained.

1. No ipywidgets state in the pages. When myst-nb executes a notebook it stores the state of
   every widget the notebook created and embeds it in the page as a
   ``<script type="application/vnd.jupyter.widget-state+json">`` (about 80 KB for one slider).
   The site loads no widget manager (``nb_ipywidgets_js: {}``), so that state could never
   drive a control: it is dead weight. nbclient cannot simply be told not to record it
   (``store_widget_state=False`` crashes on ``interact``), so it is dropped here, after
   myst-nb has read the notebook and before the page is written.

2. A complete landing page. sphinx-external-toc writes ``index.html`` as a bare
   ``<meta http-equiv="Refresh">`` line; a browser opening it asks the server for
   ``/favicon.ico``, which does not exist (a 404 on every visit to the site's root).
   We write that redirect ourselves, with the book's favicon, a title and a plain link.

Registered in _config.yml under ``sphinx: local_extensions``.
"""
import html
from pathlib import Path

from sphinx.application import Sphinx

WIDGET_STATE_KEY = "ipywidgets_state"  # the key myst-nb files the state script under
WIDGET_LOADER_PREFIX = "ipywidgets_"  # ... and the widget-manager scripts (none here)


def drop_widget_state(app: Sphinx, doctree) -> None:
    """Forget the widget scripts myst-nb registered for the page just read."""
    pages = getattr(app.env, "nb_metadata", {})
    js_files = pages.get(app.env.docname, {}).get("js_files", {})
    for key in [k for k in js_files if k.startswith(WIDGET_LOADER_PREFIX)]:
        del js_files[key]


def write_landing_redirect(app: Sphinx, exception) -> None:
    """Write index.html as a redirect to the root page (before sphinx-external-toc would)."""
    if exception is not None or app.builder.format != "html":
        return
    root = app.config.root_doc
    if root == "index":  # the root page is index.html itself: nothing to redirect
        return
    target = app.builder.get_target_uri(root)
    title = html.escape(app.config.html_title or app.config.project)
    favicon = ""
    if app.config.html_favicon:
        favicon = f'<link rel="icon" href="_static/{Path(app.config.html_favicon).name}">\n'
    page = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n{favicon}"
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        "</head>\n<body>\n"
        f'<p><a href="{target}">{title}</a></p>\n'
        "</body>\n</html>\n"
    )
    Path(app.outdir, "index.html").write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", drop_widget_state)
    # sphinx-external-toc writes its bare redirect at the default priority (500), and only
    # when index.html does not exist yet; running first replaces it.
    app.connect("build-finished", write_landing_redirect, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
