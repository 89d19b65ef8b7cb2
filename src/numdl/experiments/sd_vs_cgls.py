"""Lecture 3: steepest descent vs. CGLS on the course's 3x2 exercise.

``A = [[1, 1+a], [1, 1+2a], [1, 1+3a]]``, ``w_true = (1, 1.2)``, ``b = A w_true + ε`` with
``σ = 0.1`` and ``a ∈ {1, 1e-2, 1e-5}``: the smaller ``a``, the closer the two columns
and the larger ``κ = κ(AᵀA)``. Counted: iterations until ``‖x_j − x_ls‖ ≤ 1e-6 ‖x_ls‖``
(``x_ls`` the exact least-squares solution, by the SVD).

CGLS ends in ``n = 2`` steps (up to round-off) whatever ``κ``. Steepest descent
contracts the ``AᵀA``-norm error by at most ``(κ − 1)/(κ + 1)`` per step, and exactly
that much from the worst starting point (gradient with equal components on the two
eigenvectors), where it needs about ``(κ/2) ln(1e6 √κ)`` steps: it is run from that
start, capped, and also from ``x_0 = 0``. From ``x_0 = 0`` the data make the first
gradient point almost along the dominant eigenvector, and in two dimensions that
alignment persists, so there steepest descent is fast for every ``a``.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from numdl.experiments.registry import experiment
from numdl.linalg import cgls, lsq_steepest_descent, lstsq_svd
from numdl.plot import save_figure

TARGET = 1e-6
A_VALUES = {"1": 1.0, "1e-2": 1e-2, "1e-5": 1e-5}


def exercise_matrix(a: float) -> np.ndarray:
    """The course's ``A = [[1, 1+a], [1, 1+2a], [1, 1+3a]]``."""
    return np.array([[1.0, 1 + a], [1.0, 1 + 2 * a], [1.0, 1 + 3 * a]])


def relative_errors(solver, A, b, x0, x_ls, maxiter):
    """Run ``solver`` and return ``‖x_j − x_ls‖ / ‖x_ls‖`` for ``j = 0, 1, ...``.

    The stopping rule ``‖Aᵀr‖ ≤ 0.1 · TARGET · ‖x_ls‖ · s_min²`` guarantees the target
    (``‖x − x_ls‖ ≤ ‖Aᵀr‖ / s_min²``), so a run stops soon after reaching it.
    """
    scale = np.linalg.norm(x_ls)
    s_min = np.linalg.svd(A, compute_uv=False)[-1]
    errors = [np.linalg.norm((np.zeros(2) if x0 is None else x0) - x_ls) / scale]
    res = solver(A, b, x0, rtol=0.0, atol=0.1 * TARGET * scale * s_min**2, maxiter=maxiter,
                 callback=lambda x: errors.append(np.linalg.norm(x - x_ls) / scale))
    return np.array(errors), res


def iterations_to_target(errors) -> int | None:
    hit = np.flatnonzero(errors <= TARGET)
    return int(hit[0]) if hit.size else None


@experiment("sd-vs-cgls", "Steepest descent vs. CGLS on the 3x2 exercise, a = 1, 1e-2, 1e-5",
            lecture=3)
def sd_vs_cgls(ctx):
    sd_cap = ctx.size(100_000, 2_000)
    w_true = np.array([1.0, 1.2])
    rows, metrics, curves = [], {"sd_iteration_cap": sd_cap, "target_rel_error": TARGET}, {}
    for label, a in A_VALUES.items():
        A = exercise_matrix(a)
        b = A @ w_true + 0.1 * ctx.rng.standard_normal(3)
        ls = lstsq_svd(A, b)
        x_ls, s = ls.x, ls.singular_values
        kappa = (s[0] / s[-1]) ** 2
        rate = (kappa - 1) / (kappa + 1)
        # worst start for steepest descent: AᵀA (x0 − x_ls) = v_1 + v_2 (up to scale)
        V = np.linalg.svd(A)[2].T
        e0 = V @ (1 / s**2)
        x0_worst = x_ls + e0 * (np.linalg.norm(x_ls) / np.linalg.norm(e0))

        runs = {
            "CGLS, x0 = 0": relative_errors(cgls, A, b, None, x_ls, 50),
            "SD, x0 = 0": relative_errors(lsq_steepest_descent, A, b, None, x_ls, sd_cap),
            "SD, worst x0": relative_errors(lsq_steepest_descent, A, b, x0_worst, x_ls, sd_cap),
        }
        curves[label] = {name: errors for name, (errors, _) in runs.items()}
        key = {"CGLS, x0 = 0": "cgls", "SD, x0 = 0": "sd", "SD, worst x0": "sd_worst"}
        row = {"a": label, "κ(AᵀA)": kappa}
        for name, (errors, res) in runs.items():
            its = iterations_to_target(errors)
            row[name] = str(its) if its is not None else f"> {res.n_iter}"
            metrics[f"{key[name]}_iters_a{label}"] = its if its is not None else res.n_iter
            metrics[f"{key[name]}_reached_a{label}"] = its is not None
            metrics[f"{key[name]}_final_rel_error_a{label}"] = float(errors[-1])
        predicted = 0.5 * kappa * math.log(TARGET**-1 * math.sqrt(kappa))
        row["SD worst (predicted)"] = f"{predicted:.3g}"
        metrics[f"kappa_a{label}"] = kappa
        metrics[f"sd_rate_theory_a{label}"] = rate
        metrics[f"sd_worst_predicted_iters_a{label}"] = predicted
        rows.append(row)
    ctx.table(rows, title=f"Iterations to ‖x_j − x_ls‖ ≤ {TARGET:g} ‖x_ls‖ "
                          f"(steepest descent capped at {sd_cap})")

    fig = Figure(figsize=(13, 4.2), layout="constrained")
    axes = fig.subplots(1, len(curves), sharey=True)
    for ax, (label, runs) in zip(axes, curves.items()):
        for name, errors in runs.items():
            j = np.unique(np.geomspace(1, errors.size, 400).astype(int)) - 1
            ax.loglog(j + 1, np.maximum(errors[j], 1e-17), "o-" if errors.size < 60 else "-",
                      ms=3, label=name)
        ax.axhline(TARGET, color="0.5", lw=0.8, ls="--")
        ax.set_title(f"a = {label}")
        ax.set_xlabel("iteration j + 1")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("‖x_j − x_ls‖ / ‖x_ls‖")
    axes[0].legend(fontsize="small", frameon=False)
    save_figure(fig, ctx.figure_path("convergence"))
    return metrics
