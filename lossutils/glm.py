r"""Exponential families with their canonical links: one pattern behind four losses.

A distribution in a (natural, regular) exponential family has the density or mass function

.. math:: p(y \mid \eta) = h(y)\, \exp\bigl(\eta^\top y - A(\eta)\bigr)

with natural parameter :math:`\eta` and log-partition function :math:`A`. Its negative
log-likelihood is :math:`A(\eta) - \eta^\top y - \log h(y)`, and differentiating the normalisation
:math:`\int p(y \mid \eta)\, dy = 1` gives the two facts this module is about:

.. math::

    \nabla_\eta \bigl(-\log p(y \mid \eta)\bigr) = \nabla A(\eta) - y = \mathbb{E}_\eta[y] - y,
    \qquad
    \nabla^2_\eta \bigl(-\log p(y \mid \eta)\bigr) = \nabla^2 A(\eta) = \operatorname{Cov}_\eta[y] \succeq 0.

The gradient with respect to the natural parameter is *mean minus target*, and the Hessian is a
covariance matrix: positive semidefinite (so the loss is convex in :math:`\eta`) and independent of
the target. A model that outputs :math:`\eta` and maps it to the mean with
:math:`\mu = \nabla A(\eta)` uses the *canonical link* :math:`g = (\nabla A)^{-1}`:

===========================  ===========  ===================  ========================================
distribution                 link         mean μ(η)            loss in lossutils (gradient: μ − y)
===========================  ===========  ===================  ========================================
Gaussian, unit variance      identity     η                    :func:`~lossutils.squared_error`
Bernoulli                    logit        σ(η)                 :func:`~lossutils.sigmoid_binary_cross_entropy`
categorical (one trial)      softmax      softmax(η)           :func:`~lossutils.softmax_cross_entropy`
Poisson                      log          exp(η)               :func:`poisson_nll`
===========================  ===========  ===================  ========================================

:func:`canonical_families` returns these four with their log-partition, mean and covariance
functions, so that both facts can be checked numerically. Each loss drops the term
:math:`-\log h(y)`, which does not depend on :math:`\eta` (for the Poisson it is
:math:`\log y!`, for the Gaussian :math:`\tfrac12 y^2 + \tfrac12 \log 2\pi`).

References
----------
J. A. Nelder and R. W. M. Wedderburn, "Generalized linear models", Journal of the Royal Statistical
Society, Series A 135(3), 370-384, 1972.
P. McCullagh and J. A. Nelder, *Generalized Linear Models*, 2nd ed., Chapman and Hall 1989, ch. 2.
"""

from typing import Callable, NamedTuple

import numpy as np

from . import _validation as _v
from .losses import (
    sigmoid_binary_cross_entropy,
    sigmoid_binary_cross_entropy_grad,
    softmax_cross_entropy,
    softmax_cross_entropy_grad,
    squared_error,
    squared_error_grad,
)
from .numerics import logsumexp, sigmoid, softmax, softplus

__all__ = ["poisson_nll", "poisson_nll_grad", "canonical_families"]


def poisson_nll(eta, counts):
    r"""Negative log-likelihood of counts under a Poisson with log-rate ``eta``, elementwise.

    .. math:: \ell(\eta; y) = e^{\eta} - y\,\eta \qquad (\text{mean } \mu = e^{\eta})

    This is :math:`-\log \Pr(Y = y)` for :math:`Y \sim \operatorname{Poisson}(e^\eta)` without the
    term :math:`\log y!`, which does not depend on :math:`\eta` (add
    ``scipy.special.gammaln(counts + 1)`` for the full value). Its derivative is
    :func:`poisson_nll_grad`, :math:`e^\eta - y`; its second derivative :math:`e^\eta` is the
    Poisson variance, so the loss is convex in :math:`\eta`. Minimised at :math:`\eta = \log y`.

    Non-integer counts are accepted: the formula is then the Poisson quasi-likelihood used for
    rates and frequencies (as in scikit-learn's ``PoissonRegressor``), with the same gradient.

    Parameters
    ----------
    eta : array_like
        Natural parameters (log-means), any real numbers including :math:`\pm\infty`.
    counts : array_like, same shape as ``eta``
        Observed counts: finite and non-negative (integers for a true Poisson likelihood).

    Returns
    -------
    ndarray of the shape of ``eta``, in the promoted floating dtype of the arguments (integer
    counts take ``eta``'s dtype). Where :math:`e^\eta` overflows the result is :math:`+\infty`,
    as the true value is beyond the float range too; :math:`\eta = -\infty` with
    :math:`y = 0` gives 0 (no events at rate 0 is certain), with :math:`y > 0` gives
    :math:`+\infty`.

    Notes
    -----
    The two terms are each computed to within rounding, float32 in float64 and rounded once, so
    the absolute error is at most about :math:`\epsilon\,(e^\eta + y|\eta|)`. That is not a small
    *relative* error where the two terms nearly cancel (the loss crosses zero when
    :math:`y > e`); the dropped constant makes such values meaningless anyway.

    References
    ----------
    McCullagh & Nelder (1989), ch. 2 and ch. 6 (log-linear models); Nelder & Wedderburn (1972).
    """
    eta, counts, dtype = _poisson_arguments(eta, counts)
    with np.errstate(over="ignore", invalid="ignore"):
        # y * eta is 0 for y = 0 even at eta = -inf; e^eta - y*eta is +inf at eta = +inf.
        linear = np.where(counts == 0, 0.0, counts * eta)
        out = np.where(eta == np.inf, np.inf, np.exp(eta) - linear)
    return _rounded(out, dtype)


