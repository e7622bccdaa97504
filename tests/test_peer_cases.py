"""The public test cases of the field's reference implementations, re-expressed in lossutils' API.

Each block below names the peer test file and test it ports; the peers' code is not copied, only
their inputs, their expected values and their tolerances. Where a peer states an expected value, the
test compares with it; where a peer compares against its own implementation (another function of
its library, a finite-difference check, numpy), the reference here is the 200-bit mpmath value of
``tests/exact.py``, with the peer's tolerance.

Three kinds of case:

- ported: the peer's inputs and check, in lossutils' API (the class axis is always the last);
- missing feature: a case that needs something lossutils does not have (``b=`` weights, signs,
  ``where=`` masks, reductions, label smoothing, ...) is a skipped test whose reason names it
  (``test_*_missing_feature``), so that the list of what lossutils lacks is in one place;
- documented difference: where a peer silently computes and lossutils, as its docstrings say, raises
  ``ValueError`` (empty or 0-d inputs, complex numbers, labels that are not distributions or are out
  of range) or changes the dtype (float16 is computed and returned in float32), the test checks
  what lossutils documents (``test_*_documented_difference``).

Not ported, as they test nothing lossutils has an analogue of: scipy's private ``_wrap_radians``;
JAX's attention, activations other than the sigmoid family, initializers, ``one_hot`` (except its
out-of-range rows) and tracing tests; PyTorch's CUDA-only kernels, module plumbing and the losses
other than cross-entropy, BCE and the NLL cases that are cross-entropy's second half. The other
losses of optax's file (hinge, sparsemax, perceptron, CTC, focal) are listed as missing features.
"""

import math

import numpy as np
import pytest

import lossutils as lu

import exact

F32, F64 = np.float32, np.float64


def scipy_rtol(dtype):
    """scipy's ``xp_assert_close`` default: 4 sqrt(eps) of the result's dtype."""
    return 4 * math.sqrt(np.finfo(dtype).eps)


# torch.testing's defaults for assertEqual on float tensors.
TORCH_TOL = {np.dtype(F32): dict(rtol=1.3e-6, atol=1e-5), np.dtype(F64): dict(rtol=1e-7, atol=1e-7)}
# jax._src.test_util's default tolerances (atol = rtol = tol), used by _CheckAgainstNumpy.
JAX_TOL = {np.dtype(F32): 1e-6, np.dtype(F64): 1e-15}


def torch_close(actual, expected):
    actual = np.asarray(actual)
    np.testing.assert_allclose(actual, expected, **TORCH_TOL[actual.dtype])


def missing(feature):
    return pytest.mark.skip(reason=f"lossutils has no {feature}")


def missing_cases(cases):
    """pytest params for ``(peer test, feature)`` pairs, each skipped with its feature named."""
    return [pytest.param(case, feature, marks=missing(feature), id=case) for case, feature in cases]


def along(reference, x, axis):
    """An ``exact`` reference of a last-axis function, evaluated along ``axis``; its high part."""
    moved = np.moveaxis(np.asarray(x), axis, -1)
    high = reference(moved).high
    if high.ndim == moved.ndim:  # elementwise along the axis (softmax, log_softmax)
        return np.moveaxis(high, -1, axis)
    return high  # reduced (logsumexp): the other axes keep their order


def one_hot(labels, num_classes, dtype=F64):
    return np.eye(num_classes, dtype=dtype)[labels]


# =================================================================================================
# scipy: scipy/special/tests/test_logsumexp.py (TestLogSumExp, TestSoftmax) and
#        scipy/special/tests/test_log_softmax.py (test_log_softmax, test_axes, ...)
# =================================================================================================

# TestLogSumExp.test_logsumexp, test_list, test_gh18295: (name, input, scipy's expected value or
# None when scipy compares with numpy's own evaluation, which mpmath replaces here).
SCIPY_LSE_VALUES = [
    ("test_logsumexp-arange200", np.arange(200.0), None),
    ("test_logsumexp-1000x2", np.array([1000.0, 1000.0]), 1000.0 + math.log(2.0)),
    ("test_logsumexp-int10000x1000", np.full((1000,), 10000), 10000.0 + math.log(1000)),
    ("test_list", [1000, 1000], 1000.0 + math.log(2.0)),
    ("test_gh18295", np.array([0.0, -40.0]), None),
]


@pytest.mark.parametrize("x, expected", [pytest.param(x, e, id=n) for n, x, e in SCIPY_LSE_VALUES])
def test_scipy_logsumexp_values(x, expected):
    if expected is None:
        expected = exact.logsumexp(x).high
    result = lu.logsumexp(x)
    assert result.dtype == F64
    np.testing.assert_allclose(result, expected, rtol=scipy_rtol(F64), atol=0)


@pytest.mark.parametrize("x, expected", [
    pytest.param([np.inf], np.inf, id="inf"),
    pytest.param([-np.inf], -np.inf, id="-inf"),
    pytest.param([np.nan], np.nan, id="nan"),
    pytest.param([-np.inf, -np.inf], -np.inf, id="-inf,-inf"),
])
def test_scipy_logsumexp_special_values(x, expected):
    """TestLogSumExp.test_logsumexp, 'Handling special values properly' (exact equality)."""
    np.testing.assert_equal(lu.logsumexp(np.array(x)), expected)


def test_scipy_logsumexp_different_magnitudes_and_keepdims():
    """TestLogSumExp.test_logsumexp: rows of very different magnitude, with and without keepdims."""
    a = np.array([[1e10, 1e-10], [-1e10, -np.inf]])
    ref = np.array([1e10, -1e10])
    np.testing.assert_allclose(lu.logsumexp(a, axis=-1), ref, rtol=scipy_rtol(F64))
    kept = lu.logsumexp(a, axis=-1, keepdims=True)
    assert kept.shape == (2, 1)
    np.testing.assert_allclose(kept, ref[:, None], rtol=scipy_rtol(F64))


@pytest.mark.parametrize("axis", [0, 1])
def test_scipy_logsumexp_million_tiny_terms(axis):
    """TestLogSumExp.test_logsumexp: exp(logsumexp(log X)) = sum(X) for two rows of 10^6 x 1e-40."""
    x = np.full((1_000_000,), 1e-40)
    logx = np.log(x)
    big_x, big_logx = np.stack([x, x]), np.stack([logx, logx])
    np.testing.assert_allclose(np.exp(lu.logsumexp(big_logx, axis=axis)), big_x.sum(axis=axis),
                               rtol=scipy_rtol(F64))


def test_scipy_logsumexp_shape():
    """TestLogSumExp.test_logsumexp_shape, axis=2 (its b is all ones, plain logsumexp)."""
    r = lu.logsumexp(np.ones((1, 2, 3, 4)), axis=2)
    assert r.shape == (1, 2, 4)
    np.testing.assert_allclose(r, 1 + math.log(3), rtol=scipy_rtol(F64))


def test_scipy_logsumexp_list_input():
    """TestLogSumExp.test_xp_invalid_input, arg [1, 2, 3]: a list is the array it converts to."""
    assert lu.logsumexp([1, 2, 3]) == lu.logsumexp(np.asarray([1, 2, 3]))


@pytest.mark.parametrize("dtype, expected_dtype", [
    (F32, F32), (F64, F64), (np.int32, F64), (np.int64, F64)])
def test_scipy_logsumexp_dtypes(dtype, expected_dtype):
    """TestLogSumExp.test_dtypes_a (real dtypes): floats kept, integers give float64."""
    result = lu.logsumexp(np.array([1000.0, 1000.0], dtype=dtype))
    assert result.dtype == expected_dtype
    np.testing.assert_allclose(result, 1000.0 + math.log(2.0), rtol=scipy_rtol(expected_dtype))


# TestSoftmax.test_softmax_fixtures and test_softmax_multi_axes: (name, x, axis, scipy's expected).
# scipy's expected values below were computed by scipy with mpmath at 200 digits.
_SCIPY_ARANGE4_SOFTMAX = np.array([0.03205860328008499, 0.08714431874203256,
                                   0.23688281808991013, 0.6439142598879722])
