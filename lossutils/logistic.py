r"""Logistic regression (one logit, two classes) trained with cross-entropy or the probability's squared error.

The Q&A's answer argues with logistic regression, :math:`q = \sigma(\theta^\top x)`, and the
book's chapters 2 and 3 test it by training that model with both losses. This module is that
model, small and exact, written so that :func:`~lossutils.gradient_descent` can drive it and so
that a loss landscape can be evaluated on a whole grid of parameters in one call.

**One model per module.** This module is the *binary* model only. Softmax regression on
:math:`C` classes lives in :mod:`lossutils.classifiers` (one layer ``[(W, b)]``), which also
trains networks with hidden layers and adds an L2 penalty on the weights: the book has one
implementation of it, with one parameter layout. What this module keeps that the classifiers do
not have is what the binary chapters need: parameters with leading batch axes (a whole grid of
models in one call) and the Hessian.

**Parameters and features.** A model with weights :math:`w` and bias :math:`b` computes the logit
:math:`z = w^\top x + b`. Writing the features as rows of a design matrix whose last column is 1
(:func:`design_matrix`) and the parameters as one vector :math:`\theta = (w, b)` makes this
:math:`z = X\theta`; without the column of ones the model has no bias, like the answer's
:math:`\sigma(\theta x)`. The gradient with respect to :math:`\theta` is then the gradient with
respect to :math:`(w, b)`. There is no penalty term.

**The two losses** (the book-wide names, shared with :mod:`lossutils.classifiers`). With
:math:`\ell` the per-example loss of a logit,

.. math::

    L(\theta) = \frac1n \sum_{i=1}^n \ell(z_i, y_i), \qquad
    \nabla L(\theta) = \frac1n X^\top \ell'(z, y), \qquad
    \nabla^2 L(\theta) = \frac1n X^\top \operatorname{diag}\bigl(\ell''(z, y)\bigr) X,

where ``loss="cross_entropy"`` takes :math:`\ell` from :func:`~lossutils.sigmoid_binary_cross_entropy`,
with :math:`\ell' = \sigma(z) - y` and :math:`\ell'' = \sigma(z)\sigma(-z) > 0` (so :math:`L` is
convex), and ``loss="probability_squared_error"`` takes it from :func:`~lossutils.sigmoid_squared_error`,
:math:`\tfrac12(\sigma(z) - y)^2` (the squared error of the probability, the Q&A's proposal), with
:math:`\ell' = (\sigma(z) - y)\sigma(z)\sigma(-z)` and an :math:`\ell''` that changes sign
(:func:`sigmoid_squared_error_second_derivative`). The bare name ``"squared_error"`` is not a loss
name: it does not say whether the probability or the logit is squared, and is rejected.

Parameters may carry leading batch axes, ``(..., d)``: each leading index is a separate model, and
the result has one value per model. That evaluates a loss landscape on a grid in one call, and runs
several starting points of gradient descent side by side.

References
----------
C. M. Bishop, *Pattern Recognition and Machine Learning*, Springer 2006, sections 4.3.2-4.3.3.
P. McCullagh and J. A. Nelder, *Generalized Linear Models*, 2nd ed., Chapman & Hall 1989, chapter 4.
P. Auer, M. Herbster and M. K. Warmuth, "Exponentially many local minima for single neurons",
Advances in Neural Information Processing Systems 8, 1996.
"""

import numpy as np

from . import _validation as _v
from .losses import sigmoid_binary_cross_entropy, sigmoid_binary_cross_entropy_grad
from .numerics import sigmoid
from .squared_probabilities import sigmoid_squared_error, sigmoid_squared_error_grad

__all__ = [
    "design_matrix",
    "sigmoid_binary_cross_entropy_second_derivative",
    "sigmoid_squared_error_second_derivative",
    "logistic_regression_loss",
    "logistic_regression_value_and_grad",
    "logistic_regression_hessian",
    "logistic_regression_accuracy",
]

#: The names accepted by ``loss=``: the book-wide names of the two losses of a sigmoid output.
LOSS_NAMES = ("cross_entropy", "probability_squared_error")


def design_matrix(x, *, intercept=True):
    r"""The features as a design matrix, with a last column of ones for the bias.

    .. math:: X = \begin{pmatrix} x_1^\top & 1 \\ \vdots & \vdots \\ x_n^\top & 1 \end{pmatrix},
              \qquad X \theta = w^\top x_i + b \text{ for } \theta = (w, b)

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        One input per example: numbers (1-D) or feature vectors (rows).
    intercept : bool, keyword-only
        Append the column of ones (default). Without it, ``X`` is ``x`` as a 2-D array and the model
        :math:`\sigma(X\theta)` has no bias, like the answer's :math:`\sigma(\theta x)`.

    Returns
    -------
    ndarray, shape (n, d + 1) or (n, d), in x's floating dtype (float64 for integers).

    References
    ----------
    McCullagh & Nelder (1989), section 3.4 (see the module docstring).
    """
    x = _v.as_real_array(x, "x")
    if x.ndim == 1:
        x = x[:, np.newaxis]
    if x.ndim != 2:
        raise ValueError(f"x must be 1-D (one number per example) or 2-D (examples, features), got shape {x.shape}")
    if not intercept:
        return x.copy()
    return np.concatenate([x, np.ones((x.shape[0], 1), dtype=x.dtype)], axis=1)


