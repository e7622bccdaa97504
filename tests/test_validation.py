"""Bad input fails loudly, at the edge, naming the argument; NaN and infinities behave as documented.

Every public function checks its arguments before any arithmetic and raises ``ValueError`` whose
message names the offending argument. The tests below run each bad call with the numerical kernel
and numpy's exp/log family replaced by tripwires, so a check that only fires after computing
something (or a numpy error that happens to be a ValueError) does not pass.
"""

import warnings
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest
from scipy import special

import lossutils as lu
import lossutils.losses
import lossutils.numerics

LOGITS = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0], [1.0, 1.0, 1.0], [-4.0, 0.0, 4.0]])
N, C = LOGITS.shape
ONE_HOT = np.eye(C)[[0, 1, 2, 2]]
INDICES = np.array([0, 1, 2, 2])
HALVES = np.full((N, C), 0.5)
PROBABILITIES = np.full((N, C), 1 / C)


class Case(NamedTuple):
    id: str
    call: Callable[[], Any]
    argument: str  # the name the ValueError must mention


def case(id, argument, function, *args, **kwargs):
    return Case(id, lambda: function(*args, **kwargs), argument)


# The two-argument functions, each with valid arguments of shape (N, C) (or (N,) for indices).
TWO_ARGUMENT_FUNCTIONS = [
    # (function, first name, second name, valid first, valid second)
    (lu.softmax_cross_entropy, "logits", "labels", LOGITS, ONE_HOT),
    (lu.softmax_cross_entropy_grad, "logits", "labels", LOGITS, ONE_HOT),
    (lu.softmax_cross_entropy_with_integer_labels, "logits", "labels", LOGITS, INDICES),
    (lu.sigmoid_binary_cross_entropy, "logits", "labels", LOGITS, HALVES),
    (lu.sigmoid_binary_cross_entropy_grad, "logits", "labels", LOGITS, HALVES),
    (lu.squared_error, "prediction", "target", LOGITS, HALVES),
    (lu.squared_error_grad, "prediction", "target", LOGITS, HALVES),
    (lu.sigmoid_squared_error, "logits", "labels", LOGITS, HALVES),
    (lu.sigmoid_squared_error_grad, "logits", "labels", LOGITS, HALVES),
    (lu.softmax_squared_error, "logits", "labels", LOGITS, ONE_HOT),
    (lu.softmax_squared_error_grad, "logits", "labels", LOGITS, ONE_HOT),
    *[(function, "prediction", "target", LOGITS, HALVES)
      for function in (lu.quartic_error, lu.quartic_error_grad, lu.sine_squared_error, lu.sine_squared_error_grad,
                       lu.absolute_error, lu.absolute_error_grad)],
    (lu.cross_entropy, "p", "q", PROBABILITIES, PROBABILITIES),
    (lu.kl_divergence, "p", "q", PROBABILITIES, PROBABILITIES),
]
ONE_ARGUMENT_FUNCTIONS = [
    (lu.logsumexp, LOGITS),
    (lu.softmax, LOGITS),
    (lu.log_softmax, LOGITS),
    (lu.sigmoid, LOGITS),
    (lu.log_sigmoid, LOGITS),
    (lu.softplus, LOGITS),
    (lu.entropy, PROBABILITIES),
]
CLASS_AXIS_FUNCTIONS = [lu.logsumexp, lu.softmax, lu.log_softmax]


