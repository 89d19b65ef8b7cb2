"""The main job: a deep residual network classifies *peaks*, trained by a second-order method.

Model (lectures 9–11): an opening layer lifts the 2-D points to ``m`` features, a
residual network of depth ``N`` with final time ``T`` (forward Euler, ``h = T/N``)
moves them, and a linear softmax classifier reads them off:

    Y_0 = σ(K_op y + b_op),   Y_{j+1} = Y_j + h σ(K_j Y_j + b_j)  (j < N),   S = W [Y_N; 1],

trained on

    min_{θ, W} CE(S, C) + (α/2) Σ_j ‖K_{j+1} − K_j‖²_F / h + (α/2) Σ_j ‖b_{j+1} − b_j‖² / h
               + (λ/2)‖θ‖² + (λ_W/2)‖W_f‖²

(smoothness in depth and weight decay: :class:`~numdl.regularizers.DepthSmoothness`).
Solvers (``--solver``):

* ``newton`` (default): Newton-CG on ``x = [θ; vec W]`` with the block Gauss-Newton
  Hessian of :class:`~numdl.objectives.NetworkObjective` (one sensitivity and one
  adjoint sweep per mat-vec) and an Armijo line search;
* ``varpro``: Gauss-Newton-CG on the reduced ``Φ(θ) = min_W E(θ, W)``
  (:class:`~numdl.objectives.VarProObjective`, ``W`` eliminated by an accurate
  inner Newton solve in every evaluation);
* ``sgd``: mini-batch SGD with momentum and a cosine learning-rate decay.

Newton-CG is the default: at the default settings it reached 98.2–98.7 % test
accuracy for each of the seeds 0–4 in 15–20 s; VarPro reaches the same accuracy
(98.5–99.2 %, seeds 1–3) with about 1.5 times the passes plus its inner solves, SGD
about 97 % in 250 epochs.

Data as in ``single-layer-peaks``: independent draws of 5000 training, 2000 test and
1000 validation points (seeds from ``ctx.rng``), standardized by the training draw;
the validation accuracy is monitored along the run (it selects nothing). Work is
counted in passes over the training set: one per value-and-gradient evaluation
(forward and adjoint sweep, line search included) and one per Gauss-Newton mat-vec
(sensitivity and adjoint sweep); for SGD one per epoch.

Keep the runner's default of one BLAS thread (``--threads 1``): the products are
``(m × m)(m × n)`` with ``m ≤ 16``, too thin for threads to pay off, and on a machine
shared with other jobs a multi-threaded BLAS spends most of its time waiting for
descheduled threads (at ``m = N = 16`` we measured 324 s with two threads against
35 s with one).
"""

from __future__ import annotations

import time

import numpy as np

from numdl.experiments.registry import Option, experiment
from numdl.experiments.single_layer_peaks import initial_theta, newton_work, peaks_problem
from numdl.layers import SingleLayer
from numdl.networks import ResidualNetwork, Sequential, state_norms
from numdl.objectives import NetworkObjective, VarProObjective
from numdl.optim import newton_cg, schedules, sgd, train
from numdl.plot import plot_convergence, plot_curves, plot_decision_regions
from numdl.regularizers import DepthSmoothness

#: Final time of the residual network (``h = T/N``).
T_FINAL = 4.0
#: Smoothness in depth ``α`` (kernels and biases) and weight decay ``λ`` on ``θ``.
ALPHA, LAM = 1e-3, 1e-5
#: Weight decay ``λ_W`` on the classifier (bias column excluded).
LAM_W = 1e-4
#: Spread of the opening layer's initial weights (``K ~ N(0, s²)``, ``b ~ U(−s, s)``).
OPENING_SCALE = 2.0
#: Most CG iterations per Newton step.
CG_MAXITER = 20
WIDTHS = DEPTHS = tuple(range(8, 17))
#: Iterations (SGD: epochs) of a --quick run.
QUICK_ITERATIONS = {"newton": 60, "varpro": 25, "sgd": 20}