def sigmoid_binary_cross_entropy_second_derivative(logits, labels):
    r"""Second derivative of :func:`~lossutils.sigmoid_binary_cross_entropy` in the logit, elementwise.

    .. math:: \frac{\partial^2}{\partial z^2}\Bigl[-y \log\sigma(z) - (1 - y)\log\sigma(-z)\Bigr]
              = \sigma(z)\,\sigma(-z) \in \bigl(0, \tfrac14\bigr]

    It does not depend on the label and is positive for every finite logit: the loss is convex in
    :math:`z`, and so in the parameters of any model whose logit is linear in them. ``labels`` are
    still checked (same shape as ``logits``, values in [0, 1]), as for the loss itself.

    References
    ----------
    Bishop (2006), section 4.3.3, equation 4.97 (see the module docstring).
    """
    logits, _ = _binary_pair(logits, labels)
    return (sigmoid(logits) * sigmoid(-logits))[()]


def sigmoid_squared_error_second_derivative(logits, labels):
    r"""Second derivative of :func:`~lossutils.sigmoid_squared_error` in the logit, elementwise.

    With :math:`s = \sigma(z)\sigma(-z)` and :math:`1 - 2\sigma(z) = -\tanh(z/2)`,

    .. math::

        \frac{\partial^2}{\partial z^2}\, \tfrac12 (\sigma(z) - y)^2
        = s^2 + (\sigma(z) - y)\, s\, \bigl(1 - 2\sigma(z)\bigr)
        = s \bigl(s - (\sigma(z) - y) \tanh(z/2)\bigr).

    For :math:`y = 1` this is :math:`s\,\sigma(-z)\,(3\sigma(z) - 1)`, negative exactly for
    :math:`z < -\ln 2`; for :math:`y = 0` it is :math:`s\,\sigma(z)\,(2 - 3\sigma(z))`, negative for
    :math:`z > \ln 2`. The loss is not convex in the logit.

    References
    ----------
    Auer, Herbster & Warmuth (1996); Golik, Doetsch & Ney, Interspeech 2013 (see the module docstring).
    """
    logits, labels = _binary_pair(logits, labels)
    error = sigmoid_binary_cross_entropy_grad(logits, labels)
    s = sigmoid(logits) * sigmoid(-logits)
    return (s * (s - error * np.tanh(0.5 * logits)))[()]


# Per-example loss, its first and second derivative in the logit.
_BINARY = {
    "cross_entropy": (sigmoid_binary_cross_entropy, sigmoid_binary_cross_entropy_grad,
                      sigmoid_binary_cross_entropy_second_derivative),
    "probability_squared_error": (sigmoid_squared_error, sigmoid_squared_error_grad,
                                  sigmoid_squared_error_second_derivative),
}


def logistic_regression_loss(params, features, labels, loss="cross_entropy"):
    r"""Mean loss of the logistic regression :math:`q = \sigma(X\theta)` over the data.

    .. math:: L(\theta) = \frac1n \sum_{i=1}^n \ell\bigl(x_i^\top \theta,\, y_i\bigr)

    with :math:`\ell` the binary cross-entropy (:func:`~lossutils.sigmoid_binary_cross_entropy`) or
    half the squared error of the probability (:func:`~lossutils.sigmoid_squared_error`).

    Parameters
    ----------
    params : array_like, shape (..., d)
        :math:`\theta`; with features from :func:`design_matrix`, :math:`\theta = (w, b)`. Leading
        axes index separate models (a grid of parameters, several starting points).
    features : array_like, shape (n, d)
        The design matrix, one example per row.
    labels : array_like, shape (n,)
        Targets in [0, 1] (0 or 1 for hard labels).
    loss : {"cross_entropy", "probability_squared_error"}

    Returns
    -------
    ndarray of shape ``params.shape[:-1]`` (a numpy scalar for a single model), in the promoted
    floating dtype of the arguments.

    References
    ----------
    Bishop (2006), section 4.3.2, equation 4.90 (see the module docstring).
    """
    value, _, _ = _binary_loss_functions(loss)
    logits, labels = _binary_logits(params, features, labels)
    return value(logits, labels).mean(axis=-1)[()]