def shape_mismatch_cases():
    """Second arguments that are valid on their own but do not have the first argument's shape.

    Shape (N, 1) against (N, C) is the classic silent-broadcasting bug: the (N, 1) arrays below are
    valid probability vectors / labels / targets, so only the shape check can reject them.
    """
    mismatched = {
        lu.softmax_cross_entropy: [np.ones((N, 1)), np.eye(C)[:3], np.eye(C)[0], np.full((C, N), 1 / N)],
        lu.softmax_cross_entropy_grad: [np.ones((N, 1)), np.eye(C)[:3], np.full((C, N), 1 / N),
                                        INDICES[:, None], INDICES[:3], np.eye(C - 1, dtype=int)[[0, 1, 0, 1]]],
        lu.softmax_cross_entropy_with_integer_labels: [INDICES[:, None], INDICES[:3], np.int64(0),
                                                       np.zeros((N, C), int)],
        lu.sigmoid_binary_cross_entropy: [np.full((N, 1), 0.5), np.full((1, C), 0.5), np.full(C, 0.5),
                                          np.full((C, N), 0.5), 0.5],
        lu.sigmoid_binary_cross_entropy_grad: [np.full((N, 1), 0.5), np.full(C, 0.5), 0.5],
        lu.squared_error: [np.zeros((N, 1)), np.zeros(C), np.zeros((C, N)), 0.0],
        lu.squared_error_grad: [np.zeros((N, 1)), np.zeros(C), 0.0],
        lu.sigmoid_squared_error: [np.full((N, 1), 0.5), np.full(C, 0.5), 0.5],
        lu.sigmoid_squared_error_grad: [np.full((N, 1), 0.5), np.full(C, 0.5), 0.5],
        lu.softmax_squared_error: [np.ones((N, 1)), np.eye(C)[:3], INDICES[:, None]],
        lu.softmax_squared_error_grad: [np.ones((N, 1)), np.eye(C)[:3], INDICES[:, None]],
        **{function: [np.zeros((N, 1)), np.zeros(C), 0.0]
           for function in (lu.quartic_error, lu.quartic_error_grad, lu.sine_squared_error,
                            lu.sine_squared_error_grad, lu.absolute_error, lu.absolute_error_grad)},
        lu.cross_entropy: [np.ones((N, 1)), np.full(C, 1 / C), np.full((2, N, C), 1 / C)],
        lu.kl_divergence: [np.ones((N, 1)), np.full(C, 1 / C), np.full((2, N, C), 1 / C)],
    }
    for function, first_name, second_name, first, _ in TWO_ARGUMENT_FUNCTIONS:
        for second in mismatched[function]:
            shape = np.shape(second)
            yield case(f"{function.__name__}-{second_name}{shape}", second_name, function, first, second)
    # The larger array in the second position must not broadcast either.
    yield case("sigmoid_binary_cross_entropy-logits(N,1)", "labels",
               lu.sigmoid_binary_cross_entropy, LOGITS[:, :1], HALVES)
    yield case("squared_error-prediction(N,1)", "target", lu.squared_error, LOGITS[:, :1], HALVES)
    yield case("cross_entropy-p(N,1)", "q", lu.cross_entropy, np.ones((N, 1)), PROBABILITIES)


def class_index_cases():
    for bad in (-1, C, C + 7):
        labels = INDICES.copy()
        labels[2] = bad
        for function in (lu.softmax_cross_entropy_with_integer_labels, lu.softmax_cross_entropy_grad):
            yield case(f"{function.__name__}-index{bad}", "labels", function, LOGITS, labels)
    yield case("one-example-index-C", "labels", lu.softmax_cross_entropy_with_integer_labels,
               LOGITS[0], np.int64(C))
    # Indices stored as floats (or bools) are not class indices, even when they hold whole numbers.
    for dtype in (np.float64, np.float32, bool):
        labels = (INDICES > 0) if dtype is bool else INDICES.astype(dtype)
        for function in (lu.softmax_cross_entropy_with_integer_labels, lu.softmax_cross_entropy_grad):
            yield case(f"{function.__name__}-{np.dtype(dtype).name}-indices", "labels", function,
                       LOGITS, labels)
    yield case("python-float-index", "labels", lu.softmax_cross_entropy_grad, LOGITS[0], 1.0)


