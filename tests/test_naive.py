"""lossutils.naive: the formula as written agrees with the stable one where it can, and fails
exactly where its docstring says."""
import numpy as np
import pytest

import lossutils as lu
from lossutils.naive import log_softmax_as_written


def test_agrees_with_the_stable_log_softmax_on_moderate_logits():
    logits = np.random.default_rng(0).normal(scale=5.0, size=(200, 7))
    np.testing.assert_allclose(log_softmax_as_written(logits), lu.log_softmax(logits),
                               rtol=1e-12, atol=1e-13)


def test_overflow_gives_nan_and_underflow_gives_minus_infinity():
    assert np.isnan(log_softmax_as_written(np.array([710.0, 0.0]))[0])
    assert np.isfinite(log_softmax_as_written(np.array([709.0, 0.0]))).all()
    below = log_softmax_as_written(np.array([0.0, -746.0]))
    assert below[1] == -np.inf and lu.log_softmax(np.array([0.0, -746.0]))[1] == -746.0


def test_keeps_float32_and_refuses_no_classes():
    assert log_softmax_as_written(np.zeros(3, dtype=np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="logits"):
        log_softmax_as_written(np.zeros((2, 0)))
    with pytest.raises(ValueError, match="logits"):
        log_softmax_as_written(1.0)
