"""Lecture 10: stable and unstable forward propagation shape the objective landscape.

The residual network ``Y_{j+1} = Y_j + h tanh(K(θ) Y_j)``, ``h = T/N``, ``T = 10``,
with the M-matrix kernel (rows sum to zero, off-diagonal entries ``θ ≥ 0``)

    K(θ) = [[−θ₁−θ₂, θ₁, θ₂], [θ₂, −θ₁−θ₂, θ₁], [θ₁, θ₂, −θ₁−θ₂]]

is forward Euler for ``Ẏ = tanh(K Y)``. ``K(θ)`` is circulant: eigenvalues ``0`` and
``−3(θ₁+θ₂)/2 ± i√3(θ₁−θ₂)/2``. The ODE is stable (``Re λ ≤ 0``), and forward Euler
inherits this when ``|1 + hλ| ≤ 1``.

Targets ``C`` come from ``N = 200`` steps at ``θ = (1, 1)`` for 20 training and 20
test inputs ``Y₀ ~ N(0, 0.1²)``. The objective ``Φ(θ) = (1/2n)‖Y_N(θ) − C‖²_F`` is
evaluated on a grid of ``θ ∈ [0.2, 2]²`` for ``N = 5`` (``h = 2``: unstable for most
``θ``) and ``N = 100`` (``h = 0.1``: stable). With few steps the landscape is
irregular and training and test objectives disagree; with many steps it is smooth
and they agree.
"""

from __future__ import annotations

import numpy as np

from numdl.experiments.registry import experiment
from numdl.plot import plot_landscape

T_FINAL = 10.0
THETA_TRUE = (1.0, 1.0)


def m_matrix_kernels(theta1, theta2) -> np.ndarray:
    """``K(θ)`` for arrays of ``θ₁, θ₂`` (same shape ``s``): kernels of shape ``s + (3, 3)``."""
    t1, t2 = np.broadcast_arrays(np.asarray(theta1, float), np.asarray(theta2, float))
    d = -(t1 + t2)
    rows = [[d, t1, t2], [t2, d, t1], [t1, t2, d]]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


def propagate(K, Y0, n_steps: int, T: float = T_FINAL) -> np.ndarray:
    """Forward Euler ``Y_{j+1} = Y_j + h tanh(K Y_j)`` for a batch of kernels.

    ``K (..., 3, 3)``, ``Y0 (3, n)``; returns ``Y_N (..., 3, n)``.
    """
    h = T / n_steps
    Y = np.broadcast_to(Y0, K.shape[:-2] + Y0.shape).copy()
    for _ in range(n_steps):
        Y += h * np.tanh(K @ Y)
    return Y


def objective(Y_N, C) -> np.ndarray:
    """``Φ = (1/2n)‖Y_N − C‖²_F`` over the last two axes."""
    return 0.5 * np.sum((Y_N - C) ** 2, axis=(-2, -1)) / C.shape[-1]


def euler_amplification(theta1, theta2, h: float) -> np.ndarray:
    """``max_λ |1 + hλ|`` over the eigenvalues of ``K(θ)`` (linearization at ``Y = 0``)."""
    lam = np.linalg.eigvals(m_matrix_kernels(theta1, theta2))
    return np.abs(1 + h * lam).max(axis=-1)


@experiment("resnet-stability", "M-matrix ResNet landscapes: N = 5 (unstable) vs. N = 100 (stable) steps",
            lecture=10)
def resnet_stability(ctx):
    n_grid = ctx.size(101, 31)
    n_examples = 20
    rng = ctx.rng
    Y0 = {"train": 0.1 * rng.standard_normal((3, n_examples)),
          "test": 0.1 * rng.standard_normal((3, n_examples))}
    K_true = m_matrix_kernels(*THETA_TRUE)
    C = {k: propagate(K_true, Y, 200) for k, Y in Y0.items()}

    grid = np.linspace(0.2, 2.0, n_grid)
    t1, t2 = np.meshgrid(grid, grid)  # Φ[i, j] at θ = (grid[j], grid[i])
    K = m_matrix_kernels(t1, t2)
    rows, metrics = [], {"n_grid": n_grid, "n_examples": n_examples}
    for N in ctx.progress((5, 100), desc="depths"):
        phi = {k: objective(propagate(K, Y0[k], N), C[k]) for k in Y0}
        gap = np.abs(phi["train"] - phi["test"])
        # roughness: total variation of Φ_train along grid lines, relative to its range
        tv = (np.abs(np.diff(phi["train"], axis=0)).sum() + np.abs(np.diff(phi["train"], axis=1)).sum())
        roughness = tv / (2 * n_grid * np.ptp(phi["train"]))
        i, j = np.unravel_index(np.argmin(phi["train"]), phi["train"].shape)
        amp = euler_amplification(t1, t2, T_FINAL / N)
        stable_frac = float(np.mean(amp <= 1 + 1e-12))
        rows.append({"N": N, "h": T_FINAL / N, "stable fraction": stable_frac,
                     "max |Φtr−Φte|": gap.max(), "mean |Φtr−Φte|": gap.mean(),
                     "roughness": roughness, "argmin θ": f"({grid[j]:.2f}, {grid[i]:.2f})"})
        metrics.update({f"max_gap_N{N}": gap.max(), f"mean_gap_N{N}": gap.mean(),
                        f"roughness_N{N}": roughness, f"euler_stable_fraction_N{N}": stable_frac,
                        f"argmin_theta1_N{N}": grid[j], f"argmin_theta2_N{N}": grid[i]})
        for k in Y0:
            plot_landscape(grid, grid, phi[k], ctx.figure_path(f"landscape_N{N}_{k}"),
                           xlabel="θ₁", ylabel="θ₂", zlabel="Φ(θ)", log=True,
                           title=f"{k} objective, N = {N} steps (h = {T_FINAL / N:g})",
                           marks={"θ used for the targets": THETA_TRUE})
    ctx.table(rows, title="M-matrix ResNet, T = 10: objective landscapes on θ ∈ [0.2, 2]²")
    return metrics
