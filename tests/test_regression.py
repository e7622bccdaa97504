"""lossutils.regression: the post's alternative regression losses, their derivatives, and the linear fit."""

import mpmath
import numpy as np
import pytest

import lossutils as lu

RNG = np.random.default_rng(20200808)
PREDICTIONS = RNG.normal(0, 3, 40)
TARGETS = RNG.normal(0, 3, 40)

# (loss, derivative in the prediction, the derivative written out naively as a function of a = x - y)
PAIRS = {
    "quartic": (lu.quartic_error, lu.quartic_error_grad, lambda a: 4 * a**3),
    "sine": (lu.sine_squared_error, lu.sine_squared_error_grad,
             lambda a: 2 * np.sin(a) * np.cos(a) + 2 * np.pi * np.sin(np.pi * a) * np.cos(np.pi * a)),
    "absolute": (lu.absolute_error, lu.absolute_error_grad, np.sign),
    "squared": (lu.squared_error, lu.squared_error_grad, lambda a: a),
}
LOSSES = [pair[0] for pair in PAIRS.values()]
NEW_FUNCTIONS = [lu.quartic_error, lu.quartic_error_grad, lu.sine_squared_error, lu.sine_squared_error_grad,
                 lu.absolute_error, lu.absolute_error_grad]


# --- values ----------------------------------------------------------------------------------------

