"""Lectures 8–12: a single layer ``Z = σ(K Y + b)`` with a softmax classifier on *peaks*.

The 5 level bands of the peaks surface are curved, nested and disconnected — a linear
classifier gets about half of the points right (``softmax-peaks``). One hidden layer
of ``m ≈ 40`` units, trained together with the classifier,

    min_{θ, W} CE(W [σ(K Y + b eᵀ); eᵀ], C) + (λ/2)(‖θ‖² + ‖W_f‖²),   θ = (K, b),

classifies an independent test draw almost perfectly — if the non-convex problem is
solved well. Three training methods (``--solver``):

* ``newton``: Newton-CG on ``x = [θ; vec W]`` with the block-diagonal Gauss-Newton
  Hessian (:class:`~numdl.objectives.NetworkObjective`) and an Armijo line search;
* ``varpro``: variable projection — Newton-CG (Gauss-Newton) on the reduced
  ``Φ(θ) = min_W E(θ, W)``, the inner softmax problem solved accurately in every
  evaluation (:class:`~numdl.objectives.VarProObjective`);
* ``sgd``: mini-batch SGD with momentum and a cosine learning-rate decay.

Preprocessing: the inputs are standardized (mean zero, unit variance per coordinate,
fitted on the training draw). Initialization: ``K ~ N(0, s²)``, ``b ~ U(−s, s)``
with ``s = 2``, so that the pre-activations ``K y + b`` spread over the whole bent
part of ``σ`` (a small ``s`` leaves ``σ`` nearly linear, a large one saturates it);
``W = 0``. The weight decay ``λ = 10⁻⁶`` is small: the 5000 points leave little room
for over-fitting 205 + 120 parameters.

Work is counted in passes over the training set: a value-and-gradient evaluation
and a Gauss-Newton mat-vec cost one forward and one adjoint pass each (VarPro's inner
solves, on the linear classifier only, are reported separately).

The products are small (at most 41 × 5000): BLAS threads save nothing here, and on a
machine shared with other jobs a descheduled BLAS thread stalls every product —
measured 14× (Newton-CG) to 58× (VarPro, many tiny inner products) slower with two
threads on a loaded 2-core machine; hence the runner's default ``--threads 1``.
"""

from __future__ import annotations

import time

import numpy as np

from numdl.data import Standardizer, peaks
from numdl.experiments.registry import Option, experiment
from numdl.layers import SingleLayer
from numdl.objectives import NetworkObjective, VarProObjective
from numdl.optim import newton_cg, schedules, sgd, train
from numdl.plot import plot_convergence, plot_decision_regions

N_CLASSES = 5
#: Weight decay on θ and W of every solver here (VarPro's λ_W included).
LAM = 1e-6
#: Spread ``s`` of the initial ``K ~ N(0, s²)`` and ``b ~ U(−s, s)`` (standardized inputs).
INIT_SCALE = 2.0


def peaks_problem(ctx, n_train: int, n_test: int, n_val: int = 0) -> dict:
    """Independent draws of peaks (``N_CLASSES`` bands) for training, test and validation.

    Each draw has its own seed taken from ``ctx.rng``. The inputs are standardized by a
    :class:`~numdl.data.Standardizer` fitted on the training draw: the returned dict
    holds ``Y_train, C_train, Y_test, C_test`` (and ``Y_val, C_val`` when
    ``n_val > 0``) standardized, ``raw_test`` (test points in the original
    coordinates, for plots) and the ``scaler``.
    """
    seeds = ctx.rng.integers(0, 2**31, size=3)
    Y, C = peaks(n_train, N_CLASSES, seed=int(seeds[0]))
    Y_test, C_test = peaks(n_test, N_CLASSES, seed=int(seeds[1]))
    scaler = Standardizer().fit(Y)
    data = {"Y_train": scaler.transform(Y), "C_train": C, "Y_test": scaler.transform(Y_test),
            "C_test": C_test, "raw_test": Y_test, "scaler": scaler}
    if n_val > 0:
        Y_val, C_val = peaks(n_val, N_CLASSES, seed=int(seeds[2]))
        data.update(Y_val=scaler.transform(Y_val), C_val=C_val)
    return data


def initial_theta(layer: SingleLayer, rng, scale: float = INIT_SCALE) -> np.ndarray:
    """``θ₀ = (vec K, b)`` with ``K ~ N(0, scale²)`` and ``b ~ U(−scale, scale)`` (vector bias)."""
    n_K = layer.n_out * layer.n_in
    return np.concatenate([scale * rng.standard_normal(n_K), scale * rng.uniform(-1, 1, layer.n_out)])


def newton_work(history: dict) -> np.ndarray:
    """Cumulative passes over the data of a Newton-CG run, per iteration.

    ``n_fun`` (value-and-gradient evaluations, line search included) plus the CG
    iterations (Gauss-Newton mat-vecs) so far.
    """
    return np.asarray(history["n_fun"], float) + np.cumsum(history["cg_iters"])


