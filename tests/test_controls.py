"""lossutils.controls: frames are what draw printed and drew, and a live session gets widgets."""
import base64
import html
import io
import json
import re
from unittest import mock

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from lossutils import controls  # noqa: E402
from lossutils.controls import Choice, Slider, explore, render_frames  # noqa: E402


def draw_line(slope, colour="C0"):
    """A drawing function as the chapters write them: prints its numbers, shows one figure."""
    print(f"slope = {slope:+.2f}   value at 1 = {slope * 1.0:.3f}   colour {colour}")
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, slope], color=colour)
    ax.set_ylim(-3, 3)
    plt.show()


def shown(draw_calls=None, **explore_arguments):
    """Run explore in the frames mode; return the mimebundle it displayed."""
    bundles = []
    with mock.patch.dict("os.environ", {"LOSSUTILS_CONTROLS": "frames"}), \
            mock.patch("IPython.display.display", lambda obj, raw: bundles.append(obj)):
        assert explore(**explore_arguments) is None
    assert len(bundles) == 1
    return bundles[0]


def page_data(bundle):
    page = bundle["text/html"]
    found = re.search(r'<script type="application/json" class="lu-explore-data">(.*?)</script>',
                      page, re.S)
    return page, json.loads(found.group(1))


SLOPE = Slider(value=0.5, low=-2.0, high=2.0, step=0.1, label="slope")


def test_frames_hold_what_draw_prints_and_one_png_per_value():
    values = [-1.0, 0.0, 1.5]
    texts, pngs = render_frames(draw_line, "slope", values, {"colour": "C1"})
    assert texts == [f"slope = {v:+.2f}   value at 1 = {v:.3f}   colour C1\n" for v in values]
    images = [Image.open(io.BytesIO(png)) for png in pngs]
    assert all(image.format == "PNG" for image in images)
    assert all(len(image.getcolors(maxcolors=256) or []) <= controls.FRAME_COLOURS
               for image in images), "a frame has more colours than its palette allows"
    # Different slopes draw different pictures; the same slope draws the same bytes.
    assert len({png for png in pngs}) == 3
    assert render_frames(draw_line, "slope", [1.5], {"colour": "C1"})[1][0] == pngs[2]
    assert plt.get_fignums() == [], "render_frames left figures open"


def test_a_figure_drawn_but_not_shown_is_captured_too():
    def draw_without_show(slope):
        plt.subplots()[1].plot([0, slope])

    texts, pngs = render_frames(draw_without_show, "slope", [1.0, 2.0])
    assert texts == ["", ""] and len(pngs) == 2


@pytest.mark.parametrize("figures", [0, 2])
def test_draw_must_make_exactly_one_figure(figures):
    def draw(slope):
        for _ in range(figures):
            plt.figure()
        plt.show()

    with pytest.raises(ValueError, match=f"made {figures}"):
        render_frames(draw, "slope", [1.0])
    assert plt.get_fignums() == []


def test_static_control_frames_settings_and_start():
    values = np.linspace(-2.0, 2.0, 21)  # includes 0.4 and 0.6 but not the default 0.5 exactly
    bundle = shown(draw=draw_line, slope=SLOPE,
                   colour=Choice(value="C2", options=["C2", "C3"], label="colour"),
                   precompute=("slope", values))
    page, data = page_data(bundle)
    assert len(data["frames"]) == len(data["texts"]) == len(data["settings"]) == 21
    # The settings are Python numbers that round-trip through JSON, and draw printed each one.
    assert data["settings"] == [{"colour": "C2", "slope": v} for v in values.tolist()]
    for setting, text in zip(data["settings"], data["texts"]):
        printed = io.StringIO()
        with mock.patch("sys.stdout", printed), mock.patch.object(plt, "show"):
            draw_line(**setting)
        plt.close("all")
        assert text == printed.getvalue()
    # Starts at the value nearest the default (0.4 and 0.6 tie; the first wins).
    start = int(re.search(r'type="range" min="0" max="20" step="1" value="(\d+)"', page).group(1))
    assert values[start] == pytest.approx(0.4)
    assert f'src="data:image/png;base64,{data["frames"][start]}"' in page
    assert html.escape(data["texts"][start]) in page
    assert data["draw"] == "draw_line" and data["parameter"] == "slope"
    assert "21 precomputed settings of slope" in page and "run the notebook" in page
    assert bundle["text/plain"].startswith("21 precomputed settings of slope")
    for frame in data["frames"]:
        assert base64.b64decode(frame).startswith(b"\x89PNG")


def test_a_choice_can_be_the_precomputed_parameter():
    bundle = shown(draw=draw_line, slope=SLOPE,
                   colour=Choice(value="C3", options=[("blue", "C0"), ("red", "C3")],
                                 label="colour"),
                   precompute=("colour", ["C0", "C3"]))
    page, data = page_data(bundle)
    assert data["labels"] == ["blue", "red"]
    assert 'value="1"' in page  # starts at the default, red


