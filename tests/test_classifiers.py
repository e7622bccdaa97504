"""lossutils.classifiers: back-propagated gradients, the scikit-learn objective, training, validation.

This module is the book's only softmax regression (one layer); the tests of the two-class case
against lossutils.logistic and of the bias-row layout are here."""

import re

import numpy as np
import pytest

import lossutils as lu
from lossutils import classifiers
from lossutils.classifiers import _flatten, _unflatten

LOSSES = classifiers.LOSS_NAMES
assert LOSSES == ("cross_entropy", "probability_squared_error", "logit_squared_error")  # the book-wide names
ARCHITECTURES = {"softmax regression": (5, 3), "one hidden layer": (5, 4, 3), "two hidden layers": (5, 4, 3, 3)}


def small_problem(sizes, seed=0, n=9, dtype=np.float64):
    rng = np.random.default_rng(seed)
    inputs = rng.normal(size=(n, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], n)
    # Random biases too, so that their gradients are not checked at 0 only.
    params = [(weights, rng.normal(size=biases.shape).astype(dtype))
              for weights, biases in lu.init_classifier(sizes, seed=seed + 1, dtype=dtype)]
    return params, inputs, labels


@pytest.mark.parametrize("sizes", ARCHITECTURES.values(), ids=ARCHITECTURES.keys())
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_gradient_matches_central_differences(sizes, loss, l2):
    params, inputs, labels = small_problem(sizes)
    shapes = [(w.shape, b.shape) for w, b in params]

    def objective(theta):
        return lu.classifier_value_and_grad(_unflatten(theta, shapes), inputs, labels, loss=loss, l2=l2)[0]

    value, grads = lu.classifier_value_and_grad(params, inputs, labels, loss=loss, l2=l2)
    numerical = lu.numerical_gradient(objective, _flatten(params))
    np.testing.assert_allclose(_flatten(grads), numerical, rtol=1e-6, atol=1e-8)
    assert value == pytest.approx(objective(_flatten(params)))


def one_hot(labels, num_classes):
    return np.eye(num_classes)[labels]


@pytest.mark.parametrize("loss", LOSSES)
def test_objective_is_the_mean_loss_plus_the_weight_penalty(loss):
    params, inputs, labels = small_problem((5, 4, 3))
    hidden = np.tanh(inputs @ params[0][0] + params[0][1])
    outputs = hidden @ params[1][0] + params[1][1]
    q = np.exp(outputs) / np.exp(outputs).sum(axis=1, keepdims=True)
    p = one_hot(labels, 3)
    per_example = {
        "cross_entropy": -np.log(q[np.arange(len(labels)), labels]),
        "probability_squared_error": 0.5 * ((q - p) ** 2).sum(axis=1),
        "logit_squared_error": 0.5 * ((outputs - p) ** 2).sum(axis=1),
    }[loss]
    penalty = 0.5 * 0.1 * sum((w ** 2).sum() for w, _ in params)  # biases are not penalised
    value, _ = lu.classifier_value_and_grad(params, inputs, labels, loss=loss, l2=0.1)
    assert value == pytest.approx(per_example.mean() + penalty, rel=1e-12)
    np.testing.assert_allclose(lu.classifier_outputs(params, inputs), outputs, rtol=1e-12)


def test_softmax_regression_matches_scikit_learn_logistic_regression():
    sklearn = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(5)
    n, d, c = 60, 4, 3
    inputs = rng.normal(size=(n, d))
    labels = rng.integers(0, c, n)
    inputs += 0.8 * np.eye(c, d)[labels]  # some signal, not separable
    C = 0.5
    reference = sklearn.LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(inputs, labels)
    l2 = 1 / (C * n)  # sklearn minimises C * sum(loss) + |W|^2 / 2: the same objective, scaled
    sk_params = [(reference.coef_.T.copy(), reference.intercept_.copy())]
    _, grads = lu.classifier_value_and_grad(sk_params, inputs, labels, loss="cross_entropy", l2=l2)
    assert np.abs(_flatten(grads)).max() < 1e-7  # sklearn's solution is a stationary point of ours

    run = lu.train_classifier(lu.init_classifier((d, c), seed=0), inputs, labels, loss="cross_entropy",
                              learning_rate=2.0, steps=3000, l2=l2)
    weights, biases = run.params[0]
    np.testing.assert_allclose(weights, reference.coef_.T, atol=1e-6)
    # Unpenalised intercepts are defined up to a common shift; the probabilities are not.
    np.testing.assert_allclose(biases - biases.mean(), reference.intercept_ - reference.intercept_.mean(), atol=1e-6)
    np.testing.assert_allclose(lu.softmax(lu.classifier_outputs(run.params, inputs)),
                               reference.predict_proba(inputs), atol=1e-6)


