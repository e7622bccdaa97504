"""numerical_gradient and complex_step_gradient recover known gradients to their documented accuracy.

Central differences keep about 10 digits (error O(h^2) + O(eps/h), measured here against the largest
gradient entry); the complex step subtracts nothing and is exact to a few ulp in every entry.
"""

import numpy as np
import pytest

import lossutils as lu

RNG = np.random.default_rng(20240611)
SYMMETRIC = (lambda a: a + a.T)(RNG.standard_normal((6, 6)))
LINEAR = RNG.standard_normal(6)
WEIGHTS = RNG.uniform(0.5, 2.0, (3, 4))
OFFSETS = RNG.standard_normal((3, 4))


def _softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


# (id, f, its gradient, point): every f is analytic, so both estimators apply.
KNOWN_GRADIENTS = [
    ("quadratic-form", lambda x: 0.5 * x @ SYMMETRIC @ x + LINEAR @ x, lambda x: SYMMETRIC @ x + LINEAR,
     RNG.standard_normal(6) * 3),
    # A different weight per entry of a 2-D x: a transposed or flattened index shows up.
    ("weighted-quadratic-2d", lambda x: 0.5 * np.sum(WEIGHTS * x * x) + np.sum(OFFSETS * x),
     lambda x: WEIGHTS * x + OFFSETS, RNG.standard_normal((3, 4)) * 3),
    ("log-sum-exp", lambda x: np.log(np.sum(np.exp(x))), _softmax, RNG.standard_normal(8) * 3),
    ("log-sum-exp-2d", lambda x: np.log(np.sum(np.exp(x))), _softmax, RNG.standard_normal((3, 4)) * 3),
    ("sin-2d", lambda x: np.sum(np.sin(x)), np.cos, RNG.uniform(-10, 10, (4, 5))),
    ("exp-times-sin", lambda x: np.sum(np.exp(x[0]) * np.sin(x[1])),
     lambda x: np.stack([np.exp(x[0]) * np.sin(x[1]), np.exp(x[0]) * np.cos(x[1])]), RNG.standard_normal((2, 3))),
    ("sin-scalar", lambda x: np.sin(x), np.cos, np.float64(0.7)),
    ("cubic-large-x", lambda x: np.sum(x**3), lambda x: 3 * x**2, np.array([100.0, -250.0, 1e3])),
]
ids = [case[0] for case in KNOWN_GRADIENTS]
parametrize_known = pytest.mark.parametrize("f, gradient, x", [case[1:] for case in KNOWN_GRADIENTS], ids=ids)


@parametrize_known
def test_central_differences_keep_about_ten_digits(f, gradient, x):
    estimate = lu.numerical_gradient(f, x)
    exact = gradient(x)
    assert estimate.shape == np.shape(x) and estimate.dtype == np.float64
    assert np.max(np.abs(estimate - exact)) <= 1e-9 * np.max(np.abs(exact))


@parametrize_known
def test_complex_step_is_exact_to_rounding(f, gradient, x):
    estimate = lu.complex_step_gradient(f, x)
    assert estimate.shape == np.shape(x) and estimate.dtype == np.float64
    exact = gradient(x)
    # A few ulp, the rounding of the reference formulas included (the quadratic form's entries are
    # sums with cancellation, hence an absolute term on the scale of the largest entry).
    np.testing.assert_allclose(estimate, exact, rtol=2e-15, atol=2e-15 * np.max(np.abs(exact)))


def test_central_differences_are_not_exact():
    # The complex step's tight tolerance above means something only if the central differences
    # would fail it: they really are less accurate.
    f, gradient, x = KNOWN_GRADIENTS[2][1:]
    relative = np.abs(lu.numerical_gradient(f, x) - gradient(x)) / np.abs(gradient(x))
    assert relative.max() > 1e-13


@pytest.mark.parametrize("x, step, h", [(1.0, 1e-2, 1e-2), (-0.5, 1e-2, 1e-2), (4.0, 1e-2, 4e-2),
                                        (-300.0, 1e-3, 0.3)])
