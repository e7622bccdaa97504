"""Figures for the book: one style, and loss curves beside their derivatives.

Every figure gets an opaque white background (figure and axes). The site has a
dark mode, and matplotlib's black text on a transparent PNG would vanish there.

This module needs matplotlib; ``lossutils`` itself needs only numpy, so it is
imported on first use (``from lossutils import plotting``).
"""
from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["subplots", "plot_losses_and_gradients"]

BACKGROUND = "white"
PANEL_SIZE = (4.5, 3.5)  # inches per panel: two panels side by side keep the page light


def subplots(nrows=1, ncols=1, *, figsize=None, **kwargs):
    """Like ``matplotlib.pyplot.subplots``, in the book's style.

    White, opaque figure and axes backgrounds, a light grid, constrained layout,
    and a default size of 4.5 × 3.5 inches per panel.

    Returns ``(fig, axes)`` exactly as ``matplotlib.pyplot.subplots`` does.
    """
    if figsize is None:
        figsize = (PANEL_SIZE[0] * ncols, PANEL_SIZE[1] * nrows)
    kwargs.setdefault("layout", "constrained")
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, facecolor=BACKGROUND, **kwargs)
    for ax in np.atleast_1d(axes).flat:
        ax.set_facecolor(BACKGROUND)
        ax.grid(True, color="0.9", linewidth=0.8)
        ax.set_axisbelow(True)
    return fig, axes


def plot_losses_and_gradients(
    x,
    curves: Mapping[str, tuple[Callable, Callable]],
    *,
    variable: str,
    mark: float | None = None,
):
    """Plot loss functions (left panel) and their derivatives (right panel) over one variable.

    Parameters
    ----------
    x : array_like, 1-D
        The values of the variable at which to draw the curves.
    curves : mapping of str to (loss, derivative)
        Legend label → a pair of vectorised functions of the variable: the loss
        and its derivative with respect to that variable. A curve keeps the same
        colour in both panels.
    variable : str
        The variable's symbol in TeX without dollars, e.g. ``"q"`` or ``"z_y"``;
        it labels the x axes and the derivative.
    mark : float, optional
        A value of the variable to mark with a dot on every curve (and a dotted
        vertical line), e.g. the current position of a slider.

    Returns
    -------
    fig, (loss_ax, grad_ax)
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"x: expected a 1-D array of at least 2 values, got shape {x.shape}")
    if not curves:
        raise ValueError("curves: expected at least one (loss, derivative) pair, got none")

    fig, (loss_ax, grad_ax) = subplots(1, 2)
    for label, (loss, derivative) in curves.items():
        (line,) = loss_ax.plot(x, loss(x), label=label)
        grad_ax.plot(x, derivative(x), color=line.get_color(), label=label)
        if mark is not None:
            at = np.asarray([mark], dtype=float)
            loss_ax.plot(at, loss(at), "o", color=line.get_color())
            grad_ax.plot(at, derivative(at), "o", color=line.get_color())

    # A zero line makes a vanishing derivative visible at a glance.
    grad_ax.axhline(0.0, color="0.4", linewidth=0.8)
    for ax in (loss_ax, grad_ax):
        ax.set_xlabel(f"${variable}$")
        if mark is not None:
            ax.axvline(mark, color="0.5", linestyle=":", linewidth=1.0)
    loss_ax.set_title("loss")
    grad_ax.set_title(rf"derivative $\partial\,\mathrm{{loss}}/\partial {variable}$")
    loss_ax.legend()
    return fig, (loss_ax, grad_ax)
