r"""Numerical gradients, for checking the analytic ones.

Two estimates of :math:`\nabla f(x)` for a scalar function f of an array x:

- :func:`numerical_gradient`, central differences,
  :math:`\partial_i f \approx [f(x + h e_i) - f(x - h e_i)] / 2h`, with truncation error
  :math:`O(h^2)` and rounding error :math:`O(\epsilon / h)`; the step
  :math:`h = \epsilon^{1/3} \max(1, |x_i|)` balances the two, leaving about 10 correct digits in
  float64 where f varies on a scale of order 1 or more around x (near a singularity, such as
  :math:`\log x` at small x, pass a smaller ``step``).
- :func:`complex_step_gradient`,
  :math:`\partial_i f = \operatorname{Im} f(x + i h e_i) / h + O(h^2)`, which subtracts nothing,
  so with :math:`h = 10^{-20}` it is exact to rounding. It needs an f that accepts complex input
  and is analytic there (no ``abs``, ``max`` or comparisons on the perturbed values).

References
----------
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006, section 8.1.
W. Squire and G. Trapp, "Using complex variables to estimate derivatives of real functions",
SIAM Review 40(1), 110-112, 1998.
"""

import numpy as np

from . import _validation as _v

__all__ = ["numerical_gradient", "complex_step_gradient"]


def numerical_gradient(f, x, step=None):
    r"""Central-difference estimate of the gradient of a scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x`` and returns a real scalar (sum a batch of losses first).
    x : array_like
        The point; computed in float64 whatever its dtype, since a finite difference in float32
        keeps only about 5 digits.
    step : float, optional
        Relative step; default :math:`\epsilon^{1/3} \approx 6 \times 10^{-6}`, scaled by
        :math:`\max(1, |x_i|)` for each coordinate.

    Returns
    -------
    ndarray of float64, the shape of ``x``.

    References
    ----------
    Nocedal & Wright (2006), section 8.1 (see the module docstring).
    """
    x = _v.as_real_array(x, "x").astype(np.float64)
    relative_step = np.finfo(np.float64).eps ** (1 / 3) if step is None else _positive(step)
    gradient = np.empty_like(x)
    for index in np.ndindex(x.shape):
        h = relative_step * max(1.0, abs(x[index]))
        forward, backward = x.copy(), x.copy()
        forward[index] += h
        backward[index] -= h
        # Divide by the step actually taken: x + h is rounded, and so is x - h.
        gradient[index] = (_scalar(f(forward)) - _scalar(f(backward))) / (forward[index] - backward[index])
    return gradient


def complex_step_gradient(f, x, step=1e-20):
    r"""Complex-step derivative :math:`\operatorname{Im} f(x + i h e_i) / h` for each coordinate.

    Parameters
    ----------
    f : callable
        Analytic in each coordinate and written with operations that accept complex arrays
        (``np.exp``, ``np.log``, ``np.sum``, arithmetic); returns a scalar.
    x : array_like of real numbers
    step : float
        The imaginary step h; tiny, since no subtraction amplifies its rounding.

    Returns
    -------
    ndarray of float64, the shape of ``x``.

    References
    ----------
    Squire & Trapp (1998) (see the module docstring).
    """
    x = _v.as_real_array(x, "x").astype(np.float64)
    step = _positive(step)
    gradient = np.empty_like(x)
    for index in np.ndindex(x.shape):
        perturbed = x.astype(np.complex128)
        perturbed[index] += 1j * step
        value = np.asarray(f(perturbed))
        if value.size != 1:
            raise ValueError(f"f must return a scalar, got shape {value.shape}")
        gradient[index] = value.imag.item() / step
    return gradient


def _scalar(value):
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError(f"f must return a scalar, got shape {value.shape}")
    if np.iscomplexobj(value):
        raise ValueError("f must return a real scalar for numerical_gradient")
    return float(value.item())


def _positive(step):
    if not np.isscalar(step) or not np.isreal(step) or not (step > 0 and np.isfinite(step)):
        raise ValueError(f"step must be a positive finite real number, got {step!r}")
    return float(step)
