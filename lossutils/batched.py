r"""Many classifiers trained at once: a stack of models, each with its own learning rate and data.

:func:`lossutils.train_classifier` trains one model; an experiment that compares losses over
learning rates, initialisations and data splits trains dozens, and calling it in a Python loop
spends most of its time on small array operations. Here the :math:`K` models of one architecture
are stacked along a leading axis: layer :math:`l` is a pair ``(W, b)`` of shapes
``(K, n_in, n_out)`` and ``(K, n_out)``, and every step of full-batch gradient descent is one batched
array computation,

.. math::

    \theta^{(k)}_{t+1} = \theta^{(k)}_t - \alpha_k\, \nabla L_k\bigl(\theta^{(k)}_t\bigr),
    \qquad L_k(\theta) = \frac{1}{n} \sum_{i=1}^{n} \ell\bigl(f(x^{(k)}_i; \theta), y^{(k)}_i\bigr),
    \qquad k = 1, \dots, K,

with the outputs :math:`f` of :mod:`lossutils.classifiers` (tanh hidden layers, a linear last
layer) and one of its three losses, no penalty. The models share the loss and the number of
steps; each has its own learning rate :math:`\alpha_k`, starting point, and (optionally) its own
training and evaluation data, e.g. a different random split. Model :math:`k` follows the same
iteration as ``train_classifier(params_k, inputs_k, labels_k, loss=loss,
learning_rate=alpha_k, steps=steps)``; the two agree to rounding (the tests check it), since
the losses are computed here by the same formulas in batched form,

- ``"cross_entropy"``: :math:`\operatorname{LogSumExp}(f) - f_y`, gradient :math:`q - p`;
- ``"probability_squared_error"``: :math:`\tfrac12 \lVert q - p\rVert^2`, gradient
  :math:`J^\top (q - p) = q \odot \bigl(r - \langle q, r\rangle \mathbf 1\bigr)` with
  :math:`r = q - p`;
- ``"logit_squared_error"``: :math:`\tfrac12 \lVert f - p\rVert^2`, gradient :math:`f - p`,

with :math:`q = \operatorname{softmax}(f)` (max-shifted; shifted logits below
:math:`\tfrac13 \log \text{tiny}` are raised to it, which keeps subnormal numbers, and their
slow arithmetic, out of the computation and changes no probability by more than
:math:`\text{tiny}^{1/3}`, 2.3e-13 in float32, 1e-103 in float64) and :math:`p = e_y`.

A model whose objective or parameters become infinite or NaN (a learning rate too large) is
stopped at the next checkpoint; its remaining history is NaN and the other models go on without
it (it is no longer computed).

References
----------
Goodfellow, Bengio & Courville, *Deep Learning*, MIT Press 2016, sections 4.3 and 6.5.
"""

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from .classifiers import LOSS_NAMES

__all__ = ["stack_classifiers", "batched_outputs", "train_classifiers"]


class BatchedRun(NamedTuple):
    """What :func:`train_classifiers` returns (model ``k`` is index ``k`` of every array)."""

    #: the parameters after the last step, ``[(W, b), ...]`` with shapes (K, n_in, n_out), (K, n_out)
    params: list
    #: shape (K, steps + 1): each model's training objective at the start and after each step
    objective: np.ndarray
    #: the step numbers at which accuracies were recorded: 0, record_every, ..., steps
    checkpoints: np.ndarray
    #: for each evaluation set, shape (K, len(checkpoints)): accuracy (fraction correct)
    accuracy: dict


def stack_classifiers(models):
    r"""Stack K classifiers of one architecture into one batched model.

    .. math:: W_l = \bigl[W_l^{(1)}; \dots; W_l^{(K)}\bigr], \qquad b_l = \bigl[b_l^{(1)}; \dots; b_l^{(K)}\bigr]

    Parameters
    ----------
    models : sequence of lists of (weights, biases)
        K parameter lists as returned by :func:`lossutils.init_classifier`, all with the same shapes.

    Returns
    -------
    list of (W, b)
        ``W`` of shape ``(K, n_in, n_out)`` and ``b`` of shape ``(K, n_out)`` per layer.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), section 6.5.
    """
    if isinstance(models, (str, bytes)) or not isinstance(models, Sequence) or not models:
        raise ValueError("models must be a non-empty sequence of parameter lists")
    shapes = [[(np.shape(w), np.shape(b)) for w, b in model] for model in models]
    if any(s != shapes[0] for s in shapes):
        raise ValueError("models must all have the same layer shapes")
    return [(np.stack([model[l][0] for model in models]), np.stack([model[l][1] for model in models]))
            for l in range(len(models[0]))]