_SCIPY_X2 = np.array([[-25, 0, 25, 50], [1, 325, 749, 750]])
_SCIPY_X2_SOFTMAX = np.array([[2.678636961770877e-33, 1.9287498479371314e-22,
                               1.3887943864771144e-11, 0.999999999986112],
                              [0.0, 1.9444526359919372e-185, 0.2689414213699951,
                               0.7310585786300048]])
SCIPY_SOFTMAX_VALUES = [
    ("fixtures-1000,0,0,0", [1000, 0, 0, 0], -1, np.array([1.0, 0, 0, 0])),
    ("fixtures-1,1", [1, 1], -1, np.array([0.5, 0.5])),
    ("fixtures-0,1", [0, 1], -1, np.array([1, np.e]) / (1 + np.e)),
    ("fixtures-arange4", np.arange(4), -1, _SCIPY_ARANGE4_SOFTMAX),
    ("fixtures-translation", np.arange(4) + 100, -1, _SCIPY_ARANGE4_SOFTMAX),
    ("multi_axes-axis0", [[1000, 0], [1000, 0]], 0, np.full((2, 2), 0.5)),
    ("multi_axes-axis1", [[1000, 0], [1000, 0]], 1, np.array([[1.0, 0], [1.0, 0]])),
    ("multi_axes-x-axis1", _SCIPY_X2, 1, _SCIPY_X2_SOFTMAX),
    ("multi_axes-xT-axis0", _SCIPY_X2.T, 0, _SCIPY_X2_SOFTMAX.T),
]


@pytest.mark.parametrize("x, axis, expected",
                         [pytest.param(x, a, e, id=n) for n, x, a, e in SCIPY_SOFTMAX_VALUES])
def test_scipy_softmax_values(x, axis, expected):
    np.testing.assert_allclose(lu.softmax(x, axis=axis), expected, rtol=1e-13, atol=0)


_SCIPY_ARANGE4_LOG_SOFTMAX = np.array([-3.4401896985611953, -2.4401896985611953,
                                       -1.4401896985611953, -0.44018969856119533])
SCIPY_LOG_SOFTMAX_VALUES = [
    ("test_log_softmax-1000,1", np.array([1000, 1]), -1, np.array([0.0, -999])),
    ("test_log_softmax-arange4", np.arange(4), -1, _SCIPY_ARANGE4_LOG_SOFTMAX),
    ("test_log_softmax_translation", np.arange(4) + 100, -1, _SCIPY_ARANGE4_LOG_SOFTMAX),
    ("test_axes-0", [[1000, 1], [1000, 1]], 0, np.log(0.5) * np.ones((2, 2))),
    ("test_axes-1", [[1000, 1], [1000, 1]], 1, np.array([[0.0, -999], [0, -999]])),
    ("test_log_softmax_2d_axis1", np.arange(8).reshape(2, 4), 1,
     np.stack([_SCIPY_ARANGE4_LOG_SOFTMAX] * 2)),
    ("test_log_softmax_2d_axis0", np.arange(8).reshape(2, 4).T, 0,
     np.stack([_SCIPY_ARANGE4_LOG_SOFTMAX] * 2).T),
]


@pytest.mark.parametrize("x, axis, expected",
                         [pytest.param(x, a, e, id=n) for n, x, a, e in SCIPY_LOG_SOFTMAX_VALUES])
def test_scipy_log_softmax_values(x, axis, expected):
    np.testing.assert_allclose(lu.log_softmax(x, axis=axis), expected, rtol=1e-13, atol=0)


@pytest.mark.parametrize("call", [
    pytest.param(lambda: lu.logsumexp(np.array([])), id="test_logsumexp-empty (scipy: -inf)"),
    pytest.param(lambda: lu.logsumexp(1), id="test_xp_invalid_input-scalar"),
    pytest.param(lambda: lu.log_softmax(1.0), id="test_log_softmax_scalar (scipy: 0.0)"),
    pytest.param(lambda: lu.logsumexp(np.array([1000.0, 1000.0], dtype=np.complex64)),
                 id="test_dtypes_a-complex64"),
    pytest.param(lambda: lu.logsumexp(np.array([1000.0, 1000.0], dtype=np.complex128)),
                 id="test_dtypes_a-complex128"),
    pytest.param(lambda: lu.logsumexp(np.array([1 + 1j, 2 - 1j, -2 + 3j])),
                 id="test_logsumexp_complex_sign"),
    pytest.param(lambda: lu.logsumexp(np.array([0, 2.2204460492503132e-17j])),
                 id="test_gh21709_small_imaginary"),
    pytest.param(lambda: lu.logsumexp(np.ones((10, 100)) * (1 + 1j), axis=1), id="test_gh21610"),
])
def test_scipy_documented_difference(call):
    """lossutils documents a non-empty axis of at least one dimension, and real numbers only."""
    with pytest.raises(ValueError, match="x "):
        call()


@pytest.mark.parametrize("case, feature", missing_cases([
    ("test_logsumexp-axis=(-1,-2)", "tuple of axes"),
    ("test_logsumexp-1e-40-no-axis", "axis=None (reduction over every axis)"),
    ("test_logsumexp_b", "b= weights in logsumexp"),
    ("test_logsumexp_b_zero", "b= weights in logsumexp"),
    ("test_logsumexp_b_shape", "b= weights in logsumexp"),
    ("test_dtypes_ab", "b= weights in logsumexp"),
    ("test_logsumexp_sign", "return_sign in logsumexp"),
    ("test_logsumexp_sign_zero", "return_sign in logsumexp"),
    ("test_logsumexp_sign_shape", "return_sign in logsumexp"),
    ("test_logsumexp_shape-axis=(1,3)", "tuple of axes"),
    ("test_softmax_fixtures-axis=None", "axis=None (softmax over every axis)"),
    ("test_softmax_multi_axes-axis=(1,2)", "tuple of axes"),
    ("test_log_softmax_noneaxis", "axis=None (log_softmax over every axis)"),
    ("test_log_softmax_3d-axis=(1,2)", "tuple of axes"),
]))
def test_scipy_missing_feature(case, feature):
    pass


# =================================================================================================
# optax: optax/losses/_classification_test.py
# =================================================================================================

OPTAX_YS = np.array([[10.0, 1.0, -2.0], [1.0, 4.0, 0.2]], dtype=F32)
OPTAX_TS = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype=F32)
OPTAX_EXP = np.array([9.00013, 3.0696733], dtype=F32)
OPTAX_INT_TS = np.array([1, 0], dtype=np.int32)

# SafeSoftmaxCrossEntropyTest: masked classes (-inf logits) and zero labels on them.
OPTAX_SAFE_YS = np.array([[10.0, 1.0, -2.0], [1.0, 4.0, 0.2], [-np.inf, 0.0, 0.0],
                          [-np.inf, 0.0, 0.0], [-np.inf, 0.0, -np.inf]], dtype=F32)
OPTAX_SAFE_TS = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5],
                          [0.4, 0.3, 0.3], [0.0, 1.0, 0.0]], dtype=F32)
OPTAX_SAFE_EXP = np.array([9.00013, 3.0696733, 0.693147, np.inf, 0.0], dtype=F32)


def test_optax_softmax_cross_entropy_scalar():
    """SoftmaxCrossEntropyTest.test_scalar (atol 1e-4)."""
    np.testing.assert_allclose(lu.softmax_cross_entropy(OPTAX_YS[0], OPTAX_TS[0]), OPTAX_EXP[0],
                               atol=1e-4)


def test_optax_softmax_cross_entropy_batched():
    """SoftmaxCrossEntropyTest.test_batched (atol 1e-4)."""
    np.testing.assert_allclose(lu.softmax_cross_entropy(OPTAX_YS, OPTAX_TS), OPTAX_EXP, atol=1e-4)


