r"""Small classifiers in numpy with hand-written gradients, trainable with any of three losses.

A classifier here is a list of layers ``[(W_1, b_1), ..., (W_L, b_L)]``. Its outputs are

.. math::

    a_0 = x, \qquad a_l = \tanh(a_{l-1} W_l + b_l) \;\; (l < L), \qquad f(x) = a_{L-1} W_L + b_L,

so one layer is softmax regression (multinomial logistic regression) and two layers are a network
with one hidden tanh layer. The same outputs :math:`f(x) \in \mathbb{R}^C` (the logits)
are trained with one of three losses on a one-hot label :math:`p = e_y`, each the
book's own function, with its gradient with respect to the outputs. The ``loss=`` names are the
book-wide ones, used by every module and chapter:

- ``"cross_entropy"``: :math:`-\log \operatorname{softmax}(f)_y`, gradient :math:`q - p`;
- ``"probability_squared_error"``: :math:`\tfrac12 \lVert q - p \rVert^2` on the softmax
  probabilities, gradient :math:`J^\top (q - p)`;
- ``"logit_squared_error"``: :math:`\tfrac12 \lVert f - p \rVert^2` on the raw outputs, with no
  softmax, gradient :math:`f - p`,

with :math:`q = \operatorname{softmax}(f)` and :math:`J = \operatorname{diag}(q) - q q^\top` its
Jacobian. The first is the usual choice; the second is the Q&A's proposal, squared error on the
softmax probabilities (Golik et al. 2013 call it SE); the third is squared error on the raw
outputs, as Hui & Belkin (2021) train it. The bare name ``"squared_error"`` is not a loss
name: the second and third are different functions of the same parameters (the second is at most
1, the third is unbounded), so the name must say which is meant.

Training minimises the mean loss over the :math:`n` examples plus an optional L2 penalty on the
weights (not the biases), by plain full-batch gradient descent (:func:`lossutils.gradient_descent`):

.. math::

    L(\theta) = \frac1n \sum_{i=1}^n \ell\bigl(f(x_i; \theta), y_i\bigr)
    + \frac{\lambda}{2} \sum_l \lVert W_l \rVert_F^2.

With ``loss="cross_entropy"``, one layer and :math:`\lambda = 1 / (C_\text{sk} n)`, this is
scikit-learn's ``LogisticRegression(C=C_sk)`` objective divided by :math:`C_\text{sk} n`, so both
have the same minimiser.

**The book's one softmax regression.** This module is the only implementation of softmax
regression in ``lossutils`` (:mod:`lossutils.logistic` is the binary model alone). Its layout,
the weights ``W`` of shape ``(d, C)`` and a separate bias ``b`` of shape ``(C,)``, is kept because
it is what a penalty needs (the biases are not penalised, as in scikit-learn, so they must be
told apart from the weights), because it is the layout of every layer of a network (one layer is
softmax regression, more layers add hidden tanh layers, with no second code path), and because it
is the layout scikit-learn reports (``coef_.T``, ``intercept_``). Softmax regression without a
penalty is ``l2=0`` (the default); a model written with a bias row of a design matrix,
:math:`[W; b^\top]`, is ``[(W, b)]`` here, with the same outputs.

References
----------
Goodfellow, Bengio & Courville, *Deep Learning*, MIT Press 2016, sections 6.2.2 and 6.5
(back-propagation) and 8.4 (initialisation).
P. Golik, P. Doetsch and H. Ney, "Cross-entropy vs. squared error training: a theoretical and
experimental comparison", Interspeech 2013.
L. Hui and M. Belkin, "Evaluation of neural architectures trained with square loss vs
cross-entropy in classification tasks", ICLR 2021.
F. Pedregosa et al., "Scikit-learn: machine learning in Python", JMLR 12, 2011 (the
``LogisticRegression`` objective).
"""

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from . import _validation as _v
from .losses import (
    softmax_cross_entropy_value_and_grad,
    squared_error,
    squared_error_grad,
)
from .numerics import softmax
from .squared_probabilities import softmax_squared_error, softmax_squared_error_grad

# TrainingRun is the return type, reached as lossutils.classifiers.TrainingRun.
__all__ = [
    "init_classifier",
    "classifier_outputs",
    "classifier_value_and_grad",
    "train_classifier",
    "classifier_probabilities",
    "classifier_accuracy",
]


def _one_hot(labels, num_classes, dtype):
    return np.eye(num_classes, dtype=dtype)[labels]


