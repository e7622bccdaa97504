r"""Strictly proper scoring rules for categorical forecasts, written as losses (lower is better).

A forecast is a probability vector :math:`q` over :math:`C` classes; once the class :math:`i` is
observed, a scoring rule charges it :math:`S(q, i)`. If the class is drawn from :math:`p`, the
forecaster expects to pay

.. math:: S(q, p) = \mathbb{E}_{i \sim p}\, S(q, i) = \sum_i p_i\, S(q, i),

which is linear in :math:`p` by construction. The rule is *strictly proper* when honesty is the only
best policy: :math:`S(q, p) \ge S(p, p)`, with equality only at :math:`q = p`. Then
:math:`d(q, p) = S(q, p) - S(p, p) \ge 0` is a divergence (the KL divergence for the logarithmic
score, :math:`\lVert q - p \rVert^2` for the quadratic one).

Each rule, and its gradient with respect to the logits when :math:`q = \operatorname{softmax}(\ell)`:

- logarithmic, :math:`S(q, i) = -\log q_i`: gradient :math:`q - e_i`
  (:func:`~lossutils.softmax_cross_entropy_grad`);
- quadratic (Brier), :math:`S(q, i) = \lVert q - e_i \rVert^2`: gradient :math:`2 J^\top (q - e_i)`
  (:func:`softmax_quadratic_score_grad`);
- pseudo-spherical, :math:`S_\alpha(q, i) = \bigl(1 - (q_i / \lVert q \rVert_\alpha)^{\alpha-1}\bigr) / (\alpha - 1)`
  for :math:`\alpha > 1`: gradient :math:`s_i\,(\operatorname{softmax}(\alpha\ell) - e_i)` with
  :math:`s_i = (q_i / \lVert q \rVert_\alpha)^{\alpha-1}` (:func:`softmax_pseudospherical_score_grad`);
- spherical, the pseudo-spherical score with :math:`\alpha = 2`,
  :math:`S(q, i) = 1 - q_i / \lVert q \rVert_2` (:func:`softmax_spherical_score_grad`);
- for comparison, the Stack Exchange asker's :math:`S(q, i) = (1 - q_i)^2` (:func:`askers_score`),
  proper only for two classes: gradient :math:`2 q_i (1 - q_i)(q - e_i)`
  (:func:`softmax_askers_score_grad`).

Here :math:`J = \operatorname{diag}(q) - q q^\top` is the softmax's Jacobian. The gradients for a
probability label :math:`p` are the :math:`p`-weighted averages of these. Through the softmax,
only the logarithmic score's is "prediction minus target", :math:`q - p`; every strictly proper
score has its own canonical link under which its gradient takes that form (Buja, Stuetzle & Shen
2005; Reid & Williamson 2010), and the log score's is the softmax. The pseudo-spherical family
tends to the logarithmic score as :math:`\alpha \to 1`. The quadratic score is twice
:func:`~lossutils.softmax_squared_error` of the logits (for a class label; for a probability label
the two differ by :math:`1 - \lVert p \rVert^2`, which does not depend on the forecast).

The logarithmic score is also the only *local* one: it looks at :math:`q_i` alone, not at how the
rest of the probability is spread. For three or more classes every smooth, local, strictly proper
rule is :math:`a_i - b \log q_i` with :math:`b > 0` and constants :math:`a_i` that may depend on the
class (Bernardo 1979); with two classes every rule is local, since :math:`q_i` determines :math:`q`.

Labels: integer class indices (shape ``forecasts.shape[:-1]``) give :math:`S(q, i)`; probability
vectors :math:`p` (shape of ``forecasts``) give the expected score :math:`S(q, p)`.

References
----------
T. Gneiting and A. E. Raftery, "Strictly proper scoring rules, prediction, and estimation", Journal
of the American Statistical Association 102(477), 359-378, 2007 (sections 2-3).
G. W. Brier, "Verification of forecasts expressed in terms of probability", Monthly Weather Review
78(1), 1-3, 1950.
I. J. Good, "Rational decisions", Journal of the Royal Statistical Society B 14(1), 107-114, 1952.
J. M. Bernardo, "Expected information as expected utility", The Annals of Statistics 7(3), 686-690,
1979.
A. Buja, W. Stuetzle and Y. Shen, "Loss functions for binary class probability estimation and
classification: structure and applications", technical report, University of Pennsylvania, 2005.
M. D. Reid and R. C. Williamson, "Composite binary losses", Journal of Machine Learning Research 11,
2387-2422, 2010.
"""

import numpy as np

