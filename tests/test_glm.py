"""lossutils.glm: the Poisson loss, and the canonical-link pattern for the four families.

The pattern, for each family: loss gradient = mean - target, Hessian = covariance (the same for every
target, positive semidefinite). Means and covariances are checked against scipy.stats, gradients
and Hessians against central differences, and the Poisson functions against scipy.stats and
200-bit mpmath.
"""

import warnings

import mpmath
import numpy as np
import pytest
from scipy import special, stats

import lossutils as lu

import exact

FAMILIES = lu.canonical_families()
rng = np.random.default_rng(20261124)


# --- the Poisson negative log-likelihood ----------------------------------------------------------

ETA_GRID = np.array([-30.0, -5.0, -1.0, -0.1, 0.0, 0.3, 1.0, 2.5, 7.0, 20.0])
COUNT_GRID = np.array([0, 1, 2, 5, 17, 300])


def test_poisson_nll_is_the_negative_log_pmf_without_log_factorial():
    eta, counts = np.meshgrid(ETA_GRID, COUNT_GRID)
    expected = -stats.poisson.logpmf(counts, np.exp(eta)) - special.gammaln(counts + 1)
    computed = lu.poisson_nll(eta, counts)
    scale = np.exp(eta) + counts * np.abs(eta) + 1
    assert np.all(np.abs(computed - expected) <= 1e-13 * scale)


def test_poisson_nll_grad_is_the_derivative():
    eta = rng.normal(0, 2, 12)
    counts = rng.poisson(3.0, 12).astype(float)
    numerical = lu.numerical_gradient(lambda e: lu.poisson_nll(e, counts).sum(), eta)
    np.testing.assert_allclose(lu.poisson_nll_grad(eta, counts), numerical, rtol=1e-7, atol=1e-8)


def test_poisson_nll_is_minimised_at_the_log_of_the_count():
    counts = np.array([0.5, 1.0, 3.0, 40.0])
    best = np.log(counts)
    assert np.all(np.abs(lu.poisson_nll_grad(best, counts)) <= 1e-15 * counts)
    for step in (1e-3, 0.5):
        assert np.all(lu.poisson_nll(best + step, counts) > lu.poisson_nll(best, counts))
        assert np.all(lu.poisson_nll(best - step, counts) > lu.poisson_nll(best, counts))


def test_non_integer_counts_keep_the_formula():
    eta, counts = np.array([0.2, -1.0]), np.array([0.25, 2.5])
    np.testing.assert_allclose(lu.poisson_nll(eta, counts), np.exp(eta) - counts * eta, rtol=1e-15)
    np.testing.assert_allclose(lu.poisson_nll_grad(eta, counts), np.exp(eta) - counts, rtol=1e-15)


@pytest.mark.parametrize(
    "eta, count, loss, grad",
    [
        (-np.inf, 0.0, 0.0, 0.0),  # rate 0, no events: certain
        (-np.inf, 2.0, np.inf, -2.0),  # rate 0, some events: impossible
        (np.inf, 0.0, np.inf, np.inf),
        (np.inf, 3.0, np.inf, np.inf),  # e^eta wins over y * eta
        (800.0, 5.0, np.inf, np.inf),  # e^800 overflows float64
        (-800.0, 0.0, 0.0, 0.0),  # e^-800 underflows to 0
        (-800.0, 3.0, 2400.0, -3.0),
        (np.nan, 1.0, np.nan, np.nan),
        (0.5, np.nan, np.nan, np.nan),
    ],
)
def test_poisson_extremes_without_warnings(eta, count, loss, grad):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        computed_loss = lu.poisson_nll(eta, count)
        computed_grad = lu.poisson_nll_grad(eta, count)
    np.testing.assert_equal(computed_loss, loss)
    np.testing.assert_equal(computed_grad, grad)


