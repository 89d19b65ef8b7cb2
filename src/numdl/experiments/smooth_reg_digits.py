"""Lecture 6: smoothness regularization for image classification on small training sets.

Softmax regression ``min_W (1/n) Σ_j CE(W [y_j; 1], c_j) + R(W)`` on the 8×8 digits
(pixels in ``[0, 1]``, stratified 70/30 split, seed 0) trained on only a few examples
per class. Each row ``w_k`` of ``W`` is an image, the template of class ``k``. Two
Tikhonov regularizers ``R(W) = (λ/2) Σ_k ‖L w_k‖²`` are compared:

* ``L = I`` — weight decay: small templates, no notion of neighbouring pixels;
* ``L = Δ_h`` — the discrete Laplacian on the pixel grid: smooth templates;
* ``L = [I; ∇_h]`` — weight decay plus the squared gradient (slopes) of each template.

On the coarse 8×8 digits, measured here, smoothness alone does *not* help: at 8×8
the strokes are one or two pixels wide, so smooth templates lose the detail that
separates the classes, and the Laplacian leaves the constant image unpenalized.
Combined with weight decay it is on par with weight decay. (The lecture's effect is
expected on finer images such as MNIST, 28×28.)

For every training size and regularizer, ``λ`` is chosen on a validation set
drawn from the rest of the training part (never on the test set); the test accuracy
is averaged over several random draws of the small training set.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from numdl.data import load_digits, to_labels
from numdl.experiments.registry import experiment
from numdl.objectives import LinearClassifierObjective
from numdl.optim import newton_cg
from numdl.plot import plot_curves, plot_weights_as_images
from numdl.regularizers import Tikhonov, gradient_operator, smoothness_regularizer

IMAGE = (8, 8)
N_C = 10


REGULARIZERS = {"decay": "weight decay", "laplacian": "Laplacian", "grad_decay": "gradient + decay"}


def regularizers(lam: float) -> dict:
    """The regularizers compared, on ``W (10, 65)`` with an unregularized bias column."""
    grad_and_identity = sp.vstack([sp.eye(np.prod(IMAGE)), gradient_operator(IMAGE)])
    return {"decay": Tikhonov(None, lam, n_c=N_C, bias=True),
            "laplacian": smoothness_regularizer(IMAGE, lam, kind="laplacian", bias=True),
            "grad_decay": Tikhonov(grad_and_identity, lam, n_c=N_C, bias=True)}


def stratified_subset(labels: np.ndarray, per_class: int, rng) -> np.ndarray:
    """Indices of ``per_class`` random examples of every class."""
    return np.concatenate([rng.choice(np.flatnonzero(labels == k), per_class, replace=False)
                           for k in range(N_C)])


def fit(Y, C, reg) -> np.ndarray:
    obj = LinearClassifierObjective(Y, C, regularizer=reg)
    return newton_cg(obj, obj.init_theta(), rtol=1e-6, maxiter=50).x, obj


@experiment("smooth-reg-digits", "Weight decay vs. smoothness (Laplacian, gradient) of the weights, small training sets",
            lecture=6)
def smooth_reg_digits(ctx):
    data = load_digits(test_size=0.3, seed=0)
    sizes = ctx.size([2, 5, 10, 20], [3, 10])
    n_draws = ctx.size(4, 1)
    lams = np.geomspace(1e-4, 1e1, ctx.size(11, 4))
    labels = to_labels(data.C_train)
    names = list(REGULARIZERS)
    acc = {name: np.zeros((len(sizes), n_draws)) for name in names}
    chosen = {name: np.zeros((len(sizes), n_draws)) for name in names}
    smallest = {}

    steps = ctx.progress(total=len(sizes) * n_draws, desc="training sets")
    for i, per_class in enumerate(sizes):
        for d in range(n_draws):
            train = stratified_subset(labels, per_class, ctx.rng)
            rest = np.setdiff1d(np.arange(labels.size), train)
            val = ctx.rng.choice(rest, size=min(300, rest.size), replace=False)
            Yt, Ct = data.Y_train[:, train], data.C_train[:, train]
            Yv, Cv = data.Y_train[:, val], data.C_train[:, val]
            for name in names:
                fits = [fit(Yt, Ct, regularizers(lam)[name]) for lam in lams]
                val_loss = [LinearClassifierObjective(Yv, Cv)(theta).value for theta, _ in fits]
                best = int(np.argmin(val_loss))
                theta, obj = fits[best]
                acc[name][i, d] = obj.accuracy(theta, data.Y_test, data.C_test)
                chosen[name][i, d] = lams[best]
                if i == 0 and d == 0:
                    smallest[name] = obj.weights(theta)[:, :-1]
            steps.update()
    steps.close()

    rows, metrics = [], {"n_test": data.Y_test.shape[1], "n_draws": n_draws}
    for i, per_class in enumerate(sizes):
        row = {"per class": per_class, "n train": per_class * N_C}
        for key in names:
            mean = float(acc[key][i].mean())
            row[f"test acc ({key})"] = mean
            row[f"λ ({key})"] = float(np.exp(np.log(chosen[key][i]).mean()))
            metrics[f"test_acc_{key}_{per_class}pc"] = mean
        rows.append(row)
    ctx.table(rows, title="Softmax on digits with few training examples: test accuracy "
                          f"(mean of {n_draws} draws), λ chosen on validation")
    for key in ("laplacian", "grad_decay"):
        gains = acc[key].mean(axis=1) - acc["decay"].mean(axis=1)
        metrics[f"{key}_gain_smallest"] = float(gains[0])
        metrics[f"{key}_gain_mean"] = float(gains.mean())

    plot_curves(np.array(sizes) * N_C, {REGULARIZERS[k]: acc[k].mean(axis=1) for k in names},
                ctx.figure_path("test_acc_vs_training_size"), xlabel="training examples",
                ylabel="test accuracy", title="Smoothness regularization on small training sets",
                logx=True)
    for key, W in smallest.items():
        plot_weights_as_images(W, IMAGE, ctx.figure_path(f"weights_{key}"),
                               titles=[str(k) for k in range(N_C)],
                               title=f"Class templates, {REGULARIZERS[key]}, {sizes[0]} examples per class")
    return metrics