from . import _validation as _v
from .information import cross_entropy
from .losses import softmax_cross_entropy_grad
from .numerics import log_softmax
from .squared_probabilities import softmax_squared_error_grad

__all__ = [
    "logarithmic_score",
    "quadratic_score",
    "spherical_score",
    "pseudospherical_score",
    "softmax_quadratic_score_grad",
    "softmax_spherical_score_grad",
    "softmax_pseudospherical_score_grad",
    "askers_score",
    "softmax_askers_score_grad",
]


def logarithmic_score(forecasts, labels):
    r"""The logarithmic score as a loss: :math:`S(q, i) = -\log q_i`.

    For a probability label :math:`p` it is the expected score
    :math:`S(q, p) = -\sum_i p_i \log q_i = H(p, q)`, the cross-entropy
    (:func:`~lossutils.cross_entropy`), with :math:`0 \log 0 = 0`. Strictly proper: the divergence
    :math:`S(q, p) - S(p, p)` is :math:`\mathrm{KL}(p \,\|\, q)`. For logits, use
    :func:`~lossutils.softmax_cross_entropy_with_integer_labels`, which never forms :math:`q`.

    Parameters
    ----------
    forecasts : array_like, shape (..., C)
        Probability vectors :math:`q` (non-negative, summing to 1 along the last axis).
    labels : array_like
        Integer class indices, shape (...), or probability vectors, shape (..., C).

    Returns
    -------
    ndarray, shape (...)
        Non-negative; :math:`+\infty` where the observed class has :math:`q_i = 0`.

    References
    ----------
    Good (1952); Gneiting & Raftery (2007), section 3.1 (see the module docstring).
    """
    forecasts, labels, integer_labels = _forecasts_and_labels(forecasts, labels)
    if not integer_labels:
        return cross_entropy(labels, forecasts)
    observed = np.take_along_axis(forecasts, labels[..., np.newaxis], axis=-1)[..., 0]
    with np.errstate(divide="ignore"):  # q_i = 0 scores +inf, as it should
        return (0.0 - np.log(observed))[()]  # 0.0 - 0.0, not -0.0, for a certain forecast


def quadratic_score(forecasts, labels):
    r"""The quadratic (Brier) score as a loss: :math:`S(q, i) = \lVert q - e_i \rVert^2`.

    :math:`e_i` is the one-hot vector of the observed class. For a probability label :math:`p` the
    expected score is

    .. math:: S(q, p) = \sum_i p_i \lVert q - e_i \rVert^2
              = \lVert q - p \rVert^2 + \sum_i p_i (1 - p_i),

    two non-negative terms, computed as such; the second is :math:`1 - \lVert p \rVert^2` and does
    not depend on :math:`q`, so the rule is strictly proper with divergence
    :math:`\lVert q - p \rVert^2`. Of the logits, :math:`S(\operatorname{softmax}(\ell), i)` is
    ``2 * softmax_squared_error(logits, i)`` (:func:`~lossutils.softmax_squared_error`).

    Parameters
    ----------
    forecasts : array_like, shape (..., C)
        Probability vectors :math:`q`.
    labels : array_like
        Integer class indices, shape (...), or probability vectors, shape (..., C).

    Returns
    -------
    ndarray, shape (...)
        Values in :math:`[0, 2]`.

    References
    ----------
    Brier (1950); Gneiting & Raftery (2007), section 3.2 (see the module docstring).
    """
    forecasts, labels, integer_labels = _forecasts_and_labels(forecasts, labels)
    error = forecasts.copy()
    if integer_labels:
        index = labels[..., np.newaxis]
        # q_i - 1 is exact for q_i >= 1/2 (Sterbenz), so a confident forecast keeps its digits.
        np.put_along_axis(error, index, np.take_along_axis(error, index, axis=-1) - 1, axis=-1)
        return np.einsum("...i,...i->...", error, error)[()]
    error -= labels
    spread = labels * (1 - labels)
    return (np.einsum("...i,...i->...", error, error) + spread.sum(axis=-1))[()]


def spherical_score(forecasts, labels):
    r"""The spherical score as a loss: :math:`S(q, i) = 1 - q_i / \lVert q \rVert_2`.

    The pseudo-spherical score with :math:`\alpha = 2` (:func:`pseudospherical_score`), shifted so
    that a certain, correct forecast scores 0; values lie in :math:`[0, 1]`. For a probability label
    :math:`p` it is the expected score :math:`1 - \langle p, q \rangle / \lVert q \rVert_2`, strictly
    proper by the Cauchy-Schwarz inequality.

    Parameters
    ----------
    forecasts : array_like, shape (..., C)
        Probability vectors :math:`q`.
    labels : array_like
        Integer class indices, shape (...), or probability vectors, shape (..., C).

    Returns
    -------
    ndarray, shape (...)

    References
    ----------
    Good (1952); Gneiting & Raftery (2007), section 3.2 (see the module docstring).
    """
    return pseudospherical_score(forecasts, labels, 2.0)


