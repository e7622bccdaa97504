"""Call a chapter's drawing function again, outside the book's build, to check what a page shows.

The chapter's code cells up to its control (the first cell that calls ``explore(``) are run in a
fresh kernel; then ``draw(**settings)`` is called for each requested setting with its figure
discarded and its printed text kept. The test compares that text with what the page's
precomputed control shows at the same position.
"""
import json
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CALL_AGAIN = """\
import contextlib as _contextlib, io as _io, json as _json
import matplotlib.pyplot as _plt
_texts = []
for _settings in _json.loads({settings!r}):
    _printed = _io.StringIO()
    with _contextlib.redirect_stdout(_printed):
        {draw}(**_settings)
    _plt.close("all")
    _texts.append(_printed.getvalue())
print(_json.dumps(_texts))
"""


def control_cell_index(cells) -> int:
    return next(index for index, cell in enumerate(cells)
                if cell.cell_type == "code" and "explore(" in cell.source)


def printed_by_draw(notebook: Path, draw: str, settings: list[dict]) -> list[str]:
    """What ``draw(**s)`` prints for each ``s`` in ``settings``, in a fresh kernel."""
    nb = nbformat.read(notebook, as_version=4)
    before = nb.cells[:control_cell_index(nb.cells)]
    call = nbformat.v4.new_code_cell(CALL_AGAIN.format(settings=json.dumps(settings), draw=draw))
    nb.cells = [cell for cell in before if cell.cell_type == "code"] + [call]
    for cell in nb.cells:
        cell.outputs = []
    client = NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(notebook.parent)}})
    # plt.show() would draw each figure for nothing; Agg and a no-op show keep it cheap.
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        "import matplotlib as _mpl\n_mpl.use('Agg')\n"
        "import matplotlib.pyplot as _plt\n_plt.show = lambda *a, **k: _plt.close('all')"))
    client.execute()
    stream = "".join(output.get("text", "") for output in nb.cells[-1].outputs
                     if output.get("name") == "stdout")
    return json.loads(stream)
