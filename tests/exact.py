"""High-precision reference values and condition numbers, computed with mpmath.

The accuracy bound of lossutils is: every output within b ulp x (1 + kappa) of the exact value for the
given floating-point inputs, where kappa is the output's relative condition number with respect to
its inputs, and b depends on the dtype and, for outputs divided by a sum of C exponentials, on C
(see tests/test_accuracy.py). This module supplies both halves of that inequality:

- the exact value, evaluated at 200 bits from the inputs converted exactly (every binary float is a
  rational mpmath represents without rounding);
- the componentwise condition number, kappa = sum_j |d y / d x_j| |x_j| / |y|: how much a relative
  perturbation of one unit roundoff in each input can move y, relative to y. The inputs are the
  logits and, where labels are soft (``soft_labels=True``), the labels too: a soft label is rounded
  data like a logit, and counting it makes the cancellation in q_i - p_i part of the same rule
  (its kappa grows like p_i / |q_i - p_i|). Integer and one-hot labels are exact and not counted.

Each reference function returns a `Reference`: the exact values as an unevaluated sum of two float64
arrays (high + low parts, so that the error of a float64 result is measured against the exact value,
not against its rounding) and the sensitivity sum_j |d y / d x_j| |x_j| of each output, so that
kappa = sensitivity / |value|.
"""

from typing import NamedTuple

import mpmath
import numpy as np


class Reference(NamedTuple):
    high: np.ndarray
    low: np.ndarray
    sensitivity: np.ndarray

PRECISION_BITS = 200


def _mp(values):
    return [mpmath.mpf(float(v)) for v in np.ravel(values)]


def _softmax_row(x):
    """Softmax and LogSumExp of a row, with 1 - q_a and LogSumExp - x_i free of cancellation.

    Even at 200 bits, 1 + t rounds to 1 once t < 2**-200 (logits 140 apart), so the reference uses
    the same exact identities as the library: with a the index of the maximum m and
    t = sum_{i != a} exp(x_i - m), LogSumExp = m + log1p(t) and 1 - q_a = t / (1 + t).
    Returns (q, m, log1p(t), t).
    """
    a = max(range(len(x)), key=lambda i: x[i])
    m = x[a]
    exps = [mpmath.exp(v - m) for v in x]
    t = mpmath.fsum(e for i, e in enumerate(exps) if i != a)
    q = [e / (1 + t) for e in exps]
    return q, m, mpmath.log1p(t), t, a


def _rows(x):
    x = np.asarray(x)
    return x.reshape(-1, x.shape[-1])


def _log_softmax_sensitivities(q, xs, a, t):
    """For each i, sum_j |d log q_i / d x_j| |x_j| = (1 - q_i)|x_i| + sum_{j != i} q_j |x_j|.

    The sum over j != a is formed directly (for the top class it is the whole answer and can be
    tiny); for the other classes q_i <= 1/2, and subtracting q_i |x_i| from the total is safe.
    """
    others = mpmath.fsum(q[j] * abs(xs[j]) for j in range(len(xs)) if j != a)
    total = others + q[a] * abs(xs[a])
    one_minus_q_top = t / (1 + t)
    return [
        one_minus_q_top * abs(xs[i]) + others if i == a else (1 - q[i]) * abs(xs[i]) + total - q[i] * abs(xs[i])
        for i in range(len(xs))
    ]


def logsumexp(x):
    with mpmath.workprec(PRECISION_BITS):
        values, sens = [], []
        for row in _rows(x):
            xs = _mp(row)
            q, m, log1p_t, _, _ = _softmax_row(xs)
            values.append(m + log1p_t)
            sens.append(mpmath.fsum(qj * abs(xj) for qj, xj in zip(q, xs)))
        return _finish(values, sens, np.shape(x)[:-1])


def softmax(x):
    with mpmath.workprec(PRECISION_BITS):
        values, sens = [], []
        for row in _rows(x):
            xs = _mp(row)
            q, _, _, t, a = _softmax_row(xs)
            # d q_i / d x_j = q_i (delta_ij - q_j)
            for qi, si in zip(q, _log_softmax_sensitivities(q, xs, a, t)):
                values.append(qi)
                sens.append(qi * si)
        return _finish(values, sens, np.shape(x))


def log_softmax(x):
    with mpmath.workprec(PRECISION_BITS):
        values, sens = [], []
        for row in _rows(x):
            xs = _mp(row)
            q, m, log1p_t, t, a = _softmax_row(xs)
            # d log q_i / d x_j = delta_ij - q_j
            for i, si in enumerate(_log_softmax_sensitivities(q, xs, a, t)):
                values.append((xs[i] - m) - log1p_t)
                sens.append(si)
        return _finish(values, sens, np.shape(x))