def pseudospherical_score(forecasts, labels, alpha):
    r"""The pseudo-spherical score with exponent :math:`\alpha > 1`, as a loss.

    .. math:: S_\alpha(q, i) = \frac{1 - (q_i / \lVert q \rVert_\alpha)^{\alpha - 1}}{\alpha - 1},
              \qquad \lVert q \rVert_\alpha = \Bigl(\sum_k q_k^\alpha\Bigr)^{1/\alpha}

    Strictly proper for every :math:`\alpha > 1` (Hölder's inequality); :math:`\alpha = 2` is the
    spherical score. The division by :math:`\alpha - 1` makes the family tend to the logarithmic
    score :math:`-\log q_i` as :math:`\alpha \to 1`. Values lie in :math:`[0, 1/(\alpha - 1)]`,
    finite even for :math:`q_i = 0`.

    With :math:`r_i = q_i^\alpha / \sum_k q_k^\alpha` the loss is
    :math:`-\operatorname{expm1}\bigl(\tfrac{\alpha-1}{\alpha} \log r_i\bigr) / (\alpha - 1)`. When
    :math:`r_i > 1/2`, :math:`\log r_i` is computed as :math:`\operatorname{log1p}(-u_i)` from
    :math:`u_i = 1 - r_i = \sum_{k \ne i} q_k^\alpha / \sum_k q_k^\alpha`, a sum of non-negative
    terms, so a nearly certain, correct forecast keeps its small loss to full relative accuracy; a
    small :math:`r_i` takes its logarithm directly.

    Parameters
    ----------
    forecasts : array_like, shape (..., C)
        Probability vectors :math:`q`.
    labels : array_like
        Integer class indices, shape (...), or probability vectors, shape (..., C), for the
        expected score :math:`\sum_i p_i S_\alpha(q, i)`.
    alpha : float
        The exponent, a finite real number greater than 1.

    Returns
    -------
    ndarray, shape (...)

    References
    ----------
    Good (1952); Gneiting & Raftery (2007), section 3.2, where the score is positively oriented,
    :math:`(q_i / \lVert q \rVert_\alpha)^{\alpha - 1}` (see the module docstring).
    """
    forecasts, labels, integer_labels = _forecasts_and_labels(forecasts, labels)
    alpha = _exponent(alpha)
    losses = _pseudospherical_per_class(forecasts, alpha)
    if integer_labels:
        return np.take_along_axis(losses, labels[..., np.newaxis], axis=-1)[..., 0][()]
    return np.einsum("...i,...i->...", labels, losses)[()]


def _pseudospherical_per_class(q, alpha):
    """The pseudo-spherical loss of every possible outcome, shape (..., C)."""
    top = np.argmax(q, axis=-1, keepdims=True)
    # Powers of q / max(q) lie in [0, 1] with the top one exactly 1: nothing overflows, and the
    # total is at least 1, so it does not underflow for large alpha either.
    with np.errstate(invalid="ignore"):  # a NaN forecast gives NaN
        weights = (q / np.take_along_axis(q, top, axis=-1)) ** alpha
    np.put_along_axis(weights, top, 0, axis=-1)
    others_of_top = weights.sum(axis=-1, keepdims=True)  # sum over k != top, without cancellation
    total = 1 + others_of_top
    # u_i = 1 - r_i, the share of the other classes. For a class other than the top,
    # total - w_i >= total / 2, so this subtraction is benign.
    others = total - weights
    np.put_along_axis(others, top, others_of_top, axis=-1)
    np.put_along_axis(weights, top, 1, axis=-1)
    share = others / total
    with np.errstate(divide="ignore"):  # r_i = 0 (q_i = 0) gives log r_i = -inf: loss 1/beta
        # log r_i from whichever of r_i and 1 - r_i is known to full relative accuracy.
        log_r = np.where(share <= 0.5, np.log1p(-share), np.log(weights / total))
    beta = alpha - 1
    # 0.0 - expm1(0) is +0.0 for a certain, correct forecast, not -0.0.
    return (0.0 - np.expm1((beta / alpha) * log_r)) / beta


