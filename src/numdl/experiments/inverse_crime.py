"""Lecture 8: the "inverse crime" — fit back data made by a known single layer.

A known network makes the labels: random features ``Y (n_f, n)``, a single layer
``Z* = tanh(K* Y + b* eᵀ)`` and a classifier ``W*`` give class probabilities

    C = softmax(W* [Z*; eᵀ])        (soft labels, not one-hot).

Then the same architecture is trained on ``(Y, C)`` from a random start, without
regularization. The cross-entropy of any model is ``E = H(C) + KL(C ‖ P)`` with the
entropy ``H(C) = −(1/n) Σ_j c_jᵀ log c_j`` and the mean Kullback-Leibler divergence
``KL ≥ 0``, which vanishes at the truth. So the *misfit* ``E(x) − H(C)`` has a known
minimum value 0, and its decrease (here by Newton-CG with the block Gauss-Newton
Hessian, or VarPro) shows whether the non-convex training problem is solved — the
parameters themselves are only determined up to permutations and sign changes of the
hidden units, so the experiment also measures the misfit on fresh inputs drawn like
``Y`` (does the fit reproduce the *function*?). Typically the training misfit falls by
four orders of magnitude while the misfit on fresh inputs falls far less: the 500 soft
labels are matched, but they do not pin down the 2,450 parameters — fitting the data
is not identifying the model.

Sizes (full): ``n = 500``, ``n_f = 50``, ``n_c = 10``, ``m = 40``.
"""

from __future__ import annotations

import time

import numpy as np

from numdl.experiments.registry import Option, experiment
from numdl.layers import SingleLayer
from numdl.losses import softmax
from numdl.objectives import NetworkObjective, VarProObjective
from numdl.optim import newton_cg
from numdl.plot import plot_convergence


def entropy(C) -> float:
    """``H(C) = −(1/n) Σ_j Σ_k C_kj log C_kj`` (with ``0 log 0 = 0``)."""
    logC = np.log(np.where(C > 0, C, 1.0))
    return float(-np.sum(C * logC) / C.shape[1])


def teacher(layer: SingleLayer, rng, n_c: int, *, bias_scale=0.5, W_scale=1.0):
    """A random "true" network: ``θ* = (K*, b*)`` with ``K* ~ N(0, 1/n_f)``, ``b* ~ N(0, bias_scale²)``
    and ``W* ~ N(0, W_scale²)`` of shape ``(n_c, m + 1)``."""
    theta = layer.init_theta(rng)
    theta[layer.n_out * layer.n_in:] = bias_scale * rng.standard_normal(layer.n_out)
    return theta, W_scale * rng.standard_normal((n_c, layer.n_out + 1))


def labels_of(layer, theta, W, Y) -> np.ndarray:
    """``C = softmax(W [σ(K Y + b eᵀ); eᵀ])``."""
    Z, _ = layer.forward(theta, Y)
    return softmax(W[:, :-1] @ Z + W[:, -1:])


@experiment("inverse-crime", "Fit back data made by a known single layer: misfit E − H(C) → 0",
            lecture=8,
            options={"solver": Option("newton", "training method", ("newton", "varpro"))})
def inverse_crime(ctx):
    solver = ctx.options["solver"]
    n, n_f, n_c, m = ctx.size(500, 150), ctx.size(50, 10), 10, ctx.size(40, 8)
    maxiter = ctx.size(300, 150)
    rng = ctx.rng
    layer = SingleLayer(n_f, m, "tanh")
    theta_true, W_true = teacher(layer, rng, n_c)
    Y, Y_new = rng.standard_normal((n_f, n)), rng.standard_normal((n_f, n))
    C, C_new = labels_of(layer, theta_true, W_true, Y), labels_of(layer, theta_true, W_true, Y_new)
    H, H_new = entropy(C), entropy(C_new)

    obj = NetworkObjective(layer, Y, C)
    obj_new = NetworkObjective(layer, Y_new, C_new)
    truth = obj.join(theta_true, W_true)
    x0 = obj.init(rng)
    misfit_truth = obj(truth).value - H
    misfit0 = obj(x0).value - H

    start = time.perf_counter()
    misfit_new0 = obj_new(x0).value - H_new
    new_misfits = [misfit_new0]
    with ctx.progress(total=maxiter, desc=solver) as bar:
        if solver == "newton":
            def record(x):
                new_misfits.append(obj_new(x).value - H_new)
                bar.update()

            res = newton_cg(obj, x0, rtol=1e-12, maxiter=maxiter, cg_maxiter=100, callback=record)
            x = res.x
            misfits = np.asarray(res.history["objective"]) - H
        else:
            phi = VarProObjective(obj.model, Y, C, lam_W=1e-10)

            def record(theta):
                new_misfits.append(obj_new(phi.full_x(theta)).value - H_new)
                bar.update()

            theta0, _ = obj.split(x0)
            new_misfits.append(obj_new(phi.full_x(theta0)).value - H_new)
            res = newton_cg(phi, theta0, rtol=1e-12, maxiter=maxiter, cg_maxiter=100, callback=record)
            x = phi.full_x(res.x)
            # iteration 0 is Φ(θ₀): the best W for the random features; x0 (W = 0) comes first
            misfits = np.concatenate([[misfit0], np.asarray(res.history["objective"]) - H])
    seconds = time.perf_counter() - start

    misfit = obj(x).value - H
    misfit_new = obj_new(x).value - H_new
    P = np.exp(obj.scores(x, Y))
    P /= P.sum(axis=0)
    ratio = misfit / misfit0
    agree = float(np.mean(np.argmax(P, axis=0) == np.argmax(C, axis=0)))
    ctx.table([{"solver": solver, "iterations": res.n_iter, "misfit start": misfit0, "misfit end": misfit,
                "ratio": ratio, "misfit new inputs": misfit_new, "max |P − C|": float(np.max(np.abs(P - C))),
                "argmax agrees": agree, "seconds": seconds}],
              title=f"Inverse crime: n = {n}, n_f = {n_f}, n_c = {n_c}, m = {m}; "
                    f"misfit E − H(C) = KL(C‖P), 0 at the truth ({misfit_truth:.1e})")

    plot_convergence({"training data": np.maximum(misfits, 1e-16), "fresh inputs": np.array(new_misfits)},
                     ctx.figure_path("misfit"),
                     ylabel="E(x_k) − H(C)", xlabel="iteration",
                     title=f"Inverse crime ({solver}): misfit reduced by {ratio:.1e}")
    return {"misfit_start": misfit0, "misfit_end": misfit, "misfit_ratio": ratio,
            "misfit_truth": misfit_truth, "misfit_new_start": misfit_new0, "misfit_new_end": misfit_new,
            "misfit_new_ratio": misfit_new / misfit_new0, "argmax_agreement": agree,
            "n_iter": res.n_iter, "train_seconds": seconds, "solver": solver, "n": n, "n_f": n_f,
            "n_c": n_c, "m": m}
