"""Lecture 1: fitting polynomials to noisy samples of ``sin(π x²)``.

Least-squares fit of degree ``d`` in the Legendre basis (well conditioned on
``[-1, 1]``): ``min_c ‖V_d(x) c − y‖²``. Too low a degree under-fits (training and
validation errors both large); too high a degree over-fits (training error near
zero, validation error large); the validation error picks a degree in between.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from numpy.polynomial import legendre

from numdl.experiments.registry import experiment
from numdl.plot import plot_curves, save_figure


def target(x):
    """The function being learned, ``sin(π x²)``."""
    return np.sin(np.pi * x**2)


def fit_polynomial(x, y, degree: int) -> np.ndarray:
    """Legendre coefficients of the least-squares polynomial of ``degree``."""
    V = legendre.legvander(x, degree)
    coef, *_ = np.linalg.lstsq(V, y, rcond=None)
    return coef


def mse(coef, x, y) -> float:
    return float(np.mean((legendre.legval(x, coef) - y) ** 2))


@experiment("polyfit", "Under- and over-fitting: polynomial least squares on noisy sin(πx²)", lecture=1)
def polyfit(ctx):
    n_train = ctx.size(16, 12)
    n_val = ctx.size(400, 100)
    sigma = 0.1
    rng = ctx.rng
    x_tr = rng.uniform(-1, 1, n_train)
    y_tr = target(x_tr) + sigma * rng.standard_normal(n_train)
    x_va = rng.uniform(-1, 1, n_val)
    y_va = target(x_va) + sigma * rng.standard_normal(n_val)

    degrees = np.arange(n_train)
    fits = [fit_polynomial(x_tr, y_tr, d) for d in degrees]
    train_err = np.array([mse(c, x_tr, y_tr) for c in fits])
    val_err = np.array([mse(c, x_va, y_va) for c in fits])

    chosen = {"under": 1, "good": int(np.argmin(val_err)), "over": int(degrees[-1])}
    ctx.table([{"degree": int(d), "train MSE": train_err[d], "val MSE": val_err[d],
                "": next((k for k, v in chosen.items() if v == d), "")} for d in degrees],
              title=f"Polynomial least squares, {n_train} noisy samples (σ = {sigma})")

    plot_curves(degrees, {"training": train_err, "validation": val_err},
                ctx.figure_path("errors_vs_degree"), xlabel="polynomial degree",
                ylabel="mean squared error", title="Training vs. validation error", logy=True)

    fig = Figure(figsize=(11, 3.4), layout="constrained")
    t = np.linspace(-1, 1, 400)
    for ax, (kind, d) in zip(fig.subplots(1, 3, sharey=True), chosen.items()):
        ax.plot(t, target(t), "k--", lw=1, label="sin(πx²)")
        ax.plot(t, legendre.legval(t, fits[d]), lw=2, label=f"degree {d}")
        ax.plot(x_tr, y_tr, "o", ms=4, color="tab:red", label="training data")
        ax.set_ylim(-1.5, 2.0)
        ax.set_title(f"{kind}-fitting: degree {d}\ntrain {train_err[d]:.2g}, val {val_err[d]:.2g}")
        ax.set_xlabel("x")
        ax.legend(loc="upper center", fontsize=8)
    save_figure(fig, ctx.figure_path("fits"))

    metrics = {"n_train": n_train, "noise_sigma": sigma}
    for kind, d in chosen.items():
        metrics[f"degree_{kind}"] = d
        metrics[f"train_mse_{kind}"] = train_err[d]
        metrics[f"val_mse_{kind}"] = val_err[d]
    return metrics
