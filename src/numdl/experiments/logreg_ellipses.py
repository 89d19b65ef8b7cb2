"""Lecture 4: logistic regression on the ellipses, with and without feature engineering.

The inner ellipse (class 0) and the surrounding ring (class 1) are not linearly
separable in the raw coordinates ``(x, y)``: any line leaves a large part of the ring
on the wrong side, and logistic regression does no better than about chance. In the
quadratic features ``(x, y, x², y², x y)`` the boundary ellipse is a hyperplane, and
the same linear model separates the classes almost perfectly.

Model: ``min_{w,b} (1/n) Σ_j (softplus(s_j) − c_j s_j) + (λ/2)‖w‖²``, ``s = wᵀφ(y) + b``,
solved by Newton-CG; independent test draw.
"""

from __future__ import annotations

import numpy as np

from numdl.data import ellipses
from numdl.experiments.registry import experiment
from numdl.objectives import LinearClassifierObjective
from numdl.optim import newton_cg
from numdl.plot import plot_decision_regions


def quadratic_features(Y):
    """``φ(x, y) = (x, y, x², y², x y)`` for points ``Y (2, n)``: shape ``(5, n)``."""
    x, y = Y
    return np.vstack([x, y, x**2, y**2, x * y])


FEATURES = {
    "raw": ("(x, y)", lambda Y: Y),
    "engineered": ("(x, y, x², y², xy)", quadratic_features),
}


@experiment("logreg-ellipses", "Logistic regression on ellipses: raw (x, y) vs quadratic features",
            lecture=4)
def logreg_ellipses(ctx):
    n_train, n_test = ctx.size(1000, 300), ctx.size(2000, 300)
    Y_train, C_train = ellipses(n_train, seed=ctx.rng)
    Y_test, C_test = ellipses(n_test, seed=ctx.rng)
    lam = 1e-4

    rows, metrics = [], {"n_train": n_train, "n_test": n_test, "lam": lam}
    for name, (label, phi) in FEATURES.items():
        obj = LinearClassifierObjective(phi(Y_train), C_train, loss="logistic", lam=lam)
        res = newton_cg(obj, obj.init_theta(), rtol=1e-8, maxiter=100)
        train_acc = obj.accuracy(res.x, phi(Y_train), C_train)
        test_acc = obj.accuracy(res.x, phi(Y_test), C_test)
        rows.append({"features": label, "train acc": train_acc, "test acc": test_acc,
                     "Newton iters": res.n_iter, "objective": res.value})
        plot_decision_regions(lambda P, obj=obj, x=res.x, phi=phi: obj.predict(x, phi(P)),
                              Y_test, C_test, ctx.figure_path(f"regions_{name}"),
                              title=f"Logistic regression on {label}: test accuracy {test_acc:.1%}")
        metrics.update({f"test_acc_{name}": test_acc, f"train_acc_{name}": train_acc,
                        f"n_iter_{name}": res.n_iter, f"objective_{name}": res.value,
                        f"converged_{name}": res.converged})
    ctx.table(rows, title=f"Logistic regression on ellipses ({n_train} train / {n_test} test, "
                          f"λ = {lam:g})")
    return metrics
