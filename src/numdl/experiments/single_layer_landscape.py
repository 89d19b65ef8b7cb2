"""Lecture 8: the single-layer objective is not convex — its landscape on a 2-D slice.

Around a point ``x* = [θ*; vec W*]`` (after training a single layer on *peaks*, or a
random point) the objective ``E`` of :class:`~numdl.objectives.NetworkObjective` is
evaluated on the plane

    f(α, β) = E(x* + α d₁ + β d₂),      α, β ∈ [−1, 1],

for two random directions scaled block-wise, ``‖d_θ‖ = ‖θ*‖`` and ``‖d_W‖ = ‖W*‖``
(so that ``α = 1`` is a perturbation as large as the weights themselves). Three slices:

* all parameters (``θ`` and ``W``) and ``θ = (K, b)`` only: non-convex — the
  curvature is negative on most of the plane (saturating units make ``E`` level off
  away from ``x*``), and sometimes there are several local minima on the grid;
* ``W`` only (``θ`` fixed): convex, since ``E`` is the softmax cross-entropy of a
  linear classifier of the features ``Z(θ*)`` — the property variable projection uses.

Non-convexity is measured on the grid: the Hessian of ``f`` by central differences
(``f_αα``, ``f_ββ`` and the mixed difference ``f_αβ``) at every interior grid point,
and the fraction of points where it has a negative eigenvalue (below ``−10⁻⁶`` times
the largest curvature on the slice, to ignore round-off); and the number of strict
local minima (lower than all 8 neighbours).
"""

from __future__ import annotations

import numpy as np

from numdl.experiments.registry import Option, experiment
from numdl.experiments.single_layer_peaks import LAM, initial_theta, peaks_problem
from numdl.layers import SingleLayer
from numdl.objectives import NetworkObjective
from numdl.optim import newton_cg
from numdl.plot import plot_landscape


def slice_values(obj, x, d1, d2, t) -> np.ndarray:
    """``F[i, j] = E(x + t[j] d1 + t[i] d2)`` (rows: the second coordinate, as ``meshgrid``)."""
    return np.array([[obj(x + a * d1 + b * d2).value for a in t] for b in t])


def grid_curvature(F, h: float) -> np.ndarray:
    """Smallest eigenvalue of the central-difference Hessian of ``F`` at the interior grid points.

    ``F[i, j] = f(t_j, t_i)`` on a uniform grid of spacing ``h``; the Hessian
    ``[[f_αα, f_αβ], [f_αβ, f_ββ]]`` uses the 3-point second differences and the
    4-point mixed difference. Returns shape ``(ny − 2, nx − 2)``.
    """
    c = F[1:-1, 1:-1]
    faa = (F[1:-1, 2:] - 2 * c + F[1:-1, :-2]) / h**2
    fbb = (F[2:, 1:-1] - 2 * c + F[:-2, 1:-1]) / h**2
    fab = (F[2:, 2:] - F[2:, :-2] - F[:-2, 2:] + F[:-2, :-2]) / (4 * h**2)
    mean, dev = (faa + fbb) / 2, np.sqrt(((faa - fbb) / 2) ** 2 + fab**2)
    return mean - dev


def local_minima(F) -> int:
    """Number of interior grid points strictly below all 8 neighbours."""
    c = F[1:-1, 1:-1]
    ny, nx = F.shape
    lower = np.ones_like(c, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lower &= c < F[1 + di:ny - 1 + di, 1 + dj:nx - 1 + dj]
    return int(lower.sum())


def nonconvexity(F, h: float) -> dict:
    """``negative_fraction`` (grid Hessian with an eigenvalue below ``−10⁻⁶ max|λ|``) and ``local_minima``."""
    lam_min = grid_curvature(F, h)
    tol = 1e-6 * float(np.max(np.abs(lam_min)))
    return {"negative_fraction": float(np.mean(lam_min < -tol)), "local_minima": local_minima(F)}


def block_direction(rng, theta, W) -> tuple[np.ndarray, np.ndarray]:
    """Random ``(d_θ, d_W)`` with ``‖d_θ‖ = ‖θ‖`` and ``‖d_W‖ = ‖W‖`` (Gaussian, then scaled)."""
    d_theta, d_W = rng.standard_normal(theta.shape), rng.standard_normal(W.shape)
    return (d_theta * (np.linalg.norm(theta) / np.linalg.norm(d_theta)),
            d_W * (np.linalg.norm(W) / np.linalg.norm(d_W)))


@experiment("single-layer-landscape",
            "Single-layer objective on a random 2-D slice: non-convex in (K, b, W), convex in W",
            lecture=8,
            options={"point": Option("trained", "centre of the slice", ("trained", "random"))})
def single_layer_landscape(ctx):
    return _single_layer_landscape(ctx)


def _single_layer_landscape(ctx):
    n_train, width, n_grid = ctx.size(2000, 300), ctx.size(40, 10), ctx.size(61, 21)
    data = peaks_problem(ctx, n_train, ctx.size(1000, 200))
    layer = SingleLayer(2, width, "tanh")
    obj = NetworkObjective(layer, data["Y_train"], data["C_train"], lam_theta=LAM, lam_W=LAM)
    rng = ctx.rng
    theta0 = initial_theta(layer, rng)
    if ctx.options["point"] == "trained":
        with ctx.progress(total=ctx.size(300, 30), desc="newton-cg") as bar:
            res = newton_cg(obj, obj.join(theta0, np.zeros(obj.W_shape)), maxiter=ctx.size(300, 30),
                            rtol=1e-8, cg_maxiter=50, callback=lambda x: bar.update())
        x = res.x
    else:
        x = obj.join(theta0, rng.standard_normal(obj.W_shape))
    theta, W = obj.split(x)
    test_acc = obj.accuracy(x, data["Y_test"], data["C_test"])

    t = np.linspace(-1.0, 1.0, n_grid)
    h = float(t[1] - t[0])
    d1, d2 = block_direction(rng, theta, W), block_direction(rng, theta, W)
    zero_theta, zero_W = np.zeros_like(theta), np.zeros_like(W)
    slices = {"all": (obj.join(*d1), obj.join(*d2)),
              "theta": (obj.join(d1[0], zero_W), obj.join(d2[0], zero_W)),
              "W": (obj.join(zero_theta, d1[1]), obj.join(zero_theta, d2[1]))}
    names = {"all": "θ = (K, b) and W", "theta": "θ = (K, b) only", "W": "W only"}
    metrics = {"point": ctx.options["point"], "test_acc_center": test_acc, "width": width,
               "n_grid": n_grid, "objective_center": obj(x).value}
    rows = []
    for name, (u, v) in ctx.progress(slices.items(), desc="slices", total=len(slices)):
        F = slice_values(obj, x, u, v, t)
        stats = nonconvexity(F, h)
        rows.append({"directions": name, "min": F.min(), "max": F.max(),
                     "negative curvature": stats["negative_fraction"], "local minima": stats["local_minima"]})
        metrics.update({f"negative_fraction_{name}": stats["negative_fraction"],
                        f"local_minima_{name}": stats["local_minima"]})
        plot_landscape(t, t, F, ctx.figure_path(f"landscape_{name}"), xlabel="α", ylabel="β",
                       zlabel="E", log=True, marks={"x*": np.zeros(2)},
                       title=f"Directions in {names[name]}: {stats['negative_fraction']:.0%} "
                             f"negative curvature")
    ctx.table(rows, title=f"Single layer (m = {width}) on peaks, {ctx.options['point']} point "
                          f"(test accuracy {test_acc:.1%}); {n_grid}×{n_grid} grid on [−1, 1]²")
    return metrics