def probability_cases():
    negative = np.array([[1.5, -0.5, 0.0]] * N)  # sums to 1, so only the sign check rejects it
    not_normalised = {"sum-0.9": ONE_HOT * 0.9, "sum-2": ONE_HOT * 2, "sum-0": np.zeros((N, C)),
                      "sum-inf": np.where(ONE_HOT == 1, np.inf, 0.0),
                      "one-bad-row": np.vstack([ONE_HOT[:3], [[0.5, 0.4, 0.0]]]),
                      "integer-counts": np.array([[1, 1, 0]] * N)}
    bad = {"negative": negative, **not_normalised}
    for label, values in bad.items():
        for function in (lu.softmax_cross_entropy, lu.softmax_cross_entropy_grad):
            yield case(f"{function.__name__}-{label}", "labels", function, LOGITS, values)
        yield case(f"cross_entropy-p-{label}", "p", lu.cross_entropy, values, PROBABILITIES)
        yield case(f"cross_entropy-q-{label}", "q", lu.cross_entropy, PROBABILITIES, values)
        yield case(f"kl_divergence-p-{label}", "p", lu.kl_divergence, values, PROBABILITIES)
        yield case(f"kl_divergence-q-{label}", "q", lu.kl_divergence, PROBABILITIES, values)
        yield case(f"entropy-{label}", "p", lu.entropy, values)


def binary_label_cases():
    for bad in (-0.1, 1.1, 2.0, -1e-300, np.inf):
        labels = HALVES.copy()
        labels[1, 2] = bad
        for function in (lu.sigmoid_binary_cross_entropy, lu.sigmoid_binary_cross_entropy_grad):
            yield case(f"{function.__name__}-{bad}", "labels", function, LOGITS, labels)


def empty_and_scalar_cases():
    for shape in [(0,), (N, 0), (2, N, 0)]:
        empty = np.zeros(shape)
        for function in CLASS_AXIS_FUNCTIONS + [lu.entropy]:
            name = "p" if function is lu.entropy else "x"
            yield case(f"{function.__name__}-empty{shape}", name, function, empty)
        for function, first_name, second_name, _, _ in TWO_ARGUMENT_FUNCTIONS[:3] + TWO_ARGUMENT_FUNCTIONS[-2:]:
            second = np.zeros(shape[:-1], int) if "integer" in function.__name__ else empty
            yield case(f"{function.__name__}-empty{shape}", first_name, function, empty, second)
    # The reduced axis need not be the last one.
    for function in CLASS_AXIS_FUNCTIONS:
        yield case(f"{function.__name__}-empty-axis0", "x", function, np.zeros((0, 3)), axis=0)
    # A scalar has no class axis.
    for function in CLASS_AXIS_FUNCTIONS:
        yield case(f"{function.__name__}-scalar", "x", function, 1.5)
    yield case("entropy-scalar", "p", lu.entropy, 1.0)
    yield case("cross_entropy-scalar", "p", lu.cross_entropy, 1.0, 1.0)
    yield case("kl_divergence-scalar", "p", lu.kl_divergence, 1.0, 1.0)
    yield case("softmax_cross_entropy-scalar", "logits", lu.softmax_cross_entropy, 1.0, 1.0)
    yield case("softmax_cross_entropy_grad-scalar", "logits", lu.softmax_cross_entropy_grad, 1.0, 1.0)
    yield case("integer_labels-scalar", "logits", lu.softmax_cross_entropy_with_integer_labels, 2.0, 0)
    yield case("cross_entropy-scalar-q", "q", lu.cross_entropy, [1.0], 1.0)


NON_NUMERIC = {
    "string": "0.5",
    "strings": ["0.5", "0.5"],
    "objects": [object(), object()],
    "none": None,
    "ragged": [[0.5, 0.5], [1.0]],
    "complex": [0.5 + 0j, 0.5 + 1j],
    "dict": {"a": 1.0},
}


def non_numeric_cases():
    for kind, bad in NON_NUMERIC.items():
        for function, valid in ONE_ARGUMENT_FUNCTIONS:
            name = "p" if function is lu.entropy else "x"
            yield case(f"{function.__name__}-{kind}", name, function, bad)
        for function, first_name, second_name, first, second in TWO_ARGUMENT_FUNCTIONS:
            yield case(f"{function.__name__}-{first_name}-{kind}", first_name, function, bad, second)
            yield case(f"{function.__name__}-{second_name}-{kind}", second_name, function, first, bad)


def axis_cases():
    for function in CLASS_AXIS_FUNCTIONS:
        for axis in (2, -3, 1.0, None, "0", True, (0, 1)):
            yield case(f"{function.__name__}-axis={axis!r}", "axis", function, LOGITS, axis=axis)


