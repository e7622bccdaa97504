r"""The regression losses the blog post compares with the squared error, and a linear fit to train them.

Jackson (2020) notes that the squared error :math:`\tfrac12 (x - y)^2` is not the only loss that is
differentiable and zero exactly at :math:`x = y`, and names three others. Each is a function of the
error :math:`a = x - y` (prediction minus target), elementwise, with its derivative in the
prediction :math:`x`:

=======================================  ===============================  =================================
loss                                     value                            derivative in x
=======================================  ===============================  =================================
:func:`~lossutils.losses.squared_error`  :math:`\tfrac12 a^2`             :math:`a`
:func:`quartic_error`                    :math:`a^4`                      :math:`4 a^3`
:func:`sine_squared_error`               :math:`\sin^2 a + \sin^2 \pi a`  :math:`\sin 2a + \pi \sin 2\pi a`
:func:`absolute_error`                   :math:`|a|`                      :math:`\operatorname{sgn} a` (*)
=======================================  ===============================  =================================

(*) For :math:`a \ne 0`; at :math:`a = 0`, where :math:`|a|` has no derivative, 0 is a subgradient.

Factor conventions: the three alternatives are exactly the post's formulas, without the
:math:`\tfrac12` of the squared error (whose purpose is to make the derivative the plain error).
A constant factor does not move a loss's minimisers; under gradient descent it only rescales the
learning rate.

:func:`sine_squared_error` evaluates :math:`\sin(\pi a)` with an exact argument reduction
(:math:`a` minus its nearest integer, which is exact in floating point), so
that it is exactly 0 at integers and keeps its relative accuracy far from 0, where
``np.sin(np.pi * a)`` would carry the rounding error of the product :math:`\pi a`. That matters for
this loss: it is zero only at :math:`a = 0` but comes arbitrarily close to zero near the integers
that are close to a multiple of :math:`\pi`.

:func:`linear_regression_objective` turns any of these pairs into the mean loss of a linear model
and its gradient over the weights, the ``value_and_grad`` that
:func:`lossutils.optim.gradient_descent` takes.

References
----------
J. Jackson, "A Justification of the Cross Entropy Loss", blog post, 2020.
Goodfellow, Bengio & Courville, *Deep Learning*, MIT Press 2016, sections 4.3 and 5.1.4.
R. Koenker, *Quantile Regression*, Cambridge University Press 2005, chapter 1 (the absolute error
and the median).
R. T. Rockafellar, *Convex Analysis*, Princeton University Press 1970, section 23 (subgradients).
"""

import numpy as np

from . import _validation as _v

__all__ = [
    "quartic_error",
    "quartic_error_grad",
    "sine_squared_error",
    "sine_squared_error_grad",
    "absolute_error",
    "absolute_error_grad",
    "linear_regression_objective",
]


def quartic_error(prediction, target):
    r"""The fourth power of the error, elementwise: :math:`(x - y)^4`.

    Zero exactly where :math:`x = y`, convex and smooth, but flat there to third order: its
    derivative :func:`quartic_error_grad` is the cube of the error, so gradient descent slows down
    as it approaches an exact fit.

    Parameters
    ----------
    prediction, target : array_like of the same shape
        Real numbers; integer and bool targets take the prediction's dtype.

    Returns
    -------
    ndarray of that shape, in the promoted floating dtype (float32 and float64 are preserved).

    References
    ----------
    Jackson (2020), one of the post's two alternatives to the squared error.
    """
    error = _error(prediction, target)
    squared = error * error
    return (squared * squared)[()]


def quartic_error_grad(prediction, target):
    r"""Derivative of :func:`quartic_error` with respect to the prediction: :math:`4 (x - y)^3`.

    References
    ----------
    Jackson (2020).
    """
    error = _error(prediction, target)
    return (4 * error * error * error)[()]


def sine_squared_error(prediction, target):
    r"""The post's periodic example, elementwise: :math:`\sin^2(x - y) + \sin^2(\pi (x - y))`.

    With :math:`a = x - y`, the loss is zero only when both terms are: :math:`\sin a = 0` needs
    :math:`a \in \pi\mathbb{Z}` and :math:`\sin \pi a = 0` needs :math:`a \in \mathbb{Z}`, and as
    :math:`\pi` is irrational the only common point is :math:`a = 0`. Yet the infimum of the loss
    away from 0 is 0 too, since some multiples of :math:`\pi` lie arbitrarily close to integers:
    between :math:`113\pi \approx 354.99997` and 355 the loss dips below :math:`10^{-9}`. Near 0 it
    is :math:`(1 + \pi^2) a^2 + O(a^4)`.

    :math:`\sin(\pi a)` is computed with an exact reduction of :math:`a` modulo 1 (see the module
    docstring).

    Parameters
    ----------
    prediction, target : array_like of the same shape

    Returns
    -------
    ndarray of that shape, in the promoted floating dtype.

    References
    ----------
    Jackson (2020), one of the post's two alternatives to the squared error.
    """
    error = _error(prediction, target)
    sin_a = np.sin(error)
    sin_pi_a = _sin_pi(error)
    return (sin_a * sin_a + sin_pi_a * sin_pi_a)[()]


def sine_squared_error_grad(prediction, target):
    r"""Derivative of :func:`sine_squared_error` with respect to the prediction.

    .. math::

        \frac{\partial}{\partial x}\bigl[\sin^2 a + \sin^2(\pi a)\bigr]
        = 2 \sin a \cos a + 2\pi \sin(\pi a) \cos(\pi a) = \sin 2a + \pi \sin(2\pi a),
        \qquad a = x - y.

    It vanishes at :math:`a = 0` and at about two points per unit of :math:`a` elsewhere: the
    loss has a local minimum near every integer, not only at 0.

    References
    ----------
    Jackson (2020).
    """
    error = _error(prediction, target)
    doubled = error + error  # exact
    return (np.sin(doubled) + np.pi * _sin_pi(doubled))[()]


