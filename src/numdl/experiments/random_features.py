"""Lecture 7: random features (extreme learning machine) with sin, tanh and ReLU.

The nonlinear model ``S = W [Z; eᵀ]``, ``Z = σ(K Y + b eᵀ)``, with a *random, fixed*
first layer ``K ∈ R^{m×n_f}``, ``b ∈ R^m`` and only ``W`` trained: the objective

    Φ(W) = softmax-CE(W [Z; eᵀ], C) + (λ/2)‖W_f‖²

is convex in ``W`` (the features ``Z`` are data), so Newton-CG finds its minimizer.
The weights are drawn as ``K_ij ~ N(0, s²/n_f)`` and ``b_i ~ N(0, s²)`` for
standardized inputs, so that every pre-activation ``(K y + b)_i`` has variance about
``2 s²`` whatever ``n_f`` is; the scale ``s`` sets the frequency of the features
(larger ``s``: more oscillation for sin, sharper steps for tanh, more spread-out
kinks for ReLU).

Points shown:

* **Rank.** With ``σ`` the identity, ``Z = K Y + b eᵀ`` has rank at most ``n_f + 1``
  however wide the layer: a linear model in disguise. A nonlinear ``σ`` lifts the rank:
  the singular values of ``Z`` decay slowly instead of dropping to zero after ``n_f + 1``.
* **Width.** Test accuracy grows with the width ``m``; on *peaks* (5 classes, where a
  linear classifier reaches about 50 %) a few hundred random features suffice, on the
  digits ``m = 2000`` features give about 97 %.

The weight decay ``λ`` is chosen per data set and activation at the largest width by
the cross-entropy on a validation part of the training set (never the test set) and
then used for every width. The widths are nested: the features of width ``m`` are the
first ``m`` rows of those of the largest width (the same random draw), so the curves
show the effect of ``m`` alone.

Figures: singular values of ``Z`` and test accuracy against ``m`` for each data set,
and the decision regions on *peaks* of the widest model of each activation.
"""

from __future__ import annotations

import numpy as np

from numdl.data import Standardizer, load_digits, peaks, split_data
from numdl.experiments.registry import experiment
from numdl.layers import SingleLayer
from numdl.objectives import LinearClassifierObjective
from numdl.optim import newton_cg
from numdl.plot import plot_curves, plot_decision_regions, plot_singular_values

#: Activations compared, with the identity as the linear reference.
ACTIVATIONS = ("sin", "tanh", "relu", "identity")


def random_layer(n_f: int, m: int, activation, scale: float, rng) -> tuple[SingleLayer, np.ndarray]:
    """A single layer ``σ(K y + b)`` of width ``m`` with random parameters.

    Parameters
    ----------
    n_f, m : int
        Input features and width.
    activation : str or Activation
        ``σ``.
    scale : float
        ``s > 0``: ``K_ij ~ N(0, s²/n_f)``, ``b_i ~ N(0, s²)``.
    rng : numpy.random.Generator

    Returns
    -------
    layer : SingleLayer
    theta : ndarray, shape (m·n_f + m,)
        ``(vec(K), b)`` in the layout of :class:`~numdl.layers.SingleLayer`.
    """
    layer = SingleLayer(n_f, m, activation)
    K = scale / np.sqrt(n_f) * rng.standard_normal((m, n_f))
    b = scale * rng.standard_normal(m)
    return layer, np.concatenate([K.reshape(-1), b])


def fit_readout(Z, C, lam: float) -> tuple[LinearClassifierObjective, np.ndarray]:
    """Train only the read-out weights ``W`` on features ``Z`` by Newton-CG.

    Returns the objective (for ``accuracy``/``predict``) and the minimizer ``theta = vec(W)``,
    computed to ``‖∇Φ‖ ≤ 10⁻⁴ ‖∇Φ(0)‖`` (tighter tolerances change no predicted label here
    but cost many more CG iterations on the ill-conditioned wide feature matrices).
    """
    obj = LinearClassifierObjective(Z, C, lam=lam)
    res = newton_cg(obj, obj.init_theta(), rtol=1e-4, maxiter=60)
    return obj, res.x


def choose_lam(Z_fit, C_fit, Z_val, C_val, lams) -> tuple[float, np.ndarray]:
    """The weight decay with the smallest validation cross-entropy, and all of them."""
    val_loss = []
    for lam in lams:
        _, theta = fit_readout(Z_fit, C_fit, lam)
        val_loss.append(LinearClassifierObjective(Z_val, C_val)(theta).value)
    val_loss = np.array(val_loss)
    return float(lams[int(np.argmin(val_loss))]), val_loss


