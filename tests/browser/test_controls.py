"""Every chapter's control works on the built site: it moves, it redraws, and it tells the truth.

A chapter's slider cell calls ``lossutils.controls.explore``; the build executes it with nobody
at the kernel, so the page gets a range input over figures and printed text precomputed for a
grid of settings. In Chromium, for every chapter page: the control is there and labelled, the
keyboard moves it, the image and the numbers change, no request leaves 127.0.0.1, and the text
shown at a position is what the chapter's drawing function prints for that position's setting,
called again here in a fresh kernel (tests/browser/recompute.py).
"""
import re

import pytest

from book_site import is_notebook, source_of, toc_pages
from browsing import load
from recompute import printed_by_draw

CHAPTERS = [page for page in toc_pages() if is_notebook(page)]

# Runs in the page: the state of each control, as a reader would see it.
CONTROL_STATE = """() => [...document.querySelectorAll(".lu-explore")].map(root => {
  const input = root.querySelector("input");
  const label = input.closest("label");
  const text = root.querySelector("pre");
  const data = JSON.parse(root.querySelector("script.lu-explore-data").textContent);
  return {
    type: input.type, min: input.min, max: input.max, position: Number(input.value),
    label: label ? label.textContent.trim() : "",
    valuetext: input.getAttribute("aria-valuetext"),
    shown: root.querySelector("output").textContent,
    note: root.querySelector(".lu-explore-note").textContent,
    image: root.querySelector("img").src,
    imageWidth: root.querySelector("img").naturalWidth,
    text: text ? text.textContent : "",
    draw: data.draw, settings: data.settings, labels: data.labels,
  };
})"""


@pytest.mark.parametrize("page_name", CHAPTERS)
def test_chapter_control_moves_and_shows_what_draw_prints(browser, server, site, page_name):
    page, response, log = load(browser, server, f"{page_name}.html")
    try:
        before = page.evaluate(CONTROL_STATE)
        assert len(before) == 1, f"{page_name}: expected one precomputed control, found {len(before)}"
        start = before[0]
        count = int(start["max"]) + 1
        assert start["type"] == "range" and start["min"] == "0"
        assert 15 <= count <= 40, f"{count} precomputed settings; the book uses 15 to 40"
        assert len(start["settings"]) == len(start["labels"]) == count
        assert start["label"], "the range input has no visible label"
        assert re.search(rf"\b{count} precomputed settings\b", start["note"])
        assert "run the notebook" in start["note"]
        assert start["imageWidth"] > 0, "the control's first frame did not load"
        assert start["valuetext"] == start["shown"] == start["labels"][start["position"]]

        # Keyboard only, as a reader without a mouse would: focus the input, press End (or
        # Home when the control starts at the end), then one step back with an arrow key.
        page.focus(".lu-explore input")
        page.keyboard.press("End" if start["position"] != count - 1 else "Home")
        moved = page.evaluate(CONTROL_STATE)[0]
        page.keyboard.press("ArrowLeft" if moved["position"] == count - 1 else "ArrowRight")
        stepped = page.evaluate(CONTROL_STATE)[0]
        page.wait_for_load_state("networkidle")
    finally:
        page.context.close()

    assert moved["position"] in {0, count - 1} and moved["position"] != start["position"]
    assert abs(stepped["position"] - moved["position"]) == 1
    for state in (moved, stepped):
        assert state["image"] != start["image"] or state["position"] == start["position"], \
            "moving the control did not change the figure"
        assert state["shown"] == state["valuetext"] == state["labels"][state["position"]]
    assert moved["shown"] != start["shown"]
    assert moved["text"] != start["text"], "moving the control did not change the numbers"
    assert not log.third_party, f"requests to hosts other than 127.0.0.1: {log.third_party}"
    assert not log.console_errors, f"console errors: {log.console_errors}"

    # The numbers at three positions are what the chapter's function prints for those settings.
    states = (start, moved, stepped)
    printed = printed_by_draw(source_of(page_name), start["draw"],
                              [start["settings"][state["position"]] for state in states])
    for state, expected in zip(states, printed):
        assert state["text"] == expected, (
            f"position {state['position']} ({state['shown']}) shows text that "
            f"{start['draw']} does not print for that setting")
