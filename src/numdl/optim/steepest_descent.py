"""Steepest descent with Armijo backtracking, step growth and a maximal step (lecture 5).

    x_{k+1} = x_k − α_k ∇f(x_k)            (or P(x_k − α_k ∇f(x_k)) with bounds)

The step ``α_k`` comes from Armijo backtracking started at a guess that adapts: after
a step accepted at the first trial the next guess is larger (``growth · α_k``),
otherwise it is the step just accepted; guesses never exceed ``max_step``.
"""

from __future__ import annotations

from numdl.optim.bounds import start_in_box, stationarity
from numdl.optim.linesearch import armijo_backtracking
from numdl.optim.result import OptimizeResult, _check_evaluation, _Monitor
from numdl.utils.validation import check_array

__all__ = ["steepest_descent"]


def steepest_descent(fun, x0, *, rtol: float = 1e-6, atol: float = 0.0, maxiter: int = 500,
                     init_step: float = 1.0, max_step: float = 1e6, growth: float = 2.0,
                     shrink: float = 0.5, c1: float = 1e-4, max_ls: int = 30, bounds=None,
                     callback=None, verbose: bool = False) -> OptimizeResult:
    """Minimize ``f`` by steepest descent with an Armijo line search.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> Evaluation`` with ``value`` and ``grad`` (``hess_mv`` unused).
    x0 : array_like
        Starting point (not modified; projected onto the bounds if given).
    rtol, atol : float
        Stopping tolerances (below).
    maxiter : int
        Most iterations.
    init_step : float
        First trial step ``α`` of the first iteration.
    max_step : float
        Largest trial step ``α``.
    growth : float
        Factor ``≥ 1`` by which the next first trial grows after a step accepted at
        once (``1``: no growth).
    shrink, c1, max_ls : float, float, int
        Backtracking factor, sufficient-decrease constant and most trial steps of
        :func:`~numdl.optim.armijo_backtracking`.
    bounds : tuple (lower, upper), optional
        Box constraints (scalars or arrays, ``None`` for a free side): projected
        gradient method with the projected Armijo rule.
    callback : callable, optional
        ``callback(x)`` after every iteration.
    verbose : bool
        Print one line per iteration.

    Returns
    -------
    OptimizeResult
        ``converged`` when the stopping rule holds; a failed line search ends the
        run with ``converged=False`` and a :class:`~numdl.optim.ConvergenceWarning`.

    Notes
    -----
    Stopping rule: ``‖g_k‖ ≤ max(rtol · ‖g_0‖, atol)`` with ``g = ∇f(x)``, or with
    bounds the projected gradient ``g = x − P(x − ∇f(x))``.

    On a quadratic with Hessian eigenvalues in ``[μ, L]`` the error decreases
    linearly with rate about ``(κ − 1)/(κ + 1)``, ``κ = L/μ``. Lecture 5.
    """
    x = check_array(x0, "x0", copy=True)
    if not (init_step > 0 and max_step > 0):
        raise ValueError(f"init_step, max_step: expected positive steps, got {init_step!r}, {max_step!r}")
    if not growth >= 1:
        raise ValueError(f"growth: expected a factor >= 1, got {growth!r}")
    box, x = start_in_box(bounds, x)
    project = None if box is None else box.project

    mon = _Monitor("steepest_descent", (), rtol=rtol, atol=atol, maxiter=maxiter,
                   callback=callback, verbose=verbose)
    ev = fun(x)
    _check_evaluation(ev, x)
    gnorm = stationarity(box, x, ev.grad)
    mon.start(ev.value, gnorm)
    alpha = min(init_step, max_step)
    while not mon.converged(gnorm) and mon.n_iter < mon.maxiter:
        ls = armijo_backtracking(fun, x, ev, -ev.grad, step=alpha, c1=c1, shrink=shrink,
                                 max_trials=max_ls, project=project)
        if not ls.success:
            mon.n_fun += ls.n_evals
            return mon.result(x, ev.value, gnorm, failure="line search failed")
        x, ev = ls.x, ls.evaluation
        gnorm = stationarity(box, x, ev.grad)
        alpha = min(growth * ls.step, max_step) if ls.step == alpha else ls.step
        mon.record(x, ev.value, gnorm, ls.step, ls.n_evals)
    return mon.result(x, ev.value, gnorm)
