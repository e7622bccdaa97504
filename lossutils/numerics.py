r"""Stable building blocks: LogSumExp, softmax, log-softmax and the sigmoid family.

All of them rest on one idea (Blanchard, Higham & Higham 2021): with :math:`m = \max_i x_i`
attained at index :math:`a`,

.. math::

    \operatorname{LogSumExp}(x) = m + \operatorname{log1p}(t), \qquad
    t = \sum_{i \ne a} e^{x_i - m}.

Shifting by the maximum keeps every exponential in :math:`[0, 1]`, so nothing overflows; leaving the
maximum's own term (exactly 1) out of the sum and adding it back through ``log1p`` keeps the digits
of :math:`t` when :math:`t` is tiny, which is exactly the case of a confident prediction, whose loss
is about :math:`t`. Forming :math:`\log(1 + t)` after rounding :math:`1 + t` would lose them.

Accuracy, measured against 200-bit mpmath values on adversarial and random inputs
(``tests/test_accuracy.py``): every output of this module and of :mod:`lossutils.losses` is within
2 ulp x (1 + kappa) of the exact value in float64, kappa being its condition number with respect to
the logits, and within 2.5 ulp x (1 + kappa) in float32, where numpy's own float32 ``exp`` is off
by up to 1.95 ulp just below 1. Two exceptions concern soft labels, not this module: a gradient
entry q_i - p_i (or sigma(l) - y) cancels against label data, and carries the rounding of q_i.

References
----------
P. Blanchard, D. J. Higham and N. J. Higham, "Accurately computing the log-sum-exp and softmax
functions", IMA Journal of Numerical Analysis 41(4), 2311-2330, 2021.
M. Mächler, "Accurately computing log(1 - exp(-\|a\|))", Rmpfr package vignette, 2012.
"""

import numpy as np

from . import _validation as _v

__all__ = ["logsumexp", "softmax", "log_softmax", "sigmoid", "log_sigmoid", "softplus"]


def shifted_exponentials(x, out=None):
    """The shared kernel, on the last axis of a float array ``x`` of shape (..., C).

    Returns ``(top, m, e, t)``:

    - ``top``: index of the (first) maximum, shape (..., 1);
    - ``m``: the maximum, shape (..., 1), or NaN in a row whose maximum is not finite;
    - ``e``: :math:`e^{x - m}` with the maximum's own entry set to 0, in ``out`` if given (an array
      of x's shape and dtype) or else in a new array;
    - ``t``: the sum of ``e``, shape (..., 1), so that :math:`\\sum_i e^{x_i - m} = 1 + t`.

    A row whose maximum is not finite (+inf, NaN, or every entry -inf) has no finite shift; its
    ``e`` and ``t`` are NaN, and each public function decides what such a row returns.
    """
    top = np.argmax(x, axis=-1, keepdims=True)
    m = np.take_along_axis(x, top, axis=-1)
    if not np.isfinite(m).all():
        # NaN, not inf - inf, so that such rows come out NaN without an "invalid value" warning.
        m = np.where(np.isfinite(m), m, np.nan)
    # x - m can overflow to -inf for logits of opposite signs near the float limit; exp(-inf) = 0
    # is then the correctly rounded answer, so the warning is noise.
    with np.errstate(over="ignore"):
        e = np.subtract(x, m, out=out)
    np.exp(e, out=e)
    np.put_along_axis(e, top, 0, axis=-1)
    t = e.sum(axis=-1, keepdims=True)
    return top, m, e, t