def test_text_that_would_close_the_script_is_escaped():
    def draw(slope):
        print("</script><b>bold</b>")
        plt.figure()

    page, data = page_data(shown(draw=draw, slope=SLOPE, precompute=("slope", [0.0, 1.0])))
    assert page.count("</script>") == 2  # only the two script elements' own end tags
    assert data["texts"][0] == "</script><b>bold</b>\n"
    assert "<b>" not in page


@pytest.mark.parametrize("precompute, message", [
    (("intercept", [0.0, 1.0]), "not one of the controls"),
    (("slope", [0.0]), "2 to 60 values"),
    (("slope", np.linspace(-2, 2, 61)), "2 to 60 values"),
    (("slope", [0.0, 2.5]), "outside"),
])
def test_bad_precompute_raises_naming_it(precompute, message):
    with pytest.raises(ValueError, match=message):
        shown(draw=draw_line, slope=SLOPE, precompute=precompute)


def test_controls_must_be_described_not_widgets():
    with pytest.raises(ValueError, match="control 'slope' must be a Slider or a Choice"):
        shown(draw=draw_line, slope=(0.0, 1.0), precompute=("slope", [0.0, 1.0]))


@pytest.mark.parametrize("arguments, message", [
    (dict(value=0.0, low=1.0, high=0.0, step=0.1), "low"),
    (dict(value=0.0, low=0.0, high=1.0, step=0.0), "step"),
    (dict(value=0.5, low=0.0, high=1.0, step=0.1, log=True), "low > 0"),
    (dict(value=2.0, low=0.0, high=1.0, step=0.1), "outside"),
])
def test_slider_checks_its_range(arguments, message):
    with pytest.raises(ValueError, match=message):
        Slider(label="s", **arguments)


def test_choice_value_must_be_an_option():
    with pytest.raises(ValueError, match="not one of the options"):
        Choice(value="x", options=["a", "b"], label="c")


def test_live_session_gets_widgets_and_draws_no_frames():
    import ipywidgets

    calls = []
    draw = mock.Mock(__name__="draw")
    with mock.patch.dict("os.environ", {"LOSSUTILS_CONTROLS": "live"}), \
            mock.patch.object(ipywidgets, "interact",
                              lambda function, **widgets: calls.append((function, widgets))):
        explore(draw,
                slope=SLOPE,
                tau=Slider(value=1.0, low=0.01, high=100.0, step=0.05, label="τ", log=True),
                steps=Slider(value=20, low=10, high=300, step=10, label="steps"),
                colour=Choice(value="C0", options=["C0", "C1"], label="colour"),
                precompute=("slope", [0.0, 1.0]))
    (function, widgets), = calls
    assert function is draw and not draw.called
    kinds = {name: type(widget).__name__ for name, widget in widgets.items()}
    assert kinds == {"slope": "FloatSlider", "tau": "FloatLogSlider", "steps": "IntSlider",
                     "colour": "Dropdown"}
    assert widgets["tau"].min == pytest.approx(-2.0) and widgets["tau"].max == pytest.approx(2.0)
    assert widgets["slope"].value == 0.5 and widgets["slope"].description == "slope"
    assert widgets["slope"].readout_format == ".1f"  # the step's decimals
    assert all(not getattr(w, "continuous_update", False) for w in widgets.values())


def test_check_mode_validates_and_draws_nothing():
    draw = mock.Mock(__name__="draw")
    bundles = []
    with mock.patch.dict("os.environ", {"LOSSUTILS_CONTROLS": "check"}), \
            mock.patch("IPython.display.display", lambda obj, raw: bundles.append(obj)):
        explore(draw, slope=SLOPE, precompute=("slope", [0.0, 1.0]))
        with pytest.raises(ValueError, match="outside"):
            explore(draw, slope=SLOPE, precompute=("slope", [0.0, 9.0]))
    assert not draw.called and plt.get_fignums() == []
    assert bundles == [{"text/plain": "2 settings of slope: checked, not drawn "
                                      "(LOSSUTILS_CONTROLS=check)"}]


def test_the_grid_is_checked_in_a_live_session_too():
    import ipywidgets

    with mock.patch.dict("os.environ", {"LOSSUTILS_CONTROLS": "live"}), \
            mock.patch.object(ipywidgets, "interact") as interact:
        with pytest.raises(ValueError, match="outside"):
            explore(draw_line, slope=SLOPE, precompute=("slope", [0.0, 9.0]))
    assert not interact.called


def test_mode_from_the_environment_or_the_kernel():
    for mode in controls.MODES:
        with mock.patch.dict("os.environ", {"LOSSUTILS_CONTROLS": mode}):
            assert controls.controls_mode() == mode
    with mock.patch.dict("os.environ", {"LOSSUTILS_CONTROLS": ""}):
        assert controls.controls_mode() == "frames"  # plain Python: no kernel, nobody at it
        for allow_stdin, mode in ((True, "live"), (False, "frames")):
            shell = mock.Mock(kernel=mock.Mock(_allow_stdin=allow_stdin))
            with mock.patch("IPython.get_ipython", return_value=shell):
                assert controls.controls_mode() == mode
