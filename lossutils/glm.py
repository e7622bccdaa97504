r"""Exponential families with their canonical links: one pattern behind four losses.

A distribution in a (natural, regular) exponential family has the density or mass function

.. math:: p(y \mid \eta) = h(y)\, \exp\bigl(\eta^\top T(y) - A(\eta)\bigr)

with natural parameter :math:`\eta`, sufficient statistic :math:`T`, base measure :math:`h` and
log-partition function :math:`A`. Its negative log-likelihood is
:math:`A(\eta) - \eta^\top T(y) - \log h(y)`, and differentiating the normalisation
:math:`\int p(y \mid \eta)\, dy = 1` gives :math:`\nabla A = \mathbb{E}_\eta[T]` and
:math:`\nabla^2 A = \operatorname{Cov}_\eta[T]`, hence the two facts this module is about:

.. math::

    \nabla_\eta \bigl(-\log p(y \mid \eta)\bigr) = \mathbb{E}_\eta[T] - T(y),
    \qquad
    \nabla^2_\eta \bigl(-\log p(y \mid \eta)\bigr) = \operatorname{Cov}_\eta[T] \succeq 0.

For the four families here :math:`T(y) = y`: the gradient with respect to the natural parameter
is *mean minus target*, and the Hessian is a covariance matrix, positive semidefinite (so the
loss is convex in :math:`\eta`) and independent of the target. The mean function is
:math:`\mu(\eta) = \nabla A(\eta)`, and its inverse :math:`\mu^{-1}` is the *canonical link*. For
the categorical family the softmax is not injective (:math:`\eta` and :math:`\eta + c\mathbf 1`
give the same mean), so the canonical link maps :math:`q` to :math:`\log q + c\mathbf 1`, defined
up to the constant :math:`c`:

===========================  ===========  ===================  ========================================
distribution                 link         mean μ(η)            loss in lossutils (gradient: μ − y)
===========================  ===========  ===================  ========================================
Gaussian, unit variance      identity     η                    :func:`~lossutils.squared_error`
Bernoulli                    logit        σ(η)                 :func:`~lossutils.sigmoid_binary_cross_entropy`
categorical (one trial)      log q + c    softmax(η)           :func:`~lossutils.softmax_cross_entropy`
Poisson                      log          exp(η)               :func:`poisson_nll`
===========================  ===========  ===================  ========================================

:func:`canonical_families` returns these four with their log-partition, mean and covariance
functions, so that both facts can be checked numerically. Each loss drops the term
:math:`-\log h(y)`, which does not depend on :math:`\eta` (for the Poisson it is
:math:`\log y!`, for the Gaussian :math:`\tfrac12 y^2 + \tfrac12 \log 2\pi`). With a soft
target (a Bernoulli :math:`y \in (0, 1)` or a probability vector :math:`p`) the same formulas are
a cross-entropy, not a likelihood, and keep both derivatives.

Two checking helpers, not exported at the top level (``lossutils.glm.<name>``), compute the
derivatives and moments from values alone: :func:`second_difference_hessian` (the Hessian of a
loss from the loss itself, never from a gradient function) and :func:`density_moments` (mean and
covariance summed over a family's density).

References
----------
J. A. Nelder and R. W. M. Wedderburn, "Generalized linear models", Journal of the Royal Statistical
Society, Series A 135(3), 370-384, 1972.
M. J. Wainwright and M. I. Jordan, "Graphical models, exponential families, and variational
inference", Foundations and Trends in Machine Learning 1(1-2), 2008, section 3.
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

__all__ = ["poisson_nll", "poisson_nll_grad", "canonical_families", "density_moments",
           "second_difference_hessian"]


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
    mean: Callable  # mu = grad A(eta), the inverse of the canonical link
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
    ``categorical``  log q + c  LogSumExp(η)    softmax(η) = q    diag(q) − q qᵀ      0
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
        CanonicalFamily("categorical", "multinomial logit, log q + c", "probability vector p",
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


# --- checks of the pattern from the loss's values alone (used by chapter 11; not top-level) -------

_DENSITY_GRID = {
    # The outcomes summed over; the Gaussian's density is integrated by a Riemann sum on a fine grid.
    "Gaussian": np.linspace(-25.0, 25.0, 10_001),
    "Bernoulli": np.array([0.0, 1.0]),
    "Poisson": np.arange(400.0),
}


def _log_base_measure(name, y):
    """log h(y) of each family: -y^2/2 - log(2 pi)/2 (Gaussian), 0 (Bernoulli), -log y! (Poisson)."""
    if name == "Gaussian":
        return -0.5 * y * y - 0.5 * np.log(2 * np.pi)
    if name == "Poisson":
        return -np.concatenate([[0.0], np.cumsum(np.log(np.arange(1.0, y.size)))])
    return np.zeros_like(y)


def density_moments(name, eta):
    r"""Mean and (co)variance of :math:`y` computed from the family's density itself, not from :math:`A`.

    .. math::

        \mathbb{E}_\eta[y] = \sum_y y\, h(y)\, e^{\eta y - A(\eta)}, \qquad
        \operatorname{Var}_\eta[y] = \sum_y (y - \mathbb{E}_\eta[y])^2\, h(y)\, e^{\eta y - A(\eta)}

    summed over the outcomes: :math:`\{0, 1\}` (Bernoulli), the one-hot vectors :math:`e_k`
    (categorical, giving the covariance matrix), the counts 0 to 399 (Poisson; exact to rounding
    for :math:`e^\eta \lesssim 200`), and for the unit-variance Gaussian a Riemann sum on 10 001
    points of :math:`[-25, 25]` (exact to rounding for :math:`|\eta| \lesssim 15`). This is the
    brute-force counterpart of :math:`\nabla A = \mathbb{E}[y]`, :math:`\nabla^2 A = \operatorname{Cov}[y]`,
    used by chapter 11 to check the ``mean`` and ``covariance`` functions of
    :func:`canonical_families`.

    Parameters
    ----------
    name : str
        A key of :func:`canonical_families`: ``"Gaussian"``, ``"Bernoulli"``, ``"categorical"``
        or ``"Poisson"``.
    eta : array_like
        Natural parameters: a 1-D array for the scalar families, rows of logits (n, C) for the
        categorical family. Computed in float64 whatever its dtype.

    Returns
    -------
    (mean, covariance) : float64 arrays, of the shape of ``eta`` for the scalar families, (n, C)
    and (n, C, C) for the categorical family.

    References
    ----------
    M. J. Wainwright and M. I. Jordan, "Graphical models, exponential families, and variational
    inference", Foundations and Trends in Machine Learning 1(1-2), 2008, section 3.4.
    """
    families = canonical_families()
    if name not in families:
        raise ValueError(f"name must be one of {list(families)}, got {name!r}")
    eta = _v.as_real_array(eta, "eta").astype(np.float64)
    family = families[name]
    if name == "categorical":
        if eta.ndim != 2:
            raise ValueError(f"eta must be rows of logits (n, C) for the categorical family, got shape {eta.shape}")
        p = np.exp(eta - family.log_partition(eta)[:, None])  # probability of each one-hot outcome e_k
        outcomes = np.eye(eta.shape[1])
        mean = p @ outcomes
        centred = outcomes[None] - mean[:, None, :]
        return mean, np.einsum("nk,nki,nkj->nij", p, centred, centred)
    if eta.ndim != 1:
        raise ValueError(f"eta must be 1-D for the {name} family, got shape {eta.shape}")
    y = _DENSITY_GRID[name]
    p = np.exp(_log_base_measure(name, y) + eta[:, None] * y - family.log_partition(eta)[:, None])
    weights = p * (y[1] - y[0]) if name == "Gaussian" else p
    mean = weights @ y
    return mean, (weights * (y - mean[:, None]) ** 2).sum(axis=-1)


def second_difference_hessian(loss, eta, step=1e-4):
    r"""The Hessian of a loss estimated from the loss's values alone, by second differences.

    For an elementwise loss (``loss(eta)`` has the shape of ``eta``) each entry's second derivative,

    .. math:: \frac{L(\eta + h) - 2 L(\eta) + L(\eta - h)}{h^2};

    for a loss of rows (``eta`` of shape (n, C), ``loss(eta)`` of shape (n,)) the (C, C) matrix of
    each row,

    .. math::

        \frac{\partial^2 L}{\partial \eta_i \partial \eta_j} \approx
        \frac{L(\eta + h e_i + h e_j) - L(\eta + h e_i - h e_j) - L(\eta - h e_i + h e_j)
        + L(\eta - h e_i - h e_j)}{4 h^2},

    with :math:`h` = ``step`` :math:`\times \max(1, |\eta|)`. Truncation error :math:`O(h^2)`,
    rounding error about :math:`\epsilon |L| / h^2`: with the default step about 7 correct digits
    for losses of order 1 to 10. It never calls a gradient, so it tests the loss itself.

    Parameters
    ----------
    loss : callable
        Takes an array shaped like ``eta`` and returns per-element or per-row losses.
    eta : array_like
        The point, 1-D (elementwise) or 2-D (rows); computed in float64 whatever its dtype.
    step : float, optional
        Relative step, default 1e-4.

    Returns
    -------
    float64 array: of the shape of ``eta`` (elementwise) or (n, C, C) (rows).

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006, section 8.1.
    """
    eta = _v.as_real_array(eta, "eta").astype(np.float64)
    if not (np.isscalar(step) and np.isfinite(step) and step > 0):
        raise ValueError(f"step must be a positive number, got {step!r}")
    value = np.asarray(loss(eta), dtype=np.float64)
    h = step * np.maximum(1.0, np.abs(eta))
    if value.shape == eta.shape:
        plus, minus = np.asarray(loss(eta + h), float), np.asarray(loss(eta - h), float)
        return (plus - 2 * value + minus) / (((eta + h) - (eta - h)) / 2) ** 2
    if eta.ndim != 2 or value.shape != eta.shape[:1]:
        raise ValueError(f"loss must return one value per element or per row of eta {eta.shape}, "
                         f"got shape {value.shape}")
    n, classes = eta.shape
    hessian = np.empty((n, classes, classes))
    for i in range(classes):
        for j in range(i, classes):
            def shifted(si, sj):
                point = eta.copy()
                point[:, i] += si * h[:, i]
                point[:, j] += sj * h[:, j]
                return np.asarray(loss(point), float)
            entry = (shifted(1, 1) - shifted(1, -1) - shifted(-1, 1) + shifted(-1, -1)) / (4 * h[:, i] * h[:, j])
            hessian[:, i, j] = hessian[:, j, i] = entry
    return hessian