ALL_BAD_INPUT_CASES = [
    *shape_mismatch_cases(),
    *class_index_cases(),
    *probability_cases(),
    *binary_label_cases(),
    *empty_and_scalar_cases(),
    *non_numeric_cases(),
    *axis_cases(),
]


@pytest.fixture
def arithmetic_tripwire(monkeypatch):
    """Make the numerical kernel and numpy's exp/log family fail if reached."""

    def tripwire(*args, **kwargs):
        raise AssertionError("arithmetic ran before the arguments were checked")

    monkeypatch.setattr(lossutils.numerics, "shifted_exponentials", tripwire)
    monkeypatch.setattr(lossutils.losses, "shifted_exponentials", tripwire)
    for name in ("exp", "log", "log1p", "expm1"):
        monkeypatch.setattr(np, name, tripwire)


@pytest.mark.parametrize("bad", ALL_BAD_INPUT_CASES, ids=[c.id for c in ALL_BAD_INPUT_CASES])
def test_bad_input_raises_value_error_naming_the_argument_before_arithmetic(bad, arithmetic_tripwire):
    # The message starts with the argument's name ("labels must ...").
    with pytest.raises(ValueError, match=rf"^{bad.argument}\b"):
        bad.call()


@pytest.mark.parametrize("function, first_name, second_name, first, second", TWO_ARGUMENT_FUNCTIONS,
                         ids=[f[0].__name__ for f in TWO_ARGUMENT_FUNCTIONS])
def test_valid_arguments_of_the_bad_input_cases_are_accepted(function, first_name, second_name, first, second):
    # The bad cases above each change one thing in these arguments; they must be fine as they are.
    assert np.all(np.isfinite(function(first, second)))


# --- Tolerance of probability labels ---------------------------------------------------------------


def label_smoothing(num_classes, alpha, dtype):
    one_hot = np.eye(num_classes, dtype=dtype)[[0, num_classes - 1]]
    return one_hot * dtype(1 - alpha) + dtype(alpha) / dtype(num_classes)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("num_classes", [3, 7, 10, 1000])
@pytest.mark.parametrize("alpha", [0.1, 1 / 3])
def test_label_smoothing_built_by_division_is_accepted(dtype, num_classes, alpha):
    labels = label_smoothing(num_classes, alpha, dtype)
    logits = np.linspace(-3, 3, 2 * num_classes, dtype=dtype).reshape(2, num_classes)
    assert np.all(np.isfinite(lu.softmax_cross_entropy(logits, labels)))
    assert np.all(np.isfinite(lu.softmax_cross_entropy_grad(logits, labels)))
    assert np.all(np.isfinite(lu.entropy(labels)))
    assert np.all(np.isfinite(lu.cross_entropy(labels, lu.softmax(logits))))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("factor, accepted", [(0.5, True), (-0.5, True), (0.9, True), (4.0, False), (-4.0, False)])
def test_rows_are_accepted_exactly_within_the_documented_tolerance(dtype, factor, accepted):
    tolerance = np.sqrt(np.finfo(dtype).eps)  # documented: sqrt(machine epsilon) of the labels' dtype
    row = np.array([0.25, 0.25, 0.5 + factor * tolerance], dtype=dtype)
    assert abs(float(np.sum(row, dtype=np.float64)) - 1) == pytest.approx(abs(factor) * tolerance, rel=1e-3)
    logits = np.zeros(3, dtype=dtype)
    calls = [lambda: lu.softmax_cross_entropy(logits, row), lambda: lu.softmax_cross_entropy_grad(logits, row),
             lambda: lu.entropy(row), lambda: lu.kl_divergence(row, row)]
    for call in calls:
        if accepted:
            call()
        else:
            with pytest.raises(ValueError, match="sum to 1"):
                call()


def test_integer_one_hot_labels_must_sum_to_exactly_one():
    lu.softmax_cross_entropy(LOGITS, ONE_HOT.astype(int))
    with pytest.raises(ValueError, match="labels"):
        lu.softmax_cross_entropy(LOGITS, 2 * ONE_HOT.astype(int))