@pytest.mark.parametrize("rows", [slice(0, 2), slice(2, 5)], ids=["finite", "masked"])
def test_optax_softmax_cross_entropy_gradient(rows):
    """SoftmaxCrossEntropyTest.test_gradient / SafeSoftmaxCrossEntropyTest.test_gradient.

    optax checks its autodiff gradient against finite differences (and, under masks, that it is
    finite); here q - p is compared with the exact gradient, including the rows with -inf logits.
    """
    logits, labels = OPTAX_SAFE_YS[rows], OPTAX_SAFE_TS[rows]
    grad = lu.softmax_cross_entropy_grad(logits, labels)
    assert np.isfinite(grad).all()
    reference = exact.softmax_cross_entropy_grad(logits, labels).high
    np.testing.assert_allclose(grad, reference, rtol=1e-6, atol=1e-7)


def test_optax_safe_softmax_cross_entropy_scalar():
    """SafeSoftmaxCrossEntropyTest.test_scalar (atol 1e-4)."""
    np.testing.assert_allclose(lu.softmax_cross_entropy(OPTAX_SAFE_YS[0], OPTAX_SAFE_TS[0]),
                               OPTAX_SAFE_EXP[0], atol=1e-4)


def test_optax_safe_softmax_cross_entropy_batched():
    """SafeSoftmaxCrossEntropyTest.test_batched: -inf logits with zero labels give 0 * log 0 = 0;
    -inf logits with positive labels give +inf."""
    loss = lu.softmax_cross_entropy(OPTAX_SAFE_YS, OPTAX_SAFE_TS)
    np.testing.assert_allclose(loss, OPTAX_SAFE_EXP, atol=1e-4)


def test_optax_safe_against_plain_implementation():
    """SafeSoftmaxCrossEntropyTest.test_against_plain_implementation: the fused value and gradient
    agree with the separate functions (optax: 'safe' vs plain value_and_grad, atol 1e-4)."""
    loss, grad = lu.softmax_cross_entropy_value_and_grad(OPTAX_YS[0], OPTAX_TS[0])
    np.testing.assert_allclose(loss, lu.softmax_cross_entropy(OPTAX_YS[0], OPTAX_TS[0]), atol=1e-4)
    np.testing.assert_allclose(grad, lu.softmax_cross_entropy_grad(OPTAX_YS[0], OPTAX_TS[0]),
                               atol=1e-4)


@pytest.mark.parametrize("rows", [0, slice(None)], ids=["scalar", "batched"])
def test_optax_integer_labels_consistent_with_softmax_cross_entropy(rows):
    """SoftmaxCrossEntropyWithIntegerLabelsTest.test_consistent_with_softmax_cross_entropy_*."""
    expected = lu.softmax_cross_entropy(OPTAX_YS[rows], one_hot(OPTAX_INT_TS[rows], 3, F32))
    np.testing.assert_allclose(
        lu.softmax_cross_entropy_with_integer_labels(OPTAX_YS[rows], OPTAX_INT_TS[rows]),
        expected, rtol=1e-6)


def test_optax_integer_labels_gradient():
    """SoftmaxCrossEntropyWithIntegerLabelsTest.test_gradient: q - e_y against the exact value."""
    grad = lu.softmax_cross_entropy_grad(OPTAX_YS, OPTAX_INT_TS)
    reference = exact.softmax_cross_entropy_grad(OPTAX_YS, one_hot(OPTAX_INT_TS, 3)).high
    np.testing.assert_allclose(grad, reference, rtol=1e-6, atol=1e-7)


# SigmoidCrossEntropyTest.test_sigmoid_cross_entropy: (preds, labels, expected mean).
OPTAX_SIGMOID_CASES = [
    ([-1e09, -1e-09], [1.0, 0.0], 5e08), ([-1e09, -1e-09], [0.0, 1.0], 0.3465736),
    ([1e09, 1e-09], [1.0, 0.0], 0.3465736), ([1e09, 1e-09], [0.0, 1.0], 5e08),
    ([-1e09, 1e-09], [1.0, 0.0], 5e08), ([-1e09, 1e-09], [0.0, 1.0], 0.3465736),
    ([1e09, -1e-09], [1.0, 0.0], 0.3465736), ([1e09, -1e-09], [0.0, 1.0], 5e08),
    ([0.0, 0.0], [1.0, 0.0], 0.6931472), ([0.0, 0.0], [0.0, 1.0], 0.6931472),
]


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32 (jnp default)", "float64"])
@pytest.mark.parametrize("preds, labels, expected", OPTAX_SIGMOID_CASES)
def test_optax_sigmoid_cross_entropy(preds, labels, expected, dtype):
    loss = lu.sigmoid_binary_cross_entropy(np.array(preds, dtype), np.array(labels, dtype))
    assert loss.dtype == dtype
    np.testing.assert_allclose(np.mean(loss), expected, rtol=1e-6, atol=1e-6)


# KLDivergenceTest: optax's kl_divergence(log_predictions, targets) is lossutils'
# kl_divergence(targets, exp(log_predictions)).
OPTAX_LOG_PS = np.array([[-2.9957, -3.5066, -3.9120, -1.2040, -0.6931, -2.3026],
                         [-1.6094, -1.6094, -1.6094, -2.3026, -1.8971, -1.8971]])
OPTAX_QS = np.array([[0.2, 0.2, 0.2, 0.1, 0.15, 0.15], [0.05, 0.03, 0.02, 0.3, 0.5, 0.0]])
OPTAX_KL_EXP = np.array([0.8875577, 0.7592807])


def test_optax_kl_divergence_scalar():
    """KLDivergenceTest.test_scalar (atol 1e-4), with the predictions normalised: the peer's
    log-probabilities are rounded to 4 decimals, so exp() of them sums to 1 + 1.5e-5 only."""
    q = np.exp(OPTAX_LOG_PS[0])
    np.testing.assert_allclose(lu.kl_divergence(OPTAX_QS[0], q / q.sum()), OPTAX_KL_EXP[0],
                               atol=1e-4)


@pytest.mark.parametrize("p, q, name", [
    pytest.param(OPTAX_QS[0], np.exp(OPTAX_LOG_PS[0]), "q", id="test_scalar-unnormalised-q"),
    pytest.param(OPTAX_QS, np.exp(OPTAX_LOG_PS), "p", id="test_batched-targets-sum-to-0.9"),
])
def test_optax_kl_documented_difference(p, q, name):
    """optax sums p (log p - log q) for any arrays; lossutils requires distributions (to within
    sqrt(eps)) and says which argument is not one (its second target row sums to 0.9)."""
    with pytest.raises(ValueError, match=f"{name} must sum to 1"):
        lu.kl_divergence(p, q)


def test_optax_all_masked_row_documented_difference():
    """SoftmaxCrossEntropyTest.test_per_logit_mask checks that rows with every logit masked give a
    loss of 0. Written as -inf logits, such a row has no softmax: lossutils returns NaN, as
    lu.softmax documents for a slice whose maximum is not finite, and labels of all zeros (no
    class at all) are not a distribution, so they raise."""
    logits = np.array([[-np.inf, -np.inf, -np.inf], [1.0, 4.0, 0.2]], dtype=F32)
    labels = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], dtype=F32)
    loss = lu.softmax_cross_entropy(logits, labels)
    assert np.isnan(loss[0]) and np.isfinite(loss[1])
    with pytest.raises(ValueError, match="labels must sum to 1"):
        lu.softmax_cross_entropy(OPTAX_YS, np.zeros_like(OPTAX_YS))


