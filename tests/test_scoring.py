"""lossutils.scoring: the proper scoring rules, against closed forms, finite differences and mpmath.

Propriety is checked directly: for random p, no random forecast q beats q = p in expected score,
and the expected score grows away from p in every direction.
"""

import mpmath
import numpy as np
import pytest

import lossutils as lu

RNG_SEED = 20240607
RULES = {
    "logarithmic": lu.logarithmic_score,
    "quadratic": lu.quadratic_score,
    "spherical": lu.spherical_score,
    "pseudospherical 1.5": lambda q, y: lu.pseudospherical_score(q, y, 1.5),
    "pseudospherical 4": lambda q, y: lu.pseudospherical_score(q, y, 4.0),
}
GRADIENTS = {
    "logarithmic": (lu.logarithmic_score, lu.softmax_cross_entropy_grad),
    "quadratic": (lu.quadratic_score, lu.softmax_quadratic_score_grad),
    "spherical": (lu.spherical_score, lu.softmax_spherical_score_grad),
    "pseudospherical 1.5": (lambda q, y: lu.pseudospherical_score(q, y, 1.5),
                            lambda l, y: lu.softmax_pseudospherical_score_grad(l, y, 1.5)),
    "pseudospherical 4": (lambda q, y: lu.pseudospherical_score(q, y, 4.0),
                          lambda l, y: lu.softmax_pseudospherical_score_grad(l, y, 4.0)),
}


def random_simplex(rng, shape, concentration=1.0):
    return rng.dirichlet(np.full(shape[-1], concentration), size=shape[:-1])


def naive_scores(q, y):
    """Each rule's textbook formula, for one forecast q and class y, in float64."""
    q = np.asarray(q, dtype=float)
    e = np.eye(q.size)[y]

    def pseudo(alpha):
        return (1 - (q[y] / np.sum(q**alpha) ** (1 / alpha)) ** (alpha - 1)) / (alpha - 1)

    return {
        "logarithmic": -np.log(q[y]),
        "quadratic": np.sum((q - e) ** 2),
        "spherical": 1 - q[y] / np.linalg.norm(q),
        "pseudospherical 1.5": pseudo(1.5),
        "pseudospherical 4": pseudo(4.0),
    }


# --- values against closed forms ---------------------------------------------------------------

@pytest.mark.parametrize("name", RULES)
def test_integer_labels_match_the_textbook_formula(name):
    rng = np.random.default_rng(RNG_SEED)
    q = random_simplex(rng, (50, 5))
    y = rng.integers(0, 5, size=50)
    expected = [naive_scores(q[n], y[n])[name] for n in range(50)]
    np.testing.assert_allclose(RULES[name](q, y), expected, rtol=1e-12)


@pytest.mark.parametrize("name", RULES)
def test_probability_labels_give_the_expected_score(name):
    """Linearity in p: S(q, p) is the p-weighted average of the class scores S(q, i)."""
    rng = np.random.default_rng(RNG_SEED + 1)
    q, p = random_simplex(rng, (40, 4)), random_simplex(rng, (40, 4))
    per_class = np.stack([RULES[name](q, np.full(40, i)) for i in range(4)], axis=-1)
    np.testing.assert_allclose(RULES[name](q, p), np.sum(p * per_class, axis=-1), rtol=1e-12)
    # A one-hot probability vector is the same as its class index.
    y = rng.integers(0, 4, size=40)
    np.testing.assert_allclose(RULES[name](q, np.eye(4)[y]), RULES[name](q, y), rtol=1e-12)


def test_logarithmic_score_is_the_cross_entropy():
    rng = np.random.default_rng(RNG_SEED + 2)
    q, p = random_simplex(rng, (20, 6)), random_simplex(rng, (20, 6))
    np.testing.assert_allclose(lu.logarithmic_score(q, p), lu.cross_entropy(p, q), rtol=1e-14)
    logits = rng.normal(size=(20, 6))
    y = rng.integers(0, 6, size=20)
    np.testing.assert_allclose(lu.logarithmic_score(lu.softmax(logits), y),
                               lu.softmax_cross_entropy_with_integer_labels(logits, y), rtol=1e-12)