def test_training_is_gradient_descent_on_the_objective():
    params, inputs, labels = small_problem((5, 4, 3))
    run = lu.train_classifier(params, inputs, labels, loss="probability_squared_error", learning_rate=0.5, steps=7,
                              l2=0.01, evaluate={"train": (inputs, labels)}, record_every=3)
    expected, values = params, []
    for _ in range(7):
        value, grads = lu.classifier_value_and_grad(expected, inputs, labels, loss="probability_squared_error", l2=0.01)
        values.append(value)
        expected = [(w - 0.5 * gw, b - 0.5 * gb) for (w, b), (gw, gb) in zip(expected, grads)]
    values.append(lu.classifier_value_and_grad(expected, inputs, labels, loss="probability_squared_error", l2=0.01)[0])
    np.testing.assert_allclose(run.objective, values, rtol=1e-12)
    np.testing.assert_allclose(_flatten(run.params), _flatten(expected), rtol=1e-12)
    np.testing.assert_array_equal(run.checkpoints, [0, 3, 6, 7])
    final_accuracy = np.mean(np.argmax(lu.classifier_outputs(expected, inputs), axis=1) == labels)
    assert run.accuracy["train"][-1] == final_accuracy
    # The starting parameters are left as they were.
    np.testing.assert_array_equal(_flatten(params), _flatten(small_problem((5, 4, 3))[0]))


@pytest.mark.parametrize("loss", LOSSES)
def test_training_learns_a_separable_problem(loss):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, 90)
    inputs = rng.normal(scale=0.3, size=(90, 2)) + np.array([[2, 0], [-1, 2], [-1, -2]])[labels]
    start = lu.init_classifier((2, 8, 3), seed=0)
    run = lu.train_classifier(start, inputs, labels, loss=loss, learning_rate=0.3, steps=300,
                              evaluate={"train": (inputs, labels)}, record_every=100)
    assert run.objective[-1] < 0.5 * run.objective[0]
    assert run.accuracy["train"][-1] == 1.0


def test_a_diverging_run_stops_silently_with_nan_history():
    params, inputs, labels = small_problem((5, 3), n=30)
    inputs = inputs * 50  # a step of 10 on this scale overshoots further every time
    # pyproject turns RuntimeWarnings from lossutils into errors: overflow must not warn.
    run = lu.train_classifier(params, inputs, labels, loss="logit_squared_error", learning_rate=10.0, steps=400,
                              evaluate={"train": (inputs, labels)}, record_every=10)
    assert np.isnan(run.objective[-1]) and np.isnan(run.accuracy["train"][-1])
    assert np.isfinite(run.objective[0]) and np.isfinite(run.accuracy["train"][0])


def test_init_is_reproducible_and_scaled():
    a = lu.init_classifier((400, 300, 10), seed=7)
    b = lu.init_classifier((400, 300, 10), seed=7)
    c = lu.init_classifier((400, 300, 10), seed=8)
    np.testing.assert_array_equal(_flatten(a), _flatten(b))
    assert not np.array_equal(a[0][0], c[0][0])
    assert [w.shape for w, _ in a] == [(400, 300), (300, 10)] and [b.shape for _, b in a] == [(300,), (10,)]
    assert all(np.all(biases == 0) for _, biases in a)
    # Variance 1 / fan-in: 120,000 draws pin the first layer's to about 0.5%.
    assert np.var(a[0][0]) * 400 == pytest.approx(1.0, rel=0.02)
    assert np.var(a[1][0]) * 300 == pytest.approx(1.0, rel=0.1)


def test_float32_stays_float32():
    params, inputs, labels = small_problem((5, 4, 3), dtype=np.float32)
    assert all(w.dtype == np.float32 for layer in params for w in layer)
    assert lu.classifier_outputs(params, inputs).dtype == np.float32
    for loss in LOSSES:
        value, grads = lu.classifier_value_and_grad(params, inputs, labels, loss=loss, l2=0.1)
        assert value.dtype == np.float32 and all(g.dtype == np.float32 for layer in grads for g in layer)
        run = lu.train_classifier(params, inputs.astype(np.float64), labels, loss=loss, learning_rate=0.1, steps=3)
        assert run.objective.dtype == np.float32 and _flatten(run.params).dtype == np.float32
        assert lu.classifier_probabilities(lu.classifier_outputs(params, inputs), loss=loss).dtype == np.float32