# --- NaN in, NaN out ------------------------------------------------------------------------------

CLEAN_ROWS = slice(1, None)


def with_nan(array, index):
    array = np.array(array, dtype=float)
    array[index] = np.nan
    return array


# (id, function of the modified arguments, arguments, which argument gets a NaN, at which index)
NAN_CASES = [
    ("logsumexp", lu.logsumexp, (LOGITS,), 0),
    ("softmax", lu.softmax, (LOGITS,), 0),
    ("log_softmax", lu.log_softmax, (LOGITS,), 0),
    ("softmax_cross_entropy-logits", lu.softmax_cross_entropy, (LOGITS, ONE_HOT), 0),
    ("softmax_cross_entropy-labels", lu.softmax_cross_entropy, (LOGITS, PROBABILITIES), 1),
    ("integer_labels-logits", lu.softmax_cross_entropy_with_integer_labels, (LOGITS, INDICES), 0),
    ("softmax_cross_entropy_grad-logits", lu.softmax_cross_entropy_grad, (LOGITS, INDICES), 0),
    ("softmax_cross_entropy_grad-prob-logits", lu.softmax_cross_entropy_grad, (LOGITS, ONE_HOT), 0),
    ("softmax_cross_entropy_grad-labels", lu.softmax_cross_entropy_grad, (LOGITS, PROBABILITIES), 1),
    ("cross_entropy-p", lu.cross_entropy, (PROBABILITIES, PROBABILITIES), 0),
    ("cross_entropy-q", lu.cross_entropy, (PROBABILITIES, PROBABILITIES), 1),
    ("kl_divergence-p", lu.kl_divergence, (PROBABILITIES, PROBABILITIES), 0),
    ("kl_divergence-q", lu.kl_divergence, (PROBABILITIES, PROBABILITIES), 1),
    ("entropy", lu.entropy, (PROBABILITIES,), 0),
]
ELEMENTWISE_NAN_CASES = [
    ("sigmoid", lu.sigmoid, (LOGITS,), 0),
    ("log_sigmoid", lu.log_sigmoid, (LOGITS,), 0),
    ("softplus", lu.softplus, (LOGITS,), 0),
    ("sigmoid_binary_cross_entropy-logits", lu.sigmoid_binary_cross_entropy, (LOGITS, HALVES), 0),
    ("sigmoid_binary_cross_entropy-labels", lu.sigmoid_binary_cross_entropy, (LOGITS, HALVES), 1),
    ("sigmoid_binary_cross_entropy_grad-logits", lu.sigmoid_binary_cross_entropy_grad, (LOGITS, HALVES), 0),
    ("sigmoid_binary_cross_entropy_grad-labels", lu.sigmoid_binary_cross_entropy_grad, (LOGITS, HALVES), 1),
    ("squared_error-prediction", lu.squared_error, (LOGITS, HALVES), 0),
    ("squared_error-target", lu.squared_error, (LOGITS, HALVES), 1),
    ("squared_error_grad-target", lu.squared_error_grad, (LOGITS, HALVES), 1),
]


