"""Checked numpy arrays: the input guards and the result rule every topic model shares.

A model function takes plain numbers or numpy arrays of samples, so one call
gives a point estimate or a whole Monte Carlo. Each input is turned into a
float array and checked here (so a wrong input fails with a message naming
the argument, not deep inside numpy), and each result goes back through
:func:`float_or_array`: a plain ``float`` for scalar input, an array for
array input.

>>> positive_array([1, 2], "n_gpus")
array([1., 2.])
>>> float_or_array(positive_array(3, "days") * 2)
6.0
"""
from __future__ import annotations

import numpy as np


def finite_array(value, name: str = "value") -> np.ndarray:
    """``value`` as a float array, refusing NaN and infinite entries."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from error
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return array


def positive_array(value, name: str = "value") -> np.ndarray:
    """``value`` as a float array, refusing zero, negative, NaN or infinite entries."""
    array = finite_array(value, name)
    if np.any(array <= 0):
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return array


def non_negative_array(value, name: str = "value") -> np.ndarray:
    """``value`` as a float array, refusing negative, NaN or infinite entries (zero is allowed)."""
    array = finite_array(value, name)
    if np.any(array < 0):
        raise ValueError(f"{name} must be non-negative and finite, got {value!r}")
    return array


def float_or_array(value):
    """A 0-d result as a plain ``float``, anything else as a numpy array.

    Printing ``3.2`` rather than ``array(3.2)`` keeps a scalar call's output
    readable; array input keeps its shape.
    """
    array = np.asarray(value)
    return float(array) if array.ndim == 0 else array