def test_float32_overflow_is_inf_without_warnings():
    eta = np.array([80.0, 100.0, -120.0], dtype=np.float32)
    counts = np.array([1.0, 1.0, 0.0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad = lu.poisson_nll(eta, counts), lu.poisson_nll_grad(eta, counts)
    assert loss.dtype == grad.dtype == np.float32
    assert np.isfinite(loss[0]) and np.isinf(loss[1]) and loss[2] == 0
    assert np.isfinite(grad[0]) and np.isinf(grad[1]) and grad[2] == 0


# --- accuracy against mpmath ----------------------------------------------------------------------


def poisson_cases(dtype):
    """Log-rates near and far from log y (where e^eta - y cancels), with integer and real counts."""
    counts = np.concatenate([rng.integers(0, 50, 600), rng.random(300) * 3, np.ones(100), [1e6, 1e-3]])
    spread = rng.choice([1e-9, 1e-4, 0.05, 0.6, 3.0, 30.0], counts.size)
    eta = np.log(np.maximum(counts, 0.5)) + rng.normal(0, 1, counts.size) * spread
    return eta.astype(dtype), counts.astype(dtype)


def reference_poisson(eta, counts):
    """Exact loss and gradient at 200 bits, with the gradient's sensitivity e^eta |eta|."""
    with mpmath.workprec(exact.PRECISION_BITS):
        losses, grads, sens = [], [], []
        for e, y in zip(eta.astype(np.float64), counts.astype(np.float64)):
            e, y = mpmath.mpf(float(e)), mpmath.mpf(float(y))
            losses.append(mpmath.exp(e) - y * e)
            grads.append(mpmath.exp(e) - y)
            sens.append(mpmath.exp(e) * abs(e))
        split = lambda values: (  # noqa: E731 -- exact value as a sum of two float64 arrays
            np.array([float(v) for v in values]),
            np.array([float(v - float(v)) for v in values]),
        )
        return split(losses), exact.Reference(*split(grads), np.array([float(s) for s in sens]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
def test_poisson_nll_grad_within_two_ulp_times_one_plus_kappa(dtype):
    eta, counts = poisson_cases(dtype)
    _, reference = reference_poisson(eta, counts)
    computed = lu.poisson_nll_grad(eta, counts)
    assert computed.dtype == dtype
    ratio = exact.error_in_budgets(computed, reference, ulps=2.0)
    assert ratio.max() <= 1, f"worst: {ratio.max():.2f} budgets at eta={eta[ratio.argmax()]}"


def test_naive_gradient_fails_the_same_budget():
    """The budget is tight enough to catch exp(eta) - y near the minimum."""
    eta, counts = poisson_cases(np.float64)
    _, reference = reference_poisson(eta, counts)
    assert exact.error_in_budgets(np.exp(eta) - counts, reference).max() > 100


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
def test_poisson_nll_absolute_error_within_eps_times_the_terms(dtype):
    eta, counts = poisson_cases(dtype)
    (high, low), _ = reference_poisson(eta, counts)
    computed = lu.poisson_nll(eta, counts)
    assert computed.dtype == dtype
    error = np.abs((computed.astype(np.float64) - high) - low)
    terms = np.exp(eta.astype(np.float64)) + counts * np.abs(eta.astype(np.float64))
    eps = np.finfo(dtype).eps
    # eps * terms bounds the rounding of the two terms; ulp of the result bounds the final rounding.
    assert np.all(error <= 2 * eps * terms + np.spacing(np.abs(high.astype(dtype))).astype(np.float64))


# --- arguments, dtypes and shapes -----------------------------------------------------------------


@pytest.mark.parametrize("function", [lu.poisson_nll, lu.poisson_nll_grad])
@pytest.mark.parametrize(
    "eta, counts, argument",
    [
        ([0.0, 1.0], [1.0, -1.0], "counts"),
        ([0.0, 1.0], [1.0, np.inf], "counts"),
        ([0.0, 1.0], [1, 2, 3], "counts"),
        ([0.0, 1.0], ["a", "b"], "counts"),
        ([1j, 0.0], [1.0, 2.0], "eta"),
        (["x"], [1.0], "eta"),
    ],
)
def test_bad_arguments_raise_naming_them(function, eta, counts, argument):
    with pytest.raises(ValueError, match=argument):
        function(eta, counts)


@pytest.mark.parametrize("function", [lu.poisson_nll, lu.poisson_nll_grad])
def test_dtypes_and_shapes(function):
    eta32 = np.array([[0.5, -1.0], [2.0, 0.0]], dtype=np.float32)
    assert function(eta32, np.array([[1, 0], [3, 2]])).dtype == np.float32  # integer counts
    assert function(eta32, eta32 * 0 + 1).dtype == np.float32
    assert function(eta32.astype(np.float16), np.ones((2, 2), np.float16)).dtype == np.float32
    assert function(eta32, np.ones((2, 2))).dtype == np.float64  # promoted, as numpy does
    assert function(eta32, np.ones((2, 2), np.float32)).shape == (2, 2)
    scalar = function(0.5, 2)
    assert isinstance(scalar, np.float64)
    np.testing.assert_allclose(function([0.5, 1.0], [2, 0]), [function(0.5, 2), function(1.0, 0)])
    float32_result = function(eta32, np.ones((2, 2), np.float32))
    float64_result = function(eta32.astype(np.float64), np.ones((2, 2)))
    np.testing.assert_array_equal(float32_result, float64_result.astype(np.float32))


# --- the canonical-link pattern -------------------------------------------------------------------

CLASSES = 4


def natural_parameters_and_targets(name, size=5):
    """Seeded natural parameters (rows of logits for the categorical family) and two targets each."""
    local = np.random.default_rng(sum(map(ord, name)))
    if name == "categorical":
        eta = local.normal(0, 1.5, (size, CLASSES))
        targets = [np.eye(CLASSES)[local.integers(0, CLASSES, size)], local.dirichlet(np.ones(CLASSES), size)]
    else:
        eta = local.normal(0, 1.5, size)
        targets = {
            "Gaussian": [local.normal(0, 2, size), local.normal(1, 1, size)],
            "Bernoulli": [local.integers(0, 2, size).astype(float), local.random(size)],
            "Poisson": [local.poisson(2.0, size).astype(float), local.poisson(9.0, size).astype(float)],
        }[name]
    return eta, targets


def scipy_mean_and_covariance(name, eta):
    """The mean and (co)variance of each family's distribution, from scipy.stats."""
    if name == "Gaussian":
        dist = stats.norm(loc=eta, scale=1.0)
        return dist.mean(), dist.var()
    if name == "Bernoulli":
        dist = stats.bernoulli(special.expit(eta))
        return dist.mean(), dist.var()
    if name == "Poisson":
        dist = stats.poisson(np.exp(eta))
        return dist.mean(), dist.var()
    q = special.softmax(eta, axis=-1)
    return stats.multinomial.mean(1, q), stats.multinomial.cov(1, q)


def numerical_hessian(grad, eta, target):
    """Central-difference Jacobian of grad(., target) at eta; diagonal only for elementwise families."""
    if eta.ndim == 1:
        return lu.numerical_gradient(lambda e: grad(e, target).sum(), eta)
    rows = []
    for n in range(eta.shape[0]):
        rows.append(np.stack([
            lu.numerical_gradient(lambda e: grad(e, target[n])[i], eta[n]) for i in range(eta.shape[1])
        ]))
    return np.stack(rows)


def test_the_table_lists_four_families_in_order():
    assert list(FAMILIES) == ["Gaussian", "Bernoulli", "categorical", "Poisson"]
    assert [f.link for f in FAMILIES.values()] == ["identity", "logit", "multinomial logit, log q + c", "log"]
    assert FAMILIES["Poisson"].loss is lu.poisson_nll
    assert FAMILIES["categorical"].loss_grad is lu.softmax_cross_entropy_grad


@pytest.mark.parametrize("name", list(FAMILIES))
def test_mean_and_covariance_are_those_of_the_distribution(name):
    family = FAMILIES[name]
    eta, _ = natural_parameters_and_targets(name)
    mean, covariance = scipy_mean_and_covariance(name, eta)
    np.testing.assert_allclose(family.mean(eta), mean, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(family.covariance(eta), covariance, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_gradient_is_mean_minus_target(name):
    family = FAMILIES[name]
    eta, targets = natural_parameters_and_targets(name)
    for target in targets:
        np.testing.assert_allclose(family.loss_grad(eta, target), family.mean(eta) - target, rtol=1e-12, atol=1e-14)
        numerical = lu.numerical_gradient(lambda e: family.loss(e, target).sum(), eta)
        np.testing.assert_allclose(numerical, family.mean(eta) - target, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_hessian_is_the_covariance_for_every_target(name):
    family = FAMILIES[name]
    eta, targets = natural_parameters_and_targets(name)
    covariance = family.covariance(eta)
    for target in targets:
        np.testing.assert_allclose(numerical_hessian(family.loss_grad, eta, target), covariance, rtol=1e-6, atol=1e-8)
        # ... and from the loss's own values, without its gradient function.
        from_loss = lu.glm.second_difference_hessian(lambda e: family.loss(e, target), eta)
        np.testing.assert_allclose(from_loss, covariance, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_covariance_is_positive_semidefinite(name):
    family = FAMILIES[name]
    eta = rng.normal(0, 4, (50, CLASSES)) if name == "categorical" else rng.normal(0, 4, 50)
    covariance = family.covariance(eta)
    if name == "categorical":
        eigenvalues = np.linalg.eigvalsh(covariance)
        assert eigenvalues.min() >= -1e-15
        # Adding a constant to every logit changes nothing: the all-ones direction has variance 0.
        np.testing.assert_allclose(covariance @ np.ones(CLASSES), 0, atol=1e-15)
    else:
        assert covariance.min() > 0


@pytest.mark.parametrize("name", list(FAMILIES))
def test_loss_is_log_partition_minus_linear_term(name):
    """loss(eta, y) - (A(eta) - <eta, y>) depends on y alone: y^2/2 for the Gaussian, else 0."""
    family = FAMILIES[name]
    eta, targets = natural_parameters_and_targets(name)
    for target in targets:
        linear = np.sum(eta * target, axis=-1) if name == "categorical" else eta * target
        remainder = family.loss(eta, target) - (family.log_partition(eta) - linear)
        expected = 0.5 * target**2 if name == "Gaussian" else np.zeros_like(remainder)
        np.testing.assert_allclose(remainder, expected, atol=1e-12)
        np.testing.assert_allclose(
            lu.numerical_gradient(lambda e: family.log_partition(e).sum(), eta), family.mean(eta), rtol=1e-6, atol=1e-9
        )


@pytest.mark.parametrize("name", list(FAMILIES))
def test_loss_is_convex_along_random_segments(name):
    family = FAMILIES[name]
    eta, targets = natural_parameters_and_targets(name, size=200)
    other = eta + rng.normal(0, 3, eta.shape)
    target = targets[0]
    for weight in (0.25, 0.5, 0.8):
        between = family.loss(weight * eta + (1 - weight) * other, target)
        chord = weight * family.loss(eta, target) + (1 - weight) * family.loss(other, target)
        assert np.all(between <= chord + 1e-12 * np.abs(chord))


def test_a_non_canonical_pairing_fails_the_pattern():
    """Squared error on a sigmoid: its gradient is not mean - target, and its curvature goes negative."""
    eta = np.linspace(-6, 6, 25)
    target = np.ones_like(eta)
    gradient = lu.sigmoid_squared_error_grad(eta, target)
    assert not np.allclose(gradient, lu.sigmoid(eta) - target, rtol=0.1)
    curvature = lu.glm.second_difference_hessian(lambda e: lu.sigmoid_squared_error(e, target), eta)
    assert curvature.min() < 0  # not convex where the model is wrong (sigma < 1/3)
    # Its curvature depends on the target; the cross-entropy's does not.
    other = lu.glm.second_difference_hessian(lambda e: lu.sigmoid_squared_error(e, 0 * target), eta)
    assert np.abs(curvature - other).max() > 0.05
    ce = [lu.glm.second_difference_hessian(lambda e: lu.sigmoid_binary_cross_entropy(e, t), eta)
          for t in (target, 0 * target)]
    np.testing.assert_allclose(ce[0], ce[1], atol=1e-6)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_functions_keep_float32(name):
    family = FAMILIES[name]
    eta = np.array([[0.5, -1.0, 2.0]] if name == "categorical" else [0.5, -1.0, 2.0], dtype=np.float32)
    for function in (family.log_partition, family.mean, family.covariance):
        assert function(eta).dtype == np.float32


@pytest.mark.parametrize("name", ["Gaussian", "Poisson"])  # Bernoulli's are lu.softplus etc., with "x"
def test_scalar_family_functions_validate_eta(name):
    for function in (FAMILIES[name].log_partition, FAMILIES[name].mean, FAMILIES[name].covariance):
        with pytest.raises(ValueError, match="eta"):
            function(["a"])


def test_categorical_covariance_keeps_digits_when_confident():
    """At logits [40, 0, 0] the top class's variance is q0 (1 - q0) ~ 2 e^-40, not 0 or noise."""
    covariance = FAMILIES["categorical"].covariance(np.array([40.0, 0.0, 0.0]))
    t = 2 * np.exp(-40.0)
    assert covariance[0, 0] == pytest.approx(t / (1 + t) ** 2, rel=1e-14)
    assert covariance[1, 2] == pytest.approx(-np.exp(-80.0) / (1 + t) ** 2, rel=1e-14)


# --- the checking helpers: moments from the density, Hessians from the loss's values ------------


@pytest.mark.parametrize("name", list(FAMILIES))
def test_density_moments_agree_with_the_family_and_scipy(name):
    eta, _ = natural_parameters_and_targets(name)
    mean, covariance = lu.glm.density_moments(name, eta)
    np.testing.assert_allclose(mean, FAMILIES[name].mean(eta), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(covariance, FAMILIES[name].covariance(eta), rtol=1e-11, atol=1e-12)
    scipy_mean, scipy_covariance = scipy_mean_and_covariance(name, eta)
    np.testing.assert_allclose(mean, scipy_mean, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(covariance, scipy_covariance, rtol=1e-11, atol=1e-12)


def test_density_moments_would_notice_a_wrong_mean():
    """Summed from the density, the moments are not those of a shifted parameter."""
    eta = np.array([0.3, 1.2])
    mean, _ = lu.glm.density_moments("Poisson", eta)
    assert np.abs(mean - np.exp(eta + 0.01)).min() > 1e-3


@pytest.mark.parametrize(
    "name, eta, argument",
    [("Gamma", [0.0], "name"), ("categorical", [0.0, 1.0], "eta"), ("Poisson", [[0.0]], "eta"),
     ("Bernoulli", ["a"], "eta")],
)
def test_density_moments_bad_arguments(name, eta, argument):
    with pytest.raises(ValueError, match=argument):
        lu.glm.density_moments(name, eta)


def test_second_difference_hessian_of_known_functions():
    x = np.array([-2.0, 0.5, 3.0])
    np.testing.assert_allclose(lu.glm.second_difference_hessian(lambda e: e**3, x), 6 * x, rtol=1e-6)
    matrix = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, -0.3], [0.0, -0.3, 4.0]])
    rows = rng.normal(0, 2, (4, 3))
    quadratic = lambda e: 0.5 * np.einsum("ni,ij,nj->n", e, matrix, e)  # noqa: E731
    hessian = lu.glm.second_difference_hessian(quadratic, rows)
    assert hessian.shape == (4, 3, 3)
    np.testing.assert_allclose(hessian, np.broadcast_to(matrix, (4, 3, 3)), atol=1e-6)
    # A float32 point is differenced in float64.
    assert lu.glm.second_difference_hessian(lambda e: e**2, x.astype(np.float32)).dtype == np.float64


def test_second_difference_hessian_bad_arguments():
    with pytest.raises(ValueError, match="loss"):
        lu.glm.second_difference_hessian(lambda e: e.sum(), np.zeros(3))
    with pytest.raises(ValueError, match="step"):
        lu.glm.second_difference_hessian(lambda e: e, np.zeros(3), step=0.0)
    with pytest.raises(ValueError, match="eta"):
        lu.glm.second_difference_hessian(lambda e: e, ["a"])


def test_probit_matching_loss_has_prediction_minus_target():
    """Auer et al. (1996): F(eta) - y eta with F' = f has gradient f - y and curvature f' for any f."""
    grid = np.linspace(-6, 6, 49)
    density = np.exp(-grid**2 / 2) / np.sqrt(2 * np.pi)
    curvatures = []
    for y in (0.0, 0.3, 1.0):
        loss = lambda e: e * special.ndtr(e) + np.exp(-e**2 / 2) / np.sqrt(2 * np.pi) - y * e  # noqa: E731
        np.testing.assert_allclose(lu.numerical_gradient(lambda e: loss(e).sum(), grid),
                                   special.ndtr(grid) - y, atol=1e-8)
        curvatures.append(lu.glm.second_difference_hessian(loss, grid))
        np.testing.assert_allclose(curvatures[-1], density, atol=1e-6)
    assert np.ptp(curvatures, axis=0).max() < 1e-6
