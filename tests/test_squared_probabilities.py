"""Squared error on sigmoid and softmax outputs: values and gradients against mpmath and finite
differences, the damping the book is about, dtypes and argument checks."""

import mpmath
import numpy as np
import pytest

import lossutils as lu

mpmath.mp.prec = 200


def exact_sigmoid(z):
    return 1 / (1 + mpmath.exp(-mpmath.mpf(float(z))))


def relative_error(computed, exact):
    exact = mpmath.mpf(exact)
    return float(abs((mpmath.mpf(float(computed)) - exact) / exact)) if exact != 0 else abs(float(computed))


Z_GRID = np.concatenate([-np.geomspace(1e-8, 60, 25), [0.0], np.geomspace(1e-8, 60, 25)])


@pytest.mark.parametrize("label", [0.0, 1.0])
def test_sigmoid_squared_error_and_grad_are_accurate_against_mpmath(label):
    # With y in {0, 1} the error σ(z) − y has no cancellation, and both functions are products of
    # well-conditioned factors: a few ulps, down to the 1e-53 losses of confident correct outputs.
    eps = np.finfo(np.float64).eps
    for z in Z_GRID:
        s = exact_sigmoid(z)
        loss = (s - label) ** 2 / 2
        grad = (s - label) * s * (1 - s)
        assert relative_error(lu.sigmoid_squared_error(z, label), loss) <= 8 * eps, z
        assert relative_error(lu.sigmoid_squared_error_grad(z, label), grad) <= 8 * eps, z


def test_confident_correct_loss_keeps_its_digits():
    # σ(30) − 1 = −σ(−30): ½σ(−30)² ≈ 4.378e-27, where the naive ½(sigmoid(30) − 1)² gives 4.9e-32.
    exact = (1 - exact_sigmoid(30)) ** 2 / 2
    assert relative_error(lu.sigmoid_squared_error(30.0, 1.0), exact) < 1e-15
    naive = 0.5 * (lu.sigmoid(30.0) - 1.0) ** 2
    assert relative_error(naive, exact) > 1e-3


def test_confidently_wrong_outputs_get_almost_no_gradient():
    # The point of chapters 02-03: at z = −30 with y = 1 the cross-entropy pushes with −1, the squared
    # error with about −σ(−30)·1 ≈ −1e-13.
    z = np.array([-30.0, -10.0, 0.0])
    squared = lu.sigmoid_squared_error_grad(z, np.ones(3))
    cross_entropy = lu.sigmoid_binary_cross_entropy_grad(z, np.ones(3))
    np.testing.assert_allclose(cross_entropy, [-1.0, -1.0, -0.5], atol=1e-4)
    assert abs(squared[0]) < 1e-12 and abs(squared[1]) < 1e-4
    assert squared[2] == pytest.approx(-0.125)


def test_sigmoid_grad_matches_finite_differences_for_soft_labels():
    rng = np.random.default_rng(0)
    z, y = rng.normal(scale=3, size=20), rng.uniform(size=20)
    numerical = [lu.numerical_gradient(lambda v: lu.sigmoid_squared_error(v[0], yi), np.array([zi]))[0]
                 for zi, yi in zip(z, y)]
    np.testing.assert_allclose(lu.sigmoid_squared_error_grad(z, y), numerical, rtol=1e-6, atol=1e-10)


def exact_softmax_squared_error(logits, label):
    xs = [mpmath.mpf(float(v)) for v in logits]
    m = max(xs)
    exps = [mpmath.exp(v - m) for v in xs]
    total = mpmath.fsum(exps)
    q = [e / total for e in exps]
    d = [qi - (1 if i == label else 0) for i, qi in enumerate(q)]
    projection = mpmath.fsum(qi * di for qi, di in zip(q, d))
    return mpmath.fsum(di * di for di in d) / 2, [qi * (di - projection) for qi, di in zip(q, d)], q, d


@pytest.mark.parametrize("scale", [0.1, 3.0, 30.0])
def test_softmax_squared_error_and_grad_against_mpmath(scale):
    rng = np.random.default_rng(int(scale * 10))
    eps = np.finfo(np.float64).eps
    logits = rng.normal(scale=scale, size=(40, 5))
    labels = rng.integers(0, 5, size=40)
    values = lu.softmax_squared_error(logits, labels)
    grads = lu.softmax_squared_error_grad(logits, labels)
    for row, label, value, grad in zip(logits, labels, values, grads):
        loss, exact_grad, q, d = exact_softmax_squared_error(row, label)
        # A sum of squares: no cancellation, so a relative bound holds.
        assert relative_error(value, loss) <= 16 * eps
        # q_i (d_i − ⟨q, d⟩) can cancel, in the bracket and in the dot product: bound each entry by
        # the size of the terms it is computed from.
        # And q_i = exp(ℓ_i − m)/Σ inherits the rounding of ℓ_i − m: relative error up to about
        # eps·|ℓ_i − m| (the condition number of exp), so the bound grows with the spread of the logits.
        projection = mpmath.fsum(abs(qi * di) for qi, di in zip(q, d))
        condition = 1 + np.ptp(row)
        for i in range(5):
            scale_of_terms = float(q[i] * (abs(d[i]) + projection))
            assert abs(grad[i] - float(exact_grad[i])) <= 8 * eps * condition * scale_of_terms, (row, i)