@pytest.mark.parametrize("case, feature", missing_cases([
    ("SoftmaxCrossEntropyTest.test_per_logit_mask", "where= masks"),
    ("SoftmaxCrossEntropyTest.test_gradient-where", "where= masks"),
    ("SoftmaxCrossEntropyTest.test_mask", "where= masks"),
    ("SoftmaxCrossEntropyTest.test_axis", "axis= in the losses (the class axis is the last)"),
    ("SoftmaxCrossEntropyWithIntegerLabelsTest.test_gradient-where", "where= masks"),
    ("SoftmaxCrossEntropyWithIntegerLabelsTest.test_per_logit_mask", "where= masks"),
    ("SoftmaxCrossEntropyWithIntegerLabelsTest.test_axis", "axis= in the losses"),
    ("SoftmaxCrossEntropyWithIntegerLabelsTest.test_axes", "tuple of class axes"),
    ("PolyLossTest", "poly-1 cross-entropy"),
    ("HingeTest", "hinge losses"),
    ("SparsemaxTest", "sparsemax losses"),
    ("ConvexKLDivergenceTest", "convex KL of unnormalised measures"),
    ("PerceptronTest", "perceptron losses"),
    ("KLDivergenceTest.test_mask", "where= masks"),
    ("KLDivergenceTest.test_axis", "axis= in the information measures"),
    ("KLDivergenceWithLogTargetsTest", "KL divergence with log-space targets"),
    ("CTCTest", "CTC loss"),
    ("SigmoidFocalLossTest", "sigmoid focal loss"),
]))
def test_optax_missing_feature(case, feature):
    pass


# optax/losses/_classification_stability_test.py (IntegerCrossEntropyStabilityTest), the companion
# file of the one above: integer-label cross-entropy is invariant to a logit offset.

@pytest.mark.parametrize("offset", [1e6, 1e8])
@pytest.mark.parametrize("sign", [-1, 1])
def test_optax_uniform_logits_keep_nonzero_loss(offset, sign):
    """test_uniform_logits_keep_nonzero_loss, float32: equal logits give log 3 (rtol 2 eps)."""
    logits = np.full((2, 3), sign * offset, dtype=F32)
    loss = lu.softmax_cross_entropy_with_integer_labels(logits, np.array([0, 2]))
    assert loss.dtype == F32
    np.testing.assert_allclose(loss, np.full(2, np.log(3), dtype=F32), rtol=2 * np.finfo(F32).eps)


def test_optax_uniform_logits_float16_documented_difference():
    """test_uniform_logits_keep_nonzero_loss, float16 (offset 4096): optax keeps float16; lossutils
    documents that float16 is computed and returned in float32, and is then within 2 eps(float32)."""
    logits = np.full((2, 3), 4096, dtype=np.float16)
    loss = lu.softmax_cross_entropy_with_integer_labels(logits, np.array([0, 2]))
    assert loss.dtype == F32
    np.testing.assert_allclose(loss, np.full(2, np.log(3), dtype=F32), rtol=2 * np.finfo(F32).eps)


def test_optax_nonuniform_loss_and_gradient_preserve_shift():
    """test_nonuniform_loss_and_gradient_preserve_shift, axis=-1 (logits + 1e6 are exact in float32)."""
    logits = (np.arange(24, dtype=F32) / 8).reshape(2, 3, 4)
    labels = np.ones((2, 3), dtype=np.int32)
    shifted = logits + F32(1e6)
    np.testing.assert_allclose(lu.softmax_cross_entropy_with_integer_labels(shifted, labels),
                               lu.softmax_cross_entropy_with_integer_labels(logits, labels), rtol=1e-6)
    np.testing.assert_allclose(lu.softmax_cross_entropy_grad(shifted, labels),
                               lu.softmax_cross_entropy_grad(logits, labels), atol=1e-7)


def test_optax_negative_infinite_non_target_logit():
    """test_negative_infinite_non_target_logit: a masked class next to two equal huge logits."""
    logits = np.array([[1e8, -np.inf, 1e8]], dtype=F32)
    np.testing.assert_allclose(lu.softmax_cross_entropy_with_integer_labels(logits, np.array([0])),
                               [np.log(2)], rtol=1e-6)