def _logit_squared_error_value_and_grad(outputs, labels):
    target = _one_hot(labels, outputs.shape[-1], outputs.dtype)
    return squared_error(outputs, target).sum(axis=-1), squared_error_grad(outputs, target)


# Each loss as (per-example values, gradients w.r.t. the outputs) of outputs (n, C) and labels (n,):
# one line each, the library's own functions.
_LOSSES = {
    "cross_entropy": softmax_cross_entropy_value_and_grad,
    "probability_squared_error": lambda f, y: (softmax_squared_error(f, y), softmax_squared_error_grad(f, y)),
    "logit_squared_error": _logit_squared_error_value_and_grad,
}
#: The names accepted by ``loss=``.
LOSS_NAMES = tuple(_LOSSES)


class TrainingRun(NamedTuple):
    """What :func:`train_classifier` returns."""

    #: the parameters after the last step, ``[(weights, biases), ...]``
    params: list
    #: shape (steps + 1,): the training objective at the start and after each step
    objective: np.ndarray
    #: the step numbers at which accuracies were recorded: 0, record_every, 2 record_every, ..., steps
    checkpoints: np.ndarray
    #: for each evaluation set, its accuracy (fraction correct) at each checkpoint
    accuracy: dict


def init_classifier(layer_sizes, *, seed, dtype=np.float64):
    r"""Random initial parameters for a classifier with the given layer sizes.

    Weights are drawn independently from :math:`\mathcal{N}(0, 1/n_\text{in})`, the variance that
    keeps the scale of each layer's input in its output (LeCun initialisation), and biases start at
    0:

    .. math:: (W_l)_{ij} \sim \mathcal{N}\bigl(0, 1 / n_{l-1}\bigr), \qquad b_l = 0.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_inputs, n_classes)`` for softmax regression, ``(n_inputs, n_hidden, n_classes)`` for
        one hidden layer (more hidden layers work the same way).
    seed : int
        Seed of the ``numpy.random.default_rng`` generator: the same seed gives the same parameters.
    dtype : float32 or float64

    Returns
    -------
    list of (weights, biases)
        ``weights`` of shape ``(n_in, n_out)`` and ``biases`` of shape ``(n_out,)`` per layer.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), section 8.4; Y. LeCun, L. Bottou, G. Orr and K.-R.
    Müller, "Efficient BackProp", in *Neural Networks: Tricks of the Trade*, Springer 1998.
    """
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise ValueError(f"layer_sizes must be a sequence of positive integers, got {layer_sizes!r}")
    if len(layer_sizes) < 2 or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in layer_sizes
    ):
        raise ValueError(
            f"layer_sizes must hold at least two positive integers (inputs, ..., classes), got {layer_sizes!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_in, n_out)).astype(dtype), np.zeros(n_out, dtype))
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])
    ]


def classifier_outputs(params, inputs):
    r"""The classifier's outputs (logits, or raw scores) for a batch of inputs.

    .. math:: a_0 = x, \quad a_l = \tanh(a_{l-1} W_l + b_l) \ (l < L), \quad f(x) = a_{L-1} W_L + b_L

    Parameters
    ----------
    params : list of (weights, biases)
        As returned by :func:`init_classifier` or :func:`train_classifier`.
    inputs : array_like, shape (..., n_inputs)

    Returns
    -------
    ndarray, shape (..., n_classes)
        In the promoted floating dtype of the parameters and the inputs.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), section 6.5.
    """
    params = _check_params(params)
    inputs = _check_inputs(inputs, params)
    return _forward(params, inputs)[-1]