def row_blocks(rows, block_bytes=1 << 22):
    """Slices that cut the 2-D array ``rows`` into blocks of rows of about ``block_bytes`` each.

    The kernels make several passes over their data; on a block that fits in the cache (4 MiB),
    the later passes do not wait for main memory. This makes large batches 10-20% faster here
    (benchmarks/bench_losses.py), and it bounds a loss's scratch memory to one block.
    """
    step = max(1, block_bytes // max(1, rows.shape[1] * rows.itemsize))
    return [slice(start, start + step) for start in range(0, rows.shape[0], step)]


def _on_last_axis(function, x, axis):
    """Apply a last-axis ``function`` along ``axis`` of the validated array ``x``."""
    axis = _v.check_axis(axis, x.ndim)
    if axis == x.ndim - 1:
        return function(x)
    return np.moveaxis(function(np.moveaxis(x, axis, -1)), -1, axis)


def logsumexp(x, axis=-1, keepdims=False):
    r"""Log of the sum of exponentials along ``axis``, without overflow or lost digits.

    .. math:: \operatorname{LogSumExp}(x) = \log \sum_i e^{x_i} = m + \operatorname{log1p}\Big(\sum_{i \ne a} e^{x_i - m}\Big)

    with :math:`m = x_a = \max_i x_i`. It is a smooth upper bound of the maximum,
    :math:`\max_i x_i \le \operatorname{LogSumExp}(x) \le \max_i x_i + \log n`, and its gradient is
    :func:`softmax`.

    Parameters
    ----------
    x : array_like, shape (..., n, ...)
        Real numbers; at least one dimension and a non-empty ``axis``.
    axis : int
        The axis to reduce (default: the last).
    keepdims : bool
        Keep ``axis`` with length 1 in the result.

    Returns
    -------
    ndarray
        The dtype of ``x`` (float32 and float64 are preserved; integers give float64). A slice
        holding +inf gives +inf, one of all -inf gives -inf, one holding NaN gives NaN, as in
        ``scipy.special.logsumexp``.

    References
    ----------
    Blanchard, Higham & Higham (2021), Algorithm 2 (see the module docstring).
    """
    x = _v.as_vectors_along(x, "x", axis)

    def along_last(values):
        top, m, _, t = shifted_exponentials(values)
        out = m + np.log1p(t)
        if np.isnan(out).any():
            # Rows whose maximum is +inf, -inf (all entries) or NaN: the maximum is the answer.
            maximum = np.take_along_axis(values, top, axis=-1)
            out = np.where(np.isfinite(maximum), out, maximum)
        return out

    out = _on_last_axis(along_last, x, axis)
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return out[()]


def softmax(x, axis=-1):
    r"""Normalised exponentials along ``axis``: :math:`q_i = e^{x_i} / \sum_k e^{x_k}`.

    Computed as :math:`q_i = e^{x_i - m} / (1 + t)` with the shared kernel (module docstring), so
    every entry, including those that underflow to subnormal numbers, has small relative error.
    ``softmax`` is the gradient of :func:`logsumexp` and is invariant to adding a constant to x.

    Returns an array of ``x``'s shape and dtype. A slice whose maximum is not finite (+inf, NaN,
    or all -inf) has no softmax and gives NaN; -inf entries next to finite ones give exactly 0.

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, MIT Press 2016, section 6.2.2.3.
    """
    x = _v.as_vectors_along(x, "x", axis)

    def along_last(values):
        top, _, e, t = shifted_exponentials(values)
        np.put_along_axis(e, top, 1, axis=-1)
        e /= 1 + t
        return e

    return _on_last_axis(along_last, x, axis)


def log_softmax(x, axis=-1):
    r"""Logarithm of :func:`softmax`, computed without forming the softmax.

    .. math:: \log q_i = x_i - \operatorname{LogSumExp}(x) = (x_i - m) - \operatorname{log1p}(t)

    Both terms are non-positive, so nothing cancels: for a dominant logit the result is
    :math:`-\operatorname{log1p}(t) \approx -t` to full relative accuracy, where
    ``np.log(softmax(x))`` returns 0 and ``x - logsumexp(x)`` keeps only a few digits.

    Returns an array of ``x``'s shape and dtype; -inf where a logit is -inf (a masked class); NaN
    in a slice whose maximum is not finite.

    References
    ----------
    Blanchard, Higham & Higham (2021), see the module docstring.
    """
    x = _v.as_vectors_along(x, "x", axis)

    def along_last(values):
        _, m, e, t = shifted_exponentials(values)
        with np.errstate(over="ignore"):  # see shifted_exponentials
            np.subtract(values, m, out=e)
        e -= np.log1p(t)
        return e

    return _on_last_axis(along_last, x, axis)


def sigmoid(x):
    r"""The logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`, elementwise.

    Evaluated as :math:`1/(1 + e^{-x})` for :math:`x \ge 0` and :math:`e^{x}/(1 + e^{x})` for
    :math:`x < 0`, so the exponential never overflows and tiny outputs keep their relative accuracy
    (:math:`\sigma(-800) \approx 3.7 \times 10^{-348}` underflows to 0 only because float64 does).
    Note :math:`1 - \sigma(x) = \sigma(-x)`: compute that instead of subtracting.

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, MIT Press 2016, section 3.10.
    """
    x = _v.as_real_array(x, "x")
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1, e) / (1 + e)
    return out[()]


def softplus(x):
    r"""The softplus :math:`\log(1 + e^{x})`, elementwise, without overflow.

    .. math:: \operatorname{softplus}(x) = \max(x, 0) + \operatorname{log1p}(e^{-|x|})

    Both terms are non-negative, so the sum is accurate for every finite x; softplus(800) is 800
    and softplus(-800) underflows to 0 instead of overflowing. Its derivative is :func:`sigmoid`.

    References
    ----------
    Mächler (2012), see the module docstring.
    """
    x = _v.as_real_array(x, "x")
    out = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    return out[()]


def log_sigmoid(x):
    r"""The log of the logistic function, :math:`\log \sigma(x) = -\operatorname{softplus}(-x)`.

    The binary cross-entropy of a positive example with logit x is ``-log_sigmoid(x)``.

    References
    ----------
    Mächler (2012), see the module docstring.
    """
    x = _v.as_real_array(x, "x")
    out = -(np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x))))
    return out[()]