def softmax_quadratic_score_grad(logits, labels):
    r"""Gradient of the quadratic score of :math:`q = \operatorname{softmax}(\ell)` w.r.t. the logits.

    .. math:: \nabla_\ell \lVert q - e_i \rVert^2 = 2 J^\top (q - e_i)
              = 2\, q \odot \bigl(d - \langle q, d \rangle\bigr), \qquad d = q - e_i

    It is twice :func:`~lossutils.softmax_squared_error_grad`, which this function calls. For a
    probability label :math:`p`, :math:`e_i` becomes :math:`p` (the expected score and
    :math:`\lVert q - p \rVert^2` differ by a constant). Every entry carries a factor :math:`q_k`:
    unlike the logarithmic score's :math:`q - p`, the gradient vanishes on a confident mistake.

    Parameters
    ----------
    logits : array_like, shape (..., C)
    labels : array_like
        Integer class indices, shape (...), or probability vectors, shape (..., C).

    Returns
    -------
    ndarray, the shape of ``logits``.

    References
    ----------
    Brier (1950); Gneiting & Raftery (2007) (see the module docstring).
    """
    return 2 * softmax_squared_error_grad(logits, labels)


def softmax_spherical_score_grad(logits, labels):
    r"""Gradient of the spherical score of :math:`q = \operatorname{softmax}(\ell)` w.r.t. the logits.

    .. math:: \nabla_\ell \Bigl(1 - \frac{q_i}{\lVert q \rVert_2}\Bigr)
              = \frac{q_i}{\lVert q \rVert_2} \bigl(\operatorname{softmax}(2\ell) - e_i\bigr),
              \qquad \operatorname{softmax}(2\ell) = q^2 / \lVert q \rVert_2^2

    :func:`softmax_pseudospherical_score_grad` with :math:`\alpha = 2`.

    References
    ----------
    Gneiting & Raftery (2007), section 3.2 (see the module docstring).
    """
    return softmax_pseudospherical_score_grad(logits, labels, 2.0)


def softmax_pseudospherical_score_grad(logits, labels, alpha):
    r"""Gradient of the pseudo-spherical score of :math:`q = \operatorname{softmax}(\ell)` w.r.t. the logits.

    In terms of the logits, :math:`(q_i / \lVert q \rVert_\alpha)^{\alpha - 1} = s_i` with
    :math:`s_i = r_i^{(\alpha - 1)/\alpha}` and :math:`r = \operatorname{softmax}(\alpha \ell)`, so

    .. math:: \nabla_\ell\, S_\alpha(\operatorname{softmax}(\ell), i)
              = s_i \bigl(\operatorname{softmax}(\alpha \ell) - e_i\bigr),

    and for a probability label :math:`p`,
    :math:`\sum_i p_i s_i (r - e_i) = \langle p, s \rangle\, r - p \odot s`. It is "a softmax minus
    the target", but of the sharpened logits :math:`\alpha\ell` and scaled by the confidence
    :math:`s_i` in the observed class, which vanishes on a confident mistake. As
    :math:`\alpha \to 1`, :math:`s_i \to 1` and the gradient tends to the logarithmic score's
    :math:`q - e_i`. For a class label, :math:`r - e_i` is computed by
    :func:`~lossutils.softmax_cross_entropy_grad` of :math:`\alpha \ell`, which keeps the digits of
    :math:`r_i - 1` near 1.

    Parameters
    ----------
    logits : array_like, shape (..., C)
    labels : array_like
        Integer class indices, shape (...), or probability vectors, shape (..., C).
    alpha : float
        The exponent, a finite real number greater than 1.

    Returns
    -------
    ndarray, the shape of ``logits``.

    References
    ----------
    Gneiting & Raftery (2007), section 3.2 (see the module docstring).
    """
    logits = _v.as_class_vectors(logits, "logits")
    labels = _v.as_array(labels, "labels")
    integer_labels = labels.ndim == logits.ndim - 1
    if integer_labels:
        labels = _v.class_indices(labels, "labels", logits)
    else:
        labels = _v.probability_vectors(labels, "labels", like=logits, like_name="logits")
        logits, labels = _v.promote(logits, labels)
    alpha = _exponent(alpha)

    # Shift before scaling so that alpha * logits cannot overflow.
    with np.errstate(invalid="ignore"):  # a +inf or NaN logit gives NaN, as softmax does
        sharpened = alpha * (logits - logits.max(axis=-1, keepdims=True))
    confidence = np.exp(((alpha - 1) / alpha) * log_softmax(sharpened))  # s_k for every class k
    if integer_labels:
        observed = np.take_along_axis(confidence, labels[..., np.newaxis], axis=-1)
        return observed * softmax_cross_entropy_grad(sharpened, labels)
    weighted = labels * confidence
    r = np.exp(log_softmax(sharpened))
    return weighted.sum(axis=-1, keepdims=True) * r - weighted


