"""Lecture 4: a linear softmax classifier on *peaks* (5 classes) — and why it fails.

The classes are the level bands of MATLAB's ``peaks`` surface: curved, nested and
disconnected regions. A linear classifier ``S = W [y; 1]`` can only cut the plane
into convex polygons (one per class), so even the optimal weights — the cross-entropy
minimizer found by Newton-CG to high accuracy — classify only about half of the points
correctly. This motivates the nonlinear models of Module 2.
"""

from __future__ import annotations

from numdl.data import peaks
from numdl.experiments.registry import experiment
from numdl.objectives import LinearClassifierObjective
from numdl.optim import newton_cg
from numdl.plot import plot_convergence, plot_decision_regions


@experiment("softmax-peaks", "Linear softmax classifier on peaks (5 classes): a linear model fails",
            lecture=4)
def softmax_peaks(ctx):
    n_c = 5
    n_train, n_test = ctx.size(5000, 1000), ctx.size(5000, 1000)
    Y_train, C_train = peaks(n_train, n_c, seed=ctx.rng)
    Y_test, C_test = peaks(n_test, n_c, seed=ctx.rng)
    lam = 1e-4

    obj = LinearClassifierObjective(Y_train, C_train, lam=lam)
    res = newton_cg(obj, obj.init_theta(), rtol=1e-10, maxiter=100)
    train_acc = obj.accuracy(res.x, Y_train, C_train)
    test_acc = obj.accuracy(res.x, Y_test, C_test)
    ctx.table([{"train acc": train_acc, "test acc": test_acc, "chance": 1 / n_c,
                "Newton iters": res.n_iter, "objective": res.value, "|g|": res.grad_norm}],
              title=f"Linear softmax on peaks, {n_c} classes ({n_train} train / {n_test} test)")

    plot_decision_regions(lambda P: obj.predict(res.x, P), Y_test, C_test,
                          ctx.figure_path("decision_regions"),
                          title=f"Linear softmax on peaks: test accuracy {test_acc:.1%}")
    plot_convergence({"gradient norm": res.history["grad_norm"]}, ctx.figure_path("convergence"),
                     ylabel="‖∇Φ‖", title="Newton-CG on the softmax cross-entropy")
    return {"test_acc": test_acc, "train_acc": train_acc, "chance_acc": 1 / n_c,
            "n_iter": res.n_iter, "converged": res.converged, "objective": res.value,
            "n_train": n_train, "n_test": n_test}
