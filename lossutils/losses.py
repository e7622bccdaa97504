r"""Losses on model outputs (logits or predictions) and their gradients.

Three pairs of an output map and a loss whose gradient with respect to the map's input is
"prediction minus target" (the book's chapters 6-9 and 11):

============================  ====================================  ==========================
output map                    loss                                  gradient w.r.t. the input
============================  ====================================  ==========================
identity                      :func:`squared_error` ½(x − y)²       x − y
softmax                       :func:`softmax_cross_entropy`         softmax(ℓ) − p
sigmoid (elementwise)         :func:`sigmoid_binary_cross_entropy`  σ(ℓ) − y
============================  ====================================  ==========================

Every function returns one value per example (no reduction over the batch) and validates its
arguments before computing anything. Losses are written as sums of non-negative terms so that no
digit is lost to cancellation; see :mod:`lossutils.numerics` for the shared kernel.

References
----------
J. Jackson, "A Justification of the Cross Entropy Loss", blog post, 2020.
Goodfellow, Bengio & Courville, *Deep Learning*, MIT Press 2016, sections 6.2.2.2-6.2.2.3.
"""

import numpy as np

from . import _validation as _v
from .numerics import (
    as_rows,
    exponentials_but_top,
    flat_indices,
    row_blocks,
    shift_by_maximum,
    shifted_exponentials,
)

__all__ = [
    "softmax_cross_entropy",
    "softmax_cross_entropy_with_integer_labels",
    "softmax_cross_entropy_grad",
    "softmax_cross_entropy_value_and_grad",
    "sigmoid_binary_cross_entropy",
    "sigmoid_binary_cross_entropy_grad",
    "squared_error",
    "squared_error_grad",
]


def softmax_cross_entropy(logits, labels):
    r"""Cross-entropy between probability labels and the softmax of logits, per example.

    .. math::

        H(p, \operatorname{softmax}(\ell)) = -\sum_i p_i \log \operatorname{softmax}(\ell)_i
        = \operatorname{LogSumExp}(\ell) - p^\top \ell \quad (\textstyle\sum_i p_i = 1)

    evaluated as :math:`\sum_i p_i \big[(m - \ell_i) + \operatorname{log1p}(t)\big]`, a sum of
    non-negative terms (see :mod:`lossutils.numerics`), with :math:`0 \cdot \log 0 = 0` for classes
    that have :math:`p_i = 0` and :math:`\ell_i = -\infty`.

    Parameters
    ----------
    logits : array_like, shape (..., C)
        Unnormalised log-probabilities.
    labels : array_like, shape (..., C)
        Probability vectors (non-negative, summing to 1 along the last axis to within
        sqrt(machine epsilon)); exactly the shape of ``logits``.

    Returns
    -------
    ndarray, shape (...)
        One loss per example, in the promoted floating dtype of the two arguments.

    References
    ----------
    Jackson (2020); optax.softmax_cross_entropy.
    """
    logits = _v.as_class_vectors(logits, "logits")
    labels = _v.probability_vectors(labels, "labels", like=logits, like_name="logits")
    logits, labels = _v.promote(logits, labels)

    rows, label_rows = as_rows(logits), as_rows(labels)
    _, m, e, t = shifted_exponentials(rows)
    # -log q_i = (m - logits_i) + log1p(t), built in e's buffer: both terms are >= 0.
    with np.errstate(over="ignore"):  # m - logits_i can overflow to +inf: then so is -log q_i
        np.subtract(m, rows, out=e)
    e += np.log1p(t)
    with np.errstate(invalid="ignore"):
        e *= label_rows
    # 0 * inf = NaN where a masked class (-inf logit) has probability 0; its term is 0 by
    # convention. (Zeroing beats sum(where=...), which gives up numpy's pairwise summation.)
    np.copyto(e, 0, where=label_rows == 0)
    return e.sum(axis=-1).reshape(logits.shape[:-1])[()]