def batched_outputs(params, inputs):
    r"""The outputs of K stacked classifiers: :math:`f^{(k)}(x)` for every model k.

    .. math:: a_0 = x, \quad a_l = \tanh(a_{l-1} W_l + b_l) \ (l < L), \quad f = a_{L-1} W_L + b_L

    Parameters
    ----------
    params : list of (W, b)
        Stacked parameters, shapes ``(K, n_in, n_out)`` and ``(K, n_out)`` (:func:`stack_classifiers`).
    inputs : array_like, shape (m, n_inputs) or (K, m, n_inputs)
        The same inputs for every model, or one set per model.

    Returns
    -------
    ndarray, shape (K, m, n_classes)

    References
    ----------
    Goodfellow, Bengio & Courville (2016), section 6.5.
    """
    params = _check_params(params)
    inputs = _check_inputs(inputs, params, "inputs")
    return np.swapaxes(_forward(params, inputs)[-1], -1, -2)


def train_classifiers(params, inputs, labels, *, loss, learning_rates, steps, evaluate=None,
                      record_every=10):
    r"""Train K stacked classifiers by full-batch gradient descent, each with its own learning rate.

    .. math:: \theta^{(k)}_{t+1} = \theta^{(k)}_t - \alpha_k \nabla L_k\bigl(\theta^{(k)}_t\bigr)

    (see the module docstring; no penalty).

    Parameters
    ----------
    params : list of (W, b)
        Stacked starting points (not modified), shapes ``(K, n_in, n_out)`` and ``(K, n_out)``; their
        floating dtype is the run's.
    inputs : array_like, shape (n, n_inputs) or (K, n, n_inputs)
        The training inputs, shared by all models or one set per model.
    labels : array_like of int, shape (n,) or (K, n)
        Class indices in ``[0, n_classes)``.
    loss : {"cross_entropy", "probability_squared_error", "logit_squared_error"}
    learning_rates : float or array_like, shape (K,)
        The step sizes :math:`\alpha_k > 0`.
    steps : int
        The number of steps, the same for every model.
    evaluate : mapping of str to (inputs, labels), optional
        Data sets on which to record accuracies, shared ``(m, n_inputs)``/``(m,)`` or per model
        ``(K, m, n_inputs)``/``(K, m)``.
    record_every : int, optional
        Steps between accuracy checkpoints (the last stretch may be shorter).

    Returns
    -------
    BatchedRun
        ``params``, ``objective`` of shape (K, steps + 1), ``checkpoints``, and ``accuracy`` with
        one (K, len(checkpoints)) array per evaluation set. A diverged model's history is NaN from
        the checkpoint at which it was stopped on, and its parameters are those of that point.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), sections 4.3 and 6.5.
    """
    params = _check_params(params)
    count = params[0][0].shape[0]
    dtype = params[0][0].dtype
    inputs = _check_inputs(inputs, params, "inputs")
    labels = _check_labels(labels, inputs, params, "labels")
    if not isinstance(loss, str) or loss not in LOSS_NAMES:
        raise ValueError(f"loss must be one of {', '.join(map(repr, LOSS_NAMES))}; got {loss!r}")
    rates = np.asarray(learning_rates, dtype=np.float64)
    if rates.ndim == 0:
        rates = np.full(count, float(rates))
    if rates.shape != (count,) or not (np.isfinite(rates).all() and (rates > 0).all()):
        raise ValueError(f"learning_rates must be positive finite numbers, one per model ({count}); "
                         f"got {learning_rates!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps: expected a non-negative integer, got {steps!r}")
    if isinstance(record_every, bool) or not isinstance(record_every, (int, np.integer)) or record_every < 1:
        raise ValueError(f"record_every: expected a positive integer, got {record_every!r}")
    evaluation_sets = {}
    if evaluate is not None:
        if not isinstance(evaluate, Mapping):
            raise ValueError("evaluate must be a mapping of names to (inputs, labels) pairs")
        for name, pair in evaluate.items():
            if not isinstance(pair, Sequence) or len(pair) != 2:
                raise ValueError(f"evaluate[{name!r}] must be an (inputs, labels) pair")
            x = _check_inputs(pair[0], params, f"evaluate[{name!r}] inputs")
            evaluation_sets[name] = (x, _check_labels(pair[1], x, params, f"evaluate[{name!r}] labels"))

    num_classes = params[-1][0].shape[-1]
    # Each model gets its own contiguous copy of shared data: batched matrix products of stacked
    # contiguous operands are much faster than ones that broadcast a shared operand.
    one_hot_t = _per_model(np.swapaxes(np.eye(num_classes, dtype=dtype)[labels], -1, -2), count, 2)
    inputs_t = _per_model(np.swapaxes(inputs, -1, -2), count, 2)
    evaluation_sets = {name: (_per_model(x, count, 2), _per_model(y, count, 1))
                       for name, (x, y) in evaluation_sets.items()}
    rates = rates.astype(dtype)
    current = [(w.copy(), b.copy()) for w, b in params]
    checkpoints = np.unique(np.r_[np.arange(0, steps, record_every), steps])
    objective = np.full((count, steps + 1), np.nan, dtype=dtype)
    accuracy = {name: np.full((count, checkpoints.size), np.nan) for name in evaluation_sets}
    active = np.arange(count)


    with np.errstate(over="ignore", invalid="ignore"):
        for index, step in enumerate(checkpoints):
            if not active.size:
                break
            for name, (x, y) in evaluation_sets.items():
                sub = [(w[active], b[active]) for w, b in current]
                outputs = _forward(sub, x[active])[-1]
                y_active = y[active]
                correct = np.mean(np.argmax(outputs, axis=-2) == y_active, axis=-1)
                accuracy[name][active, index] = np.where(np.isfinite(outputs).all(axis=(1, 2)),
                                                         correct, np.nan)
            end = int(checkpoints[index + 1]) if step < steps else steps
            sub = [(w[active], b[active]) for w, b in current]
            x_active = inputs_t[active]
            targets = one_hot_t[active]
            alpha = rates[active][:, None, None]
            for t in range(step, end + 1):
                value, grads = _value_and_grad(sub, x_active, targets, loss)
                objective[active, t] = value
                if t == end:
                    break
                sub = [(w - alpha * gw, b - alpha[:, 0] * gb) for (w, b), (gw, gb) in zip(sub, grads)]
            for (w, b), (w_sub, b_sub) in zip(current, sub):
                w[active], b[active] = w_sub, b_sub
            finite = np.isfinite(objective[active, step:end + 1]).all(axis=1)
            for w, b in current:
                finite &= np.isfinite(w[active]).all(axis=(1, 2)) & np.isfinite(b[active]).all(axis=1)
            for k in active[~finite]:
                objective[k, step:] = np.nan
            active = active[finite]
            if step == steps:
                break
    return BatchedRun(current, objective, checkpoints, accuracy)