def poisson_nll_grad(eta, counts):
    r"""Derivative of :func:`poisson_nll` with respect to ``eta``: mean minus target.

    .. math:: \frac{\partial}{\partial \eta}\bigl(e^\eta - y\,\eta\bigr) = e^{\eta} - y = \mu - y

    Near the minimum, where :math:`e^\eta` is within a factor 2 of :math:`y`, the subtraction
    would cancel and expose the rounding error of :math:`e^\eta`; there the difference is formed
    directly as :math:`y \operatorname{expm1}(\eta - \log y)`. The result is within
    2 ulp :math:`\times (1 + \kappa)` of the exact value in float64 and float32 (measured against
    mpmath in ``tests/test_glm.py``), :math:`\kappa = e^\eta |\eta| / |e^\eta - y|` being its
    condition number with respect to :math:`\eta`.

    Parameters
    ----------
    eta, counts : array_like of the same shape
        As in :func:`poisson_nll`.

    Returns
    -------
    ndarray of the shape of ``eta``, in the promoted floating dtype; :math:`+\infty` where
    :math:`e^\eta` overflows, :math:`-y` at :math:`\eta = -\infty`.

    References
    ----------
    McCullagh & Nelder (1989), ch. 2 (the score of a model with the canonical link).
    """
    eta, counts, dtype = _poisson_arguments(eta, counts)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        direct = np.exp(eta) - counts
        offset = eta - np.log(counts)  # eta - log y: NaN or infinite wherever y = 0 or eta is infinite
        near = np.abs(offset) < np.log(2.0)
        out = np.where(near, counts * np.expm1(np.where(near, offset, 0.0)), direct)
    return _rounded(out, dtype)


def _poisson_arguments(eta, counts):
    """Validated float64 copies of ``eta`` and ``counts`` and the dtype to return.

    float32 is evaluated in float64 and rounded once at the end: numpy's float32 ``exp`` and ``log``
    are off by up to 2 ulp, and these functions are not where a model spends its time.
    """
    eta = _v.as_real_array(eta, "eta")
    counts = _v.as_real_array(counts, "counts", like=eta)
    _v.check_same_shape(eta, "eta", counts, "counts")
    if np.any(counts < 0) or np.any(np.isinf(counts)):
        bad = counts[(counts < 0) | np.isinf(counts)].flat[0]
        raise ValueError(f"counts must be finite and non-negative, found {bad}")
    dtype = np.result_type(eta, counts)
    return eta.astype(np.float64), counts.astype(np.float64), dtype


def _rounded(values, dtype):
    """float64 ``values`` rounded to ``dtype``; beyond float32's range that is +-inf, as it should be."""
    with np.errstate(over="ignore"):
        return values.astype(dtype, copy=False)[()]


class CanonicalFamily(NamedTuple):
    """One exponential family with its canonical link, as returned by :func:`canonical_families`.

    Every function takes the natural parameter ``eta`` first. For the scalar families they act
    elementwise; for the categorical family ``eta`` holds logits along the last axis, ``mean``
    returns probability vectors and ``covariance`` matrices of shape (..., C, C).
    """

    distribution: str
    link: str
    target: str  # what y is
    log_partition: Callable  # A(eta)
    mean: Callable  # mu = grad A(eta), the inverse of the link
    covariance: Callable  # Cov[y] = Hessian of A(eta)
    loss: Callable  # loss(eta, y) = A(eta) - <eta, y>, up to a term in y alone
    loss_grad: Callable  # loss_grad(eta, y) = mean(eta) - y


