"""One figure, one control: a live slider in Jupyter, precomputed frames on the website.

A chapter draws its figure with one function, ``draw(**settings)``, that prints its numbers and
ends with ``plt.show()``. :func:`explore` puts a control on it, in one of three modes
(:func:`controls_mode`):

- ``live``, in a Jupyter session (JupyterLab, Notebook, VS Code): ipywidgets controls call
  ``draw`` for any value in their ranges.
- ``frames``, when the notebook is executed with nobody at it (Jupyter Book's build, nbconvert,
  papermill, nbval: clients that do not answer ``input()``): ``draw`` is run now for each value
  of one parameter on a fixed grid, the others at their defaults, and one HTML control shows
  the resulting frames, each the figure and the printed text of one call. The page's small
  script only swaps frames; nothing is computed in the browser, and the control says so.
- ``check``, on request: the call is validated and nothing is drawn.

The frames are PNG bytes inlined in the page (no file, no request), so that the site works
offline. nbval should ignore the output of an ``explore`` cell (tag ``nbval-ignore-output``):
the PNG bytes differ between matplotlib versions, and the output differs between the modes
(``make test`` runs nbval with ``LOSSUTILS_CONTROLS=check``). The browser tests check instead
that the text each frame shows is what ``draw`` prints for that setting.

This module needs matplotlib; ipywidgets is imported only for a live session. The controls are
described by :class:`Slider` and :class:`Choice` (plain data), so that a build never creates a
widget: a widget opens a comm, which can stall a headless executor (jupyter/nbclient#312) and
would leave widget state in the page.
"""
import base64
import contextlib
import html
import io
import json
import math
import os
from dataclasses import dataclass
from unittest import mock

import matplotlib.pyplot as plt
from PIL import Image  # Pillow, which matplotlib itself requires

__all__ = ["Slider", "Choice", "explore", "render_frames", "precomputed_control_html",
           "controls_mode"]

# Frames are drawn at 80 dpi and stored as PNGs with a palette of at most 128 colours (no
# dithering): a two-panel figure of the book is then about 11 KB instead of about 40 KB.
FRAME_DPI = 80
FRAME_COLOURS = 128
MAX_FRAMES = 60


@dataclass(frozen=True)
class Slider:
    """A number between ``low`` and ``high`` in steps of ``step`` (a log-scale slider if ``log``).

    ``log=True`` moves the exponent: ``low`` and ``high`` are the end values (> 0) and ``step``
    is the step of log10 of the value, as in ``ipywidgets.FloatLogSlider``. Integer ``value``,
    ``low``, ``high`` and ``step`` give an integer slider.
    """
    value: float
    low: float
    high: float
    step: float
    label: str
    log: bool = False

    def __post_init__(self):
        if not self.low < self.high:
            raise ValueError(f"Slider {self.label!r}: low ({self.low}) must be below high "
                             f"({self.high})")
        if not self.step > 0:
            raise ValueError(f"Slider {self.label!r}: step must be positive, got {self.step}")
        if self.log and self.low <= 0:
            raise ValueError(f"Slider {self.label!r}: a log slider needs low > 0, got {self.low}")
        if not self.low <= self.value <= self.high:
            raise ValueError(f"Slider {self.label!r}: value {self.value} is outside "
                             f"[{self.low}, {self.high}]")

    def contains(self, value) -> bool:
        return self.low <= value <= self.high

    def widget(self):
        import ipywidgets

        if self.log:
            return ipywidgets.FloatLogSlider(
                value=self.value, base=10, min=math.log10(self.low), max=math.log10(self.high),
                step=self.step, description=self.label, continuous_update=False)
        numbers = (self.value, self.low, self.high, self.step)
        if all(isinstance(x, int) for x in numbers):
            return ipywidgets.IntSlider(value=self.value, min=self.low, max=self.high,
                                        step=self.step, description=self.label,
                                        continuous_update=False)
        # As many decimals as the step has, so that a step of 0.001 shows 0.332, not 0.33.
        decimals = len(f"{self.step:.10f}".rstrip("0").partition(".")[2])
        return ipywidgets.FloatSlider(value=self.value, min=self.low, max=self.high,
                                      step=self.step, description=self.label,
                                      readout_format=f".{decimals}f", continuous_update=False)


@dataclass(frozen=True)
class Choice:
    """One of a few ``options``: values, or ``(label, value)`` pairs; a dropdown when live."""
    value: object
    options: tuple
    label: str

    def __post_init__(self):
        object.__setattr__(self, "options", tuple(self.options))
        if self.value not in self.values():
            raise ValueError(f"Choice {self.label!r}: value {self.value!r} is not one of the "
                             f"options {self.values()}")

    def pairs(self) -> list:
        return [option if isinstance(option, tuple) else (str(option), option)
                for option in self.options]

    def values(self) -> list:
        return [value for _, value in self.pairs()]

    def contains(self, value) -> bool:
        return value in self.values()

    def widget(self):
        import ipywidgets

        return ipywidgets.Dropdown(options=self.pairs(), value=self.value,
                                   description=self.label)


