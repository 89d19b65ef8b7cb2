"""Lecture 4: cross-entropy vs. squared error of softmax probabilities — convex vs. not.

Both losses compare the predicted probabilities ``P = softmax(W [y; 1])`` with the
labels. The cross-entropy is convex in ``W``; the squared error ``(1/2n)‖P − C‖²`` is
not: where the softmax saturates it is flat, and between its plateaus it curves
downwards, so a descent method can stall or land in a poor stationary point.

We look at both objectives on the plane ``W(a, b) = W* + a D₁ + b D₂`` through the
cross-entropy minimizer ``W*`` (peaks, 5 classes) spanned by two random directions
scaled to ``‖W*‖``. At every grid point the exact 2×2 Hessian restricted to the plane,
``[Dᵢᵀ ∇²Φ Dⱼ]``, is formed from Hessian mat-vecs; a negative eigenvalue proves
non-convexity there. The metrics report the smallest such eigenvalue and the
fraction of grid points where it is negative, for each loss.
"""

from __future__ import annotations

import numpy as np

from numdl.data import peaks
from numdl.experiments.registry import experiment
from numdl.objectives import LinearClassifierObjective
from numdl.optim import newton_cg
from numdl.plot import plot_landscape

LOSSES = {"cross_entropy": ("softmax", "softmax cross-entropy"),
          "squared_error": ("softmax-squared", "squared error of softmax probabilities")}


def slice_landscape(obj, center, D, grid):
    """Objective values and the smallest eigenvalue of the plane-restricted Hessian.

    Parameters
    ----------
    obj : callable
        ``theta -> Evaluation`` with ``hess_mv``.
    center : ndarray (p,)
    D : ndarray (2, p)
        Directions spanning the plane.
    grid : ndarray (m,)
        Coordinates ``a`` and ``b`` (the same in both directions).

    Returns
    -------
    values, min_curvature : ndarray (m, m)
        At ``[i, j]`` the point ``center + grid[j] D₀ + grid[i] D₁``.
    """
    m = grid.size
    values, min_curv = np.empty((m, m)), np.empty((m, m))
    for i, b in enumerate(grid):
        for j, a in enumerate(grid):
            ev = obj(center + a * D[0] + b * D[1])
            HD = np.stack([ev.hess_mv(d) for d in D])
            H2 = D @ HD.T
            values[i, j] = ev.value
            min_curv[i, j] = np.linalg.eigvalsh(0.5 * (H2 + H2.T))[0]
    return values, min_curv


@experiment("entropy-landscape", "Cross-entropy (convex) vs. softmax squared error (non-convex) "
            "on a 2-D slice of W", lecture=4)
def entropy_landscape(ctx):
    n = ctx.size(1000, 300)
    m = ctx.size(61, 21)
    radius = 3.0
    Y, C = peaks(n, 5, seed=ctx.rng)
    ce = LinearClassifierObjective(Y, C, lam=1e-4)
    center = newton_cg(ce, ce.init_theta(), rtol=1e-8).x
    D = ctx.rng.standard_normal((2, center.size))
    D *= np.linalg.norm(center) / np.linalg.norm(D, axis=1, keepdims=True)
    grid = np.linspace(-radius, radius, m)

    rows, metrics = [], {"n": n, "grid_points": m * m, "radius": radius}
    for key, (loss, label) in LOSSES.items():
        obj = LinearClassifierObjective(Y, C, loss=loss)
        values, curv = slice_landscape(obj, center, D, grid)
        tol = 1e-10 * np.max(np.abs(curv))
        frac = float(np.mean(curv < -tol))
        rows.append({"loss": label, "min value": values.min(), "max value": values.max(),
                     "min curvature": curv.min(), "non-convex points": f"{frac:.1%}"})
        metrics.update({f"min_curvature_{key}": float(curv.min()),
                        f"frac_nonconvex_{key}": frac,
                        f"value_range_{key}": float(values.max() - values.min())})
        plot_landscape(grid, grid, values, ctx.figure_path(f"landscape_{key}"), xlabel="a (D₁)",
                       ylabel="b (D₂)", zlabel="objective", marks={"W* (CE minimizer)": (0.0, 0.0)},
                       title=f"{label}\non W* + a D₁ + b D₂")
        plot_landscape(grid, grid, curv, ctx.figure_path(f"curvature_{key}"), xlabel="a (D₁)",
                       ylabel="b (D₂)", zlabel="smallest eigenvalue",
                       title=f"{label}: smallest eigenvalue of the\nHessian restricted to the "
                             f"plane ({frac:.0%} negative)")
    ctx.table(rows, title=f"Softmax classifier on peaks (5 classes, n = {n}): "
                          f"{m}×{m} grid on a random plane through W*")
    return metrics