def classifier_value_and_grad(params, inputs, labels, *, loss, l2=0.0):
    r"""The training objective and its gradient with respect to every parameter (back-propagation).

    .. math::

        L(\theta) = \frac1n \sum_{i=1}^n \ell\bigl(f(x_i; \theta), y_i\bigr)
        + \frac{\lambda}{2} \sum_l \lVert W_l \rVert_F^2

    With :math:`g = \nabla_f \ell / n` (rows: examples) from the loss's own gradient function,
    back-propagation gives, from the last layer down,

    .. math::

        \nabla_{W_l} L = a_{l-1}^\top g_l + \lambda W_l, \qquad \nabla_{b_l} L = \textstyle\sum_i (g_l)_i,
        \qquad g_{l-1} = (g_l W_l^\top) \odot (1 - a_{l-1}^2),

    the last factor being the derivative of tanh.

    Parameters
    ----------
    params : list of (weights, biases)
    inputs : array_like, shape (..., n_inputs)
    labels : array_like of int, shape (...)
        Class indices in ``[0, n_classes)``.
    loss : {"cross_entropy", "probability_squared_error", "logit_squared_error"}
        See the module docstring.
    l2 : float, optional
        The penalty weight :math:`\lambda \ge 0` on the weights (biases are not penalised).

    Returns
    -------
    (objective, grads)
        ``objective`` a numpy scalar; ``grads`` a list of ``(dW, db)`` shaped like ``params``.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), sections 6.5 (back-propagation) and 7.1.1 (L2 penalty).
    """
    params = _check_params(params)
    inputs = _check_inputs(inputs, params)
    labels = _check_labels(labels, inputs, params, "labels")
    loss_value_and_grad = _check_loss(loss)
    l2 = _check_l2(l2)
    return _value_and_grad(params, inputs.reshape(-1, inputs.shape[-1]), labels.reshape(-1),
                           loss_value_and_grad, l2)


def train_classifier(params, inputs, labels, *, loss, learning_rate, steps, l2=0.0, evaluate=None,
                     record_every=10):
    r"""Train by full-batch gradient descent and record the objective and accuracies on the way.

    .. math:: \theta_{t+1} = \theta_t - \alpha\, \nabla L(\theta_t), \qquad t = 0, \dots, K - 1

    with :math:`L` the objective of :func:`classifier_value_and_grad`. The steps are those of
    :func:`lossutils.gradient_descent` on the flattened parameter vector, to the last bit, with one
    evaluation of the objective and its gradient per step; every ``record_every`` steps the
    accuracy on every evaluation set is recorded.

    Parameters
    ----------
    params : list of (weights, biases)
        The starting point (not modified). Its dtype is the run's: the inputs are cast to it.
    inputs : array_like, shape (n, n_inputs)
    labels : array_like of int, shape (n,)
    loss : {"cross_entropy", "probability_squared_error", "logit_squared_error"}
    learning_rate : float
        The step size :math:`\alpha > 0`.
    steps : int
        The number of steps :math:`K \ge 0`.
    l2 : float, optional
        The penalty weight :math:`\lambda \ge 0`.
    evaluate : mapping of str to (inputs, labels), optional
        Data sets on which to record the accuracy (fraction of examples whose largest output is
        the label's), e.g. ``{"validation": (x_val, y_val)}``.
    record_every : int, optional
        Steps between two accuracy checkpoints (the last stretch may be shorter).

    Returns
    -------
    TrainingRun
        ``params`` after the last step, ``objective`` (``steps + 1`` values), ``checkpoints`` and
        ``accuracy`` (one array per evaluation set). A run whose objective becomes infinite or NaN
        (a learning rate too large) is stopped at the next checkpoint; the rest of its history is
        NaN.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), sections 4.3 and 6.5.
    """
    params = _check_params(params)
    dtype = np.result_type(*(array for layer in params for array in layer))
    inputs = _check_inputs(inputs, params).astype(dtype, copy=False)
    if inputs.ndim != 2:
        raise ValueError(f"inputs must have shape (n, n_inputs), got {inputs.shape}")
    labels = _check_labels(labels, inputs, params, "labels")
    loss_value_and_grad = _check_loss(loss)
    l2 = _check_l2(l2)
    if not (np.isscalar(learning_rate) and np.isreal(learning_rate) and 0 < learning_rate < np.inf):
        raise ValueError(f"learning_rate: expected a positive finite number, got {learning_rate!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps: expected a non-negative integer, got {steps!r}")
    if isinstance(record_every, bool) or not isinstance(record_every, (int, np.integer)) or record_every < 1:
        raise ValueError(f"record_every: expected a positive integer, got {record_every!r}")
    evaluation_sets = _check_evaluate(evaluate, params, dtype)

    shapes = [(weights.shape, biases.shape) for weights, biases in params]

    def objective_and_gradient(theta):
        value, grads = _value_and_grad(_unflatten(theta, shapes), inputs, labels, loss_value_and_grad, l2)
        return value, _flatten(grads)

    checkpoints = np.unique(np.r_[np.arange(0, steps, record_every), steps])
    objective = np.full(steps + 1, np.nan, dtype=dtype)
    accuracy = {name: np.full(checkpoints.size, np.nan) for name in evaluation_sets}
    theta = _flatten(params).astype(dtype)
    # A learning rate too large makes the iterates overflow; that is recorded (a non-finite
    # objective) and ends the run, rather than reported as a warning at every step.
    with np.errstate(over="ignore", invalid="ignore"):
        objective[0], grad = objective_and_gradient(theta)
        for index, step in enumerate(checkpoints):
            current = _unflatten(theta, shapes)
            for name, (x, y) in evaluation_sets.items():
                accuracy[name][index] = _accuracy(_forward(current, x)[-1], y)
            if step == steps:
                break
            end = int(checkpoints[index + 1])
            for t in range(step, end):
                # gradient_descent's step, in the run's dtype (a float64 rate does not promote it)
                theta = (theta - learning_rate * grad).astype(dtype, copy=False)
                objective[t + 1], grad = objective_and_gradient(theta)
            if not np.isfinite(objective[step:end + 1]).all() or not np.isfinite(theta).all():
                objective[step:][~np.isfinite(objective[step:])] = np.nan
                break
    return TrainingRun(_unflatten(theta, shapes), objective, checkpoints, accuracy)


