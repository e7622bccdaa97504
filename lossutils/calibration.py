r"""Calibration of a classifier's probabilities: reliability diagrams and the expected calibration error.

A classifier that says "80% sure" should be right about 80% of the time. For each example take the
*confidence* :math:`\hat c_n = \max_i q_{ni}`, the probability of the predicted class
:math:`\hat y_n = \arg\max_i q_{ni}`, and sort the examples into :math:`M` equal-width bins
:math:`I_m = \bigl(\tfrac{m-1}{M}, \tfrac{m}{M}\bigr]`. In bin :math:`B_m`, compare the accuracy
with the mean confidence:

.. math::

    \operatorname{acc}(B_m) = \frac{1}{|B_m|} \sum_{n \in B_m} \mathbf{1}[\hat y_n = y_n], \qquad
    \operatorname{conf}(B_m) = \frac{1}{|B_m|} \sum_{n \in B_m} \hat c_n .

A *reliability diagram* plots one against the other (a calibrated model lies on the diagonal), and
the *expected calibration error* is their gap averaged over the examples,

.. math::

    \operatorname{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{N}\,
    \bigl|\operatorname{acc}(B_m) - \operatorname{conf}(B_m)\bigr|
    = \frac1N \sum_{m=1}^{M} \Bigl|\sum_{n \in B_m} \bigl(\mathbf{1}[\hat y_n = y_n] - \hat c_n\bigr)\Bigr| .

It is 0 for a model whose accuracy matches its confidence in every bin, and at most 1. It depends
on :math:`M` (fewer, wider bins let over- and under-confidence within a bin cancel) and, for a
finite test set, carries sampling noise of order :math:`\sqrt{M/N}`, so small differences between
models mean little.

References
----------
M. P. Naeini, G. F. Cooper and M. Hauskrecht, "Obtaining well calibrated probabilities using
Bayesian binning", AAAI 2015 (the ECE).
C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration of modern neural networks", ICML
2017, section 2 (the notation above, reliability diagrams, :math:`M = 15`).
"""

from typing import NamedTuple

import numpy as np

from . import _validation as _v

# ReliabilityBins is the return type, reached as lossutils.calibration.ReliabilityBins.
__all__ = ["reliability_bins", "expected_calibration_error"]


class ReliabilityBins(NamedTuple):
    """Per-bin data of a reliability diagram (see :func:`reliability_bins`)."""

    #: shape (M + 1,): the bin edges 0, 1/M, ..., 1; bin m is (edges[m], edges[m + 1]]
    edges: np.ndarray
    #: shape (M,): the number of examples in each bin
    counts: np.ndarray
    #: shape (M,): mean confidence of each bin's examples (NaN for an empty bin)
    confidence: np.ndarray
    #: shape (M,): fraction of each bin's examples classified correctly (NaN for an empty bin)
    accuracy: np.ndarray


def reliability_bins(probabilities, labels, num_bins=15):
    r"""The data of a reliability diagram: per confidence bin, the count, mean confidence and accuracy.

    .. math::

        \operatorname{conf}(B_m) = \frac{1}{|B_m|} \sum_{n \in B_m} \max_i q_{ni}, \qquad
        \operatorname{acc}(B_m) = \frac{1}{|B_m|} \sum_{n \in B_m} \mathbf{1}[\arg\max_i q_{ni} = y_n],

    with :math:`B_m` the examples whose confidence lies in :math:`\bigl(\tfrac{m-1}{M}, \tfrac{m}{M}\bigr]`
    (a confidence of exactly 0 goes to the first bin).

    Parameters
    ----------
    probabilities : array_like, shape (..., C)
        Predicted class probabilities, one vector per example (rows sum to 1).
    labels : array_like of int, shape (...)
        The true classes.
    num_bins : int, optional
        :math:`M`, the number of equal-width bins on [0, 1] (default 15, as Guo et al. 2017).

    Returns
    -------
    ReliabilityBins
        ``edges``, ``counts``, ``confidence`` and ``accuracy``; the floating arrays in the dtype of
        ``probabilities``. All the examples of every leading axis are pooled.

    References
    ----------
    Guo et al. (2017), section 2; Naeini et al. (2015). See the module docstring.
    """
    edges, counts, confidence_sums, correct_sums, _ = _binned(probabilities, labels, num_bins)
    dtype = edges.dtype
    with np.errstate(invalid="ignore", divide="ignore"):  # empty bins: 0/0 = NaN by design
        confidence = (confidence_sums / counts).astype(dtype)
        accuracy = (correct_sums / counts).astype(dtype)
    return ReliabilityBins(edges, counts, confidence, accuracy)


def expected_calibration_error(probabilities, labels, num_bins=15):
    r"""Expected calibration error of predicted probabilities against true labels.

    .. math::

        \operatorname{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{N}\,
        \bigl|\operatorname{acc}(B_m) - \operatorname{conf}(B_m)\bigr|

    over :math:`M` equal-width confidence bins (see the module docstring and
    :func:`reliability_bins`); empty bins contribute nothing.

    Parameters
    ----------
    probabilities : array_like, shape (..., C)
        Predicted class probabilities, one vector per example.
    labels : array_like of int, shape (...)
        The true classes.
    num_bins : int, optional
        :math:`M` (default 15).

    Returns
    -------
    numpy scalar in [0, 1], in the dtype of ``probabilities``.

    References
    ----------
    Naeini, Cooper & Hauskrecht (2015), equation for ECE; Guo et al. (2017), equation (3).
    """
    edges, _, confidence_sums, correct_sums, total = _binned(probabilities, labels, num_bins)
    # (|B_m| / N) |acc - conf| = |sum of (correct - confidence) over B_m| / N: no division by |B_m|.
    ece = np.abs(correct_sums - confidence_sums).sum() / total
    return edges.dtype.type(ece)


def _binned(probabilities, labels, num_bins):
    """Validate, then return (edges, counts, confidence sums, correct sums, N) per bin."""
    probabilities = _v.probability_vectors(probabilities, "probabilities")
    labels = _v.class_indices(labels, "labels", probabilities)
    if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) or num_bins < 1:
        raise ValueError(f"num_bins must be a positive integer, got {num_bins!r}")
    rows = probabilities.reshape(-1, probabilities.shape[-1])
    labels = labels.reshape(-1)
    if rows.shape[0] == 0:
        raise ValueError("probabilities must hold at least one example")

    confidence = rows.max(axis=-1)
    correct = np.argmax(rows, axis=-1) == labels
    # Edges in the data's dtype, so that a confidence equal to an edge (as stored) falls in the bin
    # the edge closes, (edges[m-1], edges[m]].
    edges = np.linspace(0, 1, num_bins + 1).astype(rows.dtype)
    bins = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, num_bins - 1)
    counts = np.bincount(bins, minlength=num_bins)
    # Sums in float64 (bincount's weights), whatever the dtype: the result is then rounded once.
    confidence_sums = np.bincount(bins, weights=confidence, minlength=num_bins)
    correct_sums = np.bincount(bins, weights=correct, minlength=num_bins)
    return edges, counts, confidence_sums, correct_sums, rows.shape[0]
