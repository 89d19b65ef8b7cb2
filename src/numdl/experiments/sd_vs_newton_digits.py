"""Lectures 5–6: steepest descent vs. Newton-CG for softmax regression on the digits.

``min_W (1/n) Σ_j CE(W [y_j; 1], c_j) + (λ/2)‖W_f‖²`` (bias not penalized) on the
standardized 8x8 digits (stratified 70/30 split, seed 0). The weight decay ``λ`` is
chosen on a validation part of the training set (never on the test set) by the
validation cross-entropy, a smoother criterion than the accuracy of a few hundred
validation examples; then both
methods minimize the objective on the whole training set from ``W = 0``.

Work is counted in products with the data matrix (``Ỹ v`` or ``Ỹᵀ u``, each about
``2 n_c n_f n`` flops): one objective evaluation (value and gradient) costs 2, one
Hessian mat-vec in the CG inner solve costs 2. Steepest descent converges linearly
and slowly (the problem is ill-conditioned); Newton-CG converges superlinearly and
reaches the optimum in a fraction of the work.
"""

from __future__ import annotations

import numpy as np

from numdl.data import load_digits, split_data
from numdl.experiments.registry import experiment
from numdl.objectives import LinearClassifierObjective
from numdl.optim import newton_cg, steepest_descent
from numdl.plot import plot_convergence, plot_curves, plot_weights_as_images


def work(history) -> np.ndarray:
    """Cumulative data-matrix products: 2 per evaluation, 2 per Hessian mat-vec."""
    hess_mv = np.cumsum(history.get("cg_iters", np.zeros(len(history["n_fun"]), int)))
    return 2 * np.asarray(history["n_fun"]) + 2 * hess_mv


@experiment("sd-vs-newton-digits", "Softmax regression on digits: steepest descent vs. Newton-CG",
            lecture=6)
def sd_vs_newton_digits(ctx):
    data = load_digits(test_size=0.3, seed=0, standardize=True)
    part = split_data(data.Y_train, data.C_train, val_size=0.0, test_size=0.25, seed=ctx.seed)
    lams = np.geomspace(1e-4, 1e-1, ctx.size(7, 3))
    val = LinearClassifierObjective(part.Y_test, part.C_test)  # unregularized validation loss
    val_loss, val_acc = [], []
    for lam in lams:
        fit = LinearClassifierObjective(part.Y_train, part.C_train, lam=lam)
        res = newton_cg(fit, fit.init_theta(), rtol=1e-6)
        val_loss.append(val(res.x).value)
        val_acc.append(val.accuracy(res.x, part.Y_test, part.C_test))
    best = int(np.argmin(val_loss))
    lam = float(lams[best])

    obj = LinearClassifierObjective(data.Y_train, data.C_train, lam=lam)
    runs = {"Newton-CG": newton_cg(obj, obj.init_theta(), rtol=1e-10, maxiter=100),
            "steepest descent": steepest_descent(obj, obj.init_theta(), rtol=1e-10,
                                                 maxiter=ctx.size(1000, 150))}
    f_star = min(r.value for r in runs.values())
    gap = {name: np.maximum(np.array(r.history["objective"]) - f_star, 1e-16)
           for name, r in runs.items()}
    works = {name: work(r.history) for name, r in runs.items()}

    rows, metrics = [], {"lam": lam, "val_acc": val_acc[best], "val_loss": val_loss[best],
                         "n_train": data.Y_train.shape[1], "n_test": data.Y_test.shape[1]}
    for name, r in runs.items():
        key = "newton" if name == "Newton-CG" else "sd"
        test_acc = obj.accuracy(r.x, data.Y_test, data.C_test)
        rows.append({"method": name, "iterations": r.n_iter, "work (mat-vecs)": int(works[name][-1]),
                     "objective - f*": r.value - f_star, "|g|": r.grad_norm,
                     "train acc": obj.accuracy(r.x, data.Y_train, data.C_train),
                     "test acc": test_acc})
        metrics.update({f"test_acc_{key}": test_acc, f"n_iter_{key}": r.n_iter,
                        f"work_{key}": int(works[name][-1]), f"objective_{key}": r.value,
                        f"grad_norm_{key}": r.grad_norm, f"converged_{key}": r.converged})
    ctx.table(rows, title=f"Softmax regression on digits, λ = {lam:.3g} (chosen on validation), "
                          f"Φ* = {f_star:.10g}")

    plot_convergence(gap, ctx.figure_path("objective_vs_iterations"), ylabel="Φ(W_k) − Φ*",
                     title="Softmax on digits: convergence per iteration")
    plot_convergence(gap, ctx.figure_path("objective_vs_work"), x=works,
                     xlabel="work (products with the data matrix)", ylabel="Φ(W_k) − Φ*",
                     title="Softmax on digits: convergence per unit of work")
    plot_curves(lams, {"validation cross-entropy": val_loss, "validation error": 1 - np.array(val_acc)},
                ctx.figure_path("validation_curve"), xlabel="λ", ylabel="cross-entropy / error rate",
                logx=True, title="Choosing the weight decay λ (minimal validation cross-entropy)")
    W = obj.weights(runs["Newton-CG"].x)
    plot_weights_as_images(W[:, :-1], (8, 8), ctx.figure_path("weights"),
                           titles=[f"class {k}" for k in range(W.shape[0])],
                           title="Softmax weights (Newton-CG)")
    return metrics
