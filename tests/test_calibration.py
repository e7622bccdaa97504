"""lossutils.calibration: the expected calibration error and reliability bins, against their definition."""

import numpy as np
import pytest

import lossutils as lu


def ece_by_definition(probabilities, labels, num_bins):
    """Guo et al. (2017), equation (3), one example and one bin at a time, in exact fractions of floats."""
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1, np.shape(probabilities)[-1])
    labels = np.asarray(labels).reshape(-1)
    n = len(labels)
    total = 0.0
    for m in range(1, num_bins + 1):
        low, high = (m - 1) / num_bins, m / num_bins
        members = [i for i in range(n)
                   if (low < probabilities[i].max() <= high) or (m == 1 and probabilities[i].max() == 0)]
        if members:
            accuracy = np.mean([np.argmax(probabilities[i]) == labels[i] for i in members])
            confidence = np.mean([probabilities[i].max() for i in members])
            total += len(members) / n * abs(accuracy - confidence)
    return total


def test_hand_computed_example():
    # Confidences 0.9, 0.8, 0.6 and 0.55; the first three are labelled 0, the last 1.
    probabilities = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.45, 0.55]]
    labels = [0, 0, 0, 1]
    # Bins of width 0.2: 0.9 -> (0.8, 1]; 0.8 and 0.6 -> (0.6, 0.8] and (0.4, 0.6]; 0.55 -> (0.4, 0.6].
    # (0.8, 1]: one example, right, confidence 0.9: gap 0.1.
    # (0.6, 0.8]: the 0.8 example (predicts 1, label 0): accuracy 0, confidence 0.8: gap 0.8.
    # (0.4, 0.6]: 0.6 (right) and 0.55 (right): accuracy 1, confidence 0.575: gap 0.425.
    expected = (1 * 0.1 + 1 * 0.8 + 2 * 0.425) / 4
    assert lu.expected_calibration_error(probabilities, labels, num_bins=5) == pytest.approx(expected, rel=1e-14)
    bins = lu.reliability_bins(probabilities, labels, num_bins=5)
    np.testing.assert_array_equal(bins.counts, [0, 0, 2, 1, 1])
    np.testing.assert_allclose(bins.confidence[2:], [0.575, 0.8, 0.9], rtol=1e-15)
    np.testing.assert_array_equal(bins.accuracy[2:], [1.0, 0.0, 1.0])
    assert np.isnan(bins.confidence[:2]).all() and np.isnan(bins.accuracy[:2]).all()
    np.testing.assert_allclose(bins.edges, [0, 0.2, 0.4, 0.6, 0.8, 1.0])


def test_confidence_on_an_edge_goes_to_the_bin_it_closes():
    # 0.5 with 2 bins belongs to (0, 0.5]; 0.75 with 4 bins to (0.5, 0.75].
    assert lu.reliability_bins([[0.5, 0.5]], [0], num_bins=2).counts.tolist() == [1, 0]
    assert lu.reliability_bins([[0.75, 0.25]], [0], num_bins=4).counts.tolist() == [0, 0, 1, 0]
    assert lu.reliability_bins([[0.3, 0.7]], [1], num_bins=10).counts.tolist() == [0] * 6 + [1] + [0] * 3


def test_perfectly_calibrated_predictions_have_zero_error():
    # 10 examples at confidence 0.7 with 7 right, 4 at 0.75 with 3 right, 5 at 1.0 all right.
    probabilities = [[0.7, 0.3]] * 10 + [[0.25, 0.75]] * 4 + [[1.0, 0.0]] * 5
    labels = [0] * 7 + [1] * 3 + [1] * 3 + [0] + [0] * 5
    assert lu.expected_calibration_error(probabilities, labels, num_bins=10) == pytest.approx(0, abs=1e-15)
    bins = lu.reliability_bins(probabilities, labels, num_bins=10)
    filled = bins.counts > 0
    np.testing.assert_allclose(bins.accuracy[filled], bins.confidence[filled], rtol=1e-15)