MODES = ("live", "frames", "check")


def controls_mode() -> str:
    """How :func:`explore` shows its control here: ``"live"``, ``"frames"`` or ``"check"``.

    The ``LOSSUTILS_CONTROLS`` environment variable decides when it names one of them:

    - ``live``: ipywidgets controls that call ``draw`` on every move;
    - ``frames``: ``draw`` is run for every precomputed setting and the HTML control shown;
    - ``check``: the call is validated (controls, grid) and nothing is drawn and no widget is
      made; for test runs such as ``make test``'s nbval, since the build draws the frames and
      the browser tests check them.

    Otherwise it is decided by the request being executed: Jupyter's front ends (JupyterLab,
    Notebook, VS Code) execute cells with ``allow_stdin`` on, and get ``"live"``; headless
    executors turn it off (nbclient, used by Jupyter Book and nbconvert, and nbval) and get
    ``"frames"``. Outside a kernel (plain Python): ``"frames"``.
    """
    mode = os.environ.get("LOSSUTILS_CONTROLS", "").strip().lower()
    if mode in MODES:
        return mode
    try:
        from IPython import get_ipython
    except ImportError:
        return "frames"
    kernel = getattr(get_ipython(), "kernel", None)
    return "live" if getattr(kernel, "_allow_stdin", False) else "frames"


def _python_scalar(value):
    """numpy scalars as Python ones, so that ``draw`` gets (and prints) what JSON round-trips."""
    return value.item() if hasattr(value, "item") else value


def _frame_png(figure) -> bytes:
    """The figure as a palette PNG: same pixels up to colour rounding, no metadata."""
    drawn = io.BytesIO()
    figure.savefig(drawn, format="png", dpi=FRAME_DPI, bbox_inches="tight")
    image = Image.open(drawn).convert("RGB").quantize(colors=FRAME_COLOURS,
                                                      dither=Image.Dither.NONE)
    stored = io.BytesIO()
    image.save(stored, format="PNG", optimize=True)
    return stored.getvalue()


def _capture(draw, settings):
    """Call ``draw(**settings)``; return its printed text and its one figure as PNG bytes."""
    figures = []

    def keep_figures(*args, **kwargs):
        for number in plt.get_fignums():
            figure = plt.figure(number)
            figures.append(_frame_png(figure))
            plt.close(figure)

    text = io.StringIO()
    plt.close("all")
    with mock.patch.object(plt, "show", keep_figures), contextlib.redirect_stdout(text):
        draw(**settings)
        keep_figures()  # a figure that was drawn but not shown counts too
    if len(figures) != 1:
        raise ValueError(f"draw must make exactly one figure per call; {draw.__name__}"
                         f"({settings}) made {len(figures)}")
    return text.getvalue(), figures[0]


def render_frames(draw, parameter, values, fixed=None):
    """Run ``draw`` once per value of one parameter; return ``(texts, pngs)``, one per value.

    ``draw(**fixed, **{parameter: value})`` is called for each value in turn; what it prints
    and the figure it shows are captured, not displayed.
    """
    texts, pngs = [], []
    for value in values:
        text, png = _capture(draw, {**(fixed or {}), parameter: value})
        texts.append(text)
        pngs.append(png)
    return texts, pngs


