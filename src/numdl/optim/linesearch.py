"""Armijo backtracking line search, plain and projected (lectures 5–6).

Given ``x``, ``f(x)``, ``g = ∇f(x)`` and a direction ``d``, try the steps
``α = α₀, ρα₀, ρ²α₀, …`` and accept the first with *sufficient decrease*

    f(x(α)) ≤ f(x) + c₁ gᵀ(x(α) − x),      x(α) = x + α d   (or P(x + α d) with bounds).

Without a projection ``gᵀ(x(α) − x) = α gᵀd``: the classical Armijo rule, which needs
a descent direction ``gᵀd < 0``. With a projection ``P`` onto a box the same rule is
the projected Armijo rule (Bertsekas).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["LineSearchResult", "armijo_backtracking"]


@dataclass(frozen=True)
class LineSearchResult:
    """Outcome of a line search.

    Attributes
    ----------
    success : bool
        A step with sufficient decrease was found.
    step : float
        The accepted step ``α`` (the last one tried on failure).
    x : ndarray
        ``x(α)`` if accepted, else the unchanged ``x``.
    evaluation : Evaluation
        ``fun(x(α))`` if accepted, else the evaluation at ``x``.
    n_evals : int
        Number of calls of ``fun``.
    """

    success: bool
    step: float
    x: np.ndarray
    evaluation: Any
    n_evals: int


def armijo_backtracking(fun, x, evaluation, direction, *, step: float = 1.0, c1: float = 1e-4,
                        shrink: float = 0.5, max_trials: int = 30,
                        project: Callable | None = None) -> LineSearchResult:
    """Backtracking line search with the Armijo sufficient-decrease condition.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> Evaluation`` with ``value`` and ``grad``.
    x : ndarray
        Current point.
    evaluation : Evaluation
        ``fun(x)``: its ``value`` and ``grad`` ``g``.
    direction : ndarray
        Search direction ``d``, shaped like ``x``.
    step : float
        First trial step ``α₀ > 0``.
    c1 : float
        Sufficient-decrease constant, ``0 < c₁ < 1`` (default ``1e-4``).
    shrink : float
        Backtracking factor ``ρ ∈ (0, 1)``.
    max_trials : int
        Most trial steps before giving up.
    project : callable, optional
        Projection ``P`` onto the feasible set; trial points are ``P(x + α d)``.

    Returns
    -------
    LineSearchResult
        ``success`` false (and ``x`` unchanged) when no trial step was accepted —
        the direction is not a descent direction, the gradient is wrong, or the
        decrease is below round-off; the caller decides what to do.

    Notes
    -----
    Near a minimizer the decrease ``f(x) − f(x(α)) ~ ‖g‖²`` falls below the round-off
    in ``f`` and the test above fails for every step although the step is good. A
    trial is then also accepted if ``f`` did not increase beyond round-off
    (``f(x(α)) ≤ f(x) + 100 ε_mach |f(x)|``) and the *approximate* Armijo condition
    in gradients holds (Hager & Zhang, 2005):

        ∇f(x(α))ᵀ s ≤ (2c₁ − 1) gᵀs,     s = x(α) − x,

    which is the Armijo condition for a quadratic
    (``f(x + s) − f(x) = ½ (g + ∇f(x + s))ᵀ s``) and involves no cancellation.

    A trial whose value is NaN or inf is rejected like any other, and so is one whose
    evaluation raises ``FloatingPointError`` (a network whose forward pass overflows
    at a too long step reports the layer that way). A trial with
    ``gᵀ(x(α) − x) ≥ 0`` cannot decrease ``f`` to first order and is rejected without
    evaluating ``fun``; without a projection that means ``d`` is not a descent
    direction and the search stops at once.
    """
    if not 0 < c1 < 1:
        raise ValueError(f"c1: expected 0 < c1 < 1, got {c1!r}")
    if not 0 < shrink < 1:
        raise ValueError(f"shrink: expected 0 < shrink < 1, got {shrink!r}")
    if not step > 0:
        raise ValueError(f"step: expected a positive first step, got {step!r}")
    f0, g = evaluation.value, evaluation.grad
    roundoff = 100 * np.finfo(np.result_type(x, 1.0)).eps * abs(f0)
    alpha, n_evals = float(step), 0
    for _ in range(max_trials):
        trial = x + alpha * direction
        if project is not None:
            trial = project(trial)
        slope = float(np.vdot(g, trial - x))
        if slope < 0:
            n_evals += 1
            try:
                ev = fun(trial)
            except FloatingPointError:
                alpha *= shrink
                continue
            if np.isfinite(ev.value) and (
                    ev.value <= f0 + c1 * slope
                    or (ev.value <= f0 + roundoff
                        and np.vdot(ev.grad, trial - x) <= (2 * c1 - 1) * slope)):
                return LineSearchResult(True, alpha, trial, ev, n_evals)
        elif project is None:
            break
        alpha *= shrink
    return LineSearchResult(False, alpha, x, evaluation, n_evals)
