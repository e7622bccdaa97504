r"""Formulas computed as written, to compare the stable ones in :mod:`lossutils.numerics` against.

Do not train with these. They are here because two chapters of the book measure how they fail,
and one definition serves both.

:func:`log_softmax_as_written` evaluates

.. math:: \log \frac{e^{\ell_i}}{\sum_j e^{\ell_j}}

step by step: exponentiate, divide by the sum, take the logarithm. With float64 logits it returns
``nan`` once a logit exceeds about 709.78 (``exp`` overflows to ``inf``, and ``inf / inf`` is
``nan``), ``-inf`` for a class whose exponential underflows to 0 (a logit more than about 745 below
the largest when the sum is near 1), and loses accuracy well before either, since it rounds
:math:`q_i` before taking its logarithm. :func:`lossutils.log_softmax` computes
:math:`\ell_i - \operatorname{LogSumExp}(\ell)` instead.

References
----------
P. Blanchard, D. J. Higham and N. J. Higham, "Accurately computing the log-sum-exp and softmax
functions", IMA Journal of Numerical Analysis 41(4), 2311-2330, 2021.
"""
import numpy as np

__all__ = ["log_softmax_as_written"]


def log_softmax_as_written(logits):
    r"""``log(exp(l) / sum(exp(l)))`` over the last axis, step by step, with no shift.

    Overflow and ``0 / 0`` are what this function is for, so numpy's warnings about them are
    silenced. ``logits`` is converted to an array; float32 stays float32.

    References
    ----------
    Blanchard, Higham & Higham (2021) (see the module docstring).
    """
    logits = np.asarray(logits)
    if logits.ndim == 0 or logits.shape[-1] == 0:
        raise ValueError(f"logits must have at least one class on the last axis, got shape "
                         f"{logits.shape}")
    with np.errstate(all="ignore"):
        exponentials = np.exp(logits)
        return np.log(exponentials / exponentials.sum(axis=-1, keepdims=True))