def test_leading_batch_axes_and_lists():
    params, inputs, labels = small_problem((5, 4, 3), n=6)
    flat = lu.classifier_outputs(params, inputs)
    np.testing.assert_array_equal(lu.classifier_outputs(params, inputs.reshape(2, 3, 5)), flat.reshape(2, 3, 3))
    as_lists = [(w.tolist(), b.tolist()) for w, b in params]
    np.testing.assert_allclose(lu.classifier_outputs(as_lists, inputs.tolist()), flat, rtol=1e-15)
    value, _ = lu.classifier_value_and_grad(params, inputs.reshape(2, 3, 5), labels.reshape(2, 3), loss="cross_entropy")
    assert value == lu.classifier_value_and_grad(params, inputs, labels, loss="cross_entropy")[0]


def test_probabilities_softmax_and_clipped_normalised():
    outputs = np.array([[2.0, 0.0, -1.0], [0.6, 0.5, -0.1], [-0.2, -0.1, -0.3]])
    for loss in ("cross_entropy", "probability_squared_error"):
        np.testing.assert_array_equal(lu.classifier_probabilities(outputs, loss=loss), lu.softmax(outputs))
    probabilities = lu.classifier_probabilities(outputs, loss="logit_squared_error")
    np.testing.assert_allclose(probabilities, [[1, 0, 0], [6 / 11, 5 / 11, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-15)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p, x, y: lu.classifier_value_and_grad(p, x, y, loss="hinge"), "loss must be one of"),
        (lambda p, x, y: lu.classifier_value_and_grad(p, x, y, loss="cross_entropy", l2=-1.0), "l2 must be"),
        (lambda p, x, y: lu.classifier_value_and_grad(p, x[:, :4], y, loss="cross_entropy"), "inputs must have 5"),
        (lambda p, x, y: lu.classifier_value_and_grad(p, x, y + 3, loss="cross_entropy"), "labels must lie in"),
        (lambda p, x, y: lu.classifier_value_and_grad(p, x, y[:-1], loss="cross_entropy"), "labels must have shape"),
        (lambda p, x, y: lu.classifier_value_and_grad(p, x, y * 1.0, loss="cross_entropy"), "labels must be integer"),
        (lambda p, x, y: lu.classifier_outputs([], x), "params must be a non-empty list"),
        (lambda p, x, y: lu.classifier_outputs([(p[0][0], p[0][1][:2])], x), r"params\[0\] must be weights"),
        (lambda p, x, y: lu.classifier_outputs([p[0], p[0]], x), r"params\[1\] weights take 5 inputs"),
        (lambda p, x, y: lu.classifier_outputs(p, "text"), "inputs must contain real numbers"),
        (lambda p, x, y: lu.train_classifier(p, x, y, loss="cross_entropy", learning_rate=0.0, steps=3),
         "learning_rate"),
        (lambda p, x, y: lu.train_classifier(p, x, y, loss="cross_entropy", learning_rate=0.1, steps=-1), "steps"),
        (lambda p, x, y: lu.train_classifier(p, x, y, loss="cross_entropy", learning_rate=0.1, steps=3,
                                             record_every=0), "record_every"),
        (lambda p, x, y: lu.train_classifier(p, x, y, loss="cross_entropy", learning_rate=0.1, steps=3,
                                             evaluate=[(x, y)]), "evaluate must be a mapping"),
        (lambda p, x, y: lu.train_classifier(p, x, y, loss="cross_entropy", learning_rate=0.1, steps=3,
                                             evaluate={"test": (x, y + 5)}), r"evaluate\['test'\] labels"),
        (lambda p, x, y: lu.train_classifier(p, x[None], y[None], loss="cross_entropy", learning_rate=0.1, steps=3),
         r"inputs must have shape \(n, n_inputs\)"),
        (lambda p, x, y: lu.classifier_probabilities(x, loss="mse"), "loss must be one of"),
        (lambda p, x, y: lu.classifier_probabilities(np.float64(1.0), loss="logit_squared_error"), "outputs must have"),
        (lambda p, x, y: lu.classifier_accuracy(p, x[:, :4], y), "inputs must have 5"),
        (lambda p, x, y: lu.classifier_accuracy(p, x, y + 3), "labels must lie in"),
        (lambda p, x, y: lu.classifier_accuracy(p, x, y[:-1]), "labels must have shape"),
        (lambda p, x, y: lu.classifier_accuracy([], x, y), "params must be a non-empty list"),
    ],
)
def test_bad_arguments_are_named(call, message):
    params, inputs, labels = small_problem((5, 3))
    with pytest.raises(ValueError, match=message):
        call(params, inputs, labels)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"layer_sizes": (5,), "seed": 0}, "layer_sizes must hold at least two"),
        ({"layer_sizes": (5, 0, 3), "seed": 0}, "layer_sizes must hold at least two positive"),
        ({"layer_sizes": "53", "seed": 0}, "layer_sizes must be a sequence"),
        ({"layer_sizes": (5, 3), "seed": -1}, "seed must be a non-negative integer"),
        ({"layer_sizes": (5, 3), "seed": 1.5}, "seed must be a non-negative integer"),
        ({"layer_sizes": (5, 3), "seed": 0, "dtype": np.int64}, "dtype must be float32 or float64"),
    ],
)
def test_bad_init_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lu.init_classifier(**kwargs)