def classifier_probabilities(outputs, *, loss):
    r"""Class probabilities from a classifier's outputs, as the loss it was trained with reads them.

    For ``"cross_entropy"`` and ``"probability_squared_error"``, :math:`q = \operatorname{softmax}(f)`.
    ``"logit_squared_error"`` (squared error on the raw outputs) has no softmax; its population
    minimiser is the vector of class probabilities :math:`f^*(x) = \mathbb{E}[p \mid x]`, so the
    outputs themselves estimate them, but they can leave the simplex. They are clipped at 0 and normalised:

    .. math:: \hat q_i = \frac{\max(f_i, 0)}{\sum_j \max(f_j, 0)},

    which keeps the largest output's class on top whenever that output is positive (a row with no
    positive output gets the uniform distribution).

    Parameters
    ----------
    outputs : array_like, shape (..., n_classes)
    loss : {"cross_entropy", "probability_squared_error", "logit_squared_error"}

    Returns
    -------
    ndarray of the outputs' shape and dtype; rows sum to 1.

    References
    ----------
    Hui & Belkin (2021), who use the raw outputs; Bishop, *Pattern Recognition and Machine
    Learning*, Springer 2006, section 1.5.5 (the squared-error minimiser is the conditional mean).
    """
    outputs = _v.as_class_vectors(outputs, "outputs")
    _check_loss(loss)
    if loss != "logit_squared_error":
        return softmax(outputs)
    clipped = np.maximum(outputs, 0)
    totals = clipped.sum(axis=-1, keepdims=True)
    uniform = np.full_like(clipped, 1 / clipped.shape[-1])
    return np.divide(clipped, totals, out=uniform, where=totals > 0)


def classifier_accuracy(params, inputs, labels):
    r"""Fraction of examples whose largest output is the label's: the accuracy :func:`train_classifier` records.

    .. math:: \operatorname{acc}(\theta) = \frac1n \sum_{i=1}^n
              \mathbb{1}\bigl[\arg\max_c f_c(x_i; \theta) = y_i\bigr]

    The largest output is the most probable class under every loss (softmax is increasing, and
    :func:`classifier_probabilities` keeps the largest positive raw output on top). Ties go to the
    first largest output, as in ``numpy.argmax``.

    Parameters
    ----------
    params : list of (weights, biases)
    inputs : array_like, shape (..., n_inputs)
    labels : array_like of int, shape (...)
        Class indices in ``[0, n_classes)``.

    Returns
    -------
    numpy scalar, in the promoted floating dtype of the parameters and the inputs; NaN if an
    output is infinite or NaN (a model whose training diverged), as in :func:`train_classifier`.

    References
    ----------
    Bishop, *Pattern Recognition and Machine Learning*, Springer 2006, section 4.3.4.
    """
    params = _check_params(params)
    inputs = _check_inputs(inputs, params)
    labels = _check_labels(labels, inputs, params, "labels")
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged model's NaN is the answer, not a warning
        outputs = _forward(params, inputs)[-1]
    return outputs.dtype.type(_accuracy(outputs, labels))


# --- the computation -----------------------------------------------------------------------


def _forward(params, inputs):
    """Every layer's activation: [a_0 = inputs, a_1, ..., a_{L-1}, outputs]."""
    activations = [inputs]
    for index, (weights, biases) in enumerate(params):
        z = activations[-1] @ weights + biases
        activations.append(z if index == len(params) - 1 else np.tanh(z))
    return activations