# --- the computation -----------------------------------------------------------------------


def _per_model(array, count, ndim):
    """A contiguous (count, ...) array: shared data (ndim dimensions) repeated for every model."""
    if array.ndim == ndim:
        array = np.broadcast_to(array, (count,) + array.shape)
    return np.ascontiguousarray(array)


def _forward(params, inputs):
    """Every layer's activation, stored transposed: units on axis -2, examples on the last axis
    (reductions over the classes then run along contiguous rows, which is much faster)."""
    activations = [np.swapaxes(inputs, -1, -2)]
    for index, (weights, biases) in enumerate(params):
        z = np.matmul(np.swapaxes(weights, -1, -2), activations[-1]) + biases[:, :, None]
        activations.append(z if index == len(params) - 1 else np.tanh(z))
    return activations


def _loss_value_and_grad(outputs, one_hot, loss):
    """Per-example values (K, n) and gradients (K, C, n) of outputs and one-hot targets (K, C, n)."""
    if loss == "logit_squared_error":
        residual = outputs - one_hot
        return 0.5 * np.sum(residual * residual, axis=-2), residual
    top = outputs.max(axis=-2, keepdims=True)
    # Shifted logits below (log tiny) / 3 (-29.1 in float32, -236 in float64) are raised to it, so that
    # no product of up to three probabilities is a subnormal number (subnormal arithmetic is ~100x
    # slower); this changes a probability by less than tiny^(1/3) (2.3e-13 in float32, 1e-103 in
    # float64), far below the rounding of the sum 1.
    floor = np.log(np.finfo(outputs.dtype).tiny) / 3
    exp = np.exp(np.maximum(outputs - top, floor))
    total = exp.sum(axis=-2, keepdims=True)
    q = exp / total
    if loss == "cross_entropy":
        values = np.log(total[..., 0, :]) + top[..., 0, :] - np.sum(outputs * one_hot, axis=-2)
        return values, q - one_hot
    residual = q - one_hot
    values = 0.5 * np.sum(residual * residual, axis=-2)
    return values, q * (residual - np.sum(q * residual, axis=-2, keepdims=True))