def softmax_cross_entropy_with_integer_labels(logits, labels):
    r"""Cross-entropy of the softmax of logits against integer class labels, per example.

    .. math::

        -\log \operatorname{softmax}(\ell)_y = \operatorname{LogSumExp}(\ell) - \ell_y
        = (m - \ell_y) + \operatorname{log1p}(t)

    Both terms are non-negative. When the label is the top class, :math:`m - \ell_y = 0` and the
    loss is :math:`\operatorname{log1p}(t)` to full relative accuracy: logits [30, 0] with label 0
    give :math:`\log(1 + e^{-30}) \approx 9.357623 \times 10^{-14}`, not the rounding noise of
    :math:`30 - 30.0000000000001`. (It is evaluated as
    :math:`\operatorname{log1p}(t) - (\ell_y - m)`, the same number: the shifted logit
    :math:`\ell_y - m` is read from the kernel's buffer rather than subtracted again.)

    Parameters
    ----------
    logits : array_like, shape (..., C)
    labels : array_like of int, shape (...)
        Class indices in [0, C).

    Returns
    -------
    ndarray, shape (...), the dtype of ``logits``.

    References
    ----------
    Blanchard, Higham & Higham (2021); optax.softmax_cross_entropy_with_integer_labels.
    """
    logits = _v.as_class_vectors(logits, "logits")
    labels = _v.class_indices(labels, "labels", logits)
    rows, label_rows = as_rows(logits), labels.reshape(-1)
    blocks = row_blocks(rows)
    if len(blocks) == 1:  # a small batch: no scratch, no loop
        losses = _losses_at_labels(rows, label_rows)
    else:
        losses = np.empty(len(rows), dtype=rows.dtype)
        scratch = np.empty_like(rows[blocks[0]])  # one block's exponentials, reused
        for block in blocks:
            x = rows[block]
            losses[block] = _losses_at_labels(x, label_rows[block], scratch[: len(x)])
    return losses.reshape(logits.shape[:-1])[()]


def _losses_at_labels(rows, labels, scratch=None):
    """-log softmax(x)_y = log1p(t) - (x_y - m) for rows (N, C) and labels (N,).

    Both terms are non-negative (x_y <= m). The shifted logit x_y - m is read between the
    kernel's two steps, so it costs one fancy index and no subtraction of its own.
    """
    top, _, shifted = shift_by_maximum(rows, out=scratch)
    shifted_at_label = shifted.ravel()[flat_indices(rows, labels)]
    t = exponentials_but_top(shifted, top)
    return np.log1p(t[:, 0]) - shifted_at_label


def softmax_cross_entropy_grad(logits, labels):
    r"""Gradient of the softmax cross-entropy with respect to the logits: :math:`q - p`.

    .. math:: \nabla_\ell\, H(p, \operatorname{softmax}(\ell)) = \operatorname{softmax}(\ell) - p

    ``labels`` are either probability vectors p (shape of ``logits``) or integer class indices
    (shape ``logits.shape[:-1]``, integer dtype), read as one-hot vectors. The top class's entry
    :math:`q_a - p_a` is computed as :math:`(1 - p_a) - t/(1 + t)` when :math:`p_a \ge 1/2`,
    since :math:`1 - q_a = t/(1 + t)` exactly: for a confident correct prediction it is
    :math:`\approx -t` to full relative accuracy, where ``softmax(l)[y] - 1`` returns 0 or noise.
    Every entry is within :math:`(2 + \log_2 C)` ulp :math:`\times (1 + \kappa)` in float64
    (:math:`2.5 + \log_2 C` in float32), like :func:`~lossutils.numerics.softmax`; for soft labels
    :math:`\kappa` counts :math:`p_i` as an input, which pays for the cancellation when
    :math:`p_i \approx q_i` (see :mod:`lossutils.numerics`).

    Returns an array of the logits' shape, in the promoted dtype of the arguments.

    References
    ----------
    Jackson (2020); Goodfellow, Bengio & Courville (2016), section 6.2.2.3.
    """
    logits = _v.as_class_vectors(logits, "logits")
    labels = _v.as_array(labels, "labels")
    integer_labels = labels.ndim == logits.ndim - 1
    if integer_labels:
        labels = _v.class_indices(labels, "labels", logits)
        minus_labels, label_rows = _softmax_minus_one_hot, labels.reshape(-1)
    else:
        labels = _v.probability_vectors(labels, "labels", like=logits, like_name="logits")
        logits, labels = _v.promote(logits, labels)
        minus_labels, label_rows = _softmax_minus_probabilities, as_rows(labels)

    rows = as_rows(logits)
    gradient = np.empty(rows.shape, dtype=rows.dtype)
    for block in row_blocks(rows):  # the gradient's own blocks serve as the kernel's scratch
        minus_labels(rows[block], label_rows[block], out=gradient[block])
    return gradient.reshape(logits.shape)