def _format(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _script_json(data) -> str:
    # Inside <script>, "</script" would end the element early and "<!--" would change how the
    # rest is parsed; as Django's json_script does, write <, > and & as JSON escapes.
    text = json.dumps(data, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# Swaps the frame when the range input moves. Range inputs take the arrow keys, Home and End.
_SWAP_FRAMES_JS = """(function () {
  var root = document.currentScript.parentElement;
  var data = JSON.parse(root.querySelector("script.lu-explore-data").textContent);
  var input = root.querySelector("input"), shown = root.querySelector("output");
  var image = root.querySelector("img"), text = root.querySelector("pre");
  input.addEventListener("input", function () {
    var i = Number(input.value);
    image.src = "data:image/png;base64," + data.frames[i];
    image.alt = data.alt + data.labels[i];
    if (text) { text.textContent = data.texts[i]; }
    shown.textContent = data.labels[i];
    input.setAttribute("aria-valuetext", data.labels[i]);
  });
})();"""


def precomputed_control_html(texts, pngs, *, label, value_labels, start, draw_name, parameter,
                             settings):
    """The HTML of a control over precomputed frames: a labelled range input, text and figure.

    ``settings[i]`` (a JSON-able dict of ``draw``'s keyword arguments) produced ``texts[i]`` and
    ``pngs[i]``; they are recorded in the page so that a test can call ``draw`` again with them.
    """
    count = len(pngs)
    frames = [base64.b64encode(png).decode("ascii") for png in pngs]
    alt = f"Figure drawn by {draw_name} for {label} = "
    data = {"frames": frames, "texts": texts, "labels": value_labels, "alt": alt,
            "draw": draw_name, "parameter": parameter, "settings": settings}
    shown = html.escape(value_labels[start])
    text = texts[start]
    return "\n".join([
        '<div class="lu-explore">',
        f'<label class="lu-explore-control">{html.escape(label)} '
        f'<input type="range" min="0" max="{count - 1}" step="1" value="{start}" '
        f'aria-valuetext="{shown}"> <output>{shown}</output></label>',
        f'<p class="lu-explore-note">{count} precomputed settings of {html.escape(label)}, '
        'drawn when this page was built; run the notebook for any value.</p>',
        # HTML drops one newline right after <pre>: this one, so that the text keeps its own.
        f'<pre class="lu-explore-text">\n{html.escape(text)}</pre>' if any(texts) else "",
        f'<img src="data:image/png;base64,{frames[start]}" alt="{html.escape(alt)}{shown}" '
        'style="max-width: 100%">',
        f'<script type="application/json" class="lu-explore-data">{_script_json(data)}</script>',
        f"<script>{_SWAP_FRAMES_JS}</script>",
        "</div>",
    ])


def explore(draw, *, precompute, **controls):
    """Show ``draw``'s figure with controls: live in Jupyter, precomputed frames elsewhere.

    Parameters
    ----------
    draw : callable
        ``draw(**settings)`` prints its numbers and draws one matplotlib figure, ending with
        ``plt.show()``; it takes one keyword argument per control.
    precompute : (str, sequence)
        The parameter that the website's control moves, and its values (2 to 60 of them, each
        allowed by that parameter's control). The other parameters stay at their controls'
        ``value``. The control starts at the value nearest the parameter's ``value``.
    **controls : Slider or Choice
        One per keyword argument of ``draw``.

    The arguments are checked first, in every mode (:func:`controls_mode`). Live, this is
    ``ipywidgets.interact(draw, ...)``. With frames, it calls ``draw`` once per value, captures
    each figure (a palette PNG) and printed text, and displays one HTML control over those
    frames. In the check mode it displays one line and draws nothing. Returns None.
    """
    parameter, values = precompute
    if parameter not in controls:
        raise ValueError(f"precompute names {parameter!r}, which is not one of the controls "
                         f"{sorted(controls)}")
    for name, control in controls.items():
        if not isinstance(control, (Slider, Choice)):
            raise ValueError(f"control {name!r} must be a Slider or a Choice, "
                             f"got {type(control).__name__}")

    values = [_python_scalar(value) for value in values]
    control = controls[parameter]
    if not 2 <= len(values) <= MAX_FRAMES:
        raise ValueError(f"precompute needs 2 to {MAX_FRAMES} values, got {len(values)}")
    outside = [value for value in values if not control.contains(value)]
    if outside:
        raise ValueError(f"precompute values outside the {parameter!r} control's range: {outside}")

    from IPython.display import display

    mode = controls_mode()
    if mode == "live":
        from ipywidgets import interact

        interact(draw, **{name: control.widget() for name, control in controls.items()})
        return None
    if mode == "check":
        display({"text/plain": f"{len(values)} settings of {control.label}: checked, not drawn "
                               "(LOSSUTILS_CONTROLS=check)"}, raw=True)
        return None

    fixed = {name: _python_scalar(c.value) for name, c in controls.items() if name != parameter}
    texts, pngs = render_frames(draw, parameter, values, fixed)
    if isinstance(control, Choice):
        names = {value: name for name, value in control.pairs()}
        value_labels = [names[value] for value in values]
        start = values.index(control.value) if control.value in values else 0
    else:
        value_labels = [_format(value) for value in values]
        start = min(range(len(values)), key=lambda i: abs(values[i] - control.value))
    settings = [{**fixed, parameter: value} for value in values]
    page = precomputed_control_html(texts, pngs, label=control.label, value_labels=value_labels,
                                    start=start, draw_name=draw.__name__, parameter=parameter,
                                    settings=settings)
    summary = f"{len(values)} precomputed settings of {control.label}"  # where HTML is not shown
    display({"text/html": page, "text/plain": summary}, raw=True)
    return None
