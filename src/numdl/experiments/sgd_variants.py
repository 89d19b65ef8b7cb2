"""Lecture 12: the six stochastic optimizers compared on softmax regression of the digits.

The objective is the regularized softmax cross-entropy of a linear classifier on the
standardized digits,

    Φ(W) = (1/n) Σ_i CE(W [y_i; 1], c_i) + (λ/2)‖W_f‖²,

a mean over the training examples, so that a mini-batch ``B`` gives the unbiased
gradient estimate ``∇Φ_B`` (:class:`~numdl.objectives.LinearClassifierObjective` with
``idx``). SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam
(:mod:`numdl.optim.stochastic`) all run from ``W = 0`` with the same mini-batches (same
size, same shuffling seed) and the same number of epochs, each with a constant learning
rate chosen from a small grid by the validation loss (the training set is split 75/25
into a fitting and a validation part; the test set is only used at the end). The best
iterate by validation loss is kept (:func:`~numdl.optim.train`).

The convergence figure shows ``Φ(W_k) − Φ*`` on the fitting part after every epoch, with
``Φ*`` the minimum found by Newton-CG: with a constant step every method stalls at a
noise level set by its step size and the variance of the mini-batch gradients; with
their tuned steps the adaptive methods (AdaGrad, Adam) get there in fewer epochs than
plain SGD. The best validation loss is reached by noisy iterates short of ``Φ*`` — the
minimizer of the training objective is not the best model (compare the validation
loss at ``Φ*`` printed in the table title).
"""

from __future__ import annotations

import warnings

import numpy as np

from numdl.data import load_digits, split_data
from numdl.experiments.registry import experiment
from numdl.objectives import LinearClassifierObjective
from numdl.optim import ConvergenceWarning, adagrad, adam, momentum, nesterov, newton_cg, rmsprop, sgd, train
from numdl.plot import plot_convergence, plot_curves

#: Each optimizer with its grid of constant learning rates (largest first).
OPTIMIZERS = {
    "sgd": (sgd, (1.0, 0.3, 0.1, 0.03)),
    "momentum": (momentum, (0.3, 0.1, 0.03, 0.01)),
    "nesterov": (nesterov, (0.3, 0.1, 0.03, 0.01)),
    "adagrad": (adagrad, (1.0, 0.3, 0.1, 0.03)),
    "rmsprop": (rmsprop, (0.03, 0.01, 0.003, 0.001)),
    "adam": (adam, (0.03, 0.01, 0.003, 0.001)),
}


def run_optimizer(fit, val, optimizer, *, batch_size: int, epochs: int, seed: int):
    """Train ``fit`` (an objective with ``idx``) from zero; record ``Φ`` on all of it per epoch.

    Returns the :class:`~numdl.optim.TrainResult` (best iterate by the validation loss
    ``val``) and the full objective at the start and after every epoch.
    """
    values = [fit(np.zeros(fit.n_params)).value]

    def record(epoch, theta, info):
        values.append(fit(theta).value)

    with warnings.catch_warnings():  # a too-large step diverges; train() reports it in reason
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = train(fit, np.zeros(fit.n_params), optimizer, n_examples=fit.n, batch_size=batch_size,
                    epochs=epochs, seed=seed, validation=lambda th: val(th).value, callback=record,
                    progress=False)
    return res, np.array(values)


@experiment("sgd-variants", "SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam on softmax regression of digits",
            lecture=12)
def sgd_variants(ctx):
    data = load_digits(test_size=0.3, seed=0, standardize=True)
    part = split_data(data.Y_train, data.C_train, val_size=0.0, test_size=0.25, seed=ctx.seed)
    lam = 1e-3
    fit = LinearClassifierObjective(part.Y_train, part.C_train, lam=lam)
    val = LinearClassifierObjective(part.Y_test, part.C_test)
    batch_size, epochs = 32, ctx.size(30, 4)

    ref = newton_cg(fit, fit.init_theta(), rtol=1e-10, maxiter=100)
    f_star = ref.value

    rows, gaps, val_curves, grid_x, grid_y = [], {}, {}, {}, {}
    metrics = {"lam": lam, "batch_size": batch_size, "epochs": epochs, "objective_star": f_star,
               "test_acc_newton": fit.accuracy(ref.x, data.Y_test, data.C_test),
               "val_loss_newton": val(ref.x).value}
    for name, (make, grid) in ctx.progress(OPTIMIZERS.items(), desc="optimizers", total=len(OPTIMIZERS)):
        grid = ctx.size(grid, grid[1:3])
        runs = [run_optimizer(fit, val, make(lr), batch_size=batch_size, epochs=epochs, seed=ctx.seed)
                for lr in grid]
        best_val = np.array([res.best_value for res, _ in runs])
        best = int(np.argmin(best_val))
        res, values = runs[best]
        lr = grid[best]
        gaps[name] = np.maximum(values - f_star, 1e-16)
        val_curves[name] = res.history["validation"]
        grid_x[name], grid_y[name] = np.array(grid), best_val
        test_acc = fit.accuracy(res.theta, data.Y_test, data.C_test)
        val_acc = fit.accuracy(res.theta, part.Y_test, part.C_test)
        rows.append({"optimizer": name, "learning rate": lr, "best epoch": res.best_epoch,
                     "Φ − Φ* (last)": values[-1] - f_star, "val loss": res.best_value,
                     "val acc": val_acc, "test acc": test_acc,
                     "diverged (grid)": sum(r.reason.startswith("diverged") for r, _ in runs)})
        metrics.update({f"test_acc_{name}": test_acc, f"val_acc_{name}": val_acc, f"lr_{name}": lr,
                        f"val_loss_{name}": res.best_value, f"gap_{name}": values[-1] - f_star})
    ctx.table(rows, title=f"Softmax regression on digits (λ = {lam:g}), batch {batch_size}, {epochs} epochs, "
                          f"Φ* = {f_star:.6g} (Newton-CG: val loss {metrics['val_loss_newton']:.4g}, "
                          f"test accuracy {metrics['test_acc_newton']:.1%})")

    plot_convergence(gaps, ctx.figure_path("objective_gap_vs_epoch"), xlabel="epoch", ylabel="Φ(W_k) − Φ*",
                     title="Stochastic optimizers, tuned constant learning rates")
    plot_convergence(val_curves, ctx.figure_path("validation_loss_vs_epoch"), xlabel="epoch",
                     x={name: np.arange(1, v.size + 1) for name, v in val_curves.items()},
                     ylabel="validation cross-entropy", logy=False,
                     title="Validation loss (the learning rate was chosen on it)")
    plot_curves(grid_x, grid_y, ctx.figure_path("learning_rate_grid"), xlabel="learning rate",
                ylabel="best validation cross-entropy", logx=True, logy=True,
                title="Choosing each optimizer's learning rate")
    return metrics
