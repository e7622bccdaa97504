"""Input checks shared by every public function.

Each public function converts and checks its arguments once, here, before any arithmetic, so that a
wrong call fails with a ``ValueError`` that names the argument instead of broadcasting silently or
returning NaN. The numerical kernels behind the checks can then assume well-formed arrays.
"""

import numpy as np

# numpy dtype kinds accepted as numbers: bool, signed and unsigned integers, real floats.
_REAL_KINDS = "biuf"


def as_real_array(x, name, like=None):
    """Return ``x`` as an ndarray of a real floating dtype, or raise ``ValueError`` naming ``name``.

    float32 and float64 inputs keep their dtype; float16 is computed (and returned) in float32,
    whose kernels keep its digits. Bools and integers (exact data such as one-hot labels) take the
    dtype of the array ``like`` when given, else float64, as in numpy's ufuncs.
    """
    array = as_array(x, name)
    if array.dtype.kind not in _REAL_KINDS:
        raise ValueError(f"{name} must contain real numbers, got dtype {array.dtype}")
    if array.dtype.kind != "f":
        return array.astype(np.float64 if like is None else like.dtype)
    if array.dtype == np.float16:
        return array.astype(np.float32)
    return array


def as_class_vectors(x, name, like=None):
    """Like :func:`as_real_array`, for an argument whose last axis holds the classes."""
    array = as_real_array(x, name, like)
    if array.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (the class axis), got a scalar")
    if array.shape[-1] == 0:
        raise ValueError(f"{name} has an empty class axis (shape {array.shape})")
    return array


def as_vectors_along(x, name, axis):
    """Like :func:`as_class_vectors`, for vectors along ``axis`` (checked too) instead of the last."""
    array = as_real_array(x, name)
    if array.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension, got a scalar")
    normalised = check_axis(axis, array.ndim)
    if array.shape[normalised] == 0:
        raise ValueError(f"{name} is empty along axis {axis} (shape {array.shape})")
    return array


def promote(a, b):
    """``a`` and ``b`` in their common floating dtype (numpy's promotion rules), copied only if needed."""
    dtype = np.result_type(a, b, np.float16)
    return a.astype(dtype, copy=False), b.astype(dtype, copy=False)


def check_same_shape(a, a_name, b, b_name):
    if a.shape != b.shape:
        raise ValueError(
            f"{b_name} must have the same shape as {a_name}: got {b_name} {b.shape} and "
            f"{a_name} {a.shape} (no broadcasting is done)"
        )


def check_axis(axis, ndim, name="axis"):
    """Normalise an integer axis to the range [0, ndim)."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis} is out of range for an array of dimension {ndim}")
    return int(axis) % ndim


def probability_tolerance(dtype):
    """How far a row of probabilities may sum from 1: sqrt(machine epsilon) of its dtype.

    Integer rows must sum to 1 exactly. A tolerance this loose accepts labels built by
    floating-point division (label smoothing, normalised counts) and still rejects real mistakes.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        return 0.0
    return float(np.sqrt(np.finfo(dtype).eps))


def check_probabilities(p, name, original_dtype):
    """Raise ``ValueError`` unless every vector along the last axis of ``p`` is a distribution.

    NaN entries are let through (NaN in gives NaN out); comparisons are written so that NaN fails
    neither check.
    """
    if np.any(p < 0):
        raise ValueError(f"{name} must be non-negative probabilities, found {p.min()}")
    totals = p.sum(axis=-1, dtype=np.float64)
    deviation = np.abs(totals - 1)
    tolerance = probability_tolerance(original_dtype)
    if np.any(deviation > tolerance):
        worst = np.nanmax(deviation)
        raise ValueError(
            f"{name} must sum to 1 along the last axis (tolerance {tolerance:.1e}); "
            f"a row is off by {worst:.3g}"
        )


def probability_vectors(x, name, like=None, like_name=None):
    """Convert and check an argument that holds probability vectors along its last axis.

    With ``like`` (and its argument name ``like_name``), integer and bool vectors take its dtype and
    the shapes must match; the shape is checked first, as it is the more telling mistake.
    """
    original = as_array(x, name)
    array = as_class_vectors(original, name, like)
    if like_name is not None:
        check_same_shape(like, like_name, array, name)
    check_probabilities(array, name, original.dtype)
    return array


def class_indices(labels, name, logits):
    """Convert and check integer class labels for ``logits`` of shape (..., C)."""
    array = as_array(labels, name)
    if array.dtype.kind not in "iu":
        raise ValueError(
            f"{name} must be integer class indices (an integer dtype), got dtype {array.dtype}"
        )
    expected = logits.shape[:-1]
    if array.shape != expected:
        raise ValueError(
            f"{name} must have shape {expected} (the logits' shape without the class axis), "
            f"got {array.shape}"
        )
    num_classes = logits.shape[-1]
    # Both bounds in one pass: read as unsigned integers of the same width, a negative index is
    # a huge one (two's complement), so a single maximum finds either kind of bad label.
    as_unsigned = array.view(f"u{array.itemsize}")
    if array.size and as_unsigned.max() >= num_classes:
        bad = array.min() if array.min() < 0 else array.max()
        raise ValueError(f"{name} must lie in [0, {num_classes}), found {bad}")
    return array.astype(np.intp, copy=False)


def labels_in_unit_interval(labels, name, like):
    """Convert and check elementwise binary labels (probabilities of the positive class)."""
    array = as_real_array(labels, name, like)
    if np.any(array < 0) or np.any(array > 1):
        raise ValueError(f"{name} must lie in [0, 1], found values from {array.min()} to {array.max()}")
    return array


def as_array(x, name):
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{name} must be a numeric array, could not convert it: {error}") from None