def softmax_cross_entropy(logits, labels, soft_labels=False):
    """H(p, softmax(l)) for probability vectors p; gradient q - p.

    With ``soft_labels``, kappa counts the labels too: dH/dp_j = -log q_j >= 0, so the labels add
    sum_j p_j |log q_j| = H to the sensitivity (kappa grows by exactly 1).
    """
    with mpmath.workprec(PRECISION_BITS):
        values, sens = [], []
        for row, prow in zip(_rows(logits), _rows(labels)):
            xs, ps = _mp(row), _mp(prow)
            q, m, log1p_t, t, a = _softmax_row(xs)
            values.append(mpmath.fsum(p * ((m - x) + log1p_t) for p, x in zip(ps, xs) if p != 0))
            gradient = [q[j] - ps[j] if j != a else (1 - ps[j]) - t / (1 + t) for j in range(len(xs))]
            sensitivity = mpmath.fsum(abs(g) * abs(xj) for g, xj in zip(gradient, xs))
            sens.append(sensitivity + values[-1] if soft_labels else sensitivity)
        return _finish(values, sens, np.shape(logits)[:-1])


def softmax_cross_entropy_grad(logits, labels, soft_labels=False):
    """q - p for probability vectors p; d(q_i - p_i)/d x_j = q_i (delta_ij - q_j).

    With ``soft_labels``, kappa counts the labels too: d(q_i - p_i)/d p_i = -1 adds p_i.
    """
    with mpmath.workprec(PRECISION_BITS):
        values, sens = [], []
        for row, prow in zip(_rows(logits), _rows(labels)):
            xs, ps = _mp(row), _mp(prow)
            q, _, _, t, a = _softmax_row(xs)
            for i, si in enumerate(_log_softmax_sensitivities(q, xs, a, t)):
                # q_a - p_a = (1 - p_a) - t / (1 + t): no cancellation between 1 and q_a
                values.append((1 - ps[i]) - t / (1 + t) if i == a else q[i] - ps[i])
                sens.append(q[i] * si + (ps[i] if soft_labels else 0))
        return _finish(values, sens, np.shape(logits))


def _sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def elementwise(name, x, y=None, soft_labels=False):
    """Reference for the elementwise functions: sigmoid, softplus, log_sigmoid, bce, bce_grad.

    With ``soft_labels``, kappa counts the label y too: d bce / dy = -x and d bce_grad / dy = -1.
    """
    with mpmath.workprec(PRECISION_BITS):
        values, sens = [], []
        ys = _mp(y) if y is not None else [None] * np.size(x)
        for xv, yv in zip(_mp(x), ys):
            s = _sigmoid(xv)
            if name == "sigmoid":
                value, derivative = s, s * (1 - s)
            elif name == "softplus":
                value, derivative = mpmath.log1p(mpmath.exp(xv)), s
            elif name == "log_sigmoid":
                value, derivative = -mpmath.log1p(mpmath.exp(-xv)), 1 - s
            elif name == "bce":
                value = yv * mpmath.log1p(mpmath.exp(-xv)) + (1 - yv) * mpmath.log1p(mpmath.exp(xv))
                derivative = s - yv
            elif name == "bce_grad":
                value = (1 - yv) - _sigmoid(-xv) if xv >= 0 else s - yv  # 1 - s rounds at 200 bits
                derivative = s * (1 - s)
            else:
                raise ValueError(name)
            values.append(value)
            label_sensitivity = 0
            if soft_labels and name in ("bce", "bce_grad"):
                label_sensitivity = abs(yv) * (abs(xv) if name == "bce" else 1)
            sens.append(abs(derivative) * abs(xv) + label_sensitivity)
        return _finish(values, sens, np.shape(x))


def _finish(values, sens, shape):
    high = [float(v) for v in values]  # float(mpf) rounds to nearest
    low = [float(v - h) if mpmath.isfinite(v) else 0.0 for v, h in zip(values, high)]
    as_array = lambda seq: np.array(seq, dtype=np.float64).reshape(shape)  # noqa: E731
    return Reference(as_array(high), as_array(low), as_array([float(x) for x in sens]))


def error_in_budgets(computed, reference, extra_budget=0.0, ulps=2.0):
    """|computed - exact| in units of the budget ``ulps`` ulp(exact) (1 + kappa); <= 1 meets it.

    ulp is taken in the computed array's dtype, at the exact value rounded to that dtype. Where the
    exact value is 0, kappa is unbounded unless the sensitivity is 0 too; the budget is then
    2 ulp(0) + 2 eps * sensitivity. ``extra_budget`` (absolute, broadcastable) widens the budget
    for the documented exceptions.
    """
    computed = np.asarray(computed)
    dtype = computed.dtype
    exact, low, sensitivity = reference
    eps = float(np.finfo(dtype).eps)
    with np.errstate(over="ignore"):
        ulp = np.spacing(np.abs(exact.astype(dtype))).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(exact != 0, sensitivity / np.abs(exact), 0.0)
    budget = ulps * ulp * (1 + kappa) + np.where(exact == 0, ulps * eps * sensitivity, 0.0) + extra_budget
    with np.errstate(invalid="ignore"):
        error = np.abs((computed.astype(np.float64) - exact) - low)
    same_infinity = np.isinf(computed) & (computed == exact)
    return np.where(same_infinity, 0.0, error / budget)