def test_optax_masked_large_logit_does_not_set_the_shift():
    """test_masked_large_logit_does_not_set_the_shift, with the class mask written as lossutils
    documents masks, a -inf logit (optax: logit 1e8 and where=[True, True, False])."""
    logits = np.array([[0.0, 0.0, -np.inf]])
    np.testing.assert_allclose(lu.softmax_cross_entropy_with_integer_labels(logits, np.array([0])),
                               [np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(lu.softmax_cross_entropy_grad(logits, np.array([0])),
                               [[-0.5, 0.5, 0.0]])


@pytest.mark.parametrize("case, feature", missing_cases([
    ("test_uniform_logits_keep_nonzero_loss-bfloat16", "bfloat16 (numpy has none)"),
    ("test_nonuniform_loss_and_gradient_preserve_shift-axis=1", "axis= in the losses"),
    ("test_nonuniform_loss_and_gradient_preserve_shift-axis=(1,2)", "tuple of class axes"),
    ("test_all_masked_rows_keep_zero_loss_and_gradient", "where= example masks"),
]))
def test_optax_stability_missing_feature(case, feature):
    pass


# =================================================================================================
# JAX: tests/nn_test.py (NNFunctionsTest)
# =================================================================================================

def _derivative(f, x):
    return lu.numerical_gradient(lambda z: np.sum(f(z)), np.array([x]))[0]


@pytest.mark.parametrize("x", [1e-8, 0.0], ids=["testSoftplusGrad", "testSoftplusGradZero"])
def test_jax_softplus_grad(x):
    """testSoftplusGrad / testSoftplusGradZero (order 1): d softplus / dx = sigmoid, by finite
    differences of lu.softplus and against the exact sigmoid."""
    exact_sigmoid = exact.elementwise("sigmoid", np.array([x])).high[0]
    np.testing.assert_allclose(lu.sigmoid(x), exact_sigmoid, rtol=1e-15)
    np.testing.assert_allclose(_derivative(lu.softplus, x), exact_sigmoid, rtol=1e-8)


def test_jax_softplus_grad_infinities_and_nan():
    """testSoftplusGradInf / GradNegInf / GradNan: softplus and its derivative at +-inf and NaN."""
    assert lu.sigmoid(np.inf) == 1.0 and lu.softplus(np.inf) == np.inf
    assert lu.sigmoid(-np.inf) == 0.0 and lu.softplus(-np.inf) == 0.0
    assert np.isnan(lu.sigmoid(np.nan)) and np.isnan(lu.softplus(np.nan))


@pytest.mark.parametrize("dtype", [int, float, F32, F64, np.int8, np.int16, np.int32, np.int64,
                                   np.uint8])
def test_jax_softplus_zero(dtype):
    """testSoftplusZero: softplus(0) == log 2 exactly (integers give float64, as documented)."""
    result = lu.softplus(dtype(0))
    expected_dtype = np.dtype(dtype) if np.dtype(dtype).kind == "f" else np.dtype(F64)
    assert result.dtype == expected_dtype
    assert result == np.log(expected_dtype.type(2))


def test_jax_softplus_value():
    """testSoftplusValue: softplus(89) = 89, in JAX's float32 and in float64."""
    for dtype in (F32, F64):
        np.testing.assert_allclose(lu.softplus(dtype(89.0)), 89.0, rtol=JAX_TOL[np.dtype(dtype)])


@pytest.mark.parametrize("fn", [lu.softplus, lu.sigmoid, lu.log_sigmoid])
def test_jax_dtype_matches_input(fn):
    """testDtypeMatchesInput, float32 (softplus, sigmoid; log_sigmoid added as their sibling)."""
    assert fn(np.zeros((), dtype=F32)).dtype == F32


def test_jax_softmax_grad():
    """testSoftmaxGrad at x = [5.5, 1.3, -4.2, 0.9] (order 1): softmax is the gradient of
    logsumexp (finite differences), and matches the exact softmax."""
    x = np.array([5.5, 1.3, -4.2, 0.9])
    q = lu.softmax(x)
    np.testing.assert_allclose(q, exact.softmax(x).high, rtol=1e-15, atol=0)
    np.testing.assert_allclose(lu.numerical_gradient(lu.logsumexp, x), q, rtol=1e-8, atol=1e-10)


_JAX_X = np.array([5.5, 1.3, -4.2, 0.9])
_JAX_MASK = np.array([True, False, True, True])


def test_jax_softmax_where_mask():
    """testSoftmaxWhereMask, with the mask written as lossutils documents masks (-inf logits):
    the unmasked entries equal the softmax of the unmasked logits, the masked one is exactly 0
    (log_softmax: -inf), and the probabilities sum to 1."""
    masked = np.where(_JAX_MASK, _JAX_X, -np.inf)
    q, log_q = lu.softmax(masked), lu.log_softmax(masked)
    np.testing.assert_allclose(q[_JAX_MASK], lu.softmax(_JAX_X[_JAX_MASK]), rtol=1e-15)
    np.testing.assert_allclose(log_q[_JAX_MASK], lu.log_softmax(_JAX_X[_JAX_MASK]), rtol=1e-15)
    assert q[1] == 0.0 and log_q[1] == -np.inf
    np.testing.assert_allclose(q.sum(), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.exp(log_q).sum(), 1.0, rtol=1e-15)


def test_jax_softmax_where_grad():
    """testSoftmaxWhereGrad (jax issue 19490), x = [36, 10000] with 10000 masked (a -inf logit):
    the gradient of -log q_0 is finite and exactly 0, where a NaN once leaked from the mask."""
    logits = np.array([36.0, -np.inf])
    np.testing.assert_array_equal(lu.softmax_cross_entropy_grad(logits, np.array(0)), [0.0, 0.0])


@pytest.mark.parametrize("fn", [lu.softmax, lu.log_softmax])
def test_jax_softmax_empty_mask_documented_difference(fn):
    """testSoftmaxEmptyMask: every entry masked. JAX returns 0 (softmax) or -inf (log_softmax);
    lossutils documents that a slice of all -inf has no softmax and gives NaN."""
    assert np.isnan(fn(np.full(4, -np.inf))).all()


@pytest.mark.parametrize("call", [
    pytest.param(lambda: lu.softmax(np.array([], dtype=float)), id="testSoftmaxEmptyArray-softmax"),
    pytest.param(lambda: lu.log_softmax(np.array([], dtype=float)),
                 id="testSoftmaxEmptyArray-log_softmax"),
])
def test_jax_empty_documented_difference(call):
    """JAX returns an empty array; lossutils documents a non-empty axis and raises."""
    with pytest.raises(ValueError, match="x is empty"):
        call()


@pytest.mark.parametrize("fn", [lu.softplus, lu.sigmoid])
def test_jax_dtype_float16_documented_difference(fn):
    """testDtypeMatchesInput, float16: lossutils computes and returns float16 in float32."""
    assert fn(np.zeros((), dtype=np.float16)).dtype == F32


def test_jax_softplus_zero_float16_documented_difference():
    """testSoftplusZero, float16: JAX's exact float16 log 2; lossutils' float32 log 2."""
    result = lu.softplus(np.float16(0))
    assert result.dtype == F32 and result == np.log(F32(2))


@pytest.mark.parametrize("case, feature", missing_cases([
    ("testSoftplusGrad-order4", "higher derivatives (no autodiff)"),
    ("testSoftmaxGrad-order2", "softmax Jacobian (second derivatives of logsumexp)"),
    ("testSoftmaxWhereMask-check_grads-order2", "softmax Jacobian (second derivatives of logsumexp)"),
    ("testDtypeMatchesInput-bfloat16", "bfloat16 (numpy has none)"),
    ("testLogMeanExp", "logmeanexp"),
    ("testLog1mExp", "log1mexp"),
]))
def test_jax_nn_missing_feature(case, feature):
    pass


# =================================================================================================
# JAX: tests/lax_scipy_test.py (LaxBackedScipyTests)
# =================================================================================================

# testLogSumExp: the shapes of its compatible_shapes groups (without b, only their first shapes
# matter) and every axis, against scipy there and against mpmath here.
_JAX_SHAPES = [(4,), (3, 4), (3, 1), (1, 4), (2, 3, 4), (2, 1, 4)]
_JAX_LSE_CASES = [(shape, axis) for shape in _JAX_SHAPES for axis in range(-len(shape), len(shape))]


@pytest.mark.parametrize("dtype", [F32, F64, np.int32])
@pytest.mark.parametrize("shape, axis", _JAX_LSE_CASES, ids=[f"{s}-axis{a}" for s, a in _JAX_LSE_CASES])
def test_jax_logsumexp(shape, axis, dtype):
    rng = np.random.default_rng(len(shape) * 10 + axis)
    x = (3 * rng.standard_normal(shape)).astype(dtype)  # jtu.rand_default: scale 3
    reference = along(exact.logsumexp, x, axis)
    for keepdims in (False, True):
        result = lu.logsumexp(x, axis=axis, keepdims=keepdims)
        assert result.dtype == (dtype if np.dtype(dtype).kind == "f" else F64)
        expected = np.expand_dims(reference, axis) if keepdims else reference
        tol = JAX_TOL[result.dtype]
        np.testing.assert_allclose(result, expected, rtol=tol, atol=tol)


def _lse_with_special_values(row):
    """scipy's convention, which JAX is checked against: NaN wins, then +inf; -inf terms are 0."""
    if np.isnan(row).any():
        return np.nan
    if (row == np.inf).any():
        return np.inf
    finite = row[np.isfinite(row)]
    return exact.logsumexp(finite).high[()] if finite.size else -np.inf


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("shape, axis", _JAX_LSE_CASES, ids=[f"{s}-axis{a}" for s, a in _JAX_LSE_CASES])
def test_jax_logsumexp_some_inf_and_nan(shape, axis, dtype):
    """testLogSumExp off CPU draws from jtu.rand_some_inf_and_nan: entries +-inf and NaN."""
    rng = np.random.default_rng(100 + len(shape) * 10 + axis)
    x = 3 * rng.standard_normal(shape)
    special = rng.random(shape)
    x[special < 0.1], x[(special >= 0.1) & (special < 0.2)] = np.inf, -np.inf
    x[(special >= 0.2) & (special < 0.25)] = np.nan
    x = x.astype(dtype)
    moved = np.moveaxis(x, axis, -1)
    expected = np.array([_lse_with_special_values(r) for r in moved.reshape(-1, moved.shape[-1])])
    result = lu.logsumexp(x, axis=axis)
    tol = JAX_TOL[np.dtype(dtype)]
    np.testing.assert_allclose(result, expected.reshape(moved.shape[:-1]), rtol=tol, atol=tol)


def test_jax_logsumexp_ones():
    """testLogSumExpOnes (under jax.debug_infs): no floating-point exception, log 4 + 1."""
    with np.errstate(all="raise"):
        result = lu.logsumexp(np.ones(4, dtype=F32))
    np.testing.assert_allclose(result, 1 + np.log(4), rtol=JAX_TOL[np.dtype(F32)])


def test_jax_logsumexp_nans():
    """testLogSumExpNans (under jax.debug_nans), on a one-element vector: exactly 1.0."""
    with np.errstate(all="raise"):
        assert lu.logsumexp(np.array([1.0])) == 1.0


@pytest.mark.parametrize("call", [
    pytest.param(lambda: lu.logsumexp(1.0), id="testLogSumExpNans-scalar"),
    pytest.param(lambda: lu.logsumexp(np.float64(0.5)), id="testLogSumExp-shape()"),
])
def test_jax_logsumexp_scalar_documented_difference(call):
    """JAX and scipy reduce a 0-d input to itself; lossutils documents at least one dimension."""
    with pytest.raises(ValueError, match="at least one dimension"):
        call()


def test_jax_logsumexp_float16_documented_difference():
    """testLogSumExp's float16 cases: lossutils computes float16 in float32 and returns float32."""
    x = (3 * np.random.default_rng(0).standard_normal((3, 4))).astype(np.float16)
    result = lu.logsumexp(x)
    assert result.dtype == F32
    np.testing.assert_array_equal(result, lu.logsumexp(x.astype(F32)))


_JAX_ALL_SHAPES = [(), (4,), (3, 4), (3, 1), (1, 4), (2, 1, 4)]


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("shape", _JAX_ALL_SHAPES, ids=str)
def test_jax_expit(shape, dtype):
    """testScipySpecialFun 'expit': jtu.rand_small_positive inputs, atol = rtol = 1e-3 against
    scipy (mpmath here); its gradient check (rtol 0.1, atol 1e-3) by finite differences."""
    rng = np.random.default_rng(len(shape))
    x = (rng.random(shape) * 1e-1 + 1e-3).astype(dtype)
    result = lu.sigmoid(x)
    assert np.asarray(result).dtype == dtype
    np.testing.assert_allclose(result, exact.elementwise("sigmoid", x).high, atol=1e-3, rtol=1e-3)
    derivative = lu.numerical_gradient(lambda z: np.sum(lu.sigmoid(z)), x)
    s = exact.elementwise("sigmoid", x).high
    np.testing.assert_allclose(derivative, s * (1 - s), rtol=0.1, atol=1e-3)


def test_jax_issue_980():
    """testIssue980: expit(-1e20) in float32 is 0, without overflow."""
    np.testing.assert_array_equal(lu.sigmoid(np.full((4,), -1e20, dtype=F32)), np.zeros(4, F32))


@pytest.mark.parametrize("case, feature", missing_cases([
    ("testLogSumExp-use_b", "b= weights in logsumexp"),
    ("testLogSumExp-return_sign", "return_sign in logsumexp"),
    ("testLogSumExp-complex", "complex inputs"),
    ("testLogSumExpZeros", "b= weights in logsumexp"),
    ("testLogSumExpNans-b", "b= weights in logsumexp"),
]))
def test_jax_lax_scipy_missing_feature(case, feature):
    pass


# =================================================================================================
# PyTorch: test/test_nn.py (TestNN, TestNNDeviceType): BCE with logits and cross-entropy
# =================================================================================================

def _two_class(prob):
    """A binary probability as the distribution [prob, 1 - prob] on the last axis."""
    prob = np.asarray(prob, dtype=F64)
    return np.stack([prob, 1 - prob], axis=-1)


def test_torch_bce_loss_always_nonnegative():
    """TestNN.test_bce_loss_always_nonnegative: BCELoss on probabilities, as the cross-entropy of
    two-class distributions (ones on ones, zeros on zeros)."""
    for value in (1.0, 0.0):
        p = _two_class(np.full(5, value))
        assert (lu.cross_entropy(p, p) >= 0).all()


@pytest.mark.parametrize("input_shape, target_shape", [((5, 1), (5,)), ((5,), (5, 1))])
def test_torch_bce_with_logits_raises_if_target_and_input_are_different_size(input_shape,
                                                                           target_shape):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="same shape"):
        lu.sigmoid_binary_cross_entropy(rng.random(input_shape), rng.random(target_shape))


def test_torch_bce_with_logits_gives_same_result_as_sigmoid_and_bce_loss():
    """TestNN.test_bce_with_logits_gives_same_result_as_sigmoid_and_bce_loss (unweighted parts),
    elementwise (reduction='none'), against the exact BCE rather than BCELoss(sigmoid(.))."""
    rng = np.random.default_rng(1)
    target = rng.random((64, 4)).astype(F32)
    output = (rng.random((64, 4)) - 0.5).astype(F32)
    torch_close(lu.sigmoid_binary_cross_entropy(output, target),
                exact.elementwise("bce", output, target).high)
    target = np.zeros((4, 1), dtype=F32)
    output = np.full((4, 1), -100, dtype=F32)
    torch_close(lu.sigmoid_binary_cross_entropy(output, target),
                exact.elementwise("bce", output, target).high)


def test_torch_bce_loss_input_range():
    """TestNN.test_bce_loss_input_range: probabilities outside [0, 1] are rejected (PyTorch raises
    RuntimeError 'between 0 and 1', lossutils ValueError naming q)."""
    rng = np.random.default_rng(2)
    target = _two_class(rng.random((25, 25)))
    valid = rng.random((25, 25))
    assert np.isfinite(lu.cross_entropy(target, _two_class(valid))).all()
    for invalid in (valid - 1.0, valid + 1.0):
        with pytest.raises(ValueError, match="q must be non-negative"):
            lu.cross_entropy(target, _two_class(invalid))


def test_torch_bce_loss_size_mismatch():
    """TestNN.test_bce_loss_size_mismatch: (25,) against (25, 1) raises ValueError."""
    rng = np.random.default_rng(3)
    with pytest.raises(ValueError, match="same shape"):
        lu.cross_entropy(_two_class(rng.random(25)), _two_class(rng.random((25, 1))))


def test_torch_bce_with_logits_large_tensors_with_grad():
    """TestNN.test_bce_with_logits_gives_same_result_as_sigmoid_and_bce_loss_large_tensors_with_grad
    (unweighted): 1024 x 256 float32, loss and gradient; mpmath on 2,000 sampled entries."""
    rng = np.random.default_rng(4)
    target = rng.random((1024, 256)).astype(F32)
    output = (rng.random((1024, 256)) - 0.5).astype(F32)
    loss = lu.sigmoid_binary_cross_entropy(output, target)
    grad = lu.sigmoid_binary_cross_entropy_grad(output, target)
    assert loss.dtype == grad.dtype == F32 and loss.shape == grad.shape == output.shape
    sample = rng.choice(output.size, size=2000, replace=False)
    x, y = output.ravel()[sample], target.ravel()[sample]
    torch_close(loss.ravel()[sample], exact.elementwise("bce", x, y).high)
    torch_close(grad.ravel()[sample], exact.elementwise("bce_grad", x, y).high)


def test_torch_bce_with_logits_has_correct_forward_grad():
    """TestNN.test_bce_with_logits_has_correct_forward_grad, with targets in [0, 1]: the gradient
    against finite differences of the loss (float64, as gradcheck)."""
    rng = np.random.default_rng(5)
    output, target = rng.standard_normal((3, 5)), rng.random((3, 5))
    numerical = lu.numerical_gradient(lambda z: lu.sigmoid_binary_cross_entropy(z, target).sum(),
                                      output)
    np.testing.assert_allclose(lu.sigmoid_binary_cross_entropy_grad(output, target), numerical,
                               rtol=1e-7, atol=1e-9)


def test_torch_bce_with_logits_forward_grad_documented_difference():
    """test_bce_with_logits_has_correct_forward_grad draws its targets from randn: PyTorch computes
    a 'BCE' of targets outside [0, 1]; lossutils documents labels in [0, 1] and raises."""
    rng = np.random.default_rng(5)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        lu.sigmoid_binary_cross_entropy(rng.standard_normal((3, 5)), rng.standard_normal((3, 5)))


def test_torch_bce_with_logits_has_correct_grad_at_zero():
    """TestNN.test_bce_with_logits_has_correct_grad_at_zero: sigma(0) - 0 = 0.5 exactly."""
    grad = lu.sigmoid_binary_cross_entropy_grad(np.zeros((3, 1), F32), np.zeros((3, 1), F32))
    np.testing.assert_array_equal(grad, np.full((3, 1), 0.5, F32))


def test_torch_bce_with_logits_stability():
    """TestNN.test_bce_with_logits_stability: finite, and exact, at logits 0 and -120."""
    output, target = np.array([0.0, -120.0], F32), np.array([0.0, 1.0], F32)
    loss = lu.sigmoid_binary_cross_entropy(output, target)
    assert np.isfinite(loss).all()
    torch_close(loss, exact.elementwise("bce", output, target).high)


def test_torch_cross_entropy_loss_low_precision_documented_difference():
    """TestNN.test_cross_entropy_loss, with float16 standing in for bfloat16 (numpy has none):
    PyTorch computes in the low precision; lossutils computes float16 in float32 and returns
    float32, equal to the float32 result on the rounded inputs and within the peer's atol 0.1."""
    rng = np.random.default_rng(6)
    inputf = rng.standard_normal((15, 10)).astype(F32)
    low = inputf.astype(np.float16)
    target = rng.integers(0, 10, 15)
    out = lu.softmax_cross_entropy_with_integer_labels(low, target)
    grad = lu.softmax_cross_entropy_grad(low, target)
    assert out.dtype == grad.dtype == F32
    np.testing.assert_array_equal(out, lu.softmax_cross_entropy_with_integer_labels(
        low.astype(F32), target))
    np.testing.assert_allclose(out, lu.softmax_cross_entropy_with_integer_labels(inputf, target),
                               atol=1e-1, rtol=0)
    np.testing.assert_allclose(grad, lu.softmax_cross_entropy_grad(inputf, target), atol=1e-1, rtol=0)


def _k_dimensional(k, seed):
    """PyTorch's k-dimensional loss inputs: N=5, C=4 and k extra dims of size 2-4, with the class
    axis moved last (lossutils' layout); returns (logits, integer targets)."""
    rng = np.random.default_rng(seed)
    other = tuple(int(d) for d in rng.integers(2, 5, size=k))
    logits = np.moveaxis(rng.standard_normal((5, 4) + other).astype(F32), 1, -1)
    targets = rng.integers(0, 4, size=(5,) + other)
    return logits, targets, rng


@pytest.mark.parametrize("k", range(5))
def test_torch_cross_entropy_loss_prob_target(k):
    """TestNNDeviceType.test_cross_entropy_loss_prob_target_all_reductions (reduction='none',
    no weight), with probability targets (a softmax of randn) against the exact loss."""
    logits, _, rng = _k_dimensional(k, seed=10 + k)
    target = lu.softmax(rng.standard_normal(logits.shape)).astype(F32)
    loss = lu.softmax_cross_entropy(logits, target)
    assert loss.shape == logits.shape[:-1]
    reference = exact.softmax_cross_entropy(logits, target).high
    torch_close(loss, reference)


def test_torch_cross_entropy_prob_target_documented_difference():
    """test_cross_entropy_loss_prob_target_all_reductions draws targets from randn, and the OpInfo
    samples from uniform [0, 1) without normalising: PyTorch computes -sum(t log q) of them;
    lossutils documents probability vectors and raises."""
    rng = np.random.default_rng(7)
    logits = rng.standard_normal((5, 4))
    with pytest.raises(ValueError, match="labels must be non-negative"):
        lu.softmax_cross_entropy(logits, rng.standard_normal((5, 4)))
    with pytest.raises(ValueError, match="labels must sum to 1"):
        lu.softmax_cross_entropy(logits, rng.random((5, 4)))


def test_torch_cross_entropy_loss_prob_target_no_batch_dim():
    """TestNNDeviceType.test_cross_entropy_loss_prob_target_no_batch_dim (unweighted, 'none')."""
    rng = np.random.default_rng(8)
    logits = lu.log_softmax(rng.standard_normal(5))
    target = lu.softmax(rng.standard_normal(5))
    no_batch = lu.softmax_cross_entropy(logits, target)
    assert np.ndim(no_batch) == 0
    assert no_batch == lu.softmax_cross_entropy(logits[None], target[None])[0]


@pytest.mark.parametrize("k", range(5))
def test_torch_cross_entropy_loss_one_hot_target(k):
    """TestNNDeviceType.test_cross_entropy_loss_one_hot_target (unweighted, 'none'): class indices
    and their one-hot probabilities give the same loss and gradient."""
    logits, targets, _ = _k_dimensional(k, seed=20 + k)
    probs = one_hot(targets, 4, F32)
    torch_close(lu.softmax_cross_entropy_with_integer_labels(logits, targets),
                lu.softmax_cross_entropy(logits, probs))
    torch_close(lu.softmax_cross_entropy_grad(logits, targets),
                lu.softmax_cross_entropy_grad(logits, probs))


def test_torch_nll_loss_byte_target_matches_long():
    """TestNNDeviceType.test_nll_loss_byte_target_matches_long, on cross-entropy = NLL of
    log_softmax: uint8 and int64 targets give identical losses and gradients."""
    rng = np.random.default_rng(9)
    logits = rng.standard_normal((10, 4)).astype(F32)
    target = rng.integers(0, 4, 10)
    for fn in (lu.softmax_cross_entropy_with_integer_labels, lu.softmax_cross_entropy_grad):
        np.testing.assert_array_equal(fn(logits, target.astype(np.uint8)), fn(logits, target))


@pytest.mark.parametrize("logits_shape, target_shape", [
    pytest.param((10, 3), (10, 2), id="test_nll_loss_invalid_target_dim"),
    pytest.param((10, 3), (3,), id="test_nll_loss_mismatched_batch"),
])
def test_torch_nll_loss_target_shape(logits_shape, target_shape):
    """Both raise: PyTorch RuntimeError/ValueError, lossutils ValueError naming the labels."""
    with pytest.raises(ValueError, match="labels must have shape"):
        lu.softmax_cross_entropy_with_integer_labels(np.zeros(logits_shape),
                                                     np.zeros(target_shape, dtype=np.int64))


@pytest.mark.parametrize("torch_shape", [(0, 3), (0, 3, 5, 7), (2, 3, 0, 7), (2, 3, 5, 0),
                                         (2, 3, 5, 7, 0)], ids=str)
def test_torch_nll_loss_empty_tensor_reduction_none(torch_shape):
    """TestNNDeviceType.test_nll_loss_empty_tensor_reduction_none, on cross-entropy: an empty batch
    (class axis 1 in PyTorch, last here) gives an empty loss and an empty gradient."""
    logits = np.moveaxis(np.random.default_rng(0).random(torch_shape), 1, -1)
    targets = np.zeros(logits.shape[:-1], dtype=np.int64)
    loss = lu.softmax_cross_entropy_with_integer_labels(logits, targets)
    assert loss.shape == logits.shape[:-1] and loss.size == 0
    assert lu.softmax_cross_entropy_grad(logits, targets).shape == logits.shape


@pytest.mark.parametrize("bad", [
    pytest.param(254, id="test_cross_entropy_loss_2d_out_of_bounds_class_index-254"),
    pytest.param(-100, id="default-ignore_index=-100"),
    pytest.param(3, id="jax-testOneHotOutOfBound-3"),
    pytest.param(-1, id="jax-testOneHotOutOfBound--1"),
])
def test_torch_cross_entropy_out_of_bounds_class_documented_difference(bad):
    """A class index outside [0, C): the PyTorch test expects a CUDA device-side assert for 254,
    and PyTorch silently ignores -100 (its default ignore_index); jax.nn.one_hot turns -1 and C
    into a zero row (testOneHotOutOfBound), so a cross-entropy against it silently becomes
    LogSumExp. lossutils raises, naming the label."""
    logits = np.random.default_rng(0).standard_normal((10, 3))
    labels = np.zeros(10, dtype=np.int64)
    labels[5] = bad
    for fn in (lu.softmax_cross_entropy_with_integer_labels, lu.softmax_cross_entropy_grad,
               lu.softmax_cross_entropy_value_and_grad):
        with pytest.raises(ValueError, match=rf"labels must lie in \[0, 3\), found {bad}"):
            fn(logits, labels)


def test_torch_cross_entropy_loss_zero_div_documented_difference():
    """TestNN.test_cross_entropy_loss_zero_div: PyTorch accepts a (5, 0) input (no classes) and
    returns a number; lossutils documents a non-empty class axis and raises."""
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="empty class axis"):
        lu.softmax_cross_entropy(rng.random((5, 0)), rng.random((5, 0)))


