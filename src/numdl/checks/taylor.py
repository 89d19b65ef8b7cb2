"""The derivative (Taylor) test.

For a smooth map ``f`` and a direction ``v`` Taylor's theorem gives

    E0(h) = ‖f(x + h v) − f(x)‖                         = O(h)
    E1(h) = ‖f(x + h v) − f(x) − h J v‖                 = O(h²)
    E2(h) = ‖f(x + h v) − f(x) − h J v − ½h² vᵀ∇²f v‖  = O(h³)

A correct ``J v`` makes ``E1`` drop by a factor 4 per halving of ``h``; a wrong one
leaves it at O(h). The test prints the table and passes when the highest-order
column shows its expected order over several consecutive halvings (or sits at
round-off because ``f`` is linear / quadratic in the direction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numdl.utils.validation import as_generator


@dataclass(frozen=True)
class TaylorResult:
    """Outcome of :func:`taylor_test`.

    Attributes
    ----------
    h : ndarray (k,)
        Step sizes ``h0 · 2^{-i}``.
    errors : ndarray (k, m)
        Columns ``E0, E1`` (and ``E2`` when a curvature term was given).
    orders : ndarray (k-1, m)
        Observed orders ``log2(E(h_i) / E(h_{i+1}))``.
    expected_order : int
        Order the last column must show (2, or 3 with curvature).
    n_good : int
        Number of consecutive halvings, ending at the smallest step above
        round-off, that show the expected order.
    tail_order : float
        Median observed order of the last column over those halvings.
    roundoff : bool
        The last column stayed at round-off level for every ``h`` (exact derivative
        of a map that is polynomial of that degree in the direction).
    passed : bool
    """

    h: np.ndarray
    errors: np.ndarray
    orders: np.ndarray
    expected_order: int
    n_good: int
    roundoff: bool
    passed: bool
    tail_order: float = float("nan")

    def table(self) -> str:
        """The printable table of ``h``, errors and observed orders."""
        names = ["E0 (order 1)", "E1 (order 2)", "E2 (order 3)"][: self.errors.shape[1]]
        head = f"{'h':>10} " + " ".join(f"{n:>14} {'order':>6}" for n in names)
        lines = [head]
        for i, h in enumerate(self.h):
            cells = []
            for j in range(self.errors.shape[1]):
                order = f"{self.orders[i - 1, j]:6.2f}" if i > 0 else " " * 6
                cells.append(f"{self.errors[i, j]:14.4e} {order}")
            lines.append(f"{h:10.3e} " + " ".join(cells))
        verdict = "PASSED" if self.passed else "FAILED"
        how = "round-off" if self.roundoff else f"{self.n_good} halvings at order ≥ {self.expected_order - 0.2:.1f}"
        lines.append(f"{verdict}: {how}")
        return "\n".join(lines)

    def summary(self) -> str:
        """One line: the decisive observed order."""
        if self.roundoff:
            return f"exact to round-off (max E = {self.errors[:, -1].max():.1e})"
        return f"order {self.tail_order:.2f} over {self.n_good} halvings (need {self.expected_order})"

    def __str__(self) -> str:
        return self.table()


def _norm(a) -> float:
    return float(np.linalg.norm(np.ravel(np.asarray(a, dtype=np.float64))))


def taylor_test(fun, x, *, jvp=None, grad=None, hess_mv=None, curvature=None,
                direction=None, h0: float = 1.0, n_steps: int = 20, min_good: int = 4,
                seed=0) -> TaylorResult:
    """Taylor (derivative) test of ``fun`` at ``x`` along a direction ``v``.

    Give exactly one first-order term:

    * ``jvp(v)`` — the Jacobian-vector product ``J(x) v`` (same shape as ``fun(x)``);
    * ``grad`` — the gradient ``∇f(x)`` of a scalar ``fun`` (array shaped like ``x``),
      so that ``J v = ∇f · v``.

    and optionally one second-order term:

    * ``hess_mv(v)`` — the Hessian-vector product ``∇²f(x) v`` of a scalar ``fun``;
    * ``curvature(v)`` — the second directional derivative ``d²/dt² f(x + t v)|₀``
      (same shape as ``fun(x)``), for vector-valued maps.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> array or float``.
    x : ndarray
        Base point (any shape).
    direction : ndarray, optional
        ``v``; by default a standard normal direction of the shape of ``x``.
    h0 : float
        Largest step; steps are ``h0 · 2^{-i}``, ``i = 0..n_steps-1``.
    min_good : int
        Number of consecutive halvings over which the expected order must be seen.
    seed : int or Generator
        Source of the random direction.

    Returns
    -------
    TaylorResult
        With ``passed`` true when ``E1`` (``E2`` with a second-order term) shows
        order ≥ expected − 0.2 on the last ``min_good`` consecutive halvings whose
        errors are above round-off (the asymptotic range), or stays at round-off
        for all steps.
    """
    if (jvp is None) == (grad is None):
        raise ValueError("taylor_test: give exactly one of jvp= or grad=")
    if hess_mv is not None and curvature is not None:
        raise ValueError("taylor_test: give at most one of hess_mv= or curvature=")
    x = np.asarray(x)
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    rng = as_generator(seed)
    v = rng.standard_normal(x.shape).astype(dtype) if direction is None else np.asarray(direction, dtype)
    if v.shape != x.shape:
        raise ValueError(f"direction: expected shape {x.shape}, got {v.shape}")

    f0 = np.asarray(fun(x), dtype=np.float64)
    if grad is not None:
        d1 = np.asarray(np.vdot(np.asarray(grad, np.float64), v.astype(np.float64)))
    else:
        d1 = np.asarray(jvp(v), dtype=np.float64)
    if d1.shape != f0.shape:
        raise ValueError(f"first-order term: expected shape {f0.shape} (that of fun(x)), got {d1.shape}")
    d2 = None
    if hess_mv is not None:
        d2 = np.asarray(np.vdot(v.astype(np.float64), np.asarray(hess_mv(v), np.float64)))
    elif curvature is not None:
        d2 = np.asarray(curvature(v), dtype=np.float64)
    if d2 is not None and d2.shape != f0.shape:
        raise ValueError(f"second-order term: expected shape {f0.shape}, got {d2.shape}")

    h = h0 * 0.5 ** np.arange(n_steps)
    m = 2 if d2 is None else 3
    errors = np.empty((n_steps, m))
    for i, hi in enumerate(h):
        fh = np.asarray(fun(x + dtype.type(hi) * v), np.float64)
        errors[i, 0] = _norm(fh - f0)
        errors[i, 1] = _norm(fh - f0 - hi * d1)
        if d2 is not None:
            errors[i, 2] = _norm(fh - f0 - hi * d1 - 0.5 * hi**2 * d2)

    expected = m
    eps = np.finfo(dtype).eps
    scale = max(_norm(f0), h0 * _norm(d1), 1e-300)
    floor = 100 * eps * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        orders = np.log2(errors[:-1] / errors[1:])
    last = errors[:, -1]
    roundoff = bool(np.all(last <= floor))
    # The decisive range is the asymptotic tail: the smallest steps whose error is
    # still well above round-off. The expected order must hold there, over
    # ``min_good`` consecutive halvings (a wrong derivative can mimic order 2 for
    # large h, where the quadratic term dominates, but not in the tail).
    above = np.flatnonzero(last[1:] > 10 * floor)
    n_good = 0
    if above.size:
        for i in range(above[-1], -1, -1):
            if orders[i, -1] < expected - 0.2 or last[i + 1] <= 10 * floor:
                break
            n_good += 1
    tail = orders[above[-1] - n_good + 1: above[-1] + 1, -1] if n_good else orders[:0, -1]
    tail_order = float(np.median(tail)) if tail.size else float("nan")
    passed = roundoff or n_good >= min_good
    return TaylorResult(h=h, errors=errors, orders=orders, expected_order=expected,
                        n_good=int(n_good), roundoff=roundoff, passed=bool(passed),
                        tail_order=tail_order)