def canonical_families():
    r"""The four exponential families of the book, each with its canonical link.

    For each family, with natural parameter :math:`\eta` and target :math:`y`:

    .. math::

        \mathrm{loss}(\eta, y) = A(\eta) - \eta^\top y + c(y), \qquad
        \nabla_\eta \mathrm{loss} = \mu(\eta) - y, \qquad
        \nabla^2_\eta \mathrm{loss} = \operatorname{Cov}_\eta[y]

    ===============  =========  ==============  ================  ==================  ==========
    key              link       A(η)            mean              covariance          c(y)
    ===============  =========  ==============  ================  ==================  ==========
    ``Gaussian``     identity   η²/2            η                 1                   y²/2
    ``Bernoulli``    logit      softplus(η)     σ(η)              σ(η) σ(−η)          0
    ``categorical``  softmax    LogSumExp(η)    softmax(η) = q    diag(q) − q qᵀ      0
    ``Poisson``      log        exp(η)          exp(η)            exp(η)              0
    ===============  =========  ==============  ================  ==================  ==========

    The losses are the library's own (:func:`~lossutils.squared_error`,
    :func:`~lossutils.sigmoid_binary_cross_entropy`, :func:`~lossutils.softmax_cross_entropy` with
    probability-vector targets, :func:`poisson_nll`), and so are their gradients. The Gaussian has
    unit variance, which makes :math:`\tfrac12 (\eta - y)^2` its negative log-likelihood up to a
    constant. :math:`c(y)` is what the loss keeps of :math:`-\log h(y)`; the rest is dropped.

    Returns
    -------
    dict of str to CanonicalFamily
        In the order of the table; a new dict at each call. Each value is a named tuple with
        fields ``distribution``, ``link``, ``target`` (descriptions), and the functions
        ``log_partition``, ``mean``, ``covariance``, ``loss`` and ``loss_grad``.

    References
    ----------
    McCullagh & Nelder (1989), ch. 2; Nelder & Wedderburn (1972).
    """
    families = [
        CanonicalFamily("Gaussian (unit variance)", "identity", "real y",
                        _gaussian_log_partition, _identity, _unit_variance,
                        squared_error, squared_error_grad),
        CanonicalFamily("Bernoulli", "logit", "y in [0, 1]",
                        softplus, sigmoid, _bernoulli_variance,
                        sigmoid_binary_cross_entropy, sigmoid_binary_cross_entropy_grad),
        CanonicalFamily("categorical", "softmax (multinomial logit)", "probability vector p",
                        logsumexp, softmax, _categorical_covariance,
                        softmax_cross_entropy, softmax_cross_entropy_grad),
        CanonicalFamily("Poisson", "log", "count y >= 0",
                        _exp, _exp, _exp,
                        poisson_nll, poisson_nll_grad),
    ]
    return dict(zip(["Gaussian", "Bernoulli", "categorical", "Poisson"], families))


def _gaussian_log_partition(eta):
    """A(eta) = eta^2 / 2 of the unit-variance Gaussian."""
    eta = _v.as_real_array(eta, "eta")
    return (0.5 * eta * eta)[()]


def _identity(eta):
    """The unit-variance Gaussian's mean: eta itself (a copy)."""
    return _v.as_real_array(eta, "eta").copy()[()]


def _unit_variance(eta):
    """The unit-variance Gaussian's variance: 1 for every eta."""
    return np.ones_like(_v.as_real_array(eta, "eta"))[()]


def _exp(eta):
    """The Poisson's log-partition, mean and variance, all e^eta."""
    eta = _v.as_real_array(eta, "eta")
    with np.errstate(over="ignore"):  # e^eta beyond the float range is +inf, correctly rounded
        return np.exp(eta)[()]


def _bernoulli_variance(eta):
    """sigma(eta) (1 - sigma(eta)), as sigma(eta) sigma(-eta) so that neither factor is rounded to 0."""
    eta = _v.as_real_array(eta, "eta")
    return (sigmoid(eta) * sigmoid(-eta))[()]


def _categorical_covariance(eta):
    """diag(q) - q q^T for q = softmax(eta) along the last axis; shape (..., C, C).

    The diagonal is q_i (1 - q_i), with 1 - q_i of the largest entry summed from the others, so that
    it keeps its digits when q_i is close to 1.
    """
    q = softmax(eta)
    top = np.argmax(q, axis=-1)[..., np.newaxis]
    others = q.copy()
    np.put_along_axis(others, top, 0, axis=-1)
    one_minus_q = 1 - q
    np.put_along_axis(one_minus_q, top, others.sum(axis=-1, keepdims=True), axis=-1)
    covariance = -q[..., :, np.newaxis] * q[..., np.newaxis, :]
    classes = np.arange(q.shape[-1])
    covariance[..., classes, classes] = q * one_minus_q
    return covariance