def _value_and_grad(params, inputs_t, one_hot_t, loss):
    """Mean loss per model (K,) and gradients; inputs_t (d, n) or (K, d, n), targets (C, n) or (K, C, n)."""
    activations = [inputs_t]
    for index, (weights, biases) in enumerate(params):
        z = np.matmul(np.swapaxes(weights, -1, -2), activations[-1]) + biases[:, :, None]
        activations.append(z if index == len(params) - 1 else np.tanh(z))
    outputs = activations[-1]
    values, output_grads = _loss_value_and_grad(outputs, one_hot_t, loss)
    signal = output_grads / outputs.shape[-1]
    grads = []
    for index in range(len(params) - 1, -1, -1):
        weights, _ = params[index]
        below = activations[index]
        grads.append((np.matmul(below, np.swapaxes(signal, -1, -2)), signal.sum(axis=-1)))
        if index:
            signal = np.matmul(weights, signal) * (1 - below * below)
    return values.mean(axis=-1), grads[::-1]


# --- argument checks ---------------------------------------------------------------------------


def _check_params(params):
    if isinstance(params, (str, bytes)) or not isinstance(params, Sequence) or not params:
        raise ValueError("params must be a non-empty list of stacked (W, b) pairs")
    checked = []
    for index, layer in enumerate(params):
        if not isinstance(layer, Sequence) or len(layer) != 2:
            raise ValueError(f"params[{index}] must be a (W, b) pair")
        weights, biases = np.asarray(layer[0]), np.asarray(layer[1])
        if weights.dtype not in (np.float32, np.float64) or biases.dtype != weights.dtype:
            raise ValueError(f"params[{index}] must be float32 or float64 arrays of one dtype, got "
                             f"{weights.dtype} and {biases.dtype}")
        if weights.ndim != 3 or biases.shape != (weights.shape[0], weights.shape[2]):
            raise ValueError(f"params[{index}] must be W (K, n_in, n_out) and b (K, n_out), got shapes "
                             f"{weights.shape} and {biases.shape}")
        if checked and (checked[-1][0].shape[0] != weights.shape[0]
                        or checked[-1][0].shape[2] != weights.shape[1]):
            raise ValueError(f"params[{index}] has shape {weights.shape}, which does not follow the "
                             f"layer below, {checked[-1][0].shape}")
        checked.append((weights, biases))
    return checked


def _check_inputs(inputs, params, name):
    count, n_inputs = params[0][0].shape[:2]
    inputs = np.asarray(inputs)
    if not np.issubdtype(inputs.dtype, np.number) or np.iscomplexobj(inputs):
        raise ValueError(f"{name} must be real numbers, got dtype {inputs.dtype}")
    inputs = inputs.astype(params[0][0].dtype, copy=False)
    if inputs.ndim not in (2, 3) or inputs.shape[-1] != n_inputs or (
            inputs.ndim == 3 and inputs.shape[0] != count):
        raise ValueError(f"{name} must have shape (n, {n_inputs}) or ({count}, n, {n_inputs}), "
                         f"got {inputs.shape}")
    return inputs


def _check_labels(labels, inputs, params, name):
    count, num_classes = params[0][0].shape[0], params[-1][0].shape[-1]
    labels = np.asarray(labels)
    expected = inputs.shape[:-1]
    if labels.shape not in (expected, expected[-1:]) or (
            labels.ndim == 2 and labels.shape[0] != count):
        raise ValueError(f"{name} must have shape {expected[-1:]} or ({count}, {expected[-1]}), "
                         f"got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer) or labels.size and (
            labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"{name} must be integer classes in [0, {num_classes})")
    return labels