def test_quadratic_score_is_twice_the_softmax_squared_error_and_its_expectation_is_brier():
    rng = np.random.default_rng(RNG_SEED + 3)
    logits = rng.normal(size=(30, 5)) * 3
    q, y, p = lu.softmax(logits), rng.integers(0, 5, size=30), random_simplex(rng, (30, 5))
    np.testing.assert_allclose(lu.quadratic_score(q, y), 2 * lu.softmax_squared_error(logits, y), rtol=1e-12)
    # E ||q - e_i||^2 = ||q - p||^2 + 1 - ||p||^2
    expected = np.sum((q - p) ** 2, axis=-1) + 1 - np.sum(p**2, axis=-1)
    np.testing.assert_allclose(lu.quadratic_score(q, p), expected, rtol=1e-12)


def test_pseudospherical_with_alpha_2_is_spherical_and_tends_to_the_log_score():
    rng = np.random.default_rng(RNG_SEED + 4)
    q, y = random_simplex(rng, (20, 4)), rng.integers(0, 4, size=20)
    np.testing.assert_array_equal(lu.pseudospherical_score(q, y, 2.0), lu.spherical_score(q, y))
    log_score = lu.logarithmic_score(q, y)
    gaps = [np.max(np.abs(lu.pseudospherical_score(q, y, 1 + h) - log_score)) for h in (1e-2, 1e-3, 1e-4)]
    assert gaps[2] < 1e-2 and gaps[1] < gaps[0] / 5 and gaps[2] < gaps[1] / 5


def test_values_at_certain_forecasts():
    certain = np.eye(3)
    for name, rule in RULES.items():
        right = rule(certain, np.arange(3))
        assert np.all(right == 0) and not np.any(np.signbit(right)), name
    wrong = np.array([1, 2, 0])
    assert np.all(lu.logarithmic_score(certain, wrong) == np.inf)
    assert np.all(lu.quadratic_score(certain, wrong) == 2)
    assert np.all(lu.spherical_score(certain, wrong) == 1)
    np.testing.assert_allclose(lu.pseudospherical_score(certain, wrong, 3.0), 0.5)  # 1 / (alpha - 1)


# --- propriety ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", RULES)
@pytest.mark.parametrize("classes", [2, 3, 7])
def test_no_forecast_beats_the_truth(name, classes):
    rng = np.random.default_rng(RNG_SEED + classes)
    for _ in range(20):
        p = random_simplex(rng, (classes,))
        q = random_simplex(rng, (2000, classes), concentration=0.5)
        honest = RULES[name](p, p)
        assert np.all(RULES[name](q, np.broadcast_to(p, q.shape)) > honest)


@pytest.mark.parametrize("name", RULES)
def test_expected_score_grows_away_from_the_truth_in_every_direction(name):
    """Strict propriety near p: small moves along random directions in the simplex all cost."""
    rng = np.random.default_rng(RNG_SEED + 10)
    p = random_simplex(rng, (5,), concentration=3.0)
    directions = rng.normal(size=(200, 5))
    directions -= directions.mean(axis=-1, keepdims=True)
    directions /= np.linalg.norm(directions, axis=-1, keepdims=True)
    q = p + 1e-3 * directions
    gain = RULES[name](q, np.broadcast_to(p, q.shape)) - RULES[name](p, p)
    assert np.all(gain > 0)


def test_the_askers_loss_and_the_linear_score_are_not_proper():
    """Controls for the propriety tests: (1 - q_i)^2 and 1 - q_i are beaten by some q != p."""
    p = np.array([0.5, 0.3, 0.2])
    askers = lambda q: np.sum(p * (1 - q) ** 2, axis=-1)  # noqa: E731
    linear = lambda q: np.sum(p * (1 - q), axis=-1)  # noqa: E731
    q_askers = 1 - (2 / np.sum(1 / p)) / p  # its minimiser, from a Lagrange multiplier
    assert askers(q_askers) < askers(p)
    assert linear(np.eye(3)[0]) < linear(p)


# --- gradients with respect to the logits -------------------------------------------------------

