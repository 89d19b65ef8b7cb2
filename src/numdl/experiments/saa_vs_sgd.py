"""Lecture 9: stochastic average approximation (SAA) vs. SGD / Adam at equal work.

The problem is the single layer on *peaks* of ``single-layer-peaks`` (``m = 40``,
tanh, standardized inputs, weight decay ``10⁻⁶``). Its objective is a mean over the
training examples, so both families see only samples of the data:

* SAA (:func:`~numdl.objectives.saa`): draw a fixed random sample of ``s`` examples,
  minimize the (deterministic) sample objective by Newton-CG with the block
  Gauss-Newton Hessian for a few (5) iterations, warm-start the next round on a new
  sample; the validation error picks the best round;
* SGD with momentum and Adam (:func:`~numdl.optim.train`): mini-batches of 32, cosine
  learning-rate decay; the validation error picks the best epoch.

Work is measured in examples processed — every value-and-gradient evaluation and
every Gauss-Newton mat-vec of SAA counts its ``s`` examples, every mini-batch
gradient its 32 — and reported in passes over the training set. SAA runs until the
work budget is spent; SGD and Adam then get the same number of passes. The figures
show the full training objective and the validation accuracy against work; the
table adds the wall-clock time (at equal work SAA runs far fewer, larger BLAS
products than SGD's mini-batches of 32).
"""

from __future__ import annotations

import functools
import time
import warnings

import numpy as np

from numdl.experiments.registry import experiment
from numdl.experiments.single_layer_peaks import LAM, initial_theta, peaks_problem
from numdl.layers import SingleLayer
from numdl.objectives import NetworkObjective, saa
from numdl.optim import ConvergenceWarning, adam, schedules, sgd, train
from numdl.plot import plot_convergence

BATCH_SIZE = 32


def _run_sgd(obj, x0, optimizer, epochs, validation, accuracy, seed):
    """Mini-batch training from ``x0``; full objective and validation accuracy after every epoch.

    Returns ``(best x, work per epoch, objectives, validation accuracies, passes, seconds)``;
    the seconds exclude the per-epoch bookkeeping of the full objective.
    """
    values, accs, spent = [obj(x0).value], [accuracy(x0)], [0.0]

    def record(epoch, theta, info):
        tic = time.perf_counter()
        values.append(obj(theta).value)
        accs.append(accuracy(theta))
        spent[0] += time.perf_counter() - tic

    start = time.perf_counter()
    with warnings.catch_warnings():  # a diverging run ends with a reason, reported in the table
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = train(obj, x0, optimizer, n_examples=obj.n, batch_size=BATCH_SIZE, epochs=epochs, seed=seed,
                    validation=validation, callback=record, progress=False)
    seconds = time.perf_counter() - start - spent[0]
    work = np.concatenate([[0.0], res.history["n_examples"] / obj.n])
    return res.theta, work, np.array(values), np.array(accs), res.n_examples / obj.n, seconds


@experiment("saa-vs-sgd", "SAA (fixed samples + Newton-CG) vs. SGD and Adam at equal work, single layer on peaks",
            lecture=9)
def saa_vs_sgd(ctx):
    return _saa_vs_sgd(ctx)


def _saa_vs_sgd(ctx):
    n_train, n_val, n_test = ctx.size(5000, 800), ctx.size(1000, 200), ctx.size(2000, 400)
    width, sample_size = ctx.size(40, 10), ctx.size(500, 100)
    budget_passes = ctx.size(150, 6)
    data = peaks_problem(ctx, n_train, n_test, n_val)
    layer = SingleLayer(2, width, "tanh")
    obj = NetworkObjective(layer, data["Y_train"], data["C_train"], lam_theta=LAM, lam_W=LAM)
    x0 = obj.join(initial_theta(layer, ctx.rng), np.zeros(obj.W_shape))

    def val_error(x):
        return 1.0 - obj.accuracy(x, data["Y_val"], data["C_val"])

    def val_acc(x):
        return obj.accuracy(x, data["Y_val"], data["C_val"])

    # --- SAA until the budget is spent --------------------------------------------------
    saa_values, saa_accs, saa_work, spent = [obj(x0).value], [val_acc(x0)], [0.0], [0.0]

    def record(r, theta, info):
        tic = time.perf_counter()
        saa_values.append(obj(theta).value)
        saa_accs.append(val_acc(theta))
        saa_work.append(info["n_examples"] / obj.n)
        spent[0] += time.perf_counter() - tic

    start = time.perf_counter()
    res = saa(lambda idx: functools.partial(obj, idx=idx), x0, n_examples=obj.n, sample_size=sample_size,
              n_samples=10_000, solver="newton", solver_kwargs={"maxiter": 5, "cg_maxiter": 50, "rtol": 1e-8},
              validation=val_error, max_examples=budget_passes * obj.n, seed=ctx.rng, callback=record,
              progress=False)
    seconds = time.perf_counter() - start - spent[0]
    passes = res.n_examples / obj.n
    runs = {f"SAA (s = {sample_size}, Newton-CG)": (res.theta, np.array(saa_work), np.array(saa_values),
                                                   np.array(saa_accs), passes, seconds)}

    # --- SGD and Adam with the same number of passes ------------------------------------
    epochs = max(1, int(round(passes)))
    steps = epochs * -(-obj.n // BATCH_SIZE)
    optimizers = {"SGD + momentum": sgd(schedules.cosine_decay(0.1, steps), momentum=0.9),
                  "Adam": adam(schedules.cosine_decay(0.01, steps))}
    for name, optimizer in ctx.progress(optimizers.items(), desc="sgd/adam", total=len(optimizers)):
        runs[name] = _run_sgd(obj, x0, optimizer, epochs, val_error, val_acc, ctx.rng)

    rows, metrics = [], {"sample_size": sample_size, "saa_rounds": res.n_rounds, "saa_best_round": res.best_round,
                         "budget_passes": budget_passes, "epochs": epochs, "width": width}
    for (name, (x, work, values, accs, used, secs)), key in zip(runs.items(), ("saa", "sgd", "adam")):
        test_acc = obj.accuracy(x, data["Y_test"], data["C_test"])
        rows.append({"method": name, "passes": used, "final objective": values[-1],
                     "best val acc": float(np.max(accs)), "test acc": test_acc, "seconds": secs})
        metrics.update({f"test_acc_{key}": test_acc, f"work_passes_{key}": float(used),
                        f"objective_{key}": float(values[-1]), f"val_acc_{key}": float(np.max(accs)),
                        f"seconds_{key}": secs})
    ctx.table(rows, title=f"Single layer (m = {width}) on peaks, {n_train} training examples: equal work "
                          f"(≈ {passes:.0f} passes over the training set)")

    plot_convergence({k: v[2] for k, v in runs.items()}, ctx.figure_path("objective_vs_work"),
                     x={k: v[1] for k, v in runs.items()}, xlabel="work (passes over the training set)",
                     ylabel="training objective E(θ, W)", title="SAA vs. SGD at equal work")
    plot_convergence({k: v[3] for k, v in runs.items()}, ctx.figure_path("validation_accuracy_vs_work"),
                     x={k: v[1] for k, v in runs.items()}, xlabel="work (passes over the training set)",
                     ylabel="validation accuracy", logy=False, title="SAA vs. SGD: validation accuracy")
    return metrics
