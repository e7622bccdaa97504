"""Execute the notebooks that need it on all cores, before Sphinx reads them one by one.

myst-nb (``execute_notebooks: cache``) executes each outdated notebook while Sphinx reads it,
so a clean build runs the chapters one after another, using one core. This extension runs
the same jupyter-cache executor over all outdated notebooks at once (one process per core)
just before reading starts, into the cache myst-nb reads from; myst-nb then finds every
notebook already executed. Same kernel, same working directory (the notebook's folder),
same timeout: only the scheduling changes. A notebook that fails here is simply not cached,
and myst-nb executes it again in the ordinary way, reporting the error as usual.

Registered in _config.yml under ``sphinx: local_extensions``.
"""
import logging as std_logging
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def execute_outdated_notebooks(app: Sphinx, env, docnames: list[str]) -> None:
    config = env.mystnb_config  # myst-nb's settings, with the cache path it resolved
    if config.execution_mode != "cache":
        return
    notebooks = [str(Path(env.doc2path(name)).resolve()) for name in docnames
                 if env.doc2path(name).endswith(".ipynb")
                 and not any(Path(env.doc2path(name)).match(pattern)
                             for pattern in config.execution_excludepatterns)]
    if len(notebooks) < 2:  # nothing to share between cores
        return

    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    cache = get_cache(config.execution_cache_path)
    for notebook in notebooks:
        cache.add_nb_to_project(notebook)
    outdated = [record.uri for record in cache.list_unexecuted(filter_uris=notebooks)]
    if len(outdated) < 2:
        return
    LOGGER.info(f"executing {len(outdated)} notebooks in parallel (jupyter-cache)")
    quiet = std_logging.getLogger("jupyter_cache.parallel")
    quiet.setLevel(std_logging.WARNING)  # myst-nb logs each notebook's time when it reads it
    executor = load_executor("local-parallel", cache=cache, logger=quiet)
    result = executor.run_and_cache(filter_uris=outdated, timeout=config.execution_timeout,
                                    allow_errors=config.execution_allow_errors)
    for failed in result.errored + result.excepted:
        LOGGER.info(f"{failed} failed in parallel; myst-nb will execute it again and report why")


def setup(app: Sphinx) -> dict:
    app.connect("env-before-read-docs", execute_outdated_notebooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