@pytest.mark.parametrize("name", GRADIENTS)
@pytest.mark.parametrize("integer_labels", [True, False])
def test_logit_gradients_match_finite_differences(name, integer_labels):
    score, grad = GRADIENTS[name]
    rng = np.random.default_rng(RNG_SEED + 20)
    for _ in range(10):
        classes = rng.integers(2, 7)
        logits = rng.normal(size=(3, classes)) * 2
        labels = rng.integers(0, classes, size=3) if integer_labels else random_simplex(rng, (3, classes))
        numerical = lu.numerical_gradient(lambda x: score(lu.softmax(x), labels).sum(), logits)
        np.testing.assert_allclose(grad(logits, labels), numerical, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", GRADIENTS)
def test_logit_gradients_sum_to_zero(name):
    """Adding a constant to every logit leaves the softmax, hence the score, unchanged."""
    _, grad = GRADIENTS[name]
    rng = np.random.default_rng(RNG_SEED + 21)
    logits, labels = rng.normal(size=(50, 6)) * 4, rng.integers(0, 6, size=50)
    np.testing.assert_allclose(grad(logits, labels).sum(axis=-1), 0, atol=1e-15)


def test_only_the_log_score_has_gradient_q_minus_p():
    rng = np.random.default_rng(RNG_SEED + 22)
    logits, p = rng.normal(size=(100, 4)), random_simplex(rng, (100, 4))
    q_minus_p = lu.softmax(logits) - p
    for name, (_, grad) in GRADIENTS.items():
        distance = np.max(np.abs(grad(logits, p) - q_minus_p))
        if name == "logarithmic":
            assert distance < 1e-15
        else:
            assert distance > 0.05, name


def test_quadratic_gradient_is_twice_the_softmax_squared_error_gradient():
    rng = np.random.default_rng(RNG_SEED + 23)
    logits, y = rng.normal(size=(10, 4)), rng.integers(0, 4, size=10)
    np.testing.assert_array_equal(lu.softmax_quadratic_score_grad(logits, y),
                                  2 * lu.softmax_squared_error_grad(logits, y))


def test_pseudospherical_gradient_tends_to_q_minus_p():
    rng = np.random.default_rng(RNG_SEED + 24)
    logits, y = rng.normal(size=(10, 4)), rng.integers(0, 4, size=10)
    target = lu.softmax_cross_entropy_grad(logits, y)
    gaps = [np.max(np.abs(lu.softmax_pseudospherical_score_grad(logits, y, 1 + h) - target))
            for h in (1e-1, 1e-2, 1e-3)]
    assert gaps[2] < 1e-2 and gaps[1] < gaps[0] / 5 and gaps[2] < gaps[1] / 5


def test_gradients_vanish_on_confident_mistakes_except_the_log_score():
    logits = np.array([-30.0, 0.0, 0.0])  # the true class 0 gets about 5e-14
    assert np.isclose(np.linalg.norm(lu.softmax_cross_entropy_grad(logits, 0)), np.sqrt(1.5), rtol=1e-12)
    for grad in (lu.softmax_quadratic_score_grad, lu.softmax_spherical_score_grad,
                 lambda l, y: lu.softmax_pseudospherical_score_grad(l, y, 1.5)):
        assert np.linalg.norm(grad(logits, 0)) < 1e-6


# --- accuracy, dtypes, shapes, validation --------------------------------------------------------

def test_nearly_certain_correct_forecasts_keep_their_digits():
    """Losses of about 1e-24 to 1e-12, where 1 - (something near 1) would keep no digits."""
    mpmath.mp.dps = 50
    tiny = 1e-12
    q = np.array([1 - 2 * tiny, tiny, tiny])
    exact = [mpmath.mpf(float(x)) for x in q]  # the forecast exactly as stored

    def pseudo(alpha):
        norm = sum(x**alpha for x in exact) ** (1 / mpmath.mpf(alpha))
        return (1 - (exact[0] / norm) ** (alpha - 1)) / (alpha - 1)

    np.testing.assert_allclose(lu.spherical_score(q, 0), float(pseudo(2)), rtol=1e-12)
    np.testing.assert_allclose(lu.pseudospherical_score(q, 0, 3.0), float(pseudo(3)), rtol=1e-12)
    np.testing.assert_allclose(lu.quadratic_score(q, 0), float((exact[0] - 1) ** 2 + 2 * exact[1] ** 2),
                               rtol=1e-12)


def test_unlikely_classes_keep_their_digits():
    """1 - S = q_i / ||q|| for a small q_i, whose square r_i would lose digits as 1 - (1 - r_i)."""
    mpmath.mp.dps = 50
    q = np.array([1e-3, 0.999 - 1e-4, 1e-4])
    exact = [mpmath.mpf(float(x)) for x in q]
    for y in (0, 2):
        confidence = exact[y] / mpmath.sqrt(sum(x**2 for x in exact))
        np.testing.assert_allclose(1 - lu.spherical_score(q, y), float(confidence), rtol=1e-11)


def test_extreme_logits_give_finite_gradients():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1e300, 1e300, 0.0]])
    for _, grad in GRADIENTS.values():
        for labels in (np.array([0, 2]), np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])):
            assert np.all(np.isfinite(grad(logits, labels)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype):
    rng = np.random.default_rng(RNG_SEED + 30)
    q = random_simplex(rng, (4, 3)).astype(dtype)
    logits = rng.normal(size=(4, 3)).astype(dtype)
    y = np.array([0, 1, 2, 0])
    for name, rule in RULES.items():
        assert rule(q, y).dtype == dtype, name
        assert rule(q, q).dtype == dtype, name
    for name, (_, grad) in GRADIENTS.items():
        assert grad(logits, y).dtype == dtype, name
        assert grad(logits, lu.softmax(logits)).dtype == dtype, name


def test_float32_agrees_with_float64():
    rng = np.random.default_rng(RNG_SEED + 31)
    q = random_simplex(rng, (30, 5))
    logits, y = rng.normal(size=(30, 5)), rng.integers(0, 5, size=30)
    for name, rule in RULES.items():
        np.testing.assert_allclose(rule(q.astype(np.float32), y), rule(q, y), rtol=2e-5, err_msg=name)
    for name, (_, grad) in GRADIENTS.items():
        np.testing.assert_allclose(grad(logits.astype(np.float32), y), grad(logits, y),
                                   rtol=1e-4, atol=1e-6, err_msg=name)


def test_float16_and_lists_and_batch_shapes():
    assert lu.spherical_score(np.array([0.5, 0.5], dtype=np.float16), 0).dtype == np.float32
    assert np.isclose(lu.quadratic_score([0.25, 0.75], 1), 0.125)
    q = np.full((2, 3, 4), 0.25)
    y = np.zeros((2, 3), dtype=int)
    assert lu.spherical_score(q, y).shape == (2, 3)
    assert lu.softmax_spherical_score_grad(np.zeros((2, 3, 4)), y).shape == (2, 3, 4)
    assert np.ndim(lu.logarithmic_score([0.5, 0.5], 0)) == 0


@pytest.mark.parametrize("rule", list(RULES.values()))
def test_validation_names_the_argument(rule):
    with pytest.raises(ValueError, match="forecasts"):
        rule([0.5, 0.6], 0)
    with pytest.raises(ValueError, match="forecasts"):
        rule([[-0.5, 1.5]], [0])
    with pytest.raises(ValueError, match="labels"):
        rule([0.5, 0.5], 2)
    with pytest.raises(ValueError, match="labels"):
        rule([0.5, 0.5], 0.5)
    with pytest.raises(ValueError, match="labels"):
        rule([[0.5, 0.5]], [0, 1])
    with pytest.raises(ValueError, match="labels"):
        rule([0.5, 0.5], [0.5, 0.6])
    with pytest.raises(ValueError, match="labels"):
        rule([[0.5, 0.5]], [[0.5, 0.25, 0.25]])


def test_alpha_is_validated():
    for bad in (1.0, 0.5, -2.0, np.inf, np.nan, "2", True, [2.0]):
        with pytest.raises(ValueError, match="alpha"):
            lu.pseudospherical_score([0.5, 0.5], 0, bad)
        with pytest.raises(ValueError, match="alpha"):
            lu.softmax_pseudospherical_score_grad([0.0, 0.0], 0, bad)


@pytest.mark.parametrize("grad", [v[1] for v in GRADIENTS.values()])
def test_gradient_validation_names_the_argument(grad):
    with pytest.raises(ValueError, match="logits"):
        grad([["a", "b"]], [0])
    with pytest.raises(ValueError, match="labels"):
        grad([0.0, 1.0], 3)
    with pytest.raises(ValueError, match="labels"):
        grad([0.0, 1.0], [0.7, 0.7])


# --- the asker's score (1 - q_i)^2 -------------------------------------------------------------

@pytest.mark.parametrize("num_classes", [2, 3, 5])
def test_askers_score_is_one_minus_q_squared_and_its_expectation(num_classes):
    rng = np.random.default_rng(num_classes)
    q = lu.softmax(rng.normal(size=(6, num_classes)))
    labels = rng.integers(0, num_classes, size=6)
    p = lu.softmax(rng.normal(size=(6, num_classes)))
    np.testing.assert_allclose(lu.askers_score(q, labels),
                               (1 - q[np.arange(6), labels]) ** 2, rtol=1e-15)
    np.testing.assert_allclose(lu.askers_score(q, p), np.sum(p * (1 - q) ** 2, axis=-1),
                               rtol=1e-14)
    assert lu.askers_score(np.array([0.35, 0.65]), 0) == pytest.approx(0.4225, abs=1e-15)


def test_askers_score_is_half_the_quadratic_score_for_two_classes_only():
    rng = np.random.default_rng(0)
    for num_classes, equal in [(2, True), (3, False)]:
        q = lu.softmax(rng.normal(size=(50, num_classes)))
        labels = rng.integers(0, num_classes, size=50)
        gap = np.abs(lu.askers_score(q, labels) - lu.quadratic_score(q, labels) / 2).max()
        assert bool(gap < 1e-15) is equal, gap


def test_askers_score_is_not_proper_for_three_classes():
    p = np.array([0.6, 0.3, 0.1])
    shifted = np.array([0.7, 0.3, 0.0])  # honest forecast loses to one that moves mass to the mode
    assert lu.askers_score(shifted, p) < lu.askers_score(p, p)


@pytest.mark.parametrize("num_classes", [2, 3, 10])
@pytest.mark.parametrize("soft", [False, True])
def test_softmax_askers_score_grad_matches_finite_differences(num_classes, soft):
    rng = np.random.default_rng(10 * num_classes + soft)
    for _ in range(5):
        logits = rng.normal(scale=2.0, size=num_classes)
        label = (lu.softmax(rng.normal(size=num_classes)) if soft
                 else np.asarray(rng.integers(num_classes)))
        numeric = lu.numerical_gradient(
            lambda v: lu.askers_score(lu.softmax(v), label), logits)
        np.testing.assert_allclose(lu.softmax_askers_score_grad(logits, label), numeric,
                                   atol=1e-9)


def test_softmax_askers_score_grad_is_weighted_cross_entropy_gradient():
    logits = np.array([[-8.0, 0.5, -0.5], [3.0, 0.0, 1.0]])
    labels = np.array([0, 0])
    q_y = lu.softmax(logits)[:, 0]
    weight = 2 * q_y * (1 - q_y)
    np.testing.assert_allclose(lu.softmax_askers_score_grad(logits, labels),
                               weight[:, None] * lu.softmax_cross_entropy_grad(logits, labels),
                               rtol=1e-14)


def test_askers_functions_keep_float32_and_name_bad_labels():
    logits = np.array([[0.5, -1.0, 2.0]], dtype=np.float32)
    assert lu.softmax_askers_score_grad(logits, np.array([2])).dtype == np.float32
    assert lu.askers_score(lu.softmax(logits), np.array([1])).dtype == np.float32
    with pytest.raises(ValueError, match="labels"):
        lu.askers_score(lu.softmax(logits), np.array([3]))
    with pytest.raises(ValueError, match="labels"):
        lu.softmax_askers_score_grad(logits, np.array([[0.5, 0.6, 0.1]]))
