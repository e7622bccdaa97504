"""The public API of lossutils: exactly the documented names, documented, importable without extras."""

import importlib.metadata
import re
import subprocess
import sys
import types

import pytest

import lossutils as lu

# The API: the foundation issue's functions, softmax_cross_entropy_value_and_grad, and the helpers the
# chapters share.
DOCUMENTED_NAMES = {
    "logsumexp", "softmax", "log_softmax",
    "sigmoid", "log_sigmoid", "softplus",
    "cross_entropy", "entropy", "kl_divergence",
    "softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels", "softmax_cross_entropy_grad",
    "softmax_cross_entropy_value_and_grad",
    "sigmoid_binary_cross_entropy", "sigmoid_binary_cross_entropy_grad",
    "squared_error", "squared_error_grad",
    "sigmoid_squared_error", "sigmoid_squared_error_grad", "softmax_squared_error", "softmax_squared_error_grad",
    "numerical_gradient", "complex_step_gradient",
    "gradient_descent",
    "quartic_error", "quartic_error_grad", "sine_squared_error", "sine_squared_error_grad",
    "absolute_error", "absolute_error_grad", "linear_regression_objective",
    "design_matrix", "sigmoid_binary_cross_entropy_second_derivative", "sigmoid_squared_error_second_derivative",
    "logistic_regression_loss", "logistic_regression_value_and_grad", "logistic_regression_hessian",
    "logistic_regression_accuracy",
    "init_classifier", "classifier_outputs", "classifier_value_and_grad", "train_classifier",
    "classifier_probabilities", "classifier_accuracy",
    "reliability_bins", "expected_calibration_error",
    "poisson_nll", "poisson_nll_grad", "stack_classifiers", "batched_outputs", "train_classifiers",
    "canonical_families", "density_moments", "second_difference_hessian",
    "logarithmic_score", "quadratic_score", "spherical_score", "pseudospherical_score",
    "softmax_quadratic_score_grad", "softmax_spherical_score_grad", "softmax_pseudospherical_score_grad",
    "askers_score", "softmax_askers_score_grad",
}
CORE_MODULES = ["lossutils.numerics", "lossutils.information", "lossutils.losses", "lossutils.gradcheck",
                "lossutils.squared_probabilities", "lossutils.optim", "lossutils.scoring",
                "lossutils.regression", "lossutils.logistic", "lossutils.glm", "lossutils.classifiers",
                "lossutils.calibration"]
# A formula in reStructuredText math (:math:`...` or a .. math:: block), or an equation in plain text.
FORMULA = re.compile(r":math:`[^`]*[-+*/=\\^_(][^`]*`|\.\. math::|\w\s*=\s*\S")


def test_all_lists_exactly_the_documented_names():
    assert len(lu.__all__) == len(set(lu.__all__)), "duplicates in __all__"
    assert set(lu.__all__) == DOCUMENTED_NAMES


def test_star_import_gives_the_documented_functions():
    namespace = {}
    exec("from lossutils import *", namespace)
    exported = {name for name in namespace if not name.startswith("__")}
    assert exported == DOCUMENTED_NAMES
    assert all(callable(namespace[name]) for name in exported)


def test_no_other_public_callables_at_the_top_level():
    public = {name for name, value in vars(lu).items()
              if not name.startswith("_") and callable(value) and not isinstance(value, types.ModuleType)}
    assert public <= DOCUMENTED_NAMES, f"undocumented public callables: {public - DOCUMENTED_NAMES}"


@pytest.mark.parametrize("name", sorted(DOCUMENTED_NAMES))
def test_every_function_documents_a_formula_and_references(name):
    doc = getattr(lu, name).__doc__
    assert doc, f"{name} has no docstring"
    assert FORMULA.search(doc), f"{name}'s docstring states no formula"
    assert "References" in doc, f"{name}'s docstring has no References section"


@pytest.mark.parametrize("module", CORE_MODULES)
def test_every_module_documents_its_idea_and_references(module):
    doc = importlib.import_module(module).__doc__
    assert doc and "References" in doc and FORMULA.search(doc)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_module_all_is_exported_at_the_top_level(module):
    assert set(importlib.import_module(module).__all__) <= set(lu.__all__)


def test_version_matches_the_installed_distribution():
    assert lu.__version__ == importlib.metadata.version("lossutils")


def run_python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_importing_lossutils_loads_numpy_only():
    result = run_python(
        "import sys, lossutils\n"
        "heavy = [m for m in ('matplotlib', 'scipy', 'ipywidgets', 'IPython', 'mpmath', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["plotting", "controls"])
def test_figure_modules_are_imported_lazily_on_first_access(name):
    pytest.importorskip("matplotlib")
    result = run_python(
        "import sys, lossutils\n"
        "assert 'matplotlib' not in sys.modules\n"
        f"module = lossutils.{name}\n"
        f"assert module.__name__ == 'lossutils.{name}'\n"
        "assert 'matplotlib' in sys.modules\n"
        f"assert sys.modules['lossutils.{name}'] is module\n"
        "assert 'ipywidgets' not in sys.modules\n"
    )
    assert result.returncode == 0, result.stderr


def test_unknown_attributes_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_function"):
        lu.no_such_function  # noqa: B018
    assert not hasattr(lu, "no_such_function")