def _value_and_grad(params, inputs, labels, loss_value_and_grad, l2):
    activations = _forward(params, inputs)
    losses, output_grads = loss_value_and_grad(activations[-1], labels)
    value = losses.mean()
    signal = output_grads / len(inputs)
    grads = []
    for index in range(len(params) - 1, -1, -1):
        weights, _ = params[index]
        below = activations[index]
        grads.append((below.T @ signal + l2 * weights, signal.sum(axis=0)))
        if index:
            signal = (signal @ weights.T) * (1 - below * below)
    if l2:
        value = value + 0.5 * l2 * sum(np.vdot(weights, weights) for weights, _ in params)
    return value.astype(activations[-1].dtype)[()], grads[::-1]


def _accuracy(outputs, labels):
    if not np.isfinite(outputs).all():
        return np.nan
    return float(np.mean(np.argmax(outputs, axis=-1) == labels))


def _flatten(params):
    return np.concatenate([array.ravel() for layer in params for array in layer])


def _unflatten(theta, shapes):
    params, start = [], 0
    for weights_shape, biases_shape in shapes:
        size = weights_shape[0] * weights_shape[1]
        weights = theta[start:start + size].reshape(weights_shape)
        start += size
        biases = theta[start:start + biases_shape[0]]
        start += biases_shape[0]
        params.append((weights, biases))
    return params


# --- argument checks ---------------------------------------------------------------------------


def _check_params(params):
    if isinstance(params, (str, bytes)) or not isinstance(params, Sequence) or not params:
        raise ValueError("params must be a non-empty list of (weights, biases) pairs")
    checked = []
    for index, layer in enumerate(params):
        if not isinstance(layer, Sequence) or len(layer) != 2:
            raise ValueError(f"params[{index}] must be a (weights, biases) pair")
        weights = _v.as_real_array(layer[0], f"params[{index}] weights")
        biases = _v.as_real_array(layer[1], f"params[{index}] biases")
        if weights.ndim != 2 or biases.shape != weights.shape[1:]:
            raise ValueError(
                f"params[{index}] must be weights (n_in, n_out) and biases (n_out,), got shapes "
                f"{weights.shape} and {biases.shape}"
            )
        if checked and checked[-1][0].shape[1] != weights.shape[0]:
            raise ValueError(
                f"params[{index}] weights take {weights.shape[0]} inputs, but the layer below gives "
                f"{checked[-1][0].shape[1]}"
            )
        checked.append((weights, biases))
    return checked


def _check_inputs(inputs, params, name="inputs"):
    inputs = _v.as_class_vectors(inputs, name, like=params[0][0])
    if inputs.shape[-1] != params[0][0].shape[0]:
        raise ValueError(
            f"{name} must have {params[0][0].shape[0]} features on the last axis (the first layer's "
            f"inputs), got shape {inputs.shape}"
        )
    return inputs


def _check_labels(labels, inputs, params, name):
    # class_indices reads the expected shape and class count from an array shaped like the outputs.
    outputs_like = np.broadcast_to(np.empty((), inputs.dtype), inputs.shape[:-1] + (params[-1][0].shape[1],))
    return _v.class_indices(labels, name, outputs_like)


def _check_loss(loss):
    if not isinstance(loss, str) or loss not in _LOSSES:
        raise ValueError(f"loss must be one of {', '.join(map(repr, LOSS_NAMES))}; got {loss!r}")
    return _LOSSES[loss]


def _check_l2(l2):
    if not (np.isscalar(l2) and np.isreal(l2) and not isinstance(l2, bool) and 0 <= l2 < np.inf):
        raise ValueError(f"l2 must be a non-negative finite number, got {l2!r}")
    return float(l2)


def _check_evaluate(evaluate, params, dtype):
    if evaluate is None:
        return {}
    if not isinstance(evaluate, Mapping):
        raise ValueError("evaluate must be a mapping of names to (inputs, labels) pairs")
    checked = {}
    for name, pair in evaluate.items():
        if not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(f"evaluate[{name!r}] must be an (inputs, labels) pair")
        x = _check_inputs(pair[0], params, f"evaluate[{name!r}] inputs").astype(dtype, copy=False)
        y = _check_labels(pair[1], x, params, f"evaluate[{name!r}] labels")
        checked[name] = (x, y)
    return checked