# The book-wide loss names

@pytest.mark.parametrize("name", ["squared_error", "softmax_squared_error", "mse", None])
def test_only_the_book_wide_loss_names_are_accepted(name):
    params, inputs, labels = small_problem((5, 3))
    message = ("loss must be one of 'cross_entropy', 'probability_squared_error', 'logit_squared_error'; "
               f"got {name!r}")
    calls = [
        lambda: lu.classifier_value_and_grad(params, inputs, labels, loss=name),
        lambda: lu.train_classifier(params, inputs, labels, loss=name, learning_rate=0.1, steps=1),
        lambda: lu.classifier_probabilities(inputs[:, :3], loss=name),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=re.escape(message)):
            call()


def test_the_two_squared_errors_are_different_losses():
    # On the same parameters: 1/2 |q - p|^2 on the softmax is at most 1 (both q and p lie in the
    # simplex), 1/2 |f - p|^2 on the raw outputs is unbounded. The name says which one is meant.
    params, inputs, labels = small_problem((5, 3), n=40)
    params = [(5 * weights, biases) for weights, biases in params]
    outputs = lu.classifier_outputs(params, inputs)
    p = one_hot(labels, 3)
    probability, _ = lu.classifier_value_and_grad(params, inputs, labels, loss="probability_squared_error")
    logit, _ = lu.classifier_value_and_grad(params, inputs, labels, loss="logit_squared_error")
    assert probability == pytest.approx(lu.softmax_squared_error(outputs, labels).mean(), rel=1e-14)
    assert logit == pytest.approx(lu.squared_error(outputs, p).sum(axis=1).mean(), rel=1e-14)
    assert probability <= 1 < 5 < logit


# Softmax regression: one layer