def absolute_error(prediction, target):
    r"""The absolute error, elementwise: :math:`|x - y|`.

    Zero exactly where :math:`x = y` and convex, but not differentiable there: the one-sided
    derivatives at :math:`x = y` are :math:`-1` and :math:`+1`. The mean absolute error of a
    constant prediction is smallest at a median of the targets (not at their mean).

    Parameters
    ----------
    prediction, target : array_like of the same shape

    Returns
    -------
    ndarray of that shape, in the promoted floating dtype.

    References
    ----------
    Jackson (2020); Koenker, *Quantile Regression* (2005), chapter 1.
    """
    return np.abs(_error(prediction, target))[()]


def absolute_error_grad(prediction, target):
    r"""The sign of the error, :math:`\operatorname{sgn}(x - y)`, a subgradient of :func:`absolute_error`.

    Off :math:`x = y` it is the derivative, :math:`\pm 1`. At :math:`x = y`, where
    :math:`|x - y|` has no derivative, every number in :math:`[-1, 1]` is a subgradient; this
    function returns 0 there (as ``np.sign`` does), so that the minimum is a stationary point.

    References
    ----------
    Jackson (2020), who gives sgn(x - y) as its derivative; Rockafellar, *Convex Analysis* (1970),
    section 23.
    """
    return np.sign(_error(prediction, target))[()]


def linear_regression_objective(design, targets, loss, loss_grad):
    r"""The mean loss of a linear model and its gradient, as a function of the weights.

    For a design matrix :math:`X` of shape (n, d) (one row per example; add a column of ones for an
    intercept) and targets :math:`y`, returns the function

    .. math::

        w \mapsto \Bigl( \frac1n \sum_{i=1}^n L\bigl((Xw)_i, y_i\bigr),\;
        \frac1n X^\top \bigl[\partial_x L\bigl((Xw)_i, y_i\bigr)\bigr]_{i=1}^n \Bigr)

    (the chain rule: the prediction :math:`(Xw)_i` depends on :math:`w` through the row
    :math:`X_i`), which is the ``value_and_grad`` argument of
    :func:`lossutils.optim.gradient_descent`.

    Parameters
    ----------
    design : array_like, shape (n, d)
        The inputs, n ≥ 1 examples of d ≥ 1 features.
    targets : array_like, shape (n,)
    loss, loss_grad : callable
        ``loss(prediction, target)`` and its derivative in the prediction, elementwise, e.g.
        :func:`quartic_error` and :func:`quartic_error_grad`.

    Returns
    -------
    callable
        ``value_and_grad(weights)`` for ``weights`` of shape (d,): the mean loss (a numpy scalar)
        and its gradient (shape (d,)), in the promoted dtype of the data and the weights.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), section 5.1.4 (linear regression) and 4.3 (gradient
    descent).
    """
    design = _v.as_real_array(design, "design")
    if design.ndim != 2 or design.shape[0] == 0 or design.shape[1] == 0:
        raise ValueError(f"design must have shape (n, d) with n, d >= 1, got shape {design.shape}")
    targets = _v.as_real_array(targets, "targets", like=design)
    if targets.shape != design.shape[:1]:
        raise ValueError(
            f"targets must have shape {design.shape[:1]} (one per row of design), got {targets.shape}"
        )
    design, targets = _v.promote(design, targets)
    for name, function in (("loss", loss), ("loss_grad", loss_grad)):
        if not callable(function):
            raise ValueError(f"{name} must be a callable, got {type(function).__name__}")
    n, d = design.shape

    def value_and_grad(weights):
        weights = _v.as_real_array(weights, "weights", like=design)
        if weights.shape != (d,):
            raise ValueError(
                f"weights must have shape ({d},) (one per column of design), got {weights.shape}"
            )
        data, weights = _v.promote(design, weights)
        predictions = data @ weights
        target = targets.astype(predictions.dtype, copy=False)
        value = np.mean(loss(predictions, target), dtype=predictions.dtype)
        gradient = data.T @ np.asarray(loss_grad(predictions, target), dtype=predictions.dtype) / n
        return value, gradient

    return value_and_grad


def _error(prediction, target):
    """prediction - target, after the checks every loss here shares."""
    prediction = _v.as_real_array(prediction, "prediction")
    target = _v.as_real_array(target, "target", like=prediction)
    _v.check_same_shape(prediction, "prediction", target, "target")
    prediction, target = _v.promote(prediction, target)
    return np.asarray(prediction - target)


def _sin_pi(a):
    r"""sin(pi a) with exact argument reduction: sin(pi a) = (-1)^j sin(pi r), j = rint(a), r = a - j.

    The subtraction a - j is exact: either j = 0, or j lies within 1/2 of a and |a| >= 1/2, so
    that a/2 <= j <= 2a (Sterbenz's lemma). The only roundings left are those of pi r and of the
    sine, |pi r| <= pi/2: a few ulp wherever the result is not tiny, and exact zeros at integers.
    """
    with np.errstate(invalid="ignore"):  # inf - inf: inf gives NaN, as np.sin(inf) does
        nearest = np.rint(a)
        r = a - nearest
        odd = nearest - 2 * np.floor(0.5 * nearest)  # 0 or 1, exactly
    # + 0 turns the -0.0 of odd integers into 0.0.
    return np.sin(np.pi * r) * (1 - 2 * odd) + 0
