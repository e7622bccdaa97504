r"""Squared error measured on probabilities: the loss the Q&A's asker proposed, and its gradient.

The question behind the book: if the softmax gives the true class :math:`q_y = 0.35`, why train on
:math:`-\log q_y` rather than the squared distance from the ideal answer? These functions are that
alternative, with the output map included, so that their gradients are taken with respect to the
logits, where a model's parameters act:

=====================================  ====================  ===================================================
loss                                   value                 gradient w.r.t. the logits
=====================================  ====================  ===================================================
:func:`sigmoid_squared_error`          ½(σ(z) − y)²          (σ(z) − y) · σ(z)(1 − σ(z))
:func:`softmax_squared_error`          ½‖q − p‖²             Jᵀ(q − p) = q ⊙ (d − ⟨q, d⟩), d = q − p
=====================================  ====================  ===================================================

with :math:`q = \operatorname{softmax}(\ell)` and :math:`J = \operatorname{diag}(q) - q q^\top` the
softmax's Jacobian. Compared with the cross-entropy's gradients :math:`\sigma(z) - y` and
:math:`q - p`, each carries an extra factor (:math:`\sigma(1 - \sigma)`, or :math:`J`) that vanishes
when the output saturates, including when it is confidently wrong. The factor ½ makes the derivative
with respect to the probability exactly :math:`\sigma(z) - y` (or :math:`q - p`); the Q&A's
:math:`(0.35 - 1)^2` is twice :func:`sigmoid_squared_error`.

References
----------
Data Science Stack Exchange, question 46681 (2019), "Why do people use CrossEntropyLoss and not just a
softmax probability as the loss?".
Goodfellow, Bengio & Courville, *Deep Learning*, MIT Press 2016, section 6.2.2.
Golik, Doetsch & Ney, "Cross-entropy vs. squared error training: a theoretical and experimental
comparison", Interspeech 2013.
"""

import numpy as np

from .losses import sigmoid_binary_cross_entropy_grad, softmax_cross_entropy_grad
from .numerics import sigmoid, softmax

__all__ = [
    "sigmoid_squared_error",
    "sigmoid_squared_error_grad",
    "softmax_squared_error",
    "softmax_squared_error_grad",
]


def sigmoid_squared_error(logits, labels):
    r"""Half the squared error of a sigmoid output, elementwise: :math:`\tfrac12 (\sigma(z) - y)^2`.

    The error :math:`\sigma(z) - y` is computed as in
    :func:`~lossutils.sigmoid_binary_cross_entropy_grad`, so a confident correct prediction keeps
    its digits: for :math:`z = 30, y = 1` the loss is about :math:`4.38 \times 10^{-27}`, not 0.

    Parameters
    ----------
    logits : array_like
        The sigmoid's inputs :math:`z`.
    labels : array_like, same shape as ``logits``
        Targets in :math:`[0, 1]`.

    References
    ----------
    Data Science Stack Exchange, question 46681 (2019); Golik, Doetsch & Ney (2013).
    """
    error = sigmoid_binary_cross_entropy_grad(logits, labels)
    return 0.5 * error * error


def sigmoid_squared_error_grad(logits, labels):
    r"""Derivative of :func:`sigmoid_squared_error` with respect to the logits.

    .. math:: \frac{\partial}{\partial z} \tfrac12 (\sigma(z) - y)^2
              = (\sigma(z) - y)\, \sigma(z) \bigl(1 - \sigma(z)\bigr)

    The factor :math:`\sigma(z)(1 - \sigma(z)) = \sigma(z)\sigma(-z)` is at most 1/4 and tends to 0
    as :math:`|z| \to \infty`: a confidently wrong prediction gets almost no gradient. It is
    computed as ``sigmoid(z) * sigmoid(-z)``, accurate where ``1 - sigmoid(z)`` would round to 0.

    References
    ----------
    Golik, Doetsch & Ney (2013), section 2; Goodfellow, Bengio & Courville (2016), section 6.2.2.2.
    """
    error = sigmoid_binary_cross_entropy_grad(logits, labels)  # validates both arguments
    logits = np.asarray(logits, dtype=error.dtype)
    return error * sigmoid(logits) * sigmoid(-logits)


def softmax_squared_error(logits, labels):
    r"""Half the squared distance between the softmax and the labels, per example.

    .. math:: \tfrac12 \lVert \operatorname{softmax}(\ell) - p \rVert^2
              = \tfrac12 \sum_i (q_i - p_i)^2

    ``labels`` are probability vectors p (shape of ``logits``) or integer class indices (shape
    ``logits.shape[:-1]``), read as one-hot vectors, as in
    :func:`~lossutils.softmax_cross_entropy_grad`, which computes :math:`q - p` here. Twice this is
    the Brier score of the forecast q.

    Returns an array of shape ``logits.shape[:-1]``.

    References
    ----------
    Data Science Stack Exchange, question 46681 (2019); Brier, "Verification of forecasts expressed in
    terms of probability", Monthly Weather Review 78 (1950).
    """
    error = softmax_cross_entropy_grad(logits, labels)
    return (0.5 * np.einsum("...i,...i->...", error, error))[()]


def softmax_squared_error_grad(logits, labels):
    r"""Gradient of :func:`softmax_squared_error` with respect to the logits.

    .. math::

        \nabla_\ell\, \tfrac12 \lVert q - p \rVert^2 = J^\top (q - p)
        = q \odot \bigl(d - \langle q, d \rangle\bigr), \qquad d = q - p,\;
        J = \operatorname{diag}(q) - q q^\top

    Every entry carries a factor :math:`q_i`, and :math:`d - \langle q, d\rangle` is small when q is
    nearly one-hot, right or wrong: the softmax's saturation damps the signal that the
    cross-entropy's gradient :math:`q - p` passes on undamped.

    Returns an array of the logits' shape.

    References
    ----------
    Golik, Doetsch & Ney (2013); Goodfellow, Bengio & Courville (2016), section 6.2.2.3.
    """
    error = softmax_cross_entropy_grad(logits, labels)  # validates both arguments
    q = softmax(np.asarray(logits, dtype=error.dtype))
    projected = np.einsum("...i,...i->...", q, error)[..., np.newaxis]
    return q * (error - projected)