def assert_no_warnings(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


@pytest.mark.parametrize("function, args, position", [c[1:] for c in NAN_CASES], ids=[c[0] for c in NAN_CASES])
def test_nan_in_one_row_gives_nan_in_that_row_only(function, args, position):
    args_with_nan = list(args)
    args_with_nan[position] = with_nan(args[position], (0, 1))
    out = assert_no_warnings(lambda: function(*args_with_nan))
    assert np.isnan(out[0]).any()
    # Every output of a row depends on all of its logits, so a NaN logit spoils the whole row.
    if position == 0 and function not in (lu.cross_entropy, lu.kl_divergence, lu.entropy):
        assert np.isnan(out[0]).all()
    clean = function(*(a[CLEAN_ROWS] for a in args))
    assert not np.isnan(out[CLEAN_ROWS]).any()
    np.testing.assert_array_equal(out[CLEAN_ROWS], clean)


@pytest.mark.parametrize("function, args, position", [c[1:] for c in ELEMENTWISE_NAN_CASES],
                         ids=[c[0] for c in ELEMENTWISE_NAN_CASES])
def test_nan_elementwise_gives_nan_in_that_element_only(function, args, position):
    args_with_nan = list(args)
    args_with_nan[position] = with_nan(args[position], (1, 2))
    out = assert_no_warnings(lambda: function(*args_with_nan))
    expected_nan = np.zeros(out.shape, bool)
    expected_nan[1, 2] = True
    np.testing.assert_array_equal(np.isnan(out), expected_nan)
    np.testing.assert_array_equal(out[~expected_nan], function(*args)[~expected_nan])


# --- Infinities -----------------------------------------------------------------------------------

MASKED_LOGITS = np.array([[1.0, -np.inf, 0.0, -np.inf], [-np.inf, 2.0, -1.0, 0.5]])
# The same examples with the masked classes left out.
UNMASKED = [np.array([1.0, 0.0]), np.array([2.0, -1.0, 0.5])]
MASKS = np.isneginf(MASKED_LOGITS)
MASK_AVOIDING_LABELS = np.array([[0.25, 0.0, 0.75, 0.0], [0.0, 0.0, 1.0, 0.0]])
MASK_AVOIDING_INDICES = np.array([2, 3])


def test_masked_classes_get_exactly_zero_probability():
    q = assert_no_warnings(lambda: lu.softmax(MASKED_LOGITS))
    assert np.all(q[MASKS] == 0)
    log_q = lu.log_softmax(MASKED_LOGITS)
    assert np.all(np.isneginf(log_q[MASKS]))
    for row, unmasked in enumerate(UNMASKED):
        np.testing.assert_allclose(q[row][~MASKS[row]], special.softmax(unmasked), rtol=1e-15)
        np.testing.assert_allclose(log_q[row][~MASKS[row]], special.log_softmax(unmasked), rtol=1e-15)


def test_masked_classes_give_the_loss_of_the_unmasked_problem_when_the_labels_avoid_them():
    loss = assert_no_warnings(lambda: lu.softmax_cross_entropy(MASKED_LOGITS, MASK_AVOIDING_LABELS))
    integer_loss = assert_no_warnings(
        lambda: lu.softmax_cross_entropy_with_integer_labels(MASKED_LOGITS, MASK_AVOIDING_INDICES))
    grad = assert_no_warnings(lambda: lu.softmax_cross_entropy_grad(MASKED_LOGITS, MASK_AVOIDING_LABELS))
    integer_grad = assert_no_warnings(
        lambda: lu.softmax_cross_entropy_grad(MASKED_LOGITS, MASK_AVOIDING_INDICES))
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(integer_loss))
    assert np.all(grad[MASKS] == 0) and np.all(integer_grad[MASKS] == 0)
    one_hot = np.eye(MASKED_LOGITS.shape[-1])[MASK_AVOIDING_INDICES]
    for row, unmasked in enumerate(UNMASKED):
        kept = ~MASKS[row]
        for labels, row_loss, row_grad in [(MASK_AVOIDING_LABELS[row][kept], loss[row], grad[row]),
                                           (one_hot[row][kept], integer_loss[row], integer_grad[row])]:
            expected = -np.sum(labels * special.log_softmax(unmasked))
            np.testing.assert_allclose(row_loss, expected, rtol=1e-14)
            expected_grad = special.softmax(unmasked) - labels
            np.testing.assert_allclose(row_grad[kept], expected_grad, rtol=1e-14, atol=1e-16)


def test_a_label_on_a_masked_class_gives_infinite_loss():
    assert assert_no_warnings(lambda: lu.softmax_cross_entropy_with_integer_labels(MASKED_LOGITS[0], 1)) == np.inf
    assert assert_no_warnings(lambda: lu.softmax_cross_entropy(MASKED_LOGITS[0], [0.5, 0.5, 0, 0])) == np.inf
    assert assert_no_warnings(lambda: lu.cross_entropy([0.5, 0.5], [1.0, 0.0])) == np.inf
    assert assert_no_warnings(lambda: lu.kl_divergence([0.5, 0.5], [1.0, 0.0])) == np.inf


