"""lossutils: the small, exact loss functions behind the book *Why Cross-Entropy?*.

Pure numpy. Every function reduces over the last axis, accepts any leading batch shape, returns one
value per example, keeps float32 and float64, and checks its arguments before computing anything.

Modules, one idea each:

- :mod:`lossutils.numerics`: LogSumExp, softmax, log-softmax, sigmoid, softplus, log-sigmoid.
- :mod:`lossutils.information`: cross-entropy, entropy and KL divergence of probability vectors.
- :mod:`lossutils.losses`: losses on logits and predictions, with their gradients.
- :mod:`lossutils.gradcheck`: finite-difference and complex-step gradients.
- :mod:`lossutils.plotting`: the book's figure helpers; it needs matplotlib and is imported on first
  use (``lossutils.plotting``), so that the numerical functions need numpy alone.
"""

import importlib

from .gradcheck import complex_step_gradient, numerical_gradient
from .information import cross_entropy, entropy, kl_divergence
from .losses import (
    sigmoid_binary_cross_entropy,
    sigmoid_binary_cross_entropy_grad,
    softmax_cross_entropy,
    softmax_cross_entropy_grad,
    softmax_cross_entropy_value_and_grad,
    softmax_cross_entropy_with_integer_labels,
    squared_error,
    squared_error_grad,
)
from .numerics import log_sigmoid, log_softmax, logsumexp, sigmoid, softmax, softplus

__version__ = "0.1.0"

# Submodules with heavier dependencies, loaded when first accessed as attributes.
_LAZY_SUBMODULES = ("plotting",)


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "logsumexp",
    "softmax",
    "log_softmax",
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "cross_entropy",
    "entropy",
    "kl_divergence",
    "softmax_cross_entropy",
    "softmax_cross_entropy_with_integer_labels",
    "softmax_cross_entropy_grad",
    "softmax_cross_entropy_value_and_grad",
    "sigmoid_binary_cross_entropy",
    "sigmoid_binary_cross_entropy_grad",
    "squared_error",
    "squared_error_grad",
    "numerical_gradient",
    "complex_step_gradient",
]
