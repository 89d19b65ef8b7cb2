"""Inexact Newton method with a (preconditioned) conjugate-gradient inner solve (lecture 6).

Each iteration solves the Newton system ``H_k d = −g_k`` only roughly, by CG on the
Hessian mat-vec ``v ↦ H_k v``, and then takes an Armijo step ``x_{k+1} = x_k + α_k d``
(``α = 1`` first, the natural Newton step).

* Forcing term: CG stops when ``‖H d + g‖ ≤ η_k ‖g‖`` with ``η_k = min(0.5, √‖g_k‖)``,
  loose far from the solution and tighter near it (superlinear local convergence).
* Negative curvature: if CG meets ``pᵀ H p ≤ 0`` it stops and returns its current
  iterate (or, in its first iteration, the steepest-descent direction).
* Safeguard: if ``d`` is not a descent direction (``gᵀd ≥ 0``), ``d = −g``; if the line
  search along the Newton direction fails, one more line search is tried along
  ``−g``; if that fails too the run stops with ``converged=False`` and a warning.
* Bounds (``lower ≤ x ≤ upper``): projected Newton-CG. Variables within ``ε = ‖x −
  P(x − g)‖`` of a bound with the gradient pushing outwards are *active* and take a
  gradient step; CG runs on the Hessian restricted to the free variables; the line
  search is the projected Armijo rule along ``P(x + α d)`` (Bertsekas, 1982).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator

from numdl.optim.bounds import start_in_box, stationarity
from numdl.optim.linesearch import armijo_backtracking
from numdl.optim.result import OptimizeResult, _check_count, _check_evaluation, _Monitor
from numdl.utils.validation import check_array

__all__ = ["CGResult", "truncated_cg", "newton_cg"]


@dataclass(frozen=True)
class CGResult:
    """Outcome of :func:`truncated_cg`: the direction, CG iterations (= Hessian
    mat-vecs) and whether negative curvature stopped it."""

    d: np.ndarray
    n_iter: int
    negative_curvature: bool


def _as_precond(precond):
    if precond is None:
        return None
    if isinstance(precond, LinearOperator):
        return precond.matvec
    if callable(precond):
        return precond
    raise ValueError(f"precond: expected a callable r -> M⁻¹r or a LinearOperator, got "
                     f"{type(precond).__name__}")


def truncated_cg(hess_mv, g, *, rtol: float = 0.5, maxiter: int = 100, precond=None,
                 free=None) -> CGResult:
    """Approximate Newton direction: (preconditioned) CG on ``H d = −g``, truncated.

    Parameters
    ----------
    hess_mv : callable
        ``v ↦ H v``.
    g : ndarray
        Gradient (right-hand side ``−g``).
    rtol : float
        Stop when ``‖H d + g‖ ≤ rtol · ‖g‖`` (on the free variables).
    maxiter : int
        Most CG iterations (Hessian mat-vecs).
    precond : callable or LinearOperator, optional
        ``r ↦ M⁻¹ r`` with ``M`` symmetric positive definite (``M ≈ H``).
    free : ndarray of bool, optional
        Solve only for these variables (``H_FF d_F = −g_F``, ``d = 0`` elsewhere).

    Returns
    -------
    CGResult
        ``d`` minimizes the quadratic model ``gᵀd + ½ dᵀHd`` over the Krylov space
        built so far. On negative curvature ``pᵀHp ≤ 0`` CG stops and returns its
        current iterate, or in the first iteration the direction ``−M⁻¹g``.

    Notes
    -----
    Curvature ``pᵀHp ≤ ε_mach ‖p‖²`` counts as non-positive ("capped" CG): a
    direction in the (numerical) null space of ``H``, e.g. the softmax's invariance to
    adding a constant to every class's bias, would otherwise give a huge step.

    Started from ``d = 0`` every CG iterate decreases the model, so while ``H`` is
    positive definite on the Krylov space every iterate is a descent direction.
    """
    M = _as_precond(precond)

    def restrict(v):
        return v if free is None else np.where(free, v, 0)

    d = np.zeros_like(g)
    r = restrict(-g)
    tol = rtol * float(np.linalg.norm(r))
    if tol == 0:
        return CGResult(d, 0, False)
    z = r if M is None else restrict(M(r))
    p = z.copy()
    rz = float(np.vdot(r, z))
    eps = np.finfo(g.dtype).eps
    for i in range(maxiter):
        Hp = restrict(hess_mv(p))
        curv = float(np.vdot(p, Hp))
        if curv <= eps * float(np.vdot(p, p)):
            return CGResult(d if i > 0 else p, i + 1, True)
        a = rz / curv
        d += a * p
        r -= a * Hp
        if np.linalg.norm(r) <= tol:
            return CGResult(d, i + 1, False)
        z = r if M is None else restrict(M(r))
        rz_new = float(np.vdot(r, z))
        p = z + (rz_new / rz) * p
        rz = rz_new
    return CGResult(d, maxiter, False)


def newton_cg(fun, x0, *, rtol: float = 1e-6, atol: float = 0.0, maxiter: int = 100,
              cg_maxiter: int = 100, precond=None, bounds=None, c1: float = 1e-4,
              shrink: float = 0.5, max_ls: int = 30, callback=None,
              verbose: bool = False) -> OptimizeResult:
    """Minimize ``f`` by the inexact Newton method with a CG inner solve and Armijo steps.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> Evaluation`` with ``value``, ``grad`` and ``hess_mv`` (the Hessian
        or a positive semi-definite approximation such as Gauss-Newton).
    x0 : array_like
        Starting point (not modified; projected onto the bounds if given).
    rtol, atol : float
        Stopping tolerances (below).
    maxiter : int
        Most Newton iterations.
    cg_maxiter : int
        Most CG iterations (Hessian mat-vecs) per Newton iteration.
    precond : callable or LinearOperator, optional
        Fixed preconditioner ``r ↦ M⁻¹ r`` for CG.
    bounds : tuple (lower, upper), optional
        Box constraints (scalars or arrays, ``None`` for a free side): projected
        Newton-CG (see the module docstring).
    c1, shrink, max_ls : float, float, int
        Sufficient-decrease constant, backtracking factor and most trial steps of
        :func:`~numdl.optim.armijo_backtracking`.
    callback : callable, optional
        ``callback(x)`` after every iteration.
    verbose : bool
        Print one line per iteration.

    Returns
    -------
    OptimizeResult
        With ``history["cg_iters"]`` (CG iterations per Newton iteration).

    Notes
    -----
    Stopping rule: ``‖g_k‖ ≤ max(rtol · ‖g_0‖, atol)`` with ``g = ∇f(x)``, or with
    bounds the projected gradient ``g = x − P(x − ∇f(x))``.

    Inner solve: CG on ``H_k d = −g_k`` until ``‖H_k d + g_k‖ ≤ η_k ‖g_k‖``,
    ``η_k = min(0.5, √‖g_k‖)``, or ``cg_maxiter`` iterations, or negative curvature
    (:func:`truncated_cg`). Since ``η_k → 0`` as ``g_k → 0`` the local convergence is
    superlinear (quadratic with a Lipschitz Hessian). Lecture 6.
    """
    x = check_array(x0, "x0", copy=True)
    cg_maxiter = _check_count(cg_maxiter, "cg_maxiter")
    _as_precond(precond)
    box, x = start_in_box(bounds, x)
    project = None if box is None else box.project

    mon = _Monitor("newton_cg", ("cg_iters",), rtol=rtol, atol=atol, maxiter=maxiter,
                   callback=callback, verbose=verbose)
    ev = fun(x)
    _check_evaluation(ev, x, need_hess=True, solver="newton_cg")
    gnorm = stationarity(box, x, ev.grad)
    mon.start(ev.value, gnorm, cg_iters=0)
    while not mon.converged(gnorm) and mon.n_iter < mon.maxiter:
        g = ev.grad
        free = None if box is None else ~box.active(x, g, gnorm)
        eta = min(0.5, np.sqrt(float(np.linalg.norm(g if free is None else g[free]))))
        cg = truncated_cg(ev.hess_mv, g, rtol=eta, maxiter=cg_maxiter, precond=precond, free=free)
        d = cg.d if free is None else np.where(free, cg.d, -g)
        steepest = not np.vdot(g, d) < 0
        if steepest:
            d = -g
        ls = armijo_backtracking(fun, x, ev, d, c1=c1, shrink=shrink, max_trials=max_ls,
                                 project=project)
        n_ls = ls.n_evals
        if not ls.success and not steepest:
            ls = armijo_backtracking(fun, x, ev, -g, c1=c1, shrink=shrink, max_trials=max_ls,
                                     project=project)
            n_ls += ls.n_evals
        if not ls.success:
            mon.n_fun += n_ls
            return mon.result(x, ev.value, gnorm,
                              failure="line search failed along the Newton and gradient directions")
        x, ev = ls.x, ls.evaluation
        gnorm = stationarity(box, x, ev.grad)
        mon.record(x, ev.value, gnorm, ls.step, n_ls, cg_iters=cg.n_iter)
    return mon.result(x, ev.value, gnorm)
