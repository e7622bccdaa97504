"""lossutils.batched: K stacked classifiers follow train_classifier's iterations, each with its
own learning rate and data; divergence stops one model only; bad arguments are named."""

import numpy as np
import pytest

import lossutils as lu
from lossutils import batched

LOSSES = ("cross_entropy", "probability_squared_error", "logit_squared_error")
ARCHITECTURES = {"softmax regression": (5, 3), "one hidden layer": (5, 4, 3), "two hidden layers": (5, 4, 3, 3)}


def problem(seed, n=12, d=5, classes=3, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(dtype), rng.integers(0, classes, n)


@pytest.mark.parametrize("sizes", ARCHITECTURES.values(), ids=ARCHITECTURES.keys())
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_model_follows_train_classifier(sizes, loss, dtype):
    starts = [lu.init_classifier(sizes, seed=seed, dtype=dtype) for seed in range(3)]
    rates = [0.05, 0.2, 0.5]
    data = [problem(seed, dtype=dtype) for seed in range(3)]
    x_eval, y_eval = problem(10, dtype=dtype)
    run = batched.train_classifiers(
        batched.stack_classifiers(starts), np.stack([x for x, _ in data]), np.stack([y for _, y in data]),
        loss=loss, learning_rates=rates, steps=25, evaluate={"e": (x_eval, y_eval)}, record_every=10)
    assert run.objective.shape == (3, 26) and run.objective.dtype == dtype
    assert list(run.checkpoints) == [0, 10, 20, 25]
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for k in range(3):
        one = lu.train_classifier(starts[k], *data[k], loss=loss, learning_rate=rates[k], steps=25,
                                  evaluate={"e": (x_eval, y_eval)}, record_every=10)
        np.testing.assert_allclose(run.objective[k], one.objective, rtol=tol, atol=tol)
        for (w, b), (w1, b1) in zip(run.params, one.params):
            assert w.dtype == dtype
            np.testing.assert_allclose(w[k], w1, rtol=tol, atol=tol)
            np.testing.assert_allclose(b[k], b1, rtol=tol, atol=tol)
        np.testing.assert_array_equal(run.accuracy["e"][k], one.accuracy["e"])


def test_shared_data_and_outputs():
    starts = [lu.init_classifier((5, 4, 3), seed=seed) for seed in range(2)]
    x, y = problem(0)
    run = batched.train_classifiers(batched.stack_classifiers(starts), x, y, loss="cross_entropy",
                                    learning_rates=0.3, steps=5)
    outputs = batched.batched_outputs(run.params, x)
    for k in range(2):
        one = lu.train_classifier(starts[k], x, y, loss="cross_entropy", learning_rate=0.3, steps=5)
        np.testing.assert_allclose(outputs[k], lu.classifier_outputs(one.params, x), rtol=1e-12, atol=1e-12)


def test_a_diverging_model_stops_alone():
    starts = batched.stack_classifiers([lu.init_classifier((5, 3), seed=s) for s in range(2)])
    x, y = problem(0)
    x = 100 * x
    run = batched.train_classifiers(starts, x, y, loss="logit_squared_error", learning_rates=[1e-6, 50.0],
                                    steps=40, evaluate={"train": (x, y)}, record_every=10)
    assert np.isfinite(run.objective[0]).all() and np.isfinite(run.accuracy["train"][0]).all()
    assert np.isnan(run.objective[1, -1]) and np.isnan(run.accuracy["train"][1, -1])


@pytest.mark.parametrize("kwargs, message", [
    ({"loss": "squared_error"}, "loss must be one of"),
    ({"learning_rates": [0.1, -1.0]}, "learning_rates"),
    ({"learning_rates": [0.1, 0.2, 0.3]}, "learning_rates"),
    ({"steps": -1}, "steps"),
    ({"record_every": 0}, "record_every"),
    ({"evaluate": {"e": (np.zeros((3, 4)), np.zeros(3, int))}}, "evaluate\\['e'\\] inputs"),
])
def test_bad_arguments_are_named(kwargs, message):
    starts = batched.stack_classifiers([lu.init_classifier((5, 3), seed=s) for s in range(2)])
    x, y = problem(0)
    arguments = {"loss": "cross_entropy", "learning_rates": [0.1, 0.2], "steps": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        batched.train_classifiers(starts, x, y, **arguments)


def test_bad_params_and_labels_are_named():
    x, y = problem(0)
    with pytest.raises(ValueError, match="same layer shapes"):
        batched.stack_classifiers([lu.init_classifier((5, 3), seed=0), lu.init_classifier((5, 2), seed=0)])
    starts = batched.stack_classifiers([lu.init_classifier((5, 3), seed=0)])
    with pytest.raises(ValueError, match="labels"):
        batched.train_classifiers(starts, x, y + 3, loss="cross_entropy", learning_rates=0.1, steps=1)
    with pytest.raises(ValueError, match="inputs"):
        batched.train_classifiers(starts, x[:, :4], y, loss="cross_entropy", learning_rates=0.1, steps=1)
    with pytest.raises(ValueError, match="params\\[0\\]"):
        batched.train_classifiers([(np.zeros((5, 3)), np.zeros(3))], x, y, loss="cross_entropy",
                                  learning_rates=0.1, steps=1)