def build_model(width: int, depth: int, T: float = T_FINAL) -> Sequential:
    """Opening ``SingleLayer(2, width, tanh)`` followed by ``ResidualNetwork(width, depth, T=T)``."""
    return Sequential(SingleLayer(2, width, "tanh"),
                      ResidualNetwork(width, depth, T=T, activation="tanh"))


def initial_parameters(model: Sequential, rng) -> np.ndarray:
    """``θ₀``: the opening layer spread over the bent part of tanh
    (:func:`~numdl.experiments.single_layer_peaks.initial_theta`), the ResNet's
    kernels ``N(0, 1/m)`` and zero biases (its own ``init_theta``)."""
    opening, resnet = model.layers
    return np.concatenate([initial_theta(opening, rng, OPENING_SCALE), resnet.init_theta(rng)])


def _train_newton(ctx, obj, x0, maxiter, val_acc):
    accs = [val_acc(x0)]
    with ctx.progress(total=maxiter, desc="newton-cg") as bar:
        def monitor(x):
            accs.append(val_acc(x))
            bar.update()

        res = newton_cg(obj, x0, rtol=1e-8, maxiter=maxiter, cg_maxiter=CG_MAXITER, callback=monitor)
    info = {"n_iter": res.n_iter, "cg_iters": int(np.sum(res.history["cg_iters"]))}
    return res.x, res.history["objective"], newton_work(res.history), accs, info


def _train_varpro(ctx, phi, theta0, maxiter, val_acc):
    accs = [val_acc(phi.full_x(theta0))]
    with ctx.progress(total=maxiter, desc="varpro") as bar:
        def monitor(theta):
            accs.append(val_acc(phi.full_x(theta)))
            bar.update()

        res = newton_cg(phi, theta0, rtol=1e-8, maxiter=maxiter, cg_maxiter=CG_MAXITER, callback=monitor)
    info = {"n_iter": res.n_iter, "cg_iters": int(np.sum(res.history["cg_iters"])),
            "n_inner_iter": phi.n_inner_iter}
    return phi.full_x(res.x), res.history["objective"], newton_work(res.history), accs, info