@pytest.mark.parametrize("loss", LOSSES)
def test_one_layer_is_softmax_regression_written_with_a_bias_row(loss):
    # The textbook layout: a design matrix with a column of ones and weights [W; b], shape (d + 1, C).
    # It is [(W, b)] here: the same outputs, the same loss, and the gradient [dW; db].
    params, inputs, labels = small_problem((4, 3), n=30)
    (weights, biases), = params
    stacked = np.vstack([weights, biases])
    features = lu.design_matrix(inputs)
    p = one_hot(labels, 3)

    def direct(stacked):
        logits = features @ stacked
        q = np.exp(logits - logits.max(axis=1, keepdims=True))
        q /= q.sum(axis=1, keepdims=True)
        per_example = {"cross_entropy": -np.log(q[np.arange(len(labels)), labels]),
                       "probability_squared_error": 0.5 * ((q - p) ** 2).sum(axis=1),
                       "logit_squared_error": 0.5 * ((logits - p) ** 2).sum(axis=1)}[loss]
        return per_example.mean()

    value, ((grad_weights, grad_biases),) = lu.classifier_value_and_grad(params, inputs, labels, loss=loss)
    assert value == pytest.approx(direct(stacked), rel=1e-13)
    np.testing.assert_allclose(np.vstack([grad_weights, grad_biases]), lu.numerical_gradient(direct, stacked),
                               rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("loss", ["cross_entropy", "probability_squared_error"])
def test_two_class_softmax_regression_is_logistic_regression(loss):
    # softmax(z, 0) = (sigma(z), sigma(-z)): the class-0 column (w, b) and a zero column give the
    # logistic model with theta = (w, b), and the class-0 gradient of the cross-entropy is the
    # logistic gradient. The softmax squared error counts both classes: twice the sigmoid's.
    rng = np.random.default_rng(7)
    x = rng.normal(size=(30, 2))
    labels01 = (x @ [1.0, 2.0] + rng.normal(0, 2, 30) > 0).astype(float)
    theta = np.array([0.4, -0.9, 0.3])
    params = [(np.stack([theta[:2], np.zeros(2)], axis=-1), np.array([theta[2], 0.0]))]
    class_labels = np.where(labels01 == 1, 0, 1)
    value, ((grad_weights, grad_biases),) = lu.classifier_value_and_grad(params, x, class_labels, loss=loss)
    logistic_value, logistic_grad = lu.logistic_regression_value_and_grad(theta, lu.design_matrix(x), labels01,
                                                                          loss)
    factor = 1 if loss == "cross_entropy" else 2
    assert value == pytest.approx(factor * logistic_value, rel=1e-13)
    np.testing.assert_allclose(np.r_[grad_weights[:, 0], grad_biases[0]], factor * logistic_grad,
                               rtol=1e-12, atol=1e-15)
    assert lu.classifier_accuracy(params, x, class_labels) == pytest.approx(
        lu.logistic_regression_accuracy(theta, lu.design_matrix(x), labels01))


# Accuracy

def test_accuracy_counts_the_largest_output_and_breaks_ties_to_the_first():
    params = [(5.0 * np.eye(3), np.zeros(3))]
    inputs = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 1.0, 0]])  # the last row is a tie
    assert lu.classifier_accuracy(params, inputs, [0, 1, 2, 0]) == 1.0
    assert lu.classifier_accuracy(params, inputs, [0, 2, 1, 1]) == 0.25
    assert lu.classifier_accuracy(params, inputs.reshape(2, 2, 3), [[0, 1], [2, 0]]) == 1.0


def test_accuracy_is_what_training_records_in_the_parameters_dtype():
    for dtype in (np.float32, np.float64):
        params, inputs, labels = small_problem((5, 4, 3), n=30, dtype=dtype)
        run = lu.train_classifier(params, inputs, labels, loss="cross_entropy", learning_rate=0.5, steps=20,
                                  evaluate={"train": (inputs, labels)}, record_every=20)
        first, last = lu.classifier_accuracy(params, inputs, labels), lu.classifier_accuracy(run.params, inputs,
                                                                                                labels)
        assert first.dtype == last.dtype == dtype
        assert [first, last] == run.accuracy["train"].tolist()


def test_accuracy_of_a_diverged_model_is_nan():
    params, inputs, labels = small_problem((5, 3))
    broken = [(np.full_like(params[0][0], np.inf), params[0][1])]
    # pyproject turns RuntimeWarnings from lossutils into errors: a diverged model must not warn.
    assert np.isnan(lu.classifier_accuracy(broken, inputs, labels))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("record_every", [1, 3, 50])
def test_training_takes_gradient_descents_steps_to_the_last_bit(dtype, record_every):
    # The documented promise: the same iterates as lu.gradient_descent on the flattened parameters,
    # also for a float64 learning rate on float32 parameters (which must not promote the run).
    params, inputs, labels = small_problem((5, 4, 3), n=20, dtype=dtype)
    shapes = [(w.shape, b.shape) for w, b in params]

    def objective(theta):
        value, grads = lu.classifier_value_and_grad(_unflatten(theta, shapes), inputs, labels,
                                                    loss="probability_squared_error", l2=0.01)
        return value, _flatten(grads)

    rate = np.float64(0.7)
    path = lu.gradient_descent(objective, _flatten(params), learning_rate=rate, steps=10)
    run = lu.train_classifier(params, inputs, labels, loss="probability_squared_error", learning_rate=rate,
                              steps=10, l2=0.01, record_every=record_every)
    np.testing.assert_array_equal(run.objective, path.values)
    np.testing.assert_array_equal(_flatten(run.params), path.points[-1])
    assert run.objective.dtype == _flatten(run.params).dtype == dtype
