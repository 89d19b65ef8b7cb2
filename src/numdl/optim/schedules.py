"""Learning-rate schedules ``k ↦ α_k`` for the stochastic optimizers (lecture 12).

A schedule is any callable ``schedule(step: int) -> float`` giving the learning rate
of the update number ``step = 0, 1, 2, …`` (counted from 0 at the first update).
The optimizers of :mod:`numdl.optim.stochastic` accept a schedule wherever they accept
a constant learning rate.

Stochastic gradient descent converges to a minimizer only when the steps shrink
(Robbins–Monro: ``Σ α_k = ∞``, ``Σ α_k² < ∞``, e.g. :func:`inverse_time`); with a
constant step it reaches a neighbourhood of the minimizer whose size is proportional
to ``α`` and to the variance of the mini-batch gradients.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Callable

__all__ = ["Schedule", "constant", "cosine_decay", "exponential_decay", "inverse_time",
           "step_decay"]

Schedule = Callable[[int], float]


def _check_real(value, name: str, *, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False) -> float:
    """``float(value)`` if it is a finite real number in the interval; else a ValueError."""
    ok = not isinstance(value, bool) and isinstance(value, Real) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        left = "(-inf" if low is None else ("(" if low_open else "[") + f"{low:g}"
        right = "inf)" if high is None else f"{high:g}" + (")" if high_open else "]")
        raise ValueError(f"{name}: expected a finite number in {left}, {right}, got {value!r}")
    return float(value)


def _check_int(value, name: str, minimum: int) -> int:
    """``int(value)`` if it is an integer ``≥ minimum``; else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def constant(value: float) -> Schedule:
    """The constant schedule ``α_k = value``.

    Parameters
    ----------
    value : float
        Learning rate, ``> 0``.

    Examples
    --------
    >>> constant(0.1)(1000)
    0.1
    """
    value = _check_real(value, "value", low=0.0, low_open=True)

    def schedule(step: int) -> float:
        _check_int(step, "step", 0)
        return value

    return schedule


def step_decay(init: float, factor: float, every: int) -> Schedule:
    """Piecewise constant decay ``α_k = α_0 · factor^⌊k / every⌋``.

    Parameters
    ----------
    init : float
        ``α_0 > 0``.
    factor : float
        Multiplier in ``(0, 1]`` applied after every ``every`` steps.
    every : int
        Steps between two decays, ``≥ 1``.

    Examples
    --------
    >>> s = step_decay(1.0, 0.5, 10)
    >>> s(0), s(9), s(10), s(25)
    (1.0, 1.0, 0.5, 0.25)
    """
    init = _check_real(init, "init", low=0.0, low_open=True)
    factor = _check_real(factor, "factor", low=0.0, high=1.0, low_open=True)
    every = _check_int(every, "every", 1)

    def schedule(step: int) -> float:
        step = _check_int(step, "step", 0)
        return init * factor ** (step // every)

    return schedule


def exponential_decay(init: float, rate: float, steps: float) -> Schedule:
    """Smooth exponential decay ``α_k = α_0 · rate^(k / steps)``.

    The learning rate is multiplied by ``rate`` every ``steps`` steps, continuously in
    between.

    Parameters
    ----------
    init : float
        ``α_0 > 0``.
    rate : float
        Decay per ``steps`` steps, in ``(0, 1]``.
    steps : float
        Number of steps over which the rate is multiplied by ``rate``, ``> 0``.

    Examples
    --------
    >>> s = exponential_decay(1.0, 0.5, 100)
    >>> s(0), s(100), s(200)
    (1.0, 0.5, 0.25)
    """
    init = _check_real(init, "init", low=0.0, low_open=True)
    rate = _check_real(rate, "rate", low=0.0, high=1.0, low_open=True)
    steps = _check_real(steps, "steps", low=0.0, low_open=True)

    def schedule(step: int) -> float:
        step = _check_int(step, "step", 0)
        return init * rate ** (step / steps)

    return schedule


def inverse_time(init: float, decay: float) -> Schedule:
    """Inverse-time decay ``α_k = α_0 / (1 + decay · k)``.

    With ``decay > 0`` it satisfies the Robbins–Monro conditions
    ``Σ α_k = ∞``, ``Σ α_k² < ∞`` under which SGD converges to a minimizer.

    Parameters
    ----------
    init : float
        ``α_0 > 0``.
    decay : float
        ``≥ 0`` (``0``: constant).

    Examples
    --------
    >>> s = inverse_time(1.0, 0.5)
    >>> s(0), s(2), s(6)
    (1.0, 0.5, 0.25)
    """
    init = _check_real(init, "init", low=0.0, low_open=True)
    decay = _check_real(decay, "decay", low=0.0)

    def schedule(step: int) -> float:
        step = _check_int(step, "step", 0)
        return init / (1.0 + decay * step)

    return schedule


def cosine_decay(init: float, total_steps: int, final: float = 0.0) -> Schedule:
    """Cosine decay from ``α_0`` to ``α_final`` over ``T`` steps, then constant.

        α_k = α_final + (α_0 − α_final) · ½ (1 + cos(π min(k, T) / T))

    Parameters
    ----------
    init : float
        ``α_0 > 0``.
    total_steps : int
        ``T ≥ 1``.
    final : float
        ``α_final`` in ``[0, α_0]``.

    Examples
    --------
    >>> s = cosine_decay(1.0, 100, final=0.1)
    >>> s(0), round(s(50), 12), s(100), s(500)
    (1.0, 0.55, 0.1, 0.1)
    """
    init = _check_real(init, "init", low=0.0, low_open=True)
    total_steps = _check_int(total_steps, "total_steps", 1)
    final = _check_real(final, "final", low=0.0, high=init)

    def schedule(step: int) -> float:
        step = _check_int(step, "step", 0)
        if step >= total_steps:
            return final
        return final + (init - final) * 0.5 * (1.0 + math.cos(math.pi * step / total_steps))

    return schedule