def askers_score(forecasts, labels):
    r"""The asker's loss as a score: :math:`S(q, i) = (1 - q_i)^2`, proper only for two classes.

    The Stack Exchange asker's :math:`(0.35 - 1)^2` is this score of a forecast that gives the
    observed class 0.35. For a probability label :math:`p` it is the expectation
    :math:`\sum_i p_i (1 - q_i)^2`. With :math:`C = 2` it equals
    :math:`\tfrac12 \lVert q - e_i \rVert^2`, half the quadratic score, and is strictly proper;
    with :math:`C \ge 3` it looks at :math:`q_i` alone, like the logarithmic score, and is not
    proper (chapter 7 of the book finds its minimiser; Bernardo 1979 says why it cannot be).

    Parameters
    ----------
    forecasts : array_like, shape (..., C)
        Probability vectors :math:`q`.
    labels : array_like
        Integer class indices, shape (...), or probability vectors, shape (..., C).

    Returns
    -------
    ndarray, shape (...)
        Values in :math:`[0, 1]`.

    References
    ----------
    Data Science Stack Exchange, question 46681 (2019); Bernardo (1979) (see the module docstring).
    """
    forecasts, labels, integer_labels = _forecasts_and_labels(forecasts, labels)
    per_class = (1 - forecasts) ** 2
    if integer_labels:
        return np.take_along_axis(per_class, labels[..., np.newaxis], axis=-1)[..., 0][()]
    return np.einsum("...i,...i->...", labels, per_class)[()]


def softmax_askers_score_grad(logits, labels):
    r"""Gradient of :func:`askers_score` of :math:`q = \operatorname{softmax}(\ell)` w.r.t. the logits.

    .. math:: \nabla_\ell (1 - q_i)^2 = w(q_i)\,(q - e_i), \qquad w(x) = 2x(1 - x),

    the cross-entropy's gradient :math:`q - e_i` times a weight that vanishes as :math:`q_i \to 0`
    (a confident mistake) and as :math:`q_i \to 1`. For a probability label :math:`p` it is
    :math:`\sum_i p_i w(q_i)(q - e_i) = \bigl(\sum_i p_i w(q_i)\bigr) q - p \odot w(q)`.
    :math:`1 - q_i` is taken from :func:`~lossutils.softmax_cross_entropy_grad`, which computes it
    to full relative accuracy when :math:`q_i` is close to 1.

    Parameters
    ----------
    logits : array_like, shape (..., C)
    labels : array_like
        Integer class indices, shape (...), or probability vectors, shape (..., C).

    Returns
    -------
    ndarray, the shape of ``logits``.

    References
    ----------
    Data Science Stack Exchange, question 46681 (2019); Golik, Doetsch & Ney (2013).
    """
    error = softmax_cross_entropy_grad(logits, labels)  # q - p; validates both arguments
    q = np.exp(log_softmax(np.asarray(logits, dtype=error.dtype)))
    labels = np.asarray(labels)
    if labels.ndim == q.ndim - 1:
        index = labels.astype(np.intp)[..., np.newaxis]
        q_y = np.take_along_axis(q, index, axis=-1)
        one_minus_q_y = -np.take_along_axis(error, index, axis=-1)
        return 2 * q_y * one_minus_q_y * error
    p = labels.astype(error.dtype)
    weights = 2 * q * (1 - q)
    return np.einsum("...i,...i->...", p, weights)[..., np.newaxis] * q - p * weights


def _forecasts_and_labels(forecasts, labels):
    """Validate forecasts (..., C) and labels; return (forecasts, labels, labels_are_indices)."""
    forecasts = _v.probability_vectors(forecasts, "forecasts")
    labels = _v.as_array(labels, "labels")
    if labels.ndim == forecasts.ndim - 1:
        if labels.shape != forecasts.shape[:-1]:
            raise ValueError(f"labels must have shape {forecasts.shape[:-1]} (the forecasts' shape "
                             f"without the class axis), got {labels.shape}")
        return forecasts, _v.class_indices(labels, "labels", forecasts), True
    labels = _v.probability_vectors(labels, "labels", like=forecasts, like_name="forecasts")
    forecasts, labels = _v.promote(forecasts, labels)
    return forecasts, labels, False


def _exponent(alpha):
    """The pseudo-spherical exponent as a Python float (so float32 arrays stay float32)."""
    if (isinstance(alpha, bool) or not np.isscalar(alpha) or not np.isreal(alpha)
            or not (np.isfinite(alpha) and alpha > 1)):
        raise ValueError(f"alpha must be a finite real number greater than 1, got {alpha!r}")
    return float(alpha)
