r"""Information measures on probability vectors: cross-entropy, entropy, KL divergence.

These take probabilities, not logits; for a model's logits use
:func:`lossutils.softmax_cross_entropy`, which never forms :math:`\log q` from a rounded q.
All reduce over the last axis and follow the conventions :math:`0 \log 0 = 0` and
:math:`0 \log(0/q) = 0`, with :math:`+\infty` where :math:`p_i > 0 = q_i`. They are related by

.. math:: H(p, q) = H(p) + \mathrm{KL}(p \,\|\, q) \ge H(p),

with equality if and only if q = p (Gibbs' inequality).

References
----------
T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley 2006, ch. 2.
"""

import numpy as np

from . import _validation as _v

__all__ = ["cross_entropy", "entropy", "kl_divergence"]


def cross_entropy(p, q):
    r"""Cross-entropy :math:`H(p, q) = -\sum_i p_i \log q_i` in nats, per vector.

    Parameters
    ----------
    p : array_like, shape (..., C)
        Target probabilities (non-negative, each vector summing to 1).
    q : array_like, shape (..., C)
        Predicted probabilities, the same shape.

    Returns
    -------
    ndarray, shape (...)
        Non-negative; :math:`+\infty` where some :math:`q_i = 0 < p_i`.

    References
    ----------
    Cover & Thomas (2006), section 2.3; Jackson (2020).
    """
    p, q = _probability_pair(p, q)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 * log 0 is resolved below
        terms = -p * np.log(q)
    return _sum_with_zero_convention(terms, p, q)


def entropy(p):
    r"""Shannon entropy :math:`H(p) = -\sum_i p_i \log p_i` in nats, per vector (0 log 0 = 0).

    References
    ----------
    Cover & Thomas (2006), section 2.1.
    """
    p = _v.probability_vectors(p, "p")
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 * log 0 is resolved below
        terms = -p * np.log(p)
    return _sum_with_zero_convention(terms, p, p)


def kl_divergence(p, q):
    r"""Kullback-Leibler divergence :math:`\mathrm{KL}(p\,\|\,q) = \sum_i p_i \log(p_i / q_i)`, per vector.

    Each log-ratio is computed as :math:`\operatorname{log1p}((p_i - q_i)/q_i)` when
    :math:`p_i/q_i` is near 1, where :math:`p_i - q_i` is exact, so that a divergence between close
    distributions keeps its digits. Non-negative, zero if and only if p = q.

    References
    ----------
    Cover & Thomas (2006), section 2.3; scipy.special.rel_entr for the elementwise terms.
    """
    p, q = _probability_pair(p, q)
    with np.errstate(divide="ignore", invalid="ignore"):  # zeros are resolved by the masks below
        ratio = p / q
        near_one = np.abs(ratio - 1) < 0.5
        log_ratio = np.where(near_one, np.log1p((p - q) / q), np.log(ratio))
        terms = p * log_ratio
    return _sum_with_zero_convention(terms, p, q)


def _sum_with_zero_convention(terms, p, q):
    """Sum ``terms`` over the last axis, counting a term with p_i = 0 as 0 unless q_i is NaN."""
    np.copyto(terms, 0, where=(p == 0) & ~np.isnan(q))
    return terms.sum(axis=-1)[()]  # plain sum keeps numpy's pairwise summation


def _probability_pair(p, q):
    p = _v.probability_vectors(p, "p")
    q = _v.probability_vectors(q, "q", like=p, like_name="p")
    return _v.promote(p, q)
