"""Lecture 2: the bias-variance trade-off of Tikhonov regularization, formula vs. Monte Carlo.

Data ``b = A x_true + ε`` with ``ε ~ N(0, σ² I)``, solution
``x_λ = (AᵀA + λI)⁻¹Aᵀb``. The expected error splits as

    E‖x_λ − x_true‖² = λ²‖A_λ^† x_true‖² + σ² tr(A A_λ^{†T} A_λ^† Aᵀ)   (bias² + variance),

``A_λ^† = (AᵀA + λI)⁻¹``: regularization trades a growing bias for a shrinking
variance. The experiment averages ``‖x_λ − x_true‖²`` over many noise draws (all
solved at once, one SVD) and compares with the formula.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from numdl.experiments.registry import experiment
from numdl.linalg import bias_variance, tikhonov_svd
from numdl.plot import save_figure


def random_matrix(rng, m: int, singular_values) -> np.ndarray:
    """A random ``m × n`` matrix with the given singular values (random singular vectors)."""
    n = len(singular_values)
    U, _ = np.linalg.qr(rng.standard_normal((m, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (U * singular_values) @ V.T


@experiment("bias-variance", "Tikhonov bias² + variance: the formula against Monte Carlo",
            lecture=2)
def bias_variance_experiment(ctx):
    m, n, sigma = 50, 10, 0.1
    draws = ctx.size(20000, 2000)
    rng = ctx.rng
    A = random_matrix(rng, m, np.geomspace(1, 1e-3, n))
    x_true = rng.standard_normal(n)
    lams = np.geomspace(1e-7, 1e1, ctx.size(33, 9))

    formula = bias_variance(A, x_true, sigma, lams)
    B = (A @ x_true)[:, None] + sigma * rng.standard_normal((m, draws))
    X = tikhonov_svd(A, B, lams)                                   # (L, n, draws)
    sq_err = np.sum((X - x_true[:, None]) ** 2, axis=1)             # (L, draws)
    mc = sq_err.mean(axis=1)
    mc_se = sq_err.std(axis=1, ddof=1) / np.sqrt(draws)
    rel_diff = np.abs(mc - formula.total) / formula.total
    best = int(np.argmin(formula.total))

    pick = np.unique(np.linspace(0, lams.size - 1, 7).round().astype(int))
    ctx.table([{"λ": lams[i], "bias²": formula.bias2[i], "variance": formula.variance[i],
                "total (formula)": formula.total[i], "Monte Carlo": mc[i],
                "rel. diff": rel_diff[i]} for i in pick],
              title=f"E‖x_λ − x_true‖², A {m}x{n} with κ = 1e3, σ = {sigma}, {draws} noise draws")

    fig = Figure(figsize=(6.6, 4.6), layout="constrained")
    ax = fig.add_subplot()
    ax.loglog(lams, formula.bias2, "--", label="bias² (formula)")
    ax.loglog(lams, formula.variance, ":", lw=2, label="variance (formula)")
    ax.loglog(lams, formula.total, "-", color="k", label="total (formula)")
    ax.errorbar(lams, mc, yerr=2 * mc_se, fmt="o", ms=4, color="tab:red",
                label=f"Monte Carlo ({draws} draws, ±2 s.e.)")
    ax.axvline(lams[best], color="0.6", lw=0.8)
    ax.set_xlabel("λ")
    ax.set_ylabel(r"E‖x_λ − x_true‖²")
    ax.set_title("Bias-variance trade-off of Tikhonov regularization")
    ax.legend(fontsize="small", frameon=False)
    ax.grid(True, which="major", alpha=0.3)
    save_figure(fig, ctx.figure_path("bias_variance"))

    return {
        "max_rel_diff_formula_vs_mc": float(rel_diff.max()),
        "max_diff_in_standard_errors": float(np.max(np.abs(mc - formula.total) / mc_se)),
        "best_lam": float(lams[best]),
        "best_total_error": float(formula.total[best]),
        "total_error_smallest_lam": float(formula.total[0]),
        "total_error_largest_lam": float(formula.total[-1]),
        "n_draws": draws,
    }