def _train_sgd(ctx, obj, x0, epochs, val_acc, batch_size=32, lr=0.05):
    n_steps = epochs * -(-obj.n // batch_size)
    optimizer = sgd(schedules.cosine_decay(lr, n_steps), momentum=0.9)
    values, accs = [obj(x0).value], [val_acc(x0)]
    with ctx.progress(total=epochs, desc="sgd") as bar:
        def monitor(epoch, x, record):
            values.append(obj(x).value)
            accs.append(val_acc(x))
            bar.update()

        res = train(obj, x0, optimizer, n_examples=obj.n, batch_size=batch_size, epochs=epochs,
                    seed=ctx.rng, callback=monitor, progress=False)
    work = np.concatenate([[0.0], res.history["n_examples"] / obj.n])
    return res.theta_last, values, work, accs, {"n_iter": res.n_grad_evals, "epochs": res.n_epochs}


@experiment("resnet-peaks",
            "MAIN JOB: ResNet (opening layer + N residual layers, T=4) on peaks by Newton-CG, VarPro or SGD",
            lecture=11,
            options={"solver": Option("newton", "training method", ("newton", "varpro", "sgd")),
                     "width": Option(12, "width m of the residual network (8–16)", WIDTHS),
                     "depth": Option(12, "number of residual layers N (8–16)", DEPTHS),
                     "T": Option(T_FINAL, "final time T of the ResNet (h = T/N)"),
                     "maxiter": Option(250, "Newton iterations (sgd: epochs)")})
def resnet_peaks(ctx):
    solver, width, depth = ctx.options["solver"], ctx.options["width"], ctx.options["depth"]
    T, maxiter = ctx.options["T"], ctx.options["maxiter"]
    if width not in WIDTHS or depth not in DEPTHS:
        raise ValueError(f"--width, --depth: expected integers in 8–16, got {width}, {depth}")
    if not np.isfinite(T) or T <= 0:
        raise ValueError(f"--T: expected a positive final time, got {T}")
    if maxiter < 1:
        raise ValueError(f"--maxiter: expected a positive integer, got {maxiter}")
    maxiter = ctx.size(maxiter, min(maxiter, QUICK_ITERATIONS[solver]))
    n_train, n_val, n_test = ctx.size(5000, 600), ctx.size(1000, 300), ctx.size(2000, 500)
    data = peaks_problem(ctx, n_train, n_test, n_val)
    Y, C = data["Y_train"], data["C_train"]

    model = build_model(width, depth, T)
    opening, resnet = model.layers
    theta0 = initial_parameters(model, ctx.rng)
    reg = DepthSmoothness(model, ALPHA, lam=LAM)
    obj = NetworkObjective(model, Y, C, lam_W=LAM_W, reg_theta=reg)
    x0 = obj.join(theta0, np.zeros(obj.W_shape))

    def val_acc(x):
        return obj.accuracy(x, data["Y_val"], data["C_val"])

    start = time.perf_counter()
    if solver == "newton":
        x, values, work, accs, info = _train_newton(ctx, obj, x0, maxiter, val_acc)
    elif solver == "varpro":
        phi = VarProObjective(model, Y, C, lam_W=LAM_W, reg_theta=reg)
        x, values, work, accs, info = _train_varpro(ctx, phi, theta0, maxiter, val_acc)
    else:
        x, values, work, accs, info = _train_sgd(ctx, obj, x0, maxiter, val_acc)
    seconds = time.perf_counter() - start

    acc = {part: obj.accuracy(x, data[f"Y_{part}"], data[f"C_{part}"]) for part in ("train", "val", "test")}
    objective = obj(x).value
    ctx.table([{"solver": solver, "m": width, "N": depth, "T": T, "train acc": acc["train"],
                "val acc": acc["val"], "test acc": acc["test"], "objective": objective,
                "passes": float(work[-1]), "seconds": seconds, **info}],
              title=f"ResNet on peaks ({n_train} train / {n_val} val / {n_test} test, "
                    f"{model.n_params} + {obj.W_shape[0] * obj.W_shape[1]} parameters)")

    scaler = data["scaler"]
    plot_decision_regions(lambda P: obj.predict(x, scaler.transform(P)), data["raw_test"], data["C_test"],
                          ctx.figure_path("decision_regions"),
                          title=f"ResNet m = {width}, N = {depth}, T = {T:g} ({solver}): "
                                f"test accuracy {acc['test']:.1%}")
    label = {"newton": "Newton-CG (GN)", "varpro": "VarPro", "sgd": "SGD"}[solver]
    xlabel = "work (passes over the training set)"
    plot_convergence({label: values}, ctx.figure_path("objective_vs_work"), x={label: work}, xlabel=xlabel,
                     ylabel="E(θ, W)", title="ResNet on peaks: training objective")
    plot_convergence({label: accs}, ctx.figure_path("val_accuracy_vs_work"), x={label: work}, xlabel=xlabel,
                     ylabel="validation accuracy", logy=False, title="ResNet on peaks: validation accuracy")

    p_open, scale = opening.n_params, np.sqrt(n_test)
    norms = {}
    for label, theta in (("initial θ", theta0), ("trained θ", obj.split(x)[0])):
        Y_open = opening.forward(theta[:p_open], data["Y_test"])[0]
        norms[label] = state_norms(resnet, theta[p_open:], Y_open) / scale
    plot_curves(np.arange(depth + 1), norms, ctx.figure_path("state_norms"), xlabel="layer j",
                ylabel="‖Y_j‖_F / √n", title="ResNet states through depth (test points)")

    return {"test_acc": acc["test"], "train_acc": acc["train"], "val_acc": acc["val"],
            "objective": objective, "solver": solver, "width": width, "depth": depth, "T": T,
            "n_train": n_train, "n_test": n_test, "work_passes": float(work[-1]),
            "train_seconds": seconds, "state_norm_growth": float(norms["trained θ"][-1] / norms["trained θ"][0]),
            **info}