def test_the_step_is_relative_to_max_one_and_abs_x(x, step, h):
    # For a cubic, the central difference is exactly 3 x^2 + h^2: it reveals the step h taken.
    estimate = lu.numerical_gradient(lambda z: np.sum(z**3), np.array([x]), step=step)
    np.testing.assert_allclose(estimate, [3 * x**2 + h**2], rtol=1e-9)


def test_complex_step_size_is_used():
    # Im sin(x + ih) / h = cos(x) sinh(h) / h, which differs from cos(x) by a relative h^2 / 6.
    estimate = lu.complex_step_gradient(lambda z: np.sin(z), np.array([0.3]), step=0.1)
    np.testing.assert_allclose(estimate, [np.cos(0.3) * np.sinh(0.1) / 0.1], rtol=1e-14)
    assert abs(estimate[0] / np.cos(0.3) - 1) > 1e-3


@pytest.mark.parametrize("estimator", [lu.numerical_gradient, lu.complex_step_gradient])
def test_input_is_not_modified_and_f_sees_its_shape(estimator):
    x = RNG.standard_normal((2, 3))
    original = x.copy()
    seen = []

    def f(z):
        seen.append(z.shape)
        return np.sum(z * z)

    estimator(f, x)
    np.testing.assert_array_equal(x, original)
    assert set(seen) == {(2, 3)}
    assert len(seen) == (2 * x.size if estimator is lu.numerical_gradient else x.size)


@pytest.mark.parametrize("estimator", [lu.numerical_gradient, lu.complex_step_gradient])
@pytest.mark.parametrize("x", [np.float32([0.5, -1.5]), [0.5, -1.5], [1, 2]], ids=["float32", "list", "ints"])
def test_any_real_input_gives_a_float64_gradient(estimator, x):
    estimate = estimator(lambda z: np.sum(np.sin(z)), x)
    assert estimate.dtype == np.float64
    np.testing.assert_allclose(estimate, np.cos(np.asarray(x, dtype=np.float64)), rtol=1e-9)


NON_SCALAR = [lambda z: z, lambda z: np.stack([np.sum(z), np.sum(z)]), lambda z: np.outer(z, z)]


@pytest.mark.parametrize("estimator", [lu.numerical_gradient, lu.complex_step_gradient])
@pytest.mark.parametrize("f", NON_SCALAR, ids=["identity", "pair", "outer"])
def test_f_returning_a_non_scalar_is_a_value_error(estimator, f):
    with pytest.raises(ValueError, match=r"^f must return a scalar"):
        estimator(f, np.array([1.0, 2.0]))


def test_f_returning_a_complex_value_is_a_value_error_for_central_differences():
    with pytest.raises(ValueError, match=r"^f must return a real"):
        lu.numerical_gradient(lambda z: np.sum(z) * (1 + 1j), np.array([1.0, 2.0]))


BAD_STEPS = [0, 0.0, -1e-6, np.nan, np.inf, -np.inf, "0.1", [1e-3], np.array([1e-3]), 1e-3j]


@pytest.mark.parametrize("estimator", [lu.numerical_gradient, lu.complex_step_gradient])
@pytest.mark.parametrize("step", BAD_STEPS, ids=[repr(s) for s in BAD_STEPS])
def test_bad_step_is_a_value_error(estimator, step):
    with pytest.raises(ValueError, match=r"^step\b"):
        estimator(np.sum, np.array([1.0, 2.0]), step=step)


def test_complex_step_has_no_automatic_step():
    with pytest.raises(ValueError, match=r"^step\b"):
        lu.complex_step_gradient(np.sum, np.array([1.0, 2.0]), step=None)


@pytest.mark.parametrize("estimator", [lu.numerical_gradient, lu.complex_step_gradient])
@pytest.mark.parametrize("x", ["1.0", [1 + 1j, 2.0], [[1.0], [1.0, 2.0]], None],
                         ids=["string", "complex", "ragged", "none"])
def test_non_numeric_x_is_a_value_error(estimator, x):
    with pytest.raises(ValueError, match=r"^x\b"):
        estimator(np.sum, x)
