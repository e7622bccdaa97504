"""Let docstrings and pages link to lossutils functions by the names readers call them by.

Every public function is documented on the API page under the module that defines it
(``lossutils.losses.softmax_cross_entropy``), but readers, notebooks and docstrings call it
``lossutils.softmax_cross_entropy`` (the package re-exports it). This resolves such a reference
to the defining module's entry, so that ``:func:`lossutils.softmax_cross_entropy``` links instead
of failing the nitpicky build.
"""

import importlib


def _resolve_reexported(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    package, _, name = node.get("reftarget", "").partition(".")
    if package != "lossutils" or not name or "." in name:
        return None
    obj = getattr(importlib.import_module("lossutils"), name, None)
    defined_in = getattr(obj, "__module__", None)
    if defined_in is None or defined_in == "lossutils":
        return None
    return env.get_domain("py").resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], f"{defined_in}.{name}", node, contnode)


def setup(app):
    app.connect("missing-reference", _resolve_reexported)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
