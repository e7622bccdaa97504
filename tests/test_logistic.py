"""lossutils.logistic: binary logistic regression with cross-entropy or the probability's squared error.

Values against direct formulas, gradients and Hessians against central differences, the second
derivatives in the logit against their closed forms and sign changes, batched parameters against
one model at a time, and the argument checks. (Softmax regression is tested in test_classifiers.py.)
"""

from functools import partial

import numpy as np
import pytest
from scipy import special

import lossutils as lu

LOSSES = ["cross_entropy", "probability_squared_error"]
assert tuple(LOSSES) == lu.logistic.LOSS_NAMES


def binary_data(seed=0, n=30, d=2):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    labels = (x @ np.arange(1.0, d + 1) + rng.normal(0, 2, size=n) > 0).astype(float)
    return lu.design_matrix(x), labels


def direct_loss(theta, features, labels, loss):
    """The mean loss written out with scipy's expit, for comparison."""
    q = special.expit(features @ theta)
    if loss == "cross_entropy":
        return np.mean(-labels * np.log(q) - (1 - labels) * np.log1p(-q))
    return np.mean(0.5 * (q - labels) ** 2)


# design_matrix

def test_design_matrix_appends_a_column_of_ones():
    features = lu.design_matrix([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(features, [[1, 1], [2, 1], [3, 1]])
    np.testing.assert_array_equal(lu.design_matrix([[1, 2], [3, 4]]), [[1, 2, 1], [3, 4, 1]])
    np.testing.assert_array_equal(lu.design_matrix([1.0, 2.0], intercept=False), [[1.0], [2.0]])
    assert lu.design_matrix(np.ones(3, np.float32)).dtype == np.float32
    assert lu.design_matrix([1, 2]).dtype == np.float64


def test_design_matrix_without_intercept_does_not_alias_its_input():
    x = np.ones((2, 2))
    lu.design_matrix(x, intercept=False)[0, 0] = 5
    assert x[0, 0] == 1


def test_design_matrix_rejects_three_dimensional_input():
    with pytest.raises(ValueError, match="x must be 1-D"):
        lu.design_matrix(np.ones((2, 2, 2)))


# Second derivatives in the logit

Z = np.linspace(-12, 12, 97)


@pytest.mark.parametrize("label", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("second, first", [
    (lu.sigmoid_binary_cross_entropy_second_derivative, lu.sigmoid_binary_cross_entropy_grad),
    (lu.sigmoid_squared_error_second_derivative, lu.sigmoid_squared_error_grad),
])
def test_second_derivatives_are_the_derivatives_of_the_gradients(second, first, label):
    labels = np.full_like(Z, label)
    numerical = lu.numerical_gradient(lambda z: first(z, labels).sum(), Z)
    np.testing.assert_allclose(second(Z, labels), numerical, rtol=1e-6, atol=1e-10)


def test_cross_entropy_second_derivative_is_the_labels_free_sigma_sigma():
    for label in [0.0, 0.5, 1.0]:
        got = lu.sigmoid_binary_cross_entropy_second_derivative(Z, np.full_like(Z, label))
        np.testing.assert_allclose(got, special.expit(Z) * special.expit(-Z), rtol=1e-14, atol=0)
    assert np.all(got > 0) and got.max() == 0.25


@pytest.mark.parametrize("label, closed_form", [
    (1.0, lambda s: s * (1 - s) * (1 - s) * (3 * s - 1)),
    (0.0, lambda s: s * (1 - s) * s * (2 - 3 * s)),
])
def test_squared_error_second_derivative_closed_forms(label, closed_form):
    got = lu.sigmoid_squared_error_second_derivative(Z, np.full_like(Z, label))
    np.testing.assert_allclose(got, closed_form(special.expit(Z)), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("label, root", [(1.0, -np.log(2)), (0.0, np.log(2))])
def test_squared_error_second_derivative_changes_sign_at_plus_minus_log_2(label, root):
    def second(z):
        return lu.sigmoid_squared_error_second_derivative(z, label)

    assert second(root) == pytest.approx(0, abs=1e-16)
    below, above = second(root - 1e-6), second(root + 1e-6)
    assert below * above < 0
    # y = 1: concave to the left of -log 2; y = 0: concave to the right of +log 2.
    assert (below < 0) if label == 1 else (above < 0)


def test_second_derivatives_keep_float32_and_stay_finite_far_out():
    z = np.array([-800.0, -30.0, 0.0, 30.0, 800.0], np.float32)
    labels = np.array([1, 1, 1, 0, 0])
    for second in [lu.sigmoid_binary_cross_entropy_second_derivative,
                   lu.sigmoid_squared_error_second_derivative]:
        out = second(z, labels)
        assert out.dtype == np.float32 and np.all(np.isfinite(out))
    assert lu.sigmoid_binary_cross_entropy_second_derivative(30.0, 1.0) == pytest.approx(
        np.exp(-30) / (1 + np.exp(-30)) ** 2, rel=1e-13)


# Binary logistic regression

@pytest.mark.parametrize("loss", LOSSES)
def test_loss_matches_the_written_out_formula(loss):
    features, labels = binary_data()
    theta = np.array([0.7, -1.3, 0.2])
    assert lu.logistic_regression_loss(theta, features, labels, loss) == pytest.approx(
        direct_loss(theta, features, labels, loss), rel=1e-13)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("theta", [[0.0, 0.0, 0.0], [0.7, -1.3, 0.2], [-4.0, 6.0, 3.0]])
def test_gradient_matches_central_differences(loss, theta):
    features, labels = binary_data(1)
    theta = np.array(theta)
    value, grad = lu.logistic_regression_value_and_grad(theta, features, labels, loss)
    assert value == lu.logistic_regression_loss(theta, features, labels, loss)
    numerical = lu.numerical_gradient(lambda t: lu.logistic_regression_loss(t, features, labels, loss), theta)
    np.testing.assert_allclose(grad, numerical, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("loss", LOSSES)
def test_hessian_matches_central_differences_of_the_gradient(loss):
    features, labels = binary_data(2)
    theta = np.array([0.5, -2.0, 1.0])
    hessian = lu.logistic_regression_hessian(theta, features, labels, loss)
    for j in range(theta.size):
        column = lu.numerical_gradient(
            lambda t: lu.logistic_regression_value_and_grad(t, features, labels, loss)[1][j], theta)
        np.testing.assert_allclose(hessian[j], column, rtol=1e-6, atol=1e-10)
    np.testing.assert_array_equal(hessian, hessian.T)


def test_cross_entropy_hessian_is_positive_definite_and_squared_error_is_not_everywhere():
    features, labels = binary_data(3, d=1)
    rng = np.random.default_rng(0)
    thetas = rng.normal(0, 4, (200, 2))
    ce = np.linalg.eigvalsh(lu.logistic_regression_hessian(thetas, features, labels, "cross_entropy"))
    se = np.linalg.eigvalsh(lu.logistic_regression_hessian(thetas, features, labels, "probability_squared_error"))
    assert ce.min() > 0
    assert se.min() < 0  # the squared error has points of negative curvature


def test_one_example_squared_error_has_the_answers_inflection_point():
    # One example x = 2, y = 1, no bias: L(theta) = 1/2 sigma(-2 theta)^2 is concave for
    # theta < -log(2) / 2 and convex above, and its derivative never vanishes.
    features, labels = np.array([[2.0]]), np.array([1.0])
    thetas = np.linspace(-10, 10, 2001)[:, np.newaxis]
    second = lu.logistic_regression_hessian(thetas, features, labels, "probability_squared_error")[:, 0, 0]
    theta0 = -np.log(2) / 2
    assert np.all(second[thetas[:, 0] < theta0 - 1e-9] < 0)
    assert np.all(second[thetas[:, 0] > theta0 + 1e-9] > 0)
    _, grad = lu.logistic_regression_value_and_grad(thetas, features, labels, "probability_squared_error")
    assert np.all(grad < 0)


@pytest.mark.parametrize("loss", LOSSES)
def test_batched_parameters_give_one_result_per_model(loss):
    features, labels = binary_data(4)
    thetas = np.random.default_rng(1).normal(size=(4, 5, 3))
    values, grads = lu.logistic_regression_value_and_grad(thetas, features, labels, loss)
    hessians = lu.logistic_regression_hessian(thetas, features, labels, loss)
    accuracies = lu.logistic_regression_accuracy(thetas, features, labels)
    assert values.shape == accuracies.shape == (4, 5) and grads.shape == (4, 5, 3)
    assert hessians.shape == (4, 5, 3, 3)
    for index in np.ndindex(4, 5):
        value, grad = lu.logistic_regression_value_and_grad(thetas[index], features, labels, loss)
        assert values[index] == pytest.approx(value, rel=1e-14)
        np.testing.assert_allclose(grads[index], grad, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(
            hessians[index], lu.logistic_regression_hessian(thetas[index], features, labels, loss),
            rtol=1e-13, atol=1e-16)


def test_cross_entropy_gradient_descent_reaches_the_stationary_point_newton_finds():
    features, labels = binary_data(5, n=200)
    theta = np.zeros(3)
    for _ in range(30):  # Newton's method: the cross-entropy is convex
        _, grad = lu.logistic_regression_value_and_grad(theta, features, labels)
        theta = theta - np.linalg.solve(lu.logistic_regression_hessian(theta, features, labels), grad)
    assert np.abs(lu.logistic_regression_value_and_grad(theta, features, labels)[1]).max() < 1e-12
    path = lu.gradient_descent(partial(lu.logistic_regression_value_and_grad, features=features, labels=labels),
                               np.zeros(3), learning_rate=2.0, steps=2000)
    np.testing.assert_allclose(path.points[-1], theta, atol=1e-6)
    assert np.all(np.diff(path.values) <= 1e-15)


def test_accuracy_counts_positive_logits_as_class_one():
    features = lu.design_matrix([-2.0, -1.0, 0.0, 1.0, 2.0], intercept=False)
    labels = [0, 0, 1, 1, 1]
    assert lu.logistic_regression_accuracy([1.0], features, labels) == pytest.approx(4 / 5)  # z = 0 predicts 0
    assert lu.logistic_regression_accuracy([-1.0], features, labels) == pytest.approx(0.0)
    assert lu.logistic_regression_accuracy([[1.0], [-1.0]], features, labels).tolist() == [0.8, 0.0]


@pytest.mark.parametrize("loss", LOSSES)
def test_float32_in_float32_out(loss):
    features, labels = binary_data(6)
    features = features.astype(np.float32)
    theta = np.array([0.3, -0.2, 0.1], np.float32)
    labels = labels.astype(int)  # integer labels take the features' dtype
    value, grad = lu.logistic_regression_value_and_grad(theta, features, labels, loss)
    assert value.dtype == grad.dtype == np.float32
    assert lu.logistic_regression_loss(theta, features, labels, loss).dtype == np.float32
    assert lu.logistic_regression_hessian(theta, features, labels, loss).dtype == np.float32
    assert lu.logistic_regression_accuracy(theta, features, labels).dtype == np.float32
    expected = lu.logistic_regression_value_and_grad(theta.astype(float), features.astype(float), labels, loss)
    assert value == pytest.approx(expected[0], rel=1e-5)
    np.testing.assert_allclose(grad, expected[1], rtol=1e-4, atol=1e-6)


def test_saturated_logits_stay_finite():
    features = lu.design_matrix([-1.0, 1.0])
    labels = [1, 0]  # both confidently wrong at theta = (500, 0)
    theta = np.array([500.0, 0.0])
    ce, ce_grad = lu.logistic_regression_value_and_grad(theta, features, labels, "cross_entropy")
    se, se_grad = lu.logistic_regression_value_and_grad(theta, features, labels, "probability_squared_error")
    assert ce == pytest.approx(500.0) and np.allclose(ce_grad, [1.0, 0.0])
    assert se == pytest.approx(0.5) and np.all(np.abs(se_grad) < 1e-200)


# Argument checks

FEATURES, LABELS = binary_data(8, n=5)


@pytest.mark.parametrize("call, argument", [
    (lambda: lu.logistic_regression_loss(np.zeros(3), FEATURES, LABELS, loss="hinge"), "loss"),
    (lambda: lu.logistic_regression_value_and_grad(np.zeros(3), FEATURES, LABELS, loss=None), "loss"),
    (lambda: lu.logistic_regression_hessian(np.zeros(3), FEATURES, LABELS, loss="mse"), "loss"),
    (lambda: lu.logistic_regression_loss(np.zeros(2), FEATURES, LABELS), "params"),
    (lambda: lu.logistic_regression_loss(0.0, FEATURES, LABELS), "params"),
    (lambda: lu.logistic_regression_loss(np.zeros(3), FEATURES[:, 0], LABELS), "features"),
    (lambda: lu.logistic_regression_loss(np.zeros(3), FEATURES[:0], LABELS[:0]), "features"),
    (lambda: lu.logistic_regression_loss(np.zeros(3), FEATURES, LABELS[:-1]), "labels"),
    (lambda: lu.logistic_regression_loss(np.zeros(3), FEATURES, LABELS + 1), "labels"),
    (lambda: lu.logistic_regression_accuracy(np.zeros(3), FEATURES, np.full(5, 0.5)), "labels"),
    (lambda: lu.logistic_regression_loss(np.zeros(3), "abc", LABELS), "features"),
    (lambda: lu.sigmoid_squared_error_second_derivative(np.zeros(3), np.zeros(2)), "labels"),
    (lambda: lu.sigmoid_binary_cross_entropy_second_derivative(np.zeros(3), [2, 0, 0]), "labels"),
])
def test_bad_arguments_are_named(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


@pytest.mark.parametrize("name", ["squared_error", "softmax_squared_error", "logit_squared_error", "mse"])
@pytest.mark.parametrize("function", [lu.logistic_regression_loss, lu.logistic_regression_value_and_grad,
                                      lu.logistic_regression_hessian])
def test_only_the_book_wide_loss_names_are_accepted(function, name):
    # "squared_error" does not say what is squared; the sigmoid model's is "probability_squared_error".
    with pytest.raises(ValueError, match=r"loss must be one of 'cross_entropy', 'probability_squared_error'; "
                                         f"got '{name}'"):
        function(np.zeros(3), FEATURES, LABELS, loss=name)
