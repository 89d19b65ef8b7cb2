"""Lecture 3: choosing Tikhonov's λ and the CGLS iteration count (L-curve, cross validation).

A 1-D deblurring problem: ``b_i = Σ_j h K(s_i − t_j) x_j + ε_i`` with a Gaussian blur
``K`` measured at random sensor positions ``s_i``; the singular values of ``A`` decay
fast, so the least-squares solution is swamped by amplified noise and must be
regularized. The measurements (rows) are split into train / validation / test.

* L-curve: ``log ‖x‖`` against ``log ‖A_train x − b_train‖`` for a λ sweep and for the
  CGLS iterates; its corner (maximum curvature) is one choice.
* Cross validation: fit on the training rows, pick the λ (or iteration) with the
  smallest error on the validation rows.

The test rows are used once, after tuning, to report the error of each choice.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from numdl.experiments.registry import experiment
from numdl.linalg import (cgls, cross_validate_iterations, cross_validate_lambda, lcurve,
                          squared_error, tikhonov_svd)
from numdl.plot import save_figure


def deblurring_problem(rng, n: int, m: int, width: float = 0.02, noise: float = 0.01):
    """Blurred, noisy samples of a piecewise smooth signal on ``[0, 1]``.

    Returns ``A (m, n)``, ``b (m,)``, ``x_true (n,)`` and the grid ``t (n,)``; the noise
    standard deviation is ``noise · max|A x_true|``.
    """
    t = (np.arange(n) + 0.5) / n
    s = np.sort(rng.uniform(0, 1, m))
    A = np.exp(-((s[:, None] - t[None, :]) ** 2) / (2 * width**2))
    A /= np.sqrt(2 * np.pi) * width * n
    x_true = (np.sin(2 * np.pi * t) + (np.abs(t - 0.6) < 0.1)
              + 2 * np.exp(-(((t - 0.25) / 0.04) ** 2)))
    clean = A @ x_true
    b = clean + noise * np.abs(clean).max() * rng.standard_normal(m)
    return A, b, x_true, t


def _lcurve_axes(ax, rho, eta, marks, title):
    ax.loglog(rho, eta, ".-", ms=3, lw=1, color="tab:blue")
    for (label, i), style in zip(marks.items(), ["o", "s"]):
        ax.loglog(rho[i], eta[i], style, ms=9, mfc="none", mew=2, label=label)
    ax.set_xlabel("‖A x − b‖ (training rows)")
    ax.set_ylabel("‖x‖")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small", frameon=False)


@experiment("lcurve-cv", "L-curve and cross validation for Tikhonov λ and CGLS iterations",
            lecture=3)
def lcurve_cv(ctx):
    n, m = ctx.size((200, 600), (80, 240))
    rng = ctx.rng
    A, b, x_true, t = deblurring_problem(rng, n, m)
    perm = rng.permutation(m)
    tr, va, te = np.split(perm, [int(0.6 * m), int(0.8 * m)])
    A_tr, b_tr, A_va, b_va, A_te, b_te = A[tr], b[tr], A[va], b[va], A[te], b[te]

    lams = np.geomspace(1e-10, 1e1, ctx.size(56, 28))
    X = tikhonov_svd(A_tr, b_tr, lams)                              # (L, n)
    rho_lam = np.linalg.norm(X @ A_tr.T - b_tr, axis=1)
    eta_lam = np.linalg.norm(X, axis=1)
    i_corner = lcurve(rho_lam, eta_lam)
    cv_lam = cross_validate_lambda(A_tr, b_tr, A_va, b_va, lams)

    maxiter = ctx.size(150, 60)
    run = cgls(A_tr, b_tr, rtol=0.0, maxiter=maxiter)
    rho_it, eta_it = run.history["residual_norm"], run.history["solution_norm"]
    j_corner = lcurve(rho_it, eta_it)
    cv_it = cross_validate_iterations(A_tr, b_tr, A_va, b_va, maxiter=maxiter)
    x_it_corner = cgls(A_tr, b_tr, rtol=0.0, maxiter=j_corner).x if j_corner else 0 * x_true

    choices = {
        "λ, L-curve": (lams[i_corner], X[i_corner]),
        "λ, validation": (cv_lam.best, cv_lam.x),
        "iterations, L-curve": (j_corner, x_it_corner),
        "iterations, validation": (cv_it.best, cv_it.x),
    }
    rows, metrics = [], {}
    for name, (value, x) in choices.items():
        row = {"choice": name, "value": value,
               "val MSE": squared_error(A_va @ x, b_va),
               "test MSE": squared_error(A_te @ x, b_te),
               "‖x − x_true‖/‖x_true‖": np.linalg.norm(x - x_true) / np.linalg.norm(x_true)}
        rows.append(row)
        key = name.replace("λ", "lam").replace("iterations", "iter").replace(", ", "_")
        key = key.replace("L-curve", "lcurve").replace("validation", "cv")
        metrics[key] = float(value) if isinstance(value, float) else int(value)
        metrics[f"{key}_val_mse"] = row["val MSE"]
        metrics[f"{key}_test_mse"] = row["test MSE"]
        metrics[f"{key}_rel_error_x"] = row["‖x − x_true‖/‖x_true‖"]
    noise_var = float(np.var(b - (A @ x_true)))
    metrics.update(noise_variance=noise_var, n_unknowns=n, n_train=tr.size, n_val=va.size,
                   n_test=te.size)
    ctx.table(rows, title=f"Deblurring, {n} unknowns, {tr.size}/{va.size}/{te.size} "
                          f"train/val/test rows (noise variance {noise_var:.2e}); test rows "
                          f"used only here")

    fig = Figure(figsize=(11, 4.4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    _lcurve_axes(ax1, rho_lam, eta_lam, {f"corner, λ = {lams[i_corner]:.2g}": i_corner,
                                         f"validation, λ = {cv_lam.best:.2g}": cv_lam.index},
                 "Tikhonov: L-curve over λ")
    marks = {f"corner, j = {j_corner}": j_corner, f"validation, j = {cv_it.best}": cv_it.best}
    _lcurve_axes(ax2, rho_it[1:], eta_it[1:], {k: j - 1 for k, j in marks.items() if j >= 1},
                 "CGLS: L-curve over iterations j ≥ 1 (x_0 = 0)")
    save_figure(fig, ctx.figure_path("lcurves"))

    fig = Figure(figsize=(11, 4.0), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    ax1.loglog(lams, cv_lam.val_errors, ".-")
    ax1.axvline(cv_lam.best, color="tab:orange", label="validation minimum")
    ax1.axvline(lams[i_corner], color="tab:green", ls="--", label="L-curve corner")
    ax1.set_xlabel("λ")
    ax2.semilogy(cv_it.values, cv_it.val_errors, ".-")
    ax2.axvline(cv_it.best, color="tab:orange", label="validation minimum")
    ax2.axvline(j_corner, color="tab:green", ls="--", label="L-curve corner")
    ax2.set_xlabel("CGLS iteration j")
    for ax in (ax1, ax2):
        ax.axhline(noise_var, color="0.5", lw=0.8, ls=":", label="noise variance")
        ax.set_ylabel("validation MSE")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small", frameon=False)
    save_figure(fig, ctx.figure_path("validation_curves"))

    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(t, x_true, "k", lw=2, label="x_true")
    for name, (value, x) in choices.items():
        ax.plot(t, x, lw=1.2, label=f"{name} ({value:.2g})")
    ax.set_xlabel("t")
    ax.set_title("Regularized reconstructions")
    ax.legend(fontsize="small", frameon=False)
    save_figure(fig, ctx.figure_path("solutions"))
    return metrics
