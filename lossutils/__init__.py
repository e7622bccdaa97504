"""lossutils: the small, exact loss functions behind the book *Why Cross-Entropy?*.

Pure numpy. Every function reduces over the last axis, accepts any leading batch shape, returns
one value per example, keeps float32 and float64, and checks its arguments before computing anything.

Modules, one idea each (each module's ``__all__`` lists its public functions, and all of them are
available at the top level as ``lossutils.<name>``):

- :mod:`lossutils.numerics`: LogSumExp, softmax, log-softmax, sigmoid, softplus, log-sigmoid.
- :mod:`lossutils.information`: cross-entropy, entropy and KL divergence of probability vectors.
- :mod:`lossutils.losses`: losses on logits and predictions, with their gradients.
- :mod:`lossutils.squared_probabilities`: squared error on sigmoid and softmax outputs, with gradients.
- :mod:`lossutils.regression`: the blog post's alternatives to the squared error, and linear regression.
- :mod:`lossutils.scoring`: strictly proper scoring rules (log, quadratic, spherical) and their gradients.
- :mod:`lossutils.glm`: exponential families with canonical links; the Poisson loss.
- :mod:`lossutils.logistic`: binary logistic regression (batched parameters, Hessians) with a choice of loss.
- :mod:`lossutils.classifiers`: the one softmax regression, and networks with hidden tanh layers,
  trained full-batch with ``loss="cross_entropy"``, ``"probability_squared_error"`` or
  ``"logit_squared_error"`` (the book-wide loss names).
- :mod:`lossutils.batched`: many classifiers of one architecture trained at once, each with its own
  learning rate and data (checked against :func:`lossutils.train_classifier`).
- :mod:`lossutils.calibration`: reliability diagrams and the expected calibration error.
- :mod:`lossutils.gradcheck`: finite-difference and complex-step gradients.
- :mod:`lossutils.naive`: formulas computed as written (``lossutils.naive.log_softmax_as_written``),
  for the chapters that measure how they fail; not exported at the top level.
- :mod:`lossutils.optim`: plain gradient descent that records its path.
- :mod:`lossutils.plotting`: the book's figure helpers; it needs matplotlib and is imported on first
  use (``lossutils.plotting``), so that the numerical functions need numpy alone.
- :mod:`lossutils.controls`: one drawing function behind a live ipywidgets slider in Jupyter and a
  control over precomputed frames on the website; like plotting, imported on first use.
"""

import importlib

from . import (
    batched,
    calibration,
    classifiers,
    glm,
    gradcheck,
    information,
    logistic,
    losses,
    naive,
    numerics,
    optim,
    regression,
    scoring,
    squared_probabilities,
)
from .batched import *  # noqa: F403
from .calibration import *  # noqa: F403
from .classifiers import *  # noqa: F403
from .glm import *  # noqa: F403
from .gradcheck import *  # noqa: F403 -- each module's __all__ is its public API
from .information import *  # noqa: F403
from .logistic import *  # noqa: F403
from .losses import *  # noqa: F403
from .numerics import *  # noqa: F403
from .optim import *  # noqa: F403
from .regression import *  # noqa: F403
from .scoring import *  # noqa: F403
from .squared_probabilities import *  # noqa: F403

__version__ = "0.1.0"

_MODULES = (numerics, information, losses, squared_probabilities, regression, scoring, glm, logistic,
            classifiers, batched, calibration, gradcheck, optim)

# Submodules with heavier dependencies, loaded when first accessed as attributes.
_LAZY_SUBMODULES = ("plotting", "controls")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [name for module in _MODULES for name in module.__all__]
