"""Deterministic optimizers with one interface: ``fun(x) -> Evaluation`` (lectures 5–6).

* :func:`steepest_descent` — Armijo backtracking, step growth, maximal step;
* :func:`newton_cg` — inexact Newton with (preconditioned) truncated CG;
* both take ``bounds=(lower, upper)`` for projected variants;
* :func:`armijo_backtracking` — the (projected) Armijo line search they share.

Every solver returns an :class:`OptimizeResult` ``(x, value, grad_norm, converged,
reason, n_iter, history)`` and warns with :class:`ConvergenceWarning` when it stops
on a failure.
"""

from numdl.optim.bounds import Box
from numdl.optim.linesearch import LineSearchResult, armijo_backtracking
from numdl.optim.newton_cg import CGResult, newton_cg, truncated_cg
from numdl.optim.result import ConvergenceWarning, OptimizeResult
from numdl.optim.steepest_descent import steepest_descent

__all__ = [
    "Box", "CGResult", "ConvergenceWarning", "LineSearchResult", "OptimizeResult",
    "armijo_backtracking", "newton_cg", "steepest_descent", "truncated_cg",
]
