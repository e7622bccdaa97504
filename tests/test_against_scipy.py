"""lossutils agrees with scipy.special on random inputs, and is more accurate where scipy loses digits.

scipy.special is the reference on ordinary inputs: random logits of several shapes and scales, in
float64 and float32. For float32 inputs scipy is evaluated in float64 on the same (exactly converted)
numbers, so the reference is more accurate than either float32 result. Errors are measured against
the scale of the input where the output can cancel (|x| for LogSumExp and log-softmax, the sum of
|terms| for KL), and relative to the output where it cannot.

The last tests show why the library exists: for a confident, correct prediction the loss and its
gradient are tiny, and scipy's formulas return them with most digits wrong.
"""

import mpmath
import numpy as np
import pytest
from scipy import special

import lossutils as lu

SHAPES = [(7,), (5, 10), (2, 3, 50), (4, 1000), (3, 1)]
SCALES = [1.0, 5.0]
RTOL = {np.float64: 1e-13, np.float32: 1e-5}


def random_logits(shape, scale, dtype, seed):
    rng = np.random.default_rng(seed)
    return (scale * rng.standard_normal(shape)).astype(dtype)


def random_probabilities(shape, dtype, seed, zeros=False):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    if zeros and shape[-1] > 1:
        p[rng.random(shape) < 0.3] = 0
        p[p.sum(axis=-1) == 0, 0] = 1
        p /= p.sum(axis=-1, keepdims=True)
    return p.astype(dtype)


def as64(x):
    return np.asarray(x, dtype=np.float64)


CASES = [(shape, scale, dtype) for shape in SHAPES for scale in SCALES for dtype in (np.float64, np.float32)]
IDS = [f"{shape}-scale{scale}-{np.dtype(dtype).name}" for shape, scale, dtype in CASES]
parametrize_cases = pytest.mark.parametrize("shape, scale, dtype", CASES, ids=IDS)


@parametrize_cases
def test_logsumexp_softmax_and_log_softmax(shape, scale, dtype):
    x = random_logits(shape, scale, dtype, seed=1)
    rtol, magnitude = RTOL[dtype], np.max(np.abs(x)) + 1

    lse = lu.logsumexp(x)
    assert lse.dtype == dtype
    np.testing.assert_allclose(lse, special.logsumexp(as64(x), axis=-1), rtol=rtol, atol=rtol * magnitude)

    q = lu.softmax(x)
    assert q.dtype == dtype
    np.testing.assert_allclose(q, special.softmax(as64(x), axis=-1), rtol=rtol, atol=0)

    log_q = lu.log_softmax(x)
    assert log_q.dtype == dtype
    np.testing.assert_allclose(log_q, special.log_softmax(as64(x), axis=-1), rtol=rtol, atol=rtol * magnitude)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1.0, 10.0, 300.0])
def test_sigmoid_family(scale, dtype):
    x = random_logits((1000,), scale, dtype, seed=2)
    rtol = RTOL[dtype]
    # sigma(x) ~ softplus(x) ~ e^x for x << 0 and log sigma(x) ~ -e^-x for x >> 0 fall below the
    # normal range beyond |x| ~ 708 (float64) or 87 (float32); there they agree absolutely.
    tiny = np.finfo(dtype).tiny
    np.testing.assert_allclose(lu.sigmoid(x), special.expit(as64(x)), rtol=rtol, atol=tiny)
    np.testing.assert_allclose(lu.log_sigmoid(x), special.log_expit(as64(x)), rtol=rtol, atol=tiny)
    # softplus(x) = -log sigma(-x) = log(1 + e^x)
    np.testing.assert_allclose(lu.softplus(x), -special.log_expit(-as64(x)), rtol=rtol, atol=tiny)
    np.testing.assert_allclose(lu.softplus(x), np.logaddexp(0, as64(x)), rtol=rtol, atol=tiny)