def test_labels_drawn_from_the_predictions_give_a_small_error():
    # A model is calibrated when the labels follow its own probabilities; then the ECE is only
    # sampling noise, which shrinks like 1/sqrt(N). A miscalibrated model stays far from 0.
    rng = np.random.default_rng(0)
    n, c = 200_000, 4
    logits = rng.normal(scale=2.0, size=(n, c))
    q = lu.softmax(logits)
    labels = (rng.random((n, 1)) > np.cumsum(q, axis=1)).sum(axis=1)
    assert lu.expected_calibration_error(q, labels) < 0.005
    overconfident = lu.softmax(3 * logits)
    assert lu.expected_calibration_error(overconfident, labels) > 0.1


def test_always_confident_always_wrong_has_error_one():
    assert lu.expected_calibration_error([[1.0, 0.0, 0.0]] * 3, [1, 2, 1]) == 1.0


@pytest.mark.parametrize("num_bins", [1, 3, 10, 15, 40])
def test_matches_the_definition_on_random_predictions(num_bins):
    rng = np.random.default_rng(num_bins)
    probabilities = lu.softmax(rng.normal(scale=1.5, size=(300, 5)))
    labels = rng.integers(0, 5, 300)
    expected = ece_by_definition(probabilities, labels, num_bins)
    assert lu.expected_calibration_error(probabilities, labels, num_bins) == pytest.approx(expected, rel=1e-12)
    bins = lu.reliability_bins(probabilities, labels, num_bins)
    assert bins.counts.sum() == 300
    weighted_gap = np.nansum(bins.counts / 300 * np.abs(bins.accuracy - bins.confidence))
    assert weighted_gap == pytest.approx(expected, rel=1e-12)


def test_one_bin_compares_overall_accuracy_with_mean_confidence():
    rng = np.random.default_rng(1)
    probabilities = lu.softmax(rng.normal(size=(50, 3)))
    labels = rng.integers(0, 3, 50)
    accuracy = np.mean(probabilities.argmax(axis=1) == labels)
    confidence = probabilities.max(axis=1).mean()
    assert lu.expected_calibration_error(probabilities, labels, num_bins=1) == pytest.approx(abs(accuracy - confidence))


def test_leading_axes_are_pooled():
    rng = np.random.default_rng(2)
    probabilities = lu.softmax(rng.normal(size=(4, 6, 3)))
    labels = rng.integers(0, 3, (4, 6))
    assert lu.expected_calibration_error(probabilities, labels) == lu.expected_calibration_error(
        probabilities.reshape(24, 3), labels.reshape(24))


def test_float32_is_preserved():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(100, 4))
    probabilities = lu.softmax(logits.astype(np.float32))
    labels = rng.integers(0, 4, 100)
    ece = lu.expected_calibration_error(probabilities, labels)
    assert ece.dtype == np.float32
    assert ece == pytest.approx(lu.expected_calibration_error(lu.softmax(logits), labels), rel=1e-5)
    bins = lu.reliability_bins(probabilities, labels)
    assert bins.edges.dtype == bins.confidence.dtype == bins.accuracy.dtype == np.float32


@pytest.mark.parametrize(
    "probabilities, labels, kwargs, message",
    [
        ([[0.5, 0.6]], [0], {}, "probabilities must sum to 1"),
        ([[1.2, -0.2]], [0], {}, "probabilities must be non-negative"),
        ([[0.5, 0.5]], [2], {}, "labels must lie in"),
        ([[0.5, 0.5]], [0.0], {}, "labels must be integer"),
        ([[0.5, 0.5]], [0, 1], {}, "labels must have shape"),
        ([[0.5, 0.5]], [0], {"num_bins": 0}, "num_bins must be a positive integer"),
        ([[0.5, 0.5]], [0], {"num_bins": 2.0}, "num_bins must be a positive integer"),
        ([[0.5, 0.5]], [0], {"num_bins": True}, "num_bins must be a positive integer"),
        (np.zeros((0, 3)), np.zeros(0, int), {}, "probabilities must hold at least one example"),
        (0.5, 0, {}, "probabilities must have at least one dimension"),
    ],
)
def test_bad_arguments_are_named(probabilities, labels, kwargs, message):
    for function in (lu.expected_calibration_error, lu.reliability_bins):
        with pytest.raises(ValueError, match=message):
            function(probabilities, labels, **kwargs)