def softmax_cross_entropy_value_and_grad(logits, labels):
    r"""The loss and its gradient with respect to the logits together, as a training step needs them.

    Returns ``(loss, grad)``, equal to ``softmax_cross_entropy_with_integer_labels(logits, labels)``
    (or ``softmax_cross_entropy`` for probability labels) and
    ``softmax_cross_entropy_grad(logits, labels)``, to the last bit. With integer labels the two
    share one pass of exponentials, :math:`\operatorname{LogSumExp}(\ell) - \ell_y =
    (m - \ell_y) + \operatorname{log1p}(t)` coming from the same :math:`t` as the softmax, so the
    pair costs little more than the gradient alone; with probability labels the loss is computed
    separately.

    References
    ----------
    Jackson (2020); jax.value_and_grad for the name.
    """
    logits = _v.as_class_vectors(logits, "logits")
    labels = _v.as_array(labels, "labels")
    if labels.ndim != logits.ndim - 1:
        return softmax_cross_entropy(logits, labels), softmax_cross_entropy_grad(logits, labels)
    labels = _v.class_indices(labels, "labels", logits)
    rows, label_rows = as_rows(logits), labels.reshape(-1)
    losses = np.empty(len(rows), dtype=rows.dtype)
    gradient = np.empty(rows.shape, dtype=rows.dtype)
    for block in row_blocks(rows):
        x = rows[block]
        shifted_at_label, t = _softmax_minus_one_hot(x, label_rows[block], out=gradient[block])
        losses[block] = np.log1p(t[:, 0]) - shifted_at_label  # as in _losses_at_labels
    return losses.reshape(logits.shape[:-1])[()], gradient.reshape(logits.shape)


def _softmax_minus_one_hot(logits, labels, out):
    """softmax(logits) - e_y on rows (N, C) and labels (N,), into ``out`` (C-contiguous).

    Five passes over the data: the kernel's four, then one division. Returns what the loss
    needs (:func:`_losses_at_labels`): the shifted logits x_y - m at the labels, and t.
    """
    top, _, q = shift_by_maximum(logits, out=out)
    at_label = flat_indices(logits, labels)
    flat_q = q.ravel()  # a view of out
    shifted_at_label = flat_q[at_label]
    t = exponentials_but_top(q, top)
    label_is_not_top = at_label != top
    # Before the division the top entry is e^0 = 1, except where the label is the top class:
    # there q_a - 1 = -t/(1 + t) exactly, so it gets -t and the division finishes it, with
    # full relative accuracy where softmax(l)[y] - 1 would return 0 or noise.
    flat_q[top] = np.where(label_is_not_top, 1, -t[:, 0])
    q /= 1 + t
    # q_y - 1 where the label is not the top class: no cancellation, as then q_y <= 1/2.
    # (Subtracting False, 0, leaves the other rows' finished top entries as they are.)
    flat_q[at_label] -= label_is_not_top
    return shifted_at_label, t


def _softmax_minus_probabilities(logits, labels, out):
    """softmax(logits) - p on rows (N, C) and probability rows (N, C), into ``out`` (C-contiguous).

    Six passes over the data: the kernel's four, one division and one subtraction.
    """
    top, _, q, t = shifted_exponentials(logits, out=out)
    flat_q = q.ravel()  # a view of out
    flat_q[top] = 1  # e^(x_a - m) at the maximum
    sum_of_exponentials = 1 + t
    one_minus_q_top = (t / sum_of_exponentials)[:, 0]
    q /= sum_of_exponentials
    p_top, q_top = labels.ravel()[top], flat_q[top]
    # For p_a >= 1/2, 1 - p_a is exact (Sterbenz) and the only rounding left is that of t/(1+t).
    grad_top = np.where(p_top >= 0.5, (1 - p_top) - one_minus_q_top, q_top - p_top)
    q -= labels
    flat_q[top] = grad_top


def sigmoid_binary_cross_entropy(logits, labels):
    r"""Binary cross-entropy of the sigmoid of logits against labels in [0, 1], elementwise.

    .. math::

        -y \log \sigma(\ell) - (1 - y) \log(1 - \sigma(\ell))
        = y\, \operatorname{softplus}(-\ell) + (1 - y)\, \operatorname{softplus}(\ell)

    evaluated as :math:`y \max(-\ell, 0) + (1 - y) \max(\ell, 0) + \operatorname{log1p}(e^{-|\ell|})`:
    three non-negative terms, never an overflow, and full relative accuracy for the tiny loss of a
    confident correct prediction (logit 30, label 1: about :math:`9.357623 \times 10^{-14}`).

    Parameters
    ----------
    logits : array_like
    labels : array_like, same shape as ``logits``
        Probabilities of the positive class (0 or 1 for hard labels).

    Returns
    -------
    ndarray of the logits' shape, in the promoted dtype of the arguments.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), section 6.2.2.2; optax.sigmoid_binary_cross_entropy.
    """
    logits, labels = _binary_arguments(logits, labels)
    out = np.empty(logits.shape, dtype=logits.dtype)  # C order, so that reshape(-1) is a view
    x, y, loss = logits.reshape(-1), labels.reshape(-1), out.reshape(-1)
    blocks = _element_blocks(x)
    linear = np.empty_like(loss[blocks[0]])  # scratch, reused by every block
    for block in blocks:
        xb, yb, lb, ab = x[block], y[block], loss[block], linear[: len(loss[block])]
        np.negative(np.abs(xb, out=lb), out=lb)  # -|l| (faster than copysign in numpy)
        np.exp(lb, out=lb)
        np.log1p(lb, out=lb)
        # (H(l) - y) * l is (1 - y) l for l >= 0 and -y l for l < 0, where H is the unit step
        # (-0.0 >= 0 is true, and its term is 0 either way).
        np.subtract(xb >= 0, yb, out=ab)
        if np.isinf(xb).any():
            # 0 * inf would be NaN; the loss of logit +inf with label 1 (or -inf with 0) is 0.
            np.multiply(ab, xb, out=ab, where=ab != 0)
        else:
            ab *= xb  # the common case, without the slower masked multiply
        lb += ab
    return out[()]