def numerical_rank(s: np.ndarray, rtol: float = 1e-6) -> int:
    """Number of singular values ``σ_i > rtol · σ_1``."""
    return int(np.count_nonzero(s > rtol * s[0]))


def _study(ctx, name, data, widths, scale, lams, n_sv, metrics):
    """Width sweep on one data set for every activation: table, two figures, metrics.

    Returns, per activation, the model of the largest width ``(layer, theta, objective,
    w = vec(W), test accuracy)``.
    """
    Y_tr, C_tr, Y_te, C_te = data
    n_f = Y_tr.shape[0]
    part = split_data(Y_tr, C_tr, val_size=0.0, test_size=0.25, seed=ctx.seed)
    m_max = int(max(widths))
    acc, singular, models, rows = {}, {}, {}, []
    for act in ACTIVATIONS:
        layer, theta = random_layer(n_f, m_max, act, scale, ctx.rng)

        def features(Y):
            return layer.forward(theta, Y)[0]

        lam, _ = choose_lam(features(part.Y_train), part.C_train, features(part.Y_test), part.C_test, lams)
        Z_tr, Z_te = features(Y_tr), features(Y_te)
        singular[act] = np.linalg.svd(Z_tr[:n_sv], compute_uv=False)
        acc[act] = []
        for m in widths:
            obj, w = fit_readout(Z_tr[:m], C_tr, lam)
            acc[act].append(obj.accuracy(w, Z_te[:m], C_te))
            metrics[f"test_acc_{name}_{act}_m{m}"] = acc[act][-1]
        train_acc = obj.accuracy(w, Z_tr, C_tr)
        models[act] = (layer, theta, obj, w, acc[act][-1])
        rank = numerical_rank(singular[act])
        rows.append({"σ": act, "λ": lam, "rank Z": rank,
                     **{f"m={m}": a for m, a in zip(widths, acc[act])}, "train acc": train_acc})
        metrics.update({f"lam_{name}_{act}": lam, f"rank_{name}_{act}": rank,
                        f"train_acc_{name}_{act}": train_acc})
    ctx.table(rows, title=f"{name}: test accuracy per width m (only W trained, λ chosen on validation); "
                          f"numerical rank of Z (σ_i > 1e-6 σ_1) at m = {n_sv}")

    plot_singular_values(singular, ctx.figure_path(f"singular_values_{name}"),
                         title=f"{name}: singular values of Z = σ(KY + b), m = {n_sv}, n = {Y_tr.shape[1]}")
    plot_curves(np.asarray(widths, float), acc, ctx.figure_path(f"accuracy_vs_width_{name}"),
                xlabel="width m (random features)", ylabel="test accuracy", logx=True,
                title=f"{name}: random features, only W trained (Newton-CG)")
    return models


@experiment("random-features", "Random features σ(KY+b) with sin/tanh/ReLU: rank and accuracy vs. width",
            lecture=7)
def random_features(ctx):
    metrics = {}
    lams = ctx.size(np.geomspace(1e-4, 1e-2, 3), np.array([1e-3]))

    n_c = 5
    Y_tr, C_tr = peaks(ctx.size(2000, 400), n_c, seed=ctx.rng)
    Y_te, C_te = peaks(ctx.size(2000, 400), n_c, seed=ctx.rng)
    scaler = Standardizer().fit(Y_tr)
    peaks_widths = ctx.size([10, 25, 50, 100, 200, 400], [10, 100])
    models = _study(ctx, "peaks", (scaler.transform(Y_tr), C_tr, scaler.transform(Y_te), C_te),
                    peaks_widths, 3.0, lams, ctx.size(400, 100), metrics)

    digits = load_digits(test_size=0.3, seed=0, standardize=True)
    digits_widths = ctx.size([25, 50, 100, 250, 500, 1000, 2000], [25, 100])
    _study(ctx, "digits", (digits.Y_train, digits.C_train, digits.Y_test, digits.C_test),
           digits_widths, 1.0, lams, ctx.size(500, 100), metrics)

    for act in ("sin", "tanh", "relu"):
        layer, theta, obj, w, acc = models[act]

        def predict(P, layer=layer, theta=theta, obj=obj, w=w):
            return obj.predict(w, layer.forward(theta, scaler.transform(P))[0])

        plot_decision_regions(predict, Y_te, C_te, ctx.figure_path(f"decision_regions_peaks_{act}"),
                              title=f"peaks, {act} random features, m = {peaks_widths[-1]}: "
                                    f"test accuracy {acc:.1%}")
    metrics["width_peaks_max"] = peaks_widths[-1]
    metrics["width_digits_max"] = digits_widths[-1]
    return metrics