NON_FINITE_ROWS = [
    [np.inf, 0.0, 1.0],
    [-np.inf, -np.inf, -np.inf],
    [np.inf, -np.inf, 0.0],
    [np.inf, np.inf, 0.0],
    [-np.inf, 0.0, -np.inf],
    [np.nan, np.inf, 0.0],
    [np.inf, np.nan, 0.0],
    [np.nan, -np.inf, 0.0],
]


@pytest.mark.parametrize("row", NON_FINITE_ROWS, ids=[str(r) for r in NON_FINITE_ROWS])
def test_logsumexp_handles_infinities_as_scipy_does(row):
    x = np.array([row, [0.5, -1.0, 2.0]])
    expected = special.logsumexp(x, axis=-1)
    np.testing.assert_array_equal(assert_no_warnings(lambda: lu.logsumexp(x)), expected)
    np.testing.assert_array_equal(lu.logsumexp(x.T, axis=0), expected)
    np.testing.assert_array_equal(lu.logsumexp(x, keepdims=True), expected[:, None])
    np.testing.assert_array_equal(lu.logsumexp(x[0]), expected[0])


# Rows whose maximum is +inf, NaN, or -inf (every entry): documented to give NaN from softmax and
# log_softmax, with no warning, and to leave the other rows alone.
NO_FINITE_MAXIMUM = [[np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf], [np.inf, np.inf, -np.inf],
                     [np.nan, 1.0, 0.0]]


@pytest.mark.parametrize("function", [lu.softmax, lu.log_softmax])
@pytest.mark.parametrize("row", NO_FINITE_MAXIMUM, ids=[str(r) for r in NO_FINITE_MAXIMUM])
def test_softmax_of_a_row_without_finite_maximum_is_nan_without_warnings(function, row):
    x = np.array([[0.5, -1.0, 2.0], row])
    out = assert_no_warnings(lambda: function(x))
    assert np.isnan(out[1]).all()
    np.testing.assert_array_equal(out[0], function(x[0]))


@pytest.mark.parametrize("row", NO_FINITE_MAXIMUM, ids=[str(r) for r in NO_FINITE_MAXIMUM])
def test_softmax_losses_of_a_row_without_finite_maximum_are_nan_without_warnings(row):
    x = np.array([[0.5, -1.0, 2.0], row])
    labels = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    indices = np.array([2, 0])
    for out in [assert_no_warnings(lambda: lu.softmax_cross_entropy(x, labels)),
                assert_no_warnings(lambda: lu.softmax_cross_entropy_with_integer_labels(x, indices)),
                assert_no_warnings(lambda: lu.softmax_cross_entropy_grad(x, labels)),
                assert_no_warnings(lambda: lu.softmax_cross_entropy_grad(x, indices))]:
        assert np.isnan(out[1]).all()
        assert np.isfinite(out[0]).all()


def test_infinite_arguments_of_elementwise_functions_give_their_limits():
    x = np.array([np.inf, -np.inf])
    np.testing.assert_array_equal(assert_no_warnings(lambda: lu.sigmoid(x)), [1.0, 0.0])
    np.testing.assert_array_equal(assert_no_warnings(lambda: lu.softplus(x)), [np.inf, 0.0])
    np.testing.assert_array_equal(assert_no_warnings(lambda: lu.log_sigmoid(x)), [0.0, -np.inf])


@pytest.mark.parametrize("logit, label, loss, grad", [
    (np.inf, 1.0, 0.0, 0.0),     # certain and right
    (-np.inf, 0.0, 0.0, 0.0),
    (np.inf, 0.0, np.inf, 1.0),  # certain and wrong
    (-np.inf, 1.0, np.inf, -1.0),
])
def test_binary_cross_entropy_at_infinite_logits_is_its_limit(logit, label, loss, grad):
    assert assert_no_warnings(lambda: lu.sigmoid_binary_cross_entropy(logit, label)) == loss
    assert assert_no_warnings(lambda: lu.sigmoid_binary_cross_entropy_grad(logit, label)) == grad
