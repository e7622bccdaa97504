r"""Plain gradient descent that records its path, for the book's training experiments.

.. math:: \theta_{k+1} = \theta_k - \alpha \, \nabla f(\theta_k), \qquad k = 0, 1, \dots, K - 1

Nothing adaptive, no momentum, no stopping rule: the chapters compare losses, so the optimiser is
the simplest one and the same for every loss, and the whole path is kept so that a chapter can
plot it or count the steps to a target after the fact.

References
----------
Goodfellow, Bengio & Courville, *Deep Learning*, MIT Press 2016, section 4.3.
"""

from typing import NamedTuple

import numpy as np

from . import _validation as _v

# DescentPath is the return type, reached as lossutils.optim.DescentPath.
__all__ = ["gradient_descent"]


class DescentPath(NamedTuple):
    """The iterates of :func:`gradient_descent` and the objective at each of them."""

    #: shape ``(steps + 1, *start.shape)``: the start, then the point after each step
    points: np.ndarray
    #: shape ``(steps + 1,)``: f at each point
    values: np.ndarray


def gradient_descent(value_and_grad, start, *, learning_rate, steps):
    r"""Run ``steps`` steps of gradient descent from ``start`` and return the whole path.

    .. math:: \theta_{k+1} = \theta_k - \alpha \, \nabla f(\theta_k)

    Parameters
    ----------
    value_and_grad : callable
        ``value_and_grad(theta) -> (f(theta), grad f(theta))``, the gradient of ``theta``'s shape.
    start : array_like
        The initial point :math:`\theta_0` (any shape; integers become float64).
    learning_rate : float
        The step size (learning rate) :math:`\alpha > 0`.
    steps : int
        The number of steps :math:`K \ge 0`.

    Returns
    -------
    DescentPath
        ``points`` (``steps + 1`` iterates, in ``start``'s float dtype) and ``values``. A run that
        diverges is not stopped: its non-finite values are recorded, for the reader to see.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), section 4.3, equation 4.7.
    """
    theta = _v.as_real_array(start, "start")
    if not callable(value_and_grad):
        raise ValueError(f"value_and_grad: expected a callable, got {type(value_and_grad).__name__}")
    if not (np.isscalar(learning_rate) and np.isreal(learning_rate) and 0 < learning_rate < np.inf):
        raise ValueError(f"learning_rate: expected a positive finite number, got {learning_rate!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps: expected a non-negative integer, got {steps!r}")

    points = np.empty((steps + 1, *theta.shape), dtype=theta.dtype)
    values = np.empty(steps + 1, dtype=theta.dtype)
    points[0] = theta
    for k in range(steps + 1):
        value, grad = value_and_grad(points[k].copy())
        values[k] = value
        if k == steps:
            break
        grad = np.asarray(grad)
        if grad.shape != theta.shape:
            raise ValueError(f"value_and_grad: returned a gradient of shape {grad.shape}, "
                             f"expected the shape of start, {theta.shape}")
        # A diverging run is part of what the chapters show: record inf/NaN without warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            points[k + 1] = points[k] - learning_rate * grad
    return DescentPath(points, values)
