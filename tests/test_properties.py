"""Mathematical properties of lossutils, checked with hypothesis on random arrays.

Logits are finite floats (|x| <= 1e3, or 1e6 for the shift tests) in arrays of shape
(*leading, C) with up to three leading dimensions and 1-50 classes, in float32 and float64.
Tolerances are written in units of the dtype's machine epsilon and the sizes involved, so that each
assertion fails for an error of a few digits, not only for a wrong formula.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossutils as lu

DTYPES = [np.float32, np.float64]
PROPERTY = settings(max_examples=60, deadline=None)
GRADIENT_CHECK = settings(max_examples=25, deadline=None)  # each example evaluates f 2 * size times


def eps(dtype):
    return float(np.finfo(dtype).eps)


def tiny(dtype):
    return float(np.finfo(dtype).tiny)


def leading_shapes(max_dims=3, max_side=4):
    return hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side)


@st.composite
def real_arrays(draw, dtype=None, max_abs=1e3, max_classes=50, max_dims=3, max_side=4):
    """Finite floats of shape (*leading, C); the dtype is drawn too unless given."""
    dtype = draw(st.sampled_from(DTYPES)) if dtype is None else dtype
    shape = draw(leading_shapes(max_dims, max_side)) + (draw(st.integers(1, max_classes)),)
    width = np.finfo(dtype).bits
    return draw(hnp.arrays(dtype, shape, elements=st.floats(-max_abs, max_abs, width=width)))


@st.composite
def probability_vectors(draw, shape, dtype=np.float64, min_weight=0.0):
    """Rows of non-negative weights normalised to sum to 1 (zeros allowed unless min_weight > 0)."""
    weights = draw(hnp.arrays(dtype, shape, elements=st.floats(min_weight, 1, width=np.finfo(dtype).bits)))
    weights[weights.sum(axis=-1) == 0] = 1
    return weights / weights.sum(axis=-1, keepdims=True)


@st.composite
def exactly_shiftable(draw, dtype):
    """Logits on a dyadic grid and a whole-number shift c such that x + c is exact in ``dtype``."""
    fraction_bits, max_k, max_c = (10, 2**20, 2**20) if dtype == np.float64 else (4, 2**12, 2**10)
    shape = draw(leading_shapes(2, 4)) + (draw(st.integers(1, 50)),)
    k = draw(hnp.arrays(np.int64, shape, elements=st.integers(-max_k, max_k)))
    c = draw(st.integers(-max_c, max_c))
    x = (k / 2**fraction_bits).astype(dtype)
    assert np.array_equal((x + dtype(c)).astype(np.float64), x.astype(np.float64) + c)  # really exact
    return x, dtype(c)


# --- softmax and LogSumExp ------------------------------------------------------------------------


@PROPERTY
@given(real_arrays())
def test_softmax_is_a_probability_vector(x):
    q = lu.softmax(x)
    assert q.shape == x.shape and q.dtype == x.dtype
    assert np.all((q >= 0) & (q <= 1))
    num_classes = x.shape[-1]
    row_sums = q.sum(axis=-1, dtype=np.float64)
    assert np.all(np.abs(row_sums - 1) <= 2 * (num_classes + 2) * eps(x.dtype))
    # The largest logit gets the largest probability, at least 1/C.
    top = np.take_along_axis(q, np.argmax(x, axis=-1)[..., None], axis=-1)
    assert np.all(top >= (1 / num_classes) * (1 - 4 * eps(x.dtype)))


@PROPERTY
@given(st.sampled_from(DTYPES).flatmap(exactly_shiftable))
def test_softmax_and_log_softmax_are_invariant_to_an_exact_shift(x_and_c):
    x, c = x_and_c
    rtol = 4 * eps(x.dtype)
    np.testing.assert_allclose(lu.softmax(x + c), lu.softmax(x), rtol=rtol, atol=0)
    np.testing.assert_allclose(lu.log_softmax(x + c), lu.log_softmax(x), rtol=rtol, atol=0)


@PROPERTY
@given(real_arrays(np.float64, max_abs=1e6), st.floats(-1e6, 1e6))
def test_softmax_is_invariant_to_any_shift_up_to_the_rounding_of_x_plus_c(x, c):
    # Rounding x + c moves each logit by at most eps/2 |x + c|, which moves each probability by a
    # relative 2 max_i |delta_i|; both evaluations add errors of order eps |x_i - max x|.
    shifted = x + c
    rtol = 8 * eps(np.float64) * (np.max(np.abs(x)) + abs(c) + 1)
    np.testing.assert_allclose(lu.softmax(shifted), lu.softmax(x), rtol=rtol, atol=2 * tiny(np.float64))


@PROPERTY
@given(st.sampled_from(DTYPES).flatmap(exactly_shiftable))
def test_logsumexp_of_shifted_logits_is_shifted(x_and_c):
    x, c = x_and_c
    expected = lu.logsumexp(x).astype(np.float64) + float(c)
    actual = lu.logsumexp(x + c)
    assert actual.dtype == x.dtype
    tolerance = 4 * eps(x.dtype) * (np.abs(expected) + abs(float(c)) + np.abs(lu.logsumexp(x)))
    assert np.all(np.abs(actual - expected) <= tolerance)


@PROPERTY
@given(real_arrays())
def test_logsumexp_lies_between_the_max_and_the_max_plus_log_n(x):
    lse = lu.logsumexp(x).astype(np.float64)
    top = np.max(x, axis=-1).astype(np.float64)
    upper = top + math.log(x.shape[-1])
    assert np.all(top <= lse)
    assert np.all(lse <= upper + 2 * eps(x.dtype) * np.abs(upper))


@PROPERTY
@given(real_arrays())
def test_log_softmax_is_x_minus_logsumexp(x):
    lse = lu.logsumexp(x, keepdims=True)
    assert lse.shape == x.shape[:-1] + (1,)
    difference = np.abs(lu.log_softmax(x).astype(np.float64) - (x - lse).astype(np.float64))
    assert np.all(difference <= 4 * eps(x.dtype) * (np.abs(x) + np.abs(lse) + 1))


@PROPERTY
@given(real_arrays())
def test_exp_of_log_softmax_is_softmax(x):
    log_q = lu.log_softmax(x)
    q = lu.softmax(x)
    assert np.all(log_q <= 0)
    # exp turns an absolute error in log q into the same relative error in q; subnormals aside.
    bound = 4 * eps(x.dtype) * (1 + np.abs(log_q)) * q + tiny(x.dtype)
    assert np.all(np.abs(np.exp(log_q) - q) <= bound)


@PROPERTY
@given(real_arrays(max_dims=2))
def test_reducing_another_axis_equals_moving_it_last(x):
    moved = np.moveaxis(x, -1, 0)
    np.testing.assert_array_equal(lu.logsumexp(moved, axis=0), lu.logsumexp(x))
    np.testing.assert_array_equal(lu.logsumexp(moved, axis=0, keepdims=True), lu.logsumexp(x)[None])
    np.testing.assert_array_equal(lu.softmax(moved, axis=0), np.moveaxis(lu.softmax(x), -1, 0))
    np.testing.assert_array_equal(lu.log_softmax(moved, axis=0), np.moveaxis(lu.log_softmax(x), -1, 0))


# --- Analytic gradients against central differences ----------------------------------------------

small_logits = real_arrays(np.float64, max_abs=10, max_classes=6, max_dims=2, max_side=3)


def assert_matches_numerical_gradient(analytic, f, x):
    numeric = lu.numerical_gradient(f, x)
    # Central differences lose about eps |f| / h to rounding in f (h ~ 6e-6): scale atol with |f|.
    atol = 1e-8 * max(1.0, abs(f(x)))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=atol)


@GRADIENT_CHECK
@given(st.data())
def test_softmax_cross_entropy_grad_with_probability_labels_matches_finite_differences(data):
    logits = data.draw(small_logits)
    labels = data.draw(probability_vectors(logits.shape))
    assert_matches_numerical_gradient(
        lu.softmax_cross_entropy_grad(logits, labels),
        lambda z: lu.softmax_cross_entropy(z, labels).sum(), logits)


@GRADIENT_CHECK
@given(st.data())
def test_softmax_cross_entropy_grad_with_integer_labels_matches_finite_differences(data):
    logits = data.draw(small_logits)
    num_classes = logits.shape[-1]
    labels = data.draw(hnp.arrays(np.int64, logits.shape[:-1], elements=st.integers(0, num_classes - 1)))
    assert_matches_numerical_gradient(
        lu.softmax_cross_entropy_grad(logits, labels),
        lambda z: lu.softmax_cross_entropy_with_integer_labels(z, labels).sum(), logits)


@GRADIENT_CHECK
@given(st.data())
def test_sigmoid_binary_cross_entropy_grad_matches_finite_differences(data):
    logits = data.draw(small_logits)
    labels = data.draw(hnp.arrays(np.float64, logits.shape, elements=st.floats(0, 1)))
    assert_matches_numerical_gradient(
        lu.sigmoid_binary_cross_entropy_grad(logits, labels),
        lambda z: lu.sigmoid_binary_cross_entropy(z, labels).sum(), logits)


@GRADIENT_CHECK
@given(st.data())
def test_squared_error_grad_matches_finite_differences(data):
    prediction = data.draw(small_logits)
    target = data.draw(hnp.arrays(np.float64, prediction.shape, elements=st.floats(-10, 10)))
    assert_matches_numerical_gradient(
        lu.squared_error_grad(prediction, target),
        lambda z: lu.squared_error(z, target).sum(), prediction)


@GRADIENT_CHECK
@given(small_logits)
def test_gradient_of_logsumexp_is_softmax(x):
    assert_matches_numerical_gradient(lu.softmax(x), lambda z: lu.logsumexp(z).sum(), x)


# --- Integer labels are one-hot probability labels -------------------------------------------------


@PROPERTY
@given(st.data())
def test_integer_labels_give_the_loss_and_gradient_of_one_hot_labels(data):
    logits = data.draw(real_arrays())
    num_classes = logits.shape[-1]
    labels = data.draw(hnp.arrays(np.int64, logits.shape[:-1], elements=st.integers(0, num_classes - 1)))
    one_hot = np.eye(num_classes, dtype=logits.dtype)[labels]
    rtol = 4 * eps(logits.dtype)
    integer_loss = lu.softmax_cross_entropy_with_integer_labels(logits, labels)
    assert integer_loss.dtype == logits.dtype
    np.testing.assert_allclose(integer_loss, lu.softmax_cross_entropy(logits, one_hot), rtol=rtol, atol=0)
    np.testing.assert_allclose(lu.softmax_cross_entropy_grad(logits, labels),
                               lu.softmax_cross_entropy_grad(logits, one_hot), rtol=rtol, atol=tiny(logits.dtype))


# --- Information identities -----------------------------------------------------------------------


@st.composite
def probability_pairs(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(leading_shapes(2, 4)) + (draw(st.integers(1, 50)),)
    p = draw(probability_vectors(shape, dtype))
    q = draw(probability_vectors(shape, dtype, min_weight=2.0**-10))  # q > 0: every H(p, q) is finite
    return p, q


def magnitude(p, q):
    """sum_i p_i (|log p_i| + |log q_i|) + 1: the scale of the rounding errors in H, H(p, q), KL."""
    p, q = p.astype(np.float64), q.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.abs(np.log(p)) + np.abs(np.log(q))), 0.0)
    return terms.sum(axis=-1) + 1


@PROPERTY
@given(probability_pairs())
def test_cross_entropy_is_entropy_plus_kl_divergence(pair):
    p, q = pair
    cross_entropy, entropy, kl = lu.cross_entropy(p, q), lu.entropy(p), lu.kl_divergence(p, q)
    assert cross_entropy.dtype == entropy.dtype == kl.dtype == p.dtype
    slack = 16 * eps(p.dtype) * magnitude(p, q)
    assert np.all(np.abs(cross_entropy - (entropy.astype(np.float64) + kl)) <= slack)


@PROPERTY
@given(probability_pairs())
def test_kl_divergence_is_non_negative_and_cross_entropy_at_least_entropy(pair):
    p, q = pair
    # Gibbs: KL(p || q) >= sum(p) - sum(q), which is 0 when both sum to exactly 1; the given
    # floats sum to 1 only to within a few ulp, so that is the bound the exact value obeys.
    sums = np.sum(p, axis=-1, dtype=np.float64) - np.sum(q, axis=-1, dtype=np.float64)
    lower_bound = np.minimum(sums, 0) - 16 * eps(p.dtype) * magnitude(p, q)
    assert np.all(lu.kl_divergence(p, q) >= lower_bound)
    assert np.all(lu.cross_entropy(p, q) - lu.entropy(p).astype(np.float64) >= lower_bound)


@PROPERTY
@given(probability_pairs())
def test_equality_in_gibbs_inequality_at_q_equal_p(pair):
    p, _ = pair
    np.testing.assert_allclose(lu.kl_divergence(p, p), 0, atol=eps(p.dtype))
    np.testing.assert_allclose(lu.cross_entropy(p, p), lu.entropy(p), rtol=4 * eps(p.dtype), atol=0)


@PROPERTY
@given(probability_pairs())
def test_entropy_lies_between_zero_and_log_of_the_number_of_classes(pair):
    p, _ = pair
    entropy = lu.entropy(p)
    log_n = math.log(p.shape[-1])
    assert np.all(entropy >= 0)
    assert np.all(entropy <= log_n + 8 * eps(p.dtype) * (log_n + 1))


# --- dtypes and batch shapes of every public function --------------------------------------------


def _probabilities(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _indices(x):
    return (np.arange(x[..., 0].size) % x.shape[-1]).reshape(x.shape[:-1])


# Arguments of each function built from one float64 array x of shape (..., C).
ARGUMENTS = {
    lu.logsumexp: lambda x: (x,),
    lu.softmax: lambda x: (x,),
    lu.log_softmax: lambda x: (x,),
    lu.sigmoid: lambda x: (x,),
    lu.log_sigmoid: lambda x: (x,),
    lu.softplus: lambda x: (x,),
    lu.cross_entropy: lambda x: (_probabilities(x), _probabilities(-x)),
    lu.entropy: lambda x: (_probabilities(x),),
    lu.kl_divergence: lambda x: (_probabilities(x), _probabilities(-x)),
    lu.softmax_cross_entropy: lambda x: (x, _probabilities(-x)),
    lu.softmax_cross_entropy_with_integer_labels: lambda x: (x, _indices(x)),
    lu.softmax_cross_entropy_grad: lambda x: (x, _probabilities(-x)),
    lu.sigmoid_binary_cross_entropy: lambda x: (x, np.abs(np.sin(x))),
    lu.sigmoid_binary_cross_entropy_grad: lambda x: (x, np.abs(np.sin(x))),
    lu.squared_error: lambda x: (x, np.cos(x)),
    lu.squared_error_grad: lambda x: (x, np.cos(x)),
    lu.sigmoid_squared_error: lambda x: (x, np.abs(np.sin(x))),
    lu.sigmoid_squared_error_grad: lambda x: (x, np.abs(np.sin(x))),
    lu.softmax_squared_error: lambda x: (x, _probabilities(-x)),
    lu.softmax_squared_error_grad: lambda x: (x, _probabilities(-x)),
}
ARGUMENTS_WITH_INTEGER_LABELS = {"softmax_cross_entropy_grad[integer labels]": (
    lu.softmax_cross_entropy_grad, lambda x: (x, _indices(x)))}
ALL_CALLS = {f.__name__: (f, make) for f, make in ARGUMENTS.items()} | ARGUMENTS_WITH_INTEGER_LABELS
# One value per example, or one per class?
PER_EXAMPLE = {lu.logsumexp, lu.cross_entropy, lu.entropy, lu.kl_divergence, lu.softmax_cross_entropy,
               lu.softmax_cross_entropy_with_integer_labels, lu.softmax_squared_error}
# The modules of array functions of logits, labels and probabilities that these properties are about.
# (The models, scoring rules and helpers of the chapters' modules have their own test files.)
ARRAY_FUNCTION_MODULES = (lu.numerics, lu.information, lu.losses, lu.squared_probabilities)


def test_every_array_function_is_covered():
    covered = {f.__name__ for f in ARGUMENTS}
    # value_and_grad returns a pair; test_value_and_grad.py shows it equals two covered functions.
    not_array_valued = {"softmax_cross_entropy_value_and_grad"}
    array_functions = {name for module in ARRAY_FUNCTION_MODULES for name in module.__all__}
    assert covered == array_functions - not_array_valued


def _convert(argument, conversion):
    if np.asarray(argument).dtype.kind != "f":
        return argument.tolist() if conversion == "list" else argument
    return argument.tolist() if conversion == "list" else argument.astype(conversion)


@pytest.mark.parametrize("name", ALL_CALLS)
@pytest.mark.parametrize("conversion, expected", [(np.float32, np.float32), (np.float64, np.float64),
                                                  (np.float16, np.float32), ("list", np.float64)],
                         ids=["float32", "float64", "float16", "lists"])
def test_dtype_is_preserved(name, conversion, expected):
    function, make_arguments = ALL_CALLS[name]
    x = np.linspace(-3, 2, 12).reshape(3, 4)
    out = function(*(_convert(a, conversion) for a in make_arguments(x)))
    assert out.dtype == expected
    # A single example (no batch axis) gives a numpy scalar or array of the same dtype.
    out = function(*(_convert(a, conversion) for a in make_arguments(x[0])))
    assert out.dtype == expected


@pytest.mark.parametrize("call, expected", [
    (lambda: lu.logsumexp([1, 2, 3]), np.float64),
    (lambda: lu.softmax([[1, 2], [3, 4]]), np.float64),
    (lambda: lu.sigmoid(2), np.float64),
    (lambda: lu.softplus(True), np.float64),
    (lambda: lu.squared_error(3, 1), np.float64),
    (lambda: lu.squared_error_grad([3], [1]), np.float64),
    (lambda: lu.softmax_cross_entropy([1, 2], [0, 1]), np.float64),
    (lambda: lu.softmax_cross_entropy_with_integer_labels([1, 2], 1), np.float64),
    (lambda: lu.entropy([1, 0]), np.float64),
    (lambda: lu.sigmoid_binary_cross_entropy([1, -2], [1, 0]), np.float64),
    # Exact integer labels take the dtype of the logits ...
    (lambda: lu.softmax_cross_entropy(np.float32([1, 2]), [0, 1]), np.float32),
    (lambda: lu.softmax_cross_entropy_grad(np.float32([1, 2]), np.array([0, 1], np.int8)), np.float32),
    (lambda: lu.softmax_cross_entropy_grad(np.float32([1, 2]), 1), np.float32),
    (lambda: lu.sigmoid_binary_cross_entropy_grad(np.float32([1, 2]), [True, False]), np.float32),
    (lambda: lu.squared_error(np.float32([1, 2]), [0, 1]), np.float32),
    (lambda: lu.kl_divergence(np.float32([0.5, 0.5]), [0, 1]), np.float32),
    # ... while floats of two widths promote as in numpy.
    (lambda: lu.softmax_cross_entropy(np.float32([1, 2]), np.float64([0.5, 0.5])), np.float64),
    (lambda: lu.cross_entropy(np.float64([0.5, 0.5]), np.float32([0.5, 0.5])), np.float64),
    (lambda: lu.squared_error(np.float32([1, 2]), np.float64([0, 1])), np.float64),
])
def test_integers_give_float64_or_the_dtype_of_the_other_argument(call, expected):
    assert call().dtype == expected


@pytest.mark.parametrize("name", ALL_CALLS)
@settings(max_examples=30, deadline=None)
@given(x=real_arrays(np.float64, max_abs=30, max_classes=8, max_dims=3, max_side=3))
def test_batch_results_equal_the_loop_over_examples(name, x):
    function, make_arguments = ALL_CALLS[name]
    arguments = make_arguments(x)
    out = function(*arguments)
    leading = x.shape[:-1]
    assert out.shape == (leading if function in PER_EXAMPLE else x.shape)
    for index in np.ndindex(leading):
        np.testing.assert_array_equal(out[index], function(*(a[index] for a in arguments)))
