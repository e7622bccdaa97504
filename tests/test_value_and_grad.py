"""softmax_cross_entropy_value_and_grad returns exactly what the two separate functions return."""

import numpy as np
import pytest

import lossutils as lu


def batches():
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        for shape in [(5,), (7, 3), (2, 3, 10), (600, 1000), (0, 4)]:
            logits = rng.normal(0, 5, shape).astype(dtype)
            labels = rng.integers(0, shape[-1], shape[:-1])
            yield pytest.param(logits, labels, id=f"{np.dtype(dtype).name}-{shape}")


@pytest.mark.parametrize("logits, labels", list(batches()))
def test_integer_labels_match_the_separate_functions_bit_for_bit(logits, labels):
    loss, grad = lu.softmax_cross_entropy_value_and_grad(logits, labels)
    expected_loss = lu.softmax_cross_entropy_with_integer_labels(logits, labels)
    expected_grad = lu.softmax_cross_entropy_grad(logits, labels)
    assert np.asarray(loss).dtype == logits.dtype and grad.dtype == logits.dtype
    assert np.shape(loss) == logits.shape[:-1] and grad.shape == logits.shape
    np.testing.assert_array_equal(loss, expected_loss)
    np.testing.assert_array_equal(grad, expected_grad)


def test_probability_labels_match_the_separate_functions():
    rng = np.random.default_rng(4)
    logits = rng.normal(0, 3, (20, 6))
    labels = rng.dirichlet(np.ones(6), 20)
    loss, grad = lu.softmax_cross_entropy_value_and_grad(logits, labels)
    np.testing.assert_array_equal(loss, lu.softmax_cross_entropy(logits, labels))
    np.testing.assert_array_equal(grad, lu.softmax_cross_entropy_grad(logits, labels))


def test_confident_prediction_keeps_its_digits():
    loss, grad = lu.softmax_cross_entropy_value_and_grad([30.0, 0.0], 0)
    t = np.exp(-30.0)
    assert loss == pytest.approx(np.log1p(t), rel=1e-15)
    assert grad[0] == pytest.approx(-t / (1 + t), rel=1e-15)


@pytest.mark.parametrize(
    "logits, labels, message",
    [
        (np.zeros((3, 4)), [0, 1, 4], "labels must lie in"),
        (np.zeros((3, 4)), np.zeros((3, 1)), "labels must have the same shape"),
        (np.zeros((3, 4)), [0.0, 1.0, 2.0], "labels must be integer class indices"),
        (np.zeros((3, 0)), np.zeros(3, int), "logits has an empty class axis"),
        ("abc", 0, "logits must contain real numbers"),
    ],
)
def test_bad_input_is_named(logits, labels, message):
    with pytest.raises(ValueError, match=message):
        lu.softmax_cross_entropy_value_and_grad(logits, labels)
