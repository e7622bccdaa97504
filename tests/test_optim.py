"""gradient_descent: the iterates of a quadratic in closed form, its bookkeeping and its argument checks."""

import numpy as np
import pytest

import lossutils as lu
from lossutils.optim import DescentPath

A = np.array([[3.0, 1.0], [1.0, 2.0]])


def quadratic(theta):
    """f = ½ θᵀAθ, gradient Aθ."""
    return 0.5 * theta @ A @ theta, A @ theta


def test_iterates_match_the_closed_form():
    # θ_k = (I − ηA)^k θ_0 for this f: a check of every recorded point, not only the last.
    start, eta, steps = np.array([1.0, -2.0]), 0.1, 25
    path = lu.gradient_descent(quadratic, start, learning_rate=eta, steps=steps)
    step_matrix = np.eye(2) - eta * A
    expected = np.array([np.linalg.matrix_power(step_matrix, k) @ start for k in range(steps + 1)])
    np.testing.assert_allclose(path.points, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(path.values, [quadratic(p)[0] for p in expected], rtol=1e-12)
    assert isinstance(path, DescentPath)
    assert path.points.shape == (steps + 1, 2) and path.values.shape == (steps + 1,)


def test_converges_to_the_minimiser_and_decreases_monotonically_for_a_small_step():
    path = lu.gradient_descent(quadratic, [5.0, 5.0], learning_rate=0.2, steps=200)
    assert np.all(np.diff(path.values) <= 0)
    np.testing.assert_allclose(path.points[-1], [0.0, 0.0], atol=1e-12)


def test_zero_steps_returns_the_start_and_its_value():
    path = lu.gradient_descent(quadratic, [1.0, 1.0], learning_rate=0.1, steps=0)
    np.testing.assert_array_equal(path.points, [[1.0, 1.0]])
    np.testing.assert_array_equal(path.values, [3.5])


def test_a_diverging_run_is_recorded_not_stopped():
    # η above 2 / λ_max makes the iterates grow geometrically, until they overflow.
    with np.errstate(over="ignore", invalid="ignore"):  # the test's own f overflows too
        path = lu.gradient_descent(quadratic, [1.0, 1.0], learning_rate=10.0, steps=400)
    assert path.points.shape == (401, 2)
    assert np.all(np.isfinite(path.values[:5])) and not np.all(np.isfinite(path.values))


def test_the_callable_gets_a_copy_it_may_modify():
    def destructive(theta):
        value, grad = quadratic(theta)
        theta[:] = 1e300  # must not corrupt the recorded path
        return value, grad

    path = lu.gradient_descent(destructive, [1.0, 0.0], learning_rate=0.1, steps=3)
    np.testing.assert_allclose(path.points, lu.gradient_descent(quadratic, [1.0, 0.0], learning_rate=0.1,
                                                                steps=3).points)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_keeps_the_float_dtype(dtype):
    path = lu.gradient_descent(quadratic, np.array([1.0, 2.0], dtype=dtype), learning_rate=0.1, steps=3)
    assert path.points.dtype == dtype and path.values.dtype == dtype


def test_integer_start_becomes_float64():
    path = lu.gradient_descent(quadratic, [1, 2], learning_rate=0.1, steps=2)
    assert path.points.dtype == np.float64
    assert path.points[1, 0] != 1.0  # a float step, not truncated to an integer


def test_scalar_parameter():
    path = lu.gradient_descent(lambda t: (0.5 * t * t, t), 4.0, learning_rate=0.5, steps=3)
    np.testing.assert_array_equal(path.points, [4.0, 2.0, 1.0, 0.5])


@pytest.mark.parametrize("kwargs, name", [
    (dict(learning_rate=0.0, steps=3), "learning_rate"),
    (dict(learning_rate=-0.1, steps=3), "learning_rate"),
    (dict(learning_rate=np.inf, steps=3), "learning_rate"),
    (dict(learning_rate="0.1", steps=3), "learning_rate"),
    (dict(learning_rate=0.1, steps=-1), "steps"),
    (dict(learning_rate=0.1, steps=2.0), "steps"),
    (dict(learning_rate=0.1, steps=True), "steps"),
])
def test_bad_settings_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        lu.gradient_descent(quadratic, [1.0, 1.0], **kwargs)


def test_bad_start_and_callable_are_named():
    with pytest.raises(ValueError, match="start"):
        lu.gradient_descent(quadratic, ["a", "b"], learning_rate=0.1, steps=1)
    with pytest.raises(ValueError, match="value_and_grad"):
        lu.gradient_descent(None, [1.0, 1.0], learning_rate=0.1, steps=1)
    with pytest.raises(ValueError, match="value_and_grad"):
        lu.gradient_descent(lambda t: (0.0, np.zeros(3)), [1.0, 1.0], learning_rate=0.1, steps=1)