@pytest.mark.parametrize("shape", [(10,), (6, 3), (2, 4, 100)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("zeros", [False, True], ids=["dense", "with-zeros"])
def test_entropy_kl_and_cross_entropy_of_probability_vectors(shape, dtype, zeros):
    p = random_probabilities(shape, dtype, seed=3, zeros=zeros)
    q = random_probabilities(shape, dtype, seed=4)
    p64, q64 = as64(p), as64(q)
    rtol = RTOL[dtype]

    np.testing.assert_allclose(lu.entropy(p), special.entr(p64).sum(axis=-1), rtol=rtol, atol=0)
    kl_terms = special.rel_entr(p64, q64)
    np.testing.assert_allclose(lu.kl_divergence(p, q), kl_terms.sum(axis=-1), rtol=rtol,
                               atol=rtol * np.abs(kl_terms).sum(axis=-1).max())
    np.testing.assert_allclose(lu.cross_entropy(p, q), -special.xlogy(p64, q64).sum(axis=-1), rtol=rtol, atol=0)
    for out in (lu.entropy(p), lu.kl_divergence(p, q), lu.cross_entropy(p, q)):
        assert out.dtype == dtype


def test_kl_divergence_and_cross_entropy_are_infinite_where_scipy_says_so():
    p = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    q = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    np.testing.assert_array_equal(lu.kl_divergence(p, q), special.rel_entr(p, q).sum(axis=-1))
    np.testing.assert_array_equal(lu.cross_entropy(p, q), -special.xlogy(p, q).sum(axis=-1))
    np.testing.assert_array_equal(lu.kl_divergence(q, p), special.rel_entr(q, p).sum(axis=-1))


@parametrize_cases
def test_softmax_cross_entropy_and_its_gradient(shape, scale, dtype):
    logits = random_logits(shape, scale, dtype, seed=5)
    labels = random_probabilities(shape, dtype, seed=6, zeros=True)
    indices = np.random.default_rng(7).integers(0, shape[-1], size=shape[:-1])
    one_hot = np.eye(shape[-1])[indices]
    rtol = RTOL[dtype]
    log_q = special.log_softmax(as64(logits), axis=-1)
    q = special.softmax(as64(logits), axis=-1)

    np.testing.assert_allclose(lu.softmax_cross_entropy(logits, labels),
                               -np.sum(as64(labels) * log_q, axis=-1), rtol=rtol, atol=0)
    np.testing.assert_allclose(lu.softmax_cross_entropy_with_integer_labels(logits, indices),
                               -np.sum(one_hot * log_q, axis=-1), rtol=rtol, atol=0)
    # q - p cancels where q ~ p: measure its error on the scale of q and p.
    np.testing.assert_allclose(lu.softmax_cross_entropy_grad(logits, labels), q - as64(labels),
                               rtol=rtol, atol=rtol * np.abs(q).max())
    np.testing.assert_allclose(lu.softmax_cross_entropy_grad(logits, indices), q - one_hot,
                               rtol=rtol, atol=rtol * np.abs(q).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1.0, 10.0, 100.0])
def test_sigmoid_binary_cross_entropy_and_its_gradient(scale, dtype):
    logits = random_logits((40, 25), scale, dtype, seed=8)
    rng = np.random.default_rng(9)
    labels = np.where(rng.random(logits.shape) < 0.5, rng.random(logits.shape), rng.integers(0, 2, logits.shape))
    labels = labels.astype(dtype)
    x, y = as64(logits), as64(labels)
    rtol = RTOL[dtype]
    expected = -(y * special.log_expit(x) + (1 - y) * special.log_expit(-x))
    # The loss of a confident right answer, about e^-|x|, underflows in float32 for |x| > 87.
    np.testing.assert_allclose(lu.sigmoid_binary_cross_entropy(logits, labels), expected, rtol=rtol,
                               atol=np.finfo(dtype).tiny)
    np.testing.assert_allclose(lu.sigmoid_binary_cross_entropy_grad(logits, labels), special.expit(x) - y,
                               rtol=rtol, atol=rtol)


# --- Where scipy loses digits ---------------------------------------------------------------------
#
# Logits [margin, 0] with label 0: the model is right and confident. The loss is log(1 + e^-margin)
# and the gradient's first entry is -1/(1 + e^margin), both about e^-margin. scipy forms them as
# LogSumExp(x) - x_0 (two nearly equal numbers near the margin), log of the rounded 1 + e^-margin,
# or softmax(x)_0 - 1 / expit(margin) - 1, and cancellation leaves only a few correct digits.

def exact_values(margin):
    with mpmath.workdps(100):
        t = mpmath.exp(-mpmath.mpf(margin))
        return {"loss": mpmath.log1p(t), "gradient": -t / (1 + t)}


CONFIDENT = {np.float64: 30, np.float32: 12}


def lossutils_and_scipy(quantity, dtype):
    margin = CONFIDENT[dtype]
    x = np.array([margin, 0], dtype=dtype)
    one = dtype(1)
    if quantity == "loss":
        return {
            "lossutils integer labels": lu.softmax_cross_entropy_with_integer_labels(x, 0),
            "lossutils probability labels": lu.softmax_cross_entropy(x, [1, 0]),
            "lossutils binary": lu.sigmoid_binary_cross_entropy(x[0], one),
        }, {
            "scipy logsumexp(x) - x[0]": special.logsumexp(x) - x[0],
            "scipy -log_softmax(x)[0]": -special.log_softmax(x)[0],
        }
    return {
        "lossutils integer labels": lu.softmax_cross_entropy_grad(x, 0)[0],
        "lossutils probability labels": lu.softmax_cross_entropy_grad(x, [1, 0])[0],
        "lossutils binary": lu.sigmoid_binary_cross_entropy_grad(x[0], one),
    }, {
        "scipy softmax(x)[0] - 1": special.softmax(x)[0] - one,
        "scipy expit(x[0]) - 1": special.expit(x[0]) - one,
    }


def error_in_ulps(value, exact):
    with mpmath.workdps(100):
        return float(abs(mpmath.mpf(float(value)) - exact) / mpmath.mpf(float(np.spacing(abs(value)))))


def relative_error(value, exact):
    with mpmath.workdps(100):
        return float(abs(mpmath.mpf(float(value)) - exact) / abs(exact))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("quantity", ["loss", "gradient"])
def test_confident_correct_prediction_lossutils_is_exact_where_scipy_loses_digits(quantity, dtype):
    exact = exact_values(CONFIDENT[dtype])[quantity]
    ours, theirs = lossutils_and_scipy(quantity, dtype)
    for name, value in ours.items():
        assert np.asarray(value).dtype == dtype, name
        assert error_in_ulps(value, exact) <= 2, f"{name} = {value!r}, exact {mpmath.nstr(exact, 17)}"
    for name, value in theirs.items():
        # Fewer than 4 correct significant digits.
        assert relative_error(value, exact) > 1e-4, f"{name} = {value!r} is accurate after all"