def sigmoid_binary_cross_entropy_grad(logits, labels):
    r"""Gradient of :func:`sigmoid_binary_cross_entropy` with respect to the logits: :math:`\sigma(\ell) - y`.

    For :math:`\ell \ge 0` it is evaluated as :math:`(1 - y) - \sigma(-\ell)`, which keeps the digits of
    a confident correct prediction (:math:`\sigma(30) - 1 \approx -9.357623 \times 10^{-14}`) that
    ``sigmoid(l) - 1`` rounds away.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), section 6.2.2.2.
    """
    logits, labels = _binary_arguments(logits, labels)
    out = np.empty(logits.shape, dtype=logits.dtype)  # C order, so that reshape(-1) is a view
    x, y, grad = logits.reshape(-1), labels.reshape(-1), out.reshape(-1)
    blocks = _element_blocks(x)
    small = np.empty_like(grad[blocks[0]])  # scratch, reused by every block
    for block in blocks:
        xb, yb, gb, sb = x[block], y[block], grad[block], small[: len(grad[block])]
        np.negative(np.abs(xb, out=sb), out=sb)  # -|l|
        np.exp(sb, out=sb)
        np.divide(sb, np.add(sb, 1, out=gb), out=sb)  # sigma(-|l|), accurate however small
        # sigma(l) - y = (H(l) - y) - sign(l) sigma(-|l|), with H(l) = 1 - signbit(l) so that
        # -0.0 counts as negative in both: no term is near 1 - sigma.
        step = np.logical_not(np.signbit(xb))
        np.subtract(step, yb, out=gb)  # exact for y = 0, 1, and one rounding for soft labels
        gb -= np.copysign(sb, xb, out=sb)
    return out[()]


def squared_error(prediction, target):
    r"""Half the squared error, elementwise: :math:`\tfrac12 (x - y)^2`.

    The factor ½ makes the derivative exactly the error, :math:`x - y` (:func:`squared_error_grad`).
    The Q&A's :math:`(0.35 - 1)^2` is twice this.

    Parameters
    ----------
    prediction, target : array_like of the same shape

    References
    ----------
    Jackson (2020); optax.squared_error (which omits the ½).
    """
    prediction, target = _regression_arguments(prediction, target)
    return (0.5 * (prediction - target) ** 2)[()]


def squared_error_grad(prediction, target):
    r"""Derivative of :func:`squared_error` with respect to the prediction: :math:`x - y`.

    References
    ----------
    Jackson (2020): "the error signal" of the mean squared error.
    """
    prediction, target = _regression_arguments(prediction, target)
    return (prediction - target)[()]


def _element_blocks(flat, block_bytes=1 << 18):
    """Slices of about ``block_bytes`` (256 KiB) covering the 1-D array ``flat``; one if it is small.

    The binary losses make about eight passes over their data; on a block that stays in the cache
    the later passes do not wait for main memory, and one scratch block serves every block.
    """
    step = max(1, block_bytes // flat.itemsize)
    return [slice(start, start + step) for start in range(0, max(flat.size, 1), step)]


def _binary_arguments(logits, labels):
    logits = _v.as_real_array(logits, "logits")
    labels = _v.labels_in_unit_interval(labels, "labels", like=logits)
    _v.check_same_shape(logits, "logits", labels, "labels")
    return _v.promote(logits, labels)


def _regression_arguments(prediction, target):
    prediction = _v.as_real_array(prediction, "prediction")
    target = _v.as_real_array(target, "target", like=prediction)
    _v.check_same_shape(prediction, "prediction", target, "target")
    return _v.promote(prediction, target)