def _train_newton(ctx, obj, x0, maxiter):
    with ctx.progress(total=maxiter, desc="newton-cg") as bar:
        res = newton_cg(obj, x0, rtol=1e-8, maxiter=maxiter, cg_maxiter=50,
                        callback=lambda x: bar.update())
    return res.x, res.history["objective"], newton_work(res.history), {"n_iter": res.n_iter}


def _train_varpro(ctx, phi, theta0, maxiter):
    with ctx.progress(total=maxiter, desc="varpro") as bar:
        res = newton_cg(phi, theta0, rtol=1e-8, maxiter=maxiter, cg_maxiter=50,
                        callback=lambda x: bar.update())
    x = phi.full_x(res.x)
    return x, res.history["objective"], newton_work(res.history), {
        "n_iter": res.n_iter, "n_inner_iter": phi.n_inner_iter, "n_inner_solves": phi.n_solves}


def _train_sgd(ctx, obj, x0, epochs, batch_size=32, lr=0.1):
    n_steps = epochs * -(-obj.n // batch_size)
    optimizer = sgd(schedules.cosine_decay(lr, n_steps), momentum=0.9)
    values = [obj(x0).value]
    with ctx.progress(total=epochs, desc="sgd") as bar:
        def record(epoch, theta, info):
            values.append(obj(theta).value)
            bar.update()

        res = train(obj, x0, optimizer, n_examples=obj.n, batch_size=batch_size, epochs=epochs,
                    seed=ctx.rng, callback=record, progress=False)
    work = np.concatenate([[0.0], res.history["n_examples"] / obj.n])
    return res.theta_last, np.array(values), work, {"n_iter": res.n_grad_evals, "epochs": res.n_epochs,
                                                    "batch_size": batch_size, "lr": lr}


@experiment("single-layer-peaks",
            "Single layer (m≈40) + softmax on peaks: Newton-CG/Gauss-Newton, VarPro or SGD",
            lecture=9,
            options={"solver": Option("newton", "training method", ("newton", "varpro", "sgd")),
                     "width": Option(40, "number of hidden units m"),
                     "activation": Option("tanh", "activation σ", ("tanh", "sin"))})
def single_layer_peaks(ctx):
    solver, width, act = ctx.options["solver"], ctx.options["width"], ctx.options["activation"]
    if width < 1:
        raise ValueError(f"--width: expected a positive integer, got {width}")
    n_train, n_test = ctx.size(5000, 800), ctx.size(2000, 500)
    data = peaks_problem(ctx, n_train, n_test)
    layer = SingleLayer(2, width, act)
    theta0 = initial_theta(layer, ctx.rng)
    obj = NetworkObjective(layer, data["Y_train"], data["C_train"], lam_theta=LAM, lam_W=LAM)
    x0 = obj.join(theta0, np.zeros(obj.W_shape))

    start = time.perf_counter()
    if solver == "newton":
        x, values, work, info = _train_newton(ctx, obj, x0, ctx.size(1000, 40))
    elif solver == "varpro":
        phi = VarProObjective(layer, data["Y_train"], data["C_train"], lam_W=LAM, lam_theta=LAM)
        x, values, work, info = _train_varpro(ctx, phi, theta0, ctx.size(150, 15))
    else:
        x, values, work, info = _train_sgd(ctx, obj, x0, ctx.size(300, 5))
    seconds = time.perf_counter() - start

    train_acc = obj.accuracy(x, data["Y_train"], data["C_train"])
    test_acc = obj.accuracy(x, data["Y_test"], data["C_test"])
    objective = obj(x).value
    ctx.table([{"solver": solver, "m": width, "σ": act, "train acc": train_acc, "test acc": test_acc,
                "objective": objective, "passes": work[-1], "seconds": seconds, **info}],
              title=f"Single layer on peaks ({n_train} train / {n_test} test, {N_CLASSES} classes)")

    scaler = data["scaler"]
    plot_decision_regions(lambda P: obj.predict(x, scaler.transform(P)), data["raw_test"], data["C_test"],
                          ctx.figure_path("decision_regions"),
                          title=f"Single layer (m = {width}, {act}), {solver}: test accuracy {test_acc:.1%}")
    plot_convergence({solver: values}, ctx.figure_path("objective_vs_work"), x={solver: work},
                     xlabel="work (passes over the training set)", ylabel="E(θ, W)",
                     title=f"Single layer on peaks: training objective, {solver}")
    return {"test_acc": test_acc, "train_acc": train_acc, "objective": objective, "solver": solver,
            "width": width, "activation": act, "work_passes": float(work[-1]),
            "train_seconds": seconds, **info}