def logistic_regression_value_and_grad(params, features, labels, loss="cross_entropy"):
    r"""The mean loss and its gradient with respect to the parameters.

    .. math:: \nabla_\theta L(\theta) = \frac1n \sum_{i=1}^n \ell'(z_i, y_i)\, x_i, \qquad z_i = x_i^\top\theta

    with :math:`\ell' = \sigma(z) - y` for cross-entropy and
    :math:`(\sigma(z) - y)\,\sigma(z)\sigma(-z)` for the probability's squared error. Arguments as in
    :func:`logistic_regression_loss`; with ``functools.partial`` fixing all but ``params`` this is
    the ``value_and_grad`` that :func:`~lossutils.gradient_descent` takes. For batched ``params``
    the value has one entry per model (sum it to drive several independent starts at once: the
    gradient of the sum with respect to each model is that model's gradient).

    Returns
    -------
    (value, grad)
        ``value`` of shape ``params.shape[:-1]``, ``grad`` of the shape of ``params``.

    References
    ----------
    Bishop (2006), section 4.3.2, equation 4.91 (see the module docstring).
    """
    value, derivative, _ = _binary_loss_functions(loss)
    features_checked, logits, labels = _binary_logits(params, features, labels, return_features=True)
    n = features_checked.shape[0]
    grad = np.matmul(derivative(logits, labels), features_checked) / n
    return value(logits, labels).mean(axis=-1)[()], grad


def logistic_regression_hessian(params, features, labels, loss="cross_entropy"):
    r"""The Hessian of the mean loss with respect to the parameters.

    .. math:: \nabla^2_\theta L(\theta) = \frac1n \sum_{i=1}^n \ell''(z_i, y_i)\, x_i x_i^\top
              = \frac1n X^\top \operatorname{diag}\bigl(\ell''(z, y)\bigr) X

    with :math:`\ell''` from :func:`sigmoid_binary_cross_entropy_second_derivative` (positive: the
    Hessian is positive semi-definite everywhere) or :func:`sigmoid_squared_error_second_derivative`
    (either sign). Arguments as in :func:`logistic_regression_loss`.

    Returns
    -------
    ndarray of shape ``params.shape + (d,)``: one symmetric d x d matrix per model.

    References
    ----------
    Bishop (2006), section 4.3.3, equation 4.97 (see the module docstring).
    """
    _, _, second = _binary_loss_functions(loss)
    features_checked, logits, labels = _binary_logits(params, features, labels, return_features=True)
    n = features_checked.shape[0]
    weighted = second(logits, labels)[..., :, np.newaxis] * features_checked  # (..., n, d)
    hessian = np.matmul(features_checked.T, weighted) / n
    # Exactly symmetric (the two triangles are summed in different orders), for eigvalsh & co.
    return 0.5 * (hessian + np.swapaxes(hessian, -1, -2))


def logistic_regression_accuracy(params, features, labels):
    r"""Fraction of examples the model classifies correctly, predicting 1 where :math:`z > 0`.

    .. math:: \operatorname{acc}(\theta) = \frac1n \sum_{i=1}^n
              \mathbb{1}\bigl[\,\mathbb{1}[x_i^\top\theta > 0] = y_i\,\bigr]

    :math:`z > 0` is :math:`\sigma(z) > \tfrac12`; a logit of exactly 0 predicts class 0.
    ``labels`` must be 0 or 1. Other arguments as in :func:`logistic_regression_loss`.

    Returns
    -------
    ndarray of shape ``params.shape[:-1]``, in the arguments' floating dtype.

    References
    ----------
    Bishop (2006), section 4.3.2 (see the module docstring).
    """
    logits, labels = _binary_logits(params, features, labels)
    if np.any((labels != 0) & (labels != 1)):
        raise ValueError("labels must be 0 or 1 to count correct classifications")
    correct = (logits > 0) == (labels == 1)
    return correct.mean(axis=-1, dtype=logits.dtype)[()]


def _check_loss(loss):
    if not isinstance(loss, str) or loss not in LOSS_NAMES:
        raise ValueError(f"loss must be one of {', '.join(map(repr, LOSS_NAMES))}; got {loss!r}")


def _binary_loss_functions(loss):
    _check_loss(loss)
    return _BINARY[loss]


def _binary_pair(logits, labels):
    logits = _v.as_real_array(logits, "logits")
    labels = _v.labels_in_unit_interval(labels, "labels", like=logits)
    _v.check_same_shape(logits, "logits", labels, "labels")
    return _v.promote(logits, labels)


def _checked_features(features):
    features = _v.as_real_array(features, "features")
    if features.ndim != 2:
        raise ValueError(f"features must be a 2-D array (examples, features), got shape {features.shape}; "
                         "design_matrix turns 1-D inputs into one")
    if features.shape[0] == 0:
        raise ValueError(f"features has no examples (shape {features.shape}): the mean loss is undefined")
    return features


def _binary_logits(params, features, labels, return_features=False):
    """Check the arguments and return the logits (..., n) with the labels broadcast to them."""
    features = _checked_features(features)
    n, d = features.shape
    params = _v.as_real_array(params, "params")
    if params.ndim == 0 or params.shape[-1] != d:
        raise ValueError(f"params must have shape (..., {d}) to match features of shape {features.shape}, "
                         f"got {params.shape}")
    labels = _v.labels_in_unit_interval(labels, "labels", like=features)
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), one per row of features, got {labels.shape}")
    dtype = np.result_type(params, features, labels)
    features = features.astype(dtype, copy=False)
    logits = np.matmul(params.astype(dtype, copy=False), features.T)
    labels = np.broadcast_to(labels.astype(dtype, copy=False), logits.shape)
    if return_features:
        return features, logits, labels
    return logits, labels
