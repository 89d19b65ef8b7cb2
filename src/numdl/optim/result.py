"""What the deterministic optimizers return, and the bookkeeping they share.

Every solver of :mod:`numdl.optim` minimizes ``fun(x) -> Evaluation`` (value,
gradient, optional Hessian mat-vec) and returns an :class:`OptimizeResult` with the
final point, whether the stopping rule was met, why it stopped and the history of
the run (one entry per iteration, entry 0 being the starting point).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

__all__ = ["ConvergenceWarning", "OptimizeResult"]


class ConvergenceWarning(UserWarning):
    """An optimizer stopped before meeting its stopping rule (e.g. a line search failed)."""


@dataclass(frozen=True)
class OptimizeResult:
    """Outcome of a deterministic optimizer.

    Attributes
    ----------
    x : ndarray
        Final iterate.
    value : float
        ``f(x)``.
    grad_norm : float
        Stationarity measure at ``x``: ``‖∇f(x)‖``, or with bounds the norm of the
        projected gradient ``‖x − P(x − ∇f(x))‖``.
    converged : bool
        The stopping rule ``grad_norm ≤ max(rtol · grad_norm₀, atol)`` was met.
    reason : str
        Why the run stopped.
    n_iter : int
        Number of iterations done.
    history : dict of str to list
        Per iteration (entry 0: the starting point): ``objective``, ``grad_norm``,
        ``step`` (accepted step length), ``n_linesearch`` (function evaluations in
        the line search), ``n_fun`` (cumulative function evaluations) and, for
        Newton-CG, ``cg_iters`` (CG iterations = Hessian mat-vecs).
    """

    x: np.ndarray
    value: float
    grad_norm: float
    converged: bool
    reason: str
    n_iter: int
    history: dict

    def __str__(self) -> str:
        state = "converged" if self.converged else "NOT converged"
        return (f"{state} after {self.n_iter} iterations ({self.reason}): "
                f"f = {self.value:.10g}, |g| = {self.grad_norm:.3e}")


def _check_nonneg(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: expected a finite number >= 0, got {value!r}")
    return float(value)


def _check_count(value, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_evaluation(ev, x, *, need_hess: bool = False, solver: str = ""):
    """Check what ``fun(x)`` returned: a finite value and a gradient shaped like ``x``."""
    grad = getattr(ev, "grad", None)
    if grad is None or not hasattr(ev, "value"):
        raise ValueError(f"fun: expected an Evaluation (value, grad, hess_mv), got {type(ev).__name__}")
    if np.shape(grad) != x.shape:
        raise ValueError(f"fun: gradient has shape {np.shape(grad)}, expected {x.shape} (that of x)")
    if not np.isfinite(ev.value) or not np.all(np.isfinite(grad)):
        raise ValueError("fun: value or gradient is not finite at the starting point")
    if need_hess and getattr(ev, "hess_mv", None) is None:
        raise ValueError(f"fun: {solver} needs a Hessian mat-vec (Evaluation.hess_mv), got None")


class _Monitor:
    """History, stopping test, printing and callback of one optimizer run.

    The stopping rule is ``gnorm ≤ tol = max(rtol · gnorm₀, atol)``.
    """

    def __init__(self, name: str, keys, *, rtol, atol, maxiter, callback, verbose):
        self.name = name
        self.rtol = _check_nonneg(rtol, "rtol")
        self.atol = _check_nonneg(atol, "atol")
        self.maxiter = _check_count(maxiter, "maxiter")
        if callback is not None and not callable(callback):
            raise ValueError(f"callback: expected a callable x -> None, got {type(callback).__name__}")
        self.callback = callback
        self.verbose = bool(verbose)
        self.history = {k: [] for k in ("objective", "grad_norm", "step", "n_linesearch", "n_fun", *keys)}
        self.tol = None
        self.n_iter = 0
        self.n_fun = 1

    def start(self, value: float, gnorm: float, **extra) -> None:
        self.tol = max(self.rtol * gnorm, self.atol)
        self._append(value, gnorm, 0.0, 0, extra)

    def record(self, x, value: float, gnorm: float, step: float, n_ls: int, **extra) -> None:
        self.n_iter += 1
        self.n_fun += n_ls
        self._append(value, gnorm, step, n_ls, extra)
        if self.callback is not None:
            self.callback(x)

    def _append(self, value, gnorm, step, n_ls, extra) -> None:
        h = self.history
        h["objective"].append(float(value))
        h["grad_norm"].append(float(gnorm))
        h["step"].append(float(step))
        h["n_linesearch"].append(int(n_ls))
        h["n_fun"].append(self.n_fun)
        for k, v in extra.items():
            h[k].append(v)
        if self.verbose:
            more = "".join(f"  {k} {v}" for k, v in extra.items())
            print(f"{self.name} {self.n_iter:4d}  f {value: .10e}  |g| {gnorm:.3e}  "
                  f"step {step:.3e}  ls {n_ls}{more}")

    def converged(self, gnorm: float) -> bool:
        return gnorm <= self.tol

    def result(self, x, value, gnorm, *, failure: str | None = None) -> OptimizeResult:
        """Final result; a ``failure`` (e.g. a failed line search) is reported with a warning."""
        if failure is not None:
            warnings.warn(f"{self.name}: {failure} at iteration {self.n_iter} "
                          f"(|g| = {gnorm:.3e}, tolerance {self.tol:.3e})", ConvergenceWarning,
                          stacklevel=3)
            converged, reason = False, failure
        elif self.converged(gnorm):
            converged, reason = True, f"gradient norm {gnorm:.3e} <= tolerance {self.tol:.3e}"
        else:
            converged, reason = False, f"maximum number of iterations ({self.maxiter}) reached"
        return OptimizeResult(x=x, value=float(value), grad_norm=float(gnorm), converged=converged,
                              reason=reason, n_iter=self.n_iter, history=self.history)
