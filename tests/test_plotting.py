"""Tests for lossutils.plotting: the figures show the curves they are given, in the book's style."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lossutils import plotting  # noqa: E402

WHITE = (1.0, 1.0, 1.0, 1.0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def neg_log(q):
    return -np.log(q)


def neg_log_derivative(q):
    return -1.0 / q


def squared(q):
    return (1.0 - q) ** 2


def squared_derivative(q):
    return -2.0 * (1.0 - q)


CURVES = {
    "cross-entropy": (neg_log, neg_log_derivative),
    "squared error": (squared, squared_derivative),
}


def line_labelled(ax, label):
    (line,) = [line for line in ax.get_lines() if line.get_label() == label]
    return line


def test_subplots_are_white_and_opaque_even_under_a_dark_style():
    with plt.style.context("dark_background"):
        fig, axes = plotting.subplots(2, 3)
    assert axes.shape == (2, 3)
    assert mcolors.to_rgba(fig.get_facecolor()) == WHITE
    for ax in axes.flat:
        assert mcolors.to_rgba(ax.get_facecolor()) == WHITE


def test_subplots_default_size_grows_with_the_number_of_panels():
    fig_one, ax = plotting.subplots()
    fig_two, _ = plotting.subplots(1, 2)
    width_one, height_one = fig_one.get_size_inches()
    width_two, height_two = fig_two.get_size_inches()
    assert width_two == pytest.approx(2 * width_one)
    assert height_two == pytest.approx(height_one)
    assert all(line.get_visible() for line in ax.xaxis.get_gridlines())


def test_subplots_respects_an_explicit_size():
    fig, _ = plotting.subplots(1, 2, figsize=(6, 2))
    assert tuple(fig.get_size_inches()) == (6, 2)


def test_curves_are_the_functions_evaluated_on_x():
    q = np.linspace(0.05, 1.0, 50)
    fig, (loss_ax, grad_ax) = plotting.plot_losses_and_gradients(q, CURVES, variable="q")
    for label, (loss, derivative) in CURVES.items():
        loss_line = line_labelled(loss_ax, label)
        grad_line = line_labelled(grad_ax, label)
        np.testing.assert_array_equal(loss_line.get_xdata(), q)
        np.testing.assert_array_equal(loss_line.get_ydata(), loss(q))
        np.testing.assert_array_equal(grad_line.get_xdata(), q)
        np.testing.assert_array_equal(grad_line.get_ydata(), derivative(q))
        # One colour per curve, in both panels.
        assert loss_line.get_color() == grad_line.get_color()
    colors = {line_labelled(loss_ax, label).get_color() for label in CURVES}
    assert len(colors) == len(CURVES)
    assert mcolors.to_rgba(fig.get_facecolor()) == WHITE
    assert mcolors.to_rgba(loss_ax.get_facecolor()) == WHITE


def test_labels_legend_and_zero_line():
    _, (loss_ax, grad_ax) = plotting.plot_losses_and_gradients(
        [0.1, 0.5, 0.9], CURVES, variable="z_y"
    )
    assert loss_ax.get_xlabel() == "$z_y$"
    assert grad_ax.get_xlabel() == "$z_y$"
    assert loss_ax.get_title() == "loss"
    assert "z_y" in grad_ax.get_title()
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == list(CURVES)
    horizontal = [
        line for line in grad_ax.get_lines()
        if np.all(np.asarray(line.get_ydata()) == 0.0) and len(line.get_ydata()) == 2
    ]
    assert horizontal, "the derivative panel has a zero line"


def test_mark_puts_a_dot_on_every_curve_at_the_marked_value():
    q = np.linspace(0.05, 1.0, 20)
    _, (loss_ax, grad_ax) = plotting.plot_losses_and_gradients(q, CURVES, variable="q", mark=0.35)
    for ax, which in ((loss_ax, 0), (grad_ax, 1)):
        dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
        assert len(dots) == len(CURVES)
        for dot, (label, functions) in zip(dots, CURVES.items()):
            assert list(dot.get_xdata()) == [0.35]
            assert dot.get_ydata()[0] == pytest.approx(functions[which](0.35))
            assert dot.get_color() == line_labelled(ax, label).get_color()


def test_without_mark_there_are_no_dots():
    _, (loss_ax, grad_ax) = plotting.plot_losses_and_gradients([0.2, 0.8], CURVES, variable="q")
    for ax in (loss_ax, grad_ax):
        assert not [line for line in ax.get_lines() if line.get_marker() == "o"]


@pytest.mark.parametrize("x", [[0.5], [[0.1, 0.2], [0.3, 0.4]], []])
def test_x_must_be_one_dimensional_with_two_values(x):
    with pytest.raises(ValueError, match="^x:"):
        plotting.plot_losses_and_gradients(x, CURVES, variable="q")


def test_curves_must_not_be_empty():
    with pytest.raises(ValueError, match="^curves:"):
        plotting.plot_losses_and_gradients([0.1, 0.2], {}, variable="q")