def test_values_match_the_posts_formulas():
    a = PREDICTIONS - TARGETS
    np.testing.assert_allclose(lu.quartic_error(PREDICTIONS, TARGETS), a**4, rtol=1e-14)
    np.testing.assert_allclose(lu.sine_squared_error(PREDICTIONS, TARGETS),
                               np.sin(a) ** 2 + np.sin(np.pi * a) ** 2, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(lu.absolute_error(PREDICTIONS, TARGETS), np.abs(a))


@pytest.mark.parametrize(
    "a", [355.0, 113 * np.pi, 22.0, 7 * np.pi, 1234.567, -98765.4321, 1e6 + 0.1, 0.3, 2.5, -1.5]
)
def test_sine_squared_error_is_accurate_far_from_zero(a):
    """sin(pi a) is reduced exactly, so near-zeros far from 0 keep their relative accuracy."""
    mpmath.mp.dps = 50
    exact = mpmath.sin(mpmath.mpf(a)) ** 2 + mpmath.sinpi(mpmath.mpf(a)) ** 2
    assert lu.sine_squared_error(a, 0.0) == pytest.approx(float(exact), rel=1e-13)
    derivative = mpmath.sin(2 * mpmath.mpf(a)) + mpmath.pi * mpmath.sinpi(2 * mpmath.mpf(a))
    assert lu.sine_squared_error_grad(a, 0.0) == pytest.approx(float(derivative), rel=1e-12, abs=1e-15)


# --- derivatives -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PAIRS)
def test_derivative_matches_central_differences(name):
    loss, derivative, _ = PAIRS[name]
    # Away from x = y, where the absolute error has a kink.
    predictions = np.where(np.abs(PREDICTIONS - TARGETS) < 1e-3, PREDICTIONS + 0.5, PREDICTIONS)
    # One coordinate at a time: differencing a sum would add the rounding of the other terms.
    numerical = np.array([lu.numerical_gradient(lambda x: loss(x, target), prediction)
                          for prediction, target in zip(predictions, TARGETS)])
    scale = np.maximum(1, np.abs(numerical))
    # 1e-7: the truncation error h^2 f'''/6 of the sine loss, whose third derivative reaches 8 pi^3.
    np.testing.assert_array_less(np.abs(derivative(predictions, TARGETS) - numerical) / scale, 1e-7)


@pytest.mark.parametrize("name", PAIRS)
def test_derivative_matches_its_closed_form(name):
    _, derivative, closed_form = PAIRS[name]
    a = PREDICTIONS - TARGETS
    np.testing.assert_allclose(derivative(PREDICTIONS, TARGETS), closed_form(a), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", PAIRS)
def test_losses_are_even_and_derivatives_odd_in_the_error(name):
    loss, derivative, _ = PAIRS[name]
    np.testing.assert_allclose(loss(PREDICTIONS, TARGETS), loss(TARGETS, PREDICTIONS), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(derivative(PREDICTIONS, TARGETS), -derivative(TARGETS, PREDICTIONS),
                               rtol=1e-12, atol=1e-14)


def test_sign_is_a_subgradient_of_the_absolute_error_everywhere():
    """|b| >= |a| + g(a)(b - a) for all a, b: the defining inequality, including at a = 0."""
    rng = np.random.default_rng(1)
    a = np.concatenate([rng.normal(0, 2, 50), [0.0, -0.0]])
    b = rng.normal(0, 2, 60)
    g = lu.absolute_error_grad(a, np.zeros_like(a))
    assert g[-1] == 0 and g[-2] == 0
    assert np.all(np.abs(b)[None, :] >= np.abs(a)[:, None] + g[:, None] * (b[None, :] - a[:, None]) - 1e-15)
    np.testing.assert_array_equal(np.abs(g[:-2]), 1)


def test_central_difference_of_the_absolute_error_at_its_kink_is_zero():
    """Not a derivative (none exists); the symmetric quotient lands on the subgradient 0."""
    assert lu.numerical_gradient(lambda x: lu.absolute_error(x, np.zeros(1)).sum(), np.zeros(1))[0] == 0


# --- zero if and only if x = y ---------------------------------------------------------------------

@pytest.mark.parametrize("loss", LOSSES)
def test_zero_at_equal_arguments_exactly(loss):
    values = np.array([0.0, 1.0, -3.5, 113 * np.pi, 1e6 + 0.1, 1e300])
    assert np.all(loss(values, values) == 0)


@pytest.mark.parametrize("loss", LOSSES)
def test_positive_at_unequal_arguments(loss):
    errors = np.concatenate([np.random.default_rng(2).normal(0, 5, 1000), np.arange(1, 50.0),
                             np.pi * np.arange(1, 50), [1e-7, -1e-7]])
    assert np.all(loss(errors, np.zeros_like(errors)) > 0)


def test_sine_squared_error_is_positive_but_tiny_near_113_pi():
    """Zero only at 0, but the infimum away from 0 is 0: the post's "zero iff" is exact yet fragile."""
    a = np.linspace(113 * np.pi, 355.0, 2001)
    values = lu.sine_squared_error(a, np.zeros_like(a))
    assert np.all(values > 0)
    assert 5e-10 < values.min() < 1e-9
    # The minimum there is a stationary point of the loss: the derivative changes sign across it.
    derivative = lu.sine_squared_error_grad(a, np.zeros_like(a))
    assert derivative[0] < 0 < derivative[-1]


def test_sine_squared_error_has_other_stationary_points():
    a = np.linspace(0.25, 10, 100_001)
    derivative = lu.sine_squared_error_grad(a, np.zeros_like(a))
    sign_changes = np.count_nonzero(np.diff(np.sign(derivative)) != 0)
    assert sign_changes >= 18  # about two per unit of a: a local minimum near each integer


def test_quartic_error_is_flat_to_third_order_at_its_minimum():
    a = np.array([1e-2, 1e-4])
    np.testing.assert_allclose(lu.quartic_error_grad(a, np.zeros(2)), 4 * a**3, rtol=1e-14)
    assert lu.quartic_error_grad(1e-4, 0.0) < 1e-11


# --- dtypes, shapes and validation -----------------------------------------------------------------

@pytest.mark.parametrize("function", NEW_FUNCTIONS)
def test_float32_in_float32_out(function):
    x = np.float32([0.5, -2.0, 3.25])
    out = function(x, np.zeros(3, np.float32))
    assert out.dtype == np.float32
    reference = function(x.astype(np.float64), np.zeros(3))
    np.testing.assert_allclose(out, reference, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("function", NEW_FUNCTIONS)
def test_dtypes_lists_and_scalars(function):
    assert function(np.float16([1.5]), np.float16([0.0])).dtype == np.float32
    assert function(np.float32([1.5]), [0]).dtype == np.float32  # integer targets take the prediction's dtype
    assert function([[1.5, 2.0]], [[0.0, 1.0]]).shape == (1, 2)
    scalar = function(1.5, 0.0)
    assert isinstance(scalar, np.floating) and np.ndim(scalar) == 0


@pytest.mark.parametrize("function", NEW_FUNCTIONS)
def test_shape_mismatch_is_rejected_not_broadcast(function):
    with pytest.raises(ValueError, match="target must have the same shape as prediction"):
        function(np.zeros((3, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="target"):
        function(np.zeros(3), 0.0)


@pytest.mark.parametrize("function", NEW_FUNCTIONS)
def test_non_numbers_are_named(function):
    with pytest.raises(ValueError, match="prediction"):
        function(["a", "b"], [0.0, 1.0])
    with pytest.raises(ValueError, match="target"):
        function([0.0, 1.0], np.array([1 + 1j, 0]))


@pytest.mark.parametrize("function", NEW_FUNCTIONS)
def test_nan_propagates(function):
    assert np.isnan(function(np.nan, 0.0))


# --- the linear fit --------------------------------------------------------------------------------

def line_data(n=30, noise=0.3, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    design = np.column_stack([np.ones(n), x])
    return design, 0.5 + 2 * x + noise * rng.normal(size=n)


@pytest.mark.parametrize("name", PAIRS)
def test_objective_value_and_gradient(name):
    loss, derivative, _ = PAIRS[name]
    design, targets = line_data()
    value_and_grad = lu.linear_regression_objective(design, targets, loss, derivative)
    weights = np.array([-0.7, 1.3])
    value, gradient = value_and_grad(weights)
    assert value == pytest.approx(np.mean(loss(design @ weights, targets)), rel=1e-14)
    assert gradient.shape == (2,)
    numerical = lu.numerical_gradient(lambda w: value_and_grad(w)[0], weights)
    np.testing.assert_allclose(gradient, numerical, rtol=1e-7, atol=1e-9)


def test_gradient_descent_on_the_squared_error_reaches_least_squares():
    design, targets = line_data()
    objective = lu.linear_regression_objective(design, targets, lu.squared_error, lu.squared_error_grad)
    path = lu.gradient_descent(objective, np.zeros(2), learning_rate=1.0, steps=300)
    least_squares = np.linalg.lstsq(design, targets, rcond=None)[0]
    np.testing.assert_allclose(path.points[-1], least_squares, rtol=1e-10)


def test_gradient_descent_on_the_absolute_error_approaches_a_median_line():
    """Intercept only: the mean absolute error of a constant is smallest at the median."""
    targets = np.random.default_rng(2).exponential(size=101)
    design = np.ones((101, 1))
    objective = lu.linear_regression_objective(design, targets, lu.absolute_error, lu.absolute_error_grad)
    path = lu.gradient_descent(objective, np.zeros(1), learning_rate=0.01, steps=400)
    assert abs(path.points[-1, 0] - np.median(targets)) < 0.02
    assert abs(np.median(targets) - np.mean(targets)) > 0.2  # so that the test tells them apart


def test_objective_keeps_float32():
    design, targets = line_data()
    objective = lu.linear_regression_objective(design.astype(np.float32), targets.astype(np.float32),
                                               lu.quartic_error, lu.quartic_error_grad)
    value, gradient = objective(np.float32([0.1, 0.2]))
    assert value.dtype == np.float32 and gradient.dtype == np.float32


@pytest.mark.parametrize(
    "design, targets, loss, loss_grad, argument",
    [
        (np.ones(5), np.ones(5), lu.quartic_error, lu.quartic_error_grad, "design"),
        (np.ones((0, 2)), np.ones(0), lu.quartic_error, lu.quartic_error_grad, "design"),
        (np.ones((5, 2)), np.ones((5, 1)), lu.quartic_error, lu.quartic_error_grad, "targets"),
        (np.ones((5, 2)), np.ones(4), lu.quartic_error, lu.quartic_error_grad, "targets"),
        (np.ones((5, 2)), np.ones(5), "quartic", lu.quartic_error_grad, "loss"),
        (np.ones((5, 2)), np.ones(5), lu.quartic_error, None, "loss_grad"),
        ([["a", "b"]], [1.0], lu.quartic_error, lu.quartic_error_grad, "design"),
    ],
)
def test_objective_validates_its_arguments(design, targets, loss, loss_grad, argument):
    with pytest.raises(ValueError, match=argument):
        lu.linear_regression_objective(design, targets, loss, loss_grad)


def test_objective_validates_the_weights():
    objective = lu.linear_regression_objective(np.ones((5, 2)), np.ones(5), lu.quartic_error,
                                               lu.quartic_error_grad)
    with pytest.raises(ValueError, match="weights"):
        objective(np.ones(3))
    with pytest.raises(ValueError, match="weights"):
        objective(np.ones((2, 1)))