def test_softmax_grad_matches_finite_differences_for_probability_labels():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(6, 4))
    labels = rng.dirichlet(np.ones(4), size=6)
    numerical = np.array([lu.numerical_gradient(lambda v: lu.softmax_squared_error(v, p), x)
                          for x, p in zip(logits, labels)])
    np.testing.assert_allclose(lu.softmax_squared_error_grad(logits, labels), numerical, rtol=1e-6, atol=1e-10)


def test_integer_labels_equal_one_hot_labels_and_twice_the_loss_is_the_brier_score():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(7, 3))
    labels = rng.integers(0, 3, size=7)
    one_hot = np.eye(3)[labels]
    np.testing.assert_array_equal(lu.softmax_squared_error(logits, labels),
                                  lu.softmax_squared_error(logits, one_hot))
    np.testing.assert_array_equal(lu.softmax_squared_error_grad(logits, labels),
                                  lu.softmax_squared_error_grad(logits, one_hot))
    brier = np.sum((lu.softmax(logits) - one_hot) ** 2, axis=-1)
    np.testing.assert_allclose(2 * lu.softmax_squared_error(logits, labels), brier, rtol=1e-14)


def test_softmax_gradient_is_orthogonal_to_shifts():
    # softmax(ℓ + c) = softmax(ℓ), so the gradient of anything of q sums to zero over the classes.
    rng = np.random.default_rng(3)
    logits, labels = rng.normal(scale=4, size=(50, 6)), rng.integers(0, 6, 50)
    grads = lu.softmax_squared_error_grad(logits, labels)
    # Σ_i q_i (d_i − ⟨q, d⟩) = ⟨q, d⟩ (1 − Σ_i q_i) = 0, up to the rounding of the terms q_i |d_i|.
    q, d = lu.softmax(logits), lu.softmax_cross_entropy_grad(logits, labels)
    terms = np.sum(q * (np.abs(d) + np.sum(np.abs(q * d), axis=-1, keepdims=True)), axis=-1)
    assert np.all(np.abs(grads.sum(axis=-1)) <= 4 * np.finfo(float).eps * terms)
    assert np.all(np.abs(grads).sum(axis=-1) > 1e-6)  # not trivially zero


def test_a_confidently_wrong_softmax_gets_almost_no_gradient():
    # q = e_1 almost exactly while the label is 0: the squared error's gradient is ≈ 0 where the
    # cross-entropy's, q − p, is ≈ (−1, 1, 0).
    logits = np.array([0.0, 40.0, 0.0])
    np.testing.assert_allclose(lu.softmax_cross_entropy_grad(logits, 0), [-1, 1, 0], atol=1e-15)
    assert np.max(np.abs(lu.softmax_squared_error_grad(logits, 0))) < 1e-16


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes_are_kept(dtype):
    z = np.array([-2.0, 0.5], dtype=dtype)
    logits = np.array([[1.0, 0.0, -1.0]], dtype=dtype)
    for result in (lu.sigmoid_squared_error(z, [1, 0]), lu.sigmoid_squared_error_grad(z, [1, 0]),
                   lu.softmax_squared_error(logits, [2]), lu.softmax_squared_error_grad(logits, [2])):
        assert result.dtype == dtype


def test_scalars_in_scalars_out():
    assert np.ndim(lu.sigmoid_squared_error(0.0, 1.0)) == 0
    assert np.ndim(lu.sigmoid_squared_error_grad(0.0, 1.0)) == 0
    assert np.ndim(lu.softmax_squared_error([0.0, 1.0], 1)) == 0


@pytest.mark.parametrize("call, name", [
    (lambda: lu.sigmoid_squared_error([0.0, 1.0], [1.0]), "labels"),
    (lambda: lu.sigmoid_squared_error_grad([0.0], [1.5]), "labels"),
    (lambda: lu.sigmoid_squared_error(["a"], [1.0]), "logits"),
    (lambda: lu.softmax_squared_error([[0.0, 1.0]], [2]), "labels"),
    (lambda: lu.softmax_squared_error_grad([[0.0, 1.0]], [[0.7, 0.7]]), "labels"),
    (lambda: lu.softmax_squared_error_grad(np.zeros((2, 0)), np.zeros(2, dtype=int)), "logits"),
])
def test_bad_arguments_are_named(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_nan_in_nan_out():
    assert np.isnan(lu.sigmoid_squared_error(np.nan, 1.0))
    assert np.all(np.isnan(lu.softmax_squared_error_grad([np.nan, 0.0], 0)))