def test_torch_log_softmax_big():
    """TestNNDeviceType.test_log_softmax_big, float32: integers and the same + 1e7 (both exact)."""
    x_small = np.random.default_rng(11).integers(0, 100, (16, 4)).astype(F32)
    x_big = x_small + F32(1e7)
    torch_close(lu.log_softmax(x_big), lu.log_softmax(x_small))


_TORCH_SOFTMAX_SIZES = [(32, 20), (31, 20), (32, 21), (31, 23), (32, 1536), (31, 2048), (33, 2049),
                        (16, 30576)]


@pytest.mark.parametrize("fn, reference", [(lu.softmax, exact.softmax),
                                           (lu.log_softmax, exact.log_softmax)],
                         ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("size", _TORCH_SOFTMAX_SIZES, ids=str)
def test_torch_softmax_results(size, fn, reference):
    """TestNNDeviceType.test_softmax_results (float32, rand inputs, shift (1, 1), dims 0 and 1),
    against mpmath on the first slices along each dim (about 2,000 entries, at least one slice)."""
    x = np.random.default_rng(size[1]).random(size).astype(F32)[1:, 1:]
    for dim in (0, 1):
        out = fn(x, axis=dim)
        assert out.dtype == F32 and out.shape == x.shape
        slices = np.moveaxis(x, dim, -1)
        checked = slices[: max(1, 2048 // slices.shape[-1])]  # about 2,000 exact entries
        expected = reference(checked).high
        torch_close(np.moveaxis(out, dim, -1)[: len(checked)], expected)


@pytest.mark.parametrize("size, dim", [((0, 10), 1), ((10, 0), 0)], ids=["(0,10)-dim1", "(10,0)-dim0"])
def test_torch_softmax_results_empty(size, dim):
    """test_softmax_results' empty sizes, reduced along their non-empty axis: empty results."""
    for fn in (lu.softmax, lu.log_softmax):
        assert fn(np.zeros(size, F32), axis=dim).shape == size


@pytest.mark.parametrize("size, dim", [((0, 10), 0), ((10, 0), 1)], ids=["(0,10)-dim0", "(10,0)-dim1"])
def test_torch_softmax_results_empty_documented_difference(size, dim):
    """test_softmax_results' empty sizes along their empty axis: PyTorch returns an empty tensor;
    lossutils documents a non-empty axis and raises."""
    for fn in (lu.softmax, lu.log_softmax):
        with pytest.raises(ValueError, match="x is empty along axis"):
            fn(np.zeros(size, F32), axis=dim)


def test_torch_softmax_double():
    """TestNNDeviceType.test_softmax_double: exp(log_softmax) of 5 x 513 float64 logits sums to 1."""
    logits = np.random.default_rng(12).standard_normal((5, 513))
    torch_close(np.exp(lu.log_softmax(logits, axis=1)).sum(axis=1), np.ones(5))


def test_torch_logsigmoid_noncontiguous():
    """TestNNDeviceType.test_logsigmoid_out: log_sigmoid of a transposed (non-contiguous) array."""
    x = np.random.default_rng(13).standard_normal((2, 3)).T
    assert not x.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(lu.log_sigmoid(x), lu.log_sigmoid(np.ascontiguousarray(x)))
    torch_close(lu.log_sigmoid(x), exact.elementwise("log_sigmoid", x).high)


@pytest.mark.parametrize("case, feature", missing_cases([
    ("test_bce_with_logits_gives_same_result_as_sigmoid_and_bce_loss-weight", "weight= in BCE"),
    ("test_bce_with_logits_..._large_tensors_with_grad-weight,mean,sum", "weight= and reductions"),
    ("test_bce_with_logits_broadcasts_weights", "weight= in BCE"),
    ("test_bce_with_logits_ones_in_pos_weights_are_the_same_as_none", "pos_weight= in BCE"),
    ("test_bce_with_logits_broadcasts_pos_weights", "pos_weight= in BCE"),
    ("test_bce_with_logits_with_pos_weight_has_correct_grad_at_zero", "pos_weight= in BCE"),
    ("test_bce_with_logits_stability-pos_weight", "pos_weight= in BCE"),
    ("test_bce_loss_broadcasts_weights", "weight= in BCE"),
    ("test_cross_entropy_loss_precision", "reductions (the mean over 75M examples)"),
    ("test_cross_entropy_loss_prob_target_all_reductions-weight,mean,sum",
     "weight= and reductions in cross-entropy"),
    ("test_cross_entropy_loss_prob_target_unit_weights", "weight= in cross-entropy"),
    ("test_cross_entropy_loss_prob_target_no_batch_dim-weighted", "weight= in cross-entropy"),
    ("test_cross_entropy_loss_index_target_unit_weights", "weight= in cross-entropy"),
    ("test_cross_entropy_loss_one_hot_target-weight,mean,sum",
     "weight= and reductions in cross-entropy"),
    ("test_cross_entropy_label_smoothing_errors", "label_smoothing="),
    ("test_cross_entropy_label_smoothing_consistent_index_target_and_probs", "label_smoothing="),
    ("test_cross_entropy_label_smoothing_with_probs", "label_smoothing="),
    ("test_cross_entropy_label_smoothing_weight_ignore_indices",
     "label_smoothing=, weight= or ignore_index="),
    ("test_nll_loss_out_of_bounds_ignore_index", "ignore_index="),
    ("test_nll_loss_empty_tensor_reduction_mean", "reductions"),
    ("test_nll_loss_empty_tensor_reduction_sum", "reductions"),
    ("test_nll_loss_total_weight_is_zero", "weight= in cross-entropy"),
    ("test_nll_loss_all_ignored", "ignore_index="),
    ("test_softplus_low_threshold", "softplus threshold= and beta="),
]))
def test_torch_nn_missing_feature(case, feature):
    pass


# =================================================================================================
# PyTorch: the OpInfo samples of torch/testing/_internal/common_methods_invocations.py
# (sample_inputs_cross_entropy, sample_inputs_binary_cross_entropy_with_logits); make_tensor draws
# floats uniformly from [-9, 9] and probabilities from [0, 1).
# =================================================================================================

_OPINFO_CE_SHAPES = [(2, 3), (2, 3, 1), (2, 3, 1, 2), (2, 3, 1, 2, 3)]


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("torch_shape", _OPINFO_CE_SHAPES, ids=str)
def test_torch_opinfo_cross_entropy(torch_shape, dtype):
    """sample_inputs_cross_entropy, kwargs {}: class indices, and probability targets (normalised
    here; see the documented difference above), loss and gradient against mpmath."""
    rng = np.random.default_rng(len(torch_shape))
    logits = np.moveaxis(rng.uniform(-9, 9, torch_shape).astype(dtype), 1, -1)
    targets = rng.integers(0, 3, logits.shape[:-1])
    probs = rng.random(logits.shape)
    probs = (probs / probs.sum(axis=-1, keepdims=True)).astype(dtype)
    for labels, as_probs in ((targets, one_hot(targets, 3)), (probs, probs)):
        if labels is targets:
            loss = lu.softmax_cross_entropy_with_integer_labels(logits, labels)
        else:
            loss = lu.softmax_cross_entropy(logits, labels)
        torch_close(loss, exact.softmax_cross_entropy(logits, as_probs).high)
        torch_close(lu.softmax_cross_entropy_grad(logits, labels),
                    exact.softmax_cross_entropy_grad(logits, as_probs).high)


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("shape", [(), (1,), (5,), (5, 5), (5, 5, 5)], ids=str)
def test_torch_opinfo_binary_cross_entropy_with_logits(shape, dtype):
    """sample_inputs_binary_cross_entropy_with_logits, shapes without kwargs: loss and gradient
    against mpmath."""
    rng = np.random.default_rng(len(shape) + 100)
    logits = rng.uniform(-9, 9, shape).astype(dtype)
    labels = rng.random(shape).astype(dtype)
    loss = lu.sigmoid_binary_cross_entropy(logits, labels)
    grad = lu.sigmoid_binary_cross_entropy_grad(logits, labels)
    assert np.shape(loss) == np.shape(grad) == shape
    torch_close(loss, exact.elementwise("bce", logits, labels).high)
    torch_close(grad, exact.elementwise("bce_grad", logits, labels).high)


@pytest.mark.parametrize("case, feature", missing_cases([
    ("sample_inputs_cross_entropy-reduction", "reductions"),
    ("sample_inputs_cross_entropy-weight", "weight= in cross-entropy"),
    ("sample_inputs_cross_entropy-ignore_index", "ignore_index="),
    ("sample_inputs_binary_cross_entropy_with_logits-reduction", "reductions"),
    ("sample_inputs_binary_cross_entropy_with_logits-weight", "weight= in BCE"),
    ("sample_inputs_binary_cross_entropy_with_logits-pos_weight", "pos_weight= in BCE"),
]))
def test_torch_opinfo_missing_feature(case, feature):
    pass
