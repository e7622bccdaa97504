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

Accuracy (``tests/test_accuracy.py``, against 200-bit mpmath values on adversarial, random and
nearly-equal rows, C = 1 to 1000 classes). Every output y of this module and of
:mod:`lossutils.losses` satisfies

.. math:: |\hat y - y| \le b \cdot \mathrm{ulp}(y) \cdot (1 + \kappa),

where :math:`\kappa` is y's componentwise relative condition number with respect to all its inputs
(the logits, and the labels where they are soft, so that the cancellation in :math:`q_i - p_i` or
:math:`\sigma(\ell) - y` is counted by the same rule), and

- :math:`b = 2` in float64 and :math:`b = 2.5` in float32 (numpy's float32 ``exp`` was measured off by
  up to 2.5 ulp, e.g. 2.4 ulp at -0.339; the bound holds on the outputs, which the tests check) for logsumexp, log_softmax, the cross-entropies and the sigmoid family;
- :math:`b = 2 + \log_2 C` in float64 and :math:`b = 2.5 + \log_2 C` in float32 for softmax and the
  softmax cross-entropy gradient, whose entries are divided by the sum :math:`1 + t` of C
  exponentials and so carry that sum's relative rounding error whole (a logarithm divides it by
  :math:`\log(1 + t)`). On rows of many nearly equal logits the largest errors found are 5.7 ulp
  in float64 and 6.4 ulp in float32, at C = 126 (just below numpy's summation block of 128),
  against bounds of 9.0 and 9.5 there; 4.7 and 5.4 at C = 30 (bounds 6.9 and 7.4); 3.0 and 4.1
  at C = 1000 (bounds 12.0 and 12.5). The :math:`\log_2 C` term is measured with that margin, not
  proved: numpy's blocked pairwise summation could in the worst case round more often.

References
----------
P. Blanchard, D. J. Higham and N. J. Higham, "Accurately computing the log-sum-exp and softmax
functions", IMA Journal of Numerical Analysis 41(4), 2311-2330, 2021.
M. Mächler, "Accurately computing log(1 - exp(-\|a\|))", Rmpfr package vignette, 2012.
"""

import numpy as np

from . import _validation as _v

__all__ = ["logsumexp", "softmax", "log_softmax", "sigmoid", "log_sigmoid", "softplus"]


def as_rows(x):
    """``x`` of shape (..., C) as a C-contiguous array of rows (N, C): a view when ``x`` is one.

    The kernels index the rows through their flattened view (:func:`flat_indices`), which needs
    C order; a non-contiguous input is copied once here.
    """
    return np.ascontiguousarray(x.reshape(-1, x.shape[-1]))


def flat_indices(rows, columns):
    """Indices into ``rows.ravel()`` of one column per row (``columns`` has shape (N,)).

    One 1-D fancy index costs a fraction of a microsecond where a pair of index arrays
    ``rows[range(N), columns]`` costs about 2 us on small arrays, which matters at the
    tens of thousands of calls a chapter makes.
    """
    return np.arange(0, rows.size, rows.shape[1]) + columns


def shifted_exponentials(rows, out=None):
    """The shared kernel, on the rows of a C-contiguous float array ``rows`` of shape (N, C).

    Returns ``(top, m, e, t)``:

    - ``top``: the flat indices (:func:`flat_indices`) of each row's first maximum, so that
      ``rows.ravel()[top]`` are the maxima, one per row;
    - ``m``: the maximum, shape (N, 1), or NaN in a row whose maximum is not finite;
    - ``e``: :math:`e^{x - m}` with the maximum's own entry set to 0, in ``out`` if given (a
      C-contiguous array of the rows' shape and dtype) or else in a new array;
    - ``t``: the sum of ``e``, shape (N, 1), so that :math:`\\sum_i e^{x_i - m} = 1 + t`.

    Four passes over the data (argmax, subtract, exp, sum), the last three on ``out``. A row whose
    maximum is not finite (+inf, NaN, or every entry -inf) has no finite shift; its ``e`` and ``t``
    are NaN, and each public function decides what such a row returns. It is the two steps
    :func:`shift_by_maximum` and :func:`exponentials_but_top`, which a caller that needs a shifted
    logit :math:`x_i - m` (a loss at its label) calls separately, reading it in between.
    """
    top, m, shifted = shift_by_maximum(rows, out)
    return top, m, shifted, exponentials_but_top(shifted, top)


def shift_by_maximum(rows, out=None):
    """The kernel's first step: ``(top, m, x - m)``, the last in ``out`` if given."""
    top = flat_indices(rows, rows.argmax(axis=1))
    m = rows.ravel()[top][:, np.newaxis]  # ravel is a view: rows is C-contiguous
    if not np.isfinite(m).all():
        # NaN, not inf - inf, so that such rows come out NaN without an "invalid value" warning.
        m = np.where(np.isfinite(m), m, np.nan)
    # x - m can overflow to -inf for logits of opposite signs near the float limit; exp(-inf) = 0
    # is then the correctly rounded answer, so the warning is noise.
    with np.errstate(over="ignore"):
        return top, m, np.subtract(rows, m, out=out)


def exponentials_but_top(shifted, top):
    """The kernel's second step: ``shifted`` becomes :math:`e^{x - m}` in place, 0 at ``top``.

    Returns ``t``, the row sums, shape (N, 1). Leaving the maximum's exact 1 out of the sum keeps
    the digits of a tiny ``t`` (module docstring).
    """
    e = np.exp(shifted, out=shifted)
    e.ravel()[top] = 0  # a view again, as e is C-contiguous
    return e.sum(axis=1, keepdims=True)


def row_blocks(rows, block_bytes=1 << 20):
    """Slices that cut the 2-D array ``rows`` into blocks of rows of about ``block_bytes`` each.

    The kernels make several passes over their data; on a block that fits in the cache (1 MiB,
    half of this machine's per-core L2), the later passes do not wait for main memory, and one
    scratch block serves every block. This makes large batches faster (benchmarks/bench_losses.py)
    and bounds a loss's scratch memory to one block. A small (or empty) batch is a single slice of
    all its rows, for which the callers skip the loop.
    """
    if rows.nbytes <= block_bytes:
        return [slice(None)]
    step = max(1, block_bytes // (rows.shape[1] * rows.itemsize))
    return [slice(start, start + step) for start in range(0, rows.shape[0], step)]


def _on_last_axis(function, x, axis):
    """Apply ``function``, which maps rows (N, C) to rows (N, K), along ``axis`` of ``x``."""
    axis = _v.check_axis(axis, x.ndim)
    moved = x if axis == x.ndim - 1 else np.moveaxis(x, axis, -1)
    out = function(as_rows(moved))
    out = out.reshape(moved.shape[:-1] + out.shape[-1:])
    return out if axis == x.ndim - 1 else np.moveaxis(out, -1, axis)


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
            maximum = values.ravel()[top][:, np.newaxis]
            out = np.where(np.isfinite(maximum), out, maximum)
        return out

    out = _on_last_axis(along_last, x, axis)
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return out[()]


def softmax(x, axis=-1):
    r"""Normalised exponentials along ``axis``: :math:`q_i = e^{x_i} / \sum_k e^{x_k}`.

    Computed as :math:`q_i = e^{x_i - m} / (1 + t)` with the shared kernel (module docstring), so
    every entry, including those that underflow to subnormal numbers, has small relative error:
    at most :math:`(2 + \log_2 C)` ulp :math:`\times (1 + \kappa)` in float64 and
    :math:`(2.5 + \log_2 C)` in float32 for C classes, the :math:`\log_2 C` paying for the rounding
    of the sum (module docstring). ``softmax`` is the gradient of :func:`logsumexp` and is invariant
    to adding a constant to x.

    Returns an array of ``x``'s shape and dtype. A slice whose maximum is not finite (+inf, NaN,
    or all -inf) has no softmax and gives NaN; -inf entries next to finite ones give exactly 0.

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, MIT Press 2016, section 6.2.2.3.
    """
    x = _v.as_vectors_along(x, "x", axis)

    def along_last(values):
        top, _, e, t = shifted_exponentials(values)
        e.ravel()[top] = 1  # e^(x_a - m) = 1 at the maximum
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
