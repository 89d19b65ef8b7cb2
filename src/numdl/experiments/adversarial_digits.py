"""Lecture 8: adversarial examples — small perturbations of digits that change the label.

A random-features classifier ``c(y) = argmax W [σ(K y + b); 1]`` (``tanh``, width
``m``, only ``W`` trained, see :mod:`numdl.experiments.random_features`) is trained on
the digits. It acts on raw pixels ``y ∈ [0, 1]^64``: the input scaling
``ỹ = (y − μ)/s`` (mean image ``μ`` and one overall standard deviation ``s`` of the
training pixels) is folded into the layer (:func:`fold_input_scaling`). One ``s`` for
all pixels, not one per pixel: pixels that are almost constant in the training set
(the border) would otherwise be amplified by factors in the hundreds and give the
attack a trivial route. For correctly classified test images ``y_j`` and target classes
``ĉ_j`` (the runner-up class of ``y_j``) the perturbations ``D = [d_1, …, d_k]`` solve

    min_D  Φ_α(D) = Σ_j E(W σ(K(y_j + d_j) + b), ĉ_j) + (α/2) ‖D‖_F²,
    subject to 0 ≤ y_j + d_j ≤ 1         (the perturbed image is an image)

(``E`` the cross-entropy of one example), one independent problem per image solved
jointly by projected Newton-CG with a Gauss-Newton Hessian
(:class:`~numdl.objectives.AdversarialObjective`). A continuation decreases ``α`` from large (``d ≈ 0``)
by halving until the label flips; the first ``d_j(α)`` that flips image ``j`` is its
(approximately) smallest perturbation along the regularization path.

A second attack bounds the perturbation entry-wise instead, ``‖d_j‖_∞ ≤ ε`` (by
projection, ``α = 0``), for a sweep of ``ε``: the flip rate as a function of ``ε``.

The lecture's point: the label of a classifier with about 98 % test accuracy is changed
by perturbations of about 15 % of the image norm, which leave the digit easy to read for
a person.
"""

from __future__ import annotations

import numpy as np

from numdl.data import load_digits
from numdl.experiments.random_features import fit_readout, random_layer
from numdl.experiments.registry import experiment
from numdl.losses import softmax
from numdl.objectives import AdversarialObjective
from numdl.optim import newton_cg
from numdl.plot import plot_curves, plot_montage
from numdl.utils.validation import check_array, check_labels


def fold_input_scaling(layer, theta, mean, scale) -> np.ndarray:
    """Parameters of ``layer`` acting on raw inputs ``y`` instead of ``ỹ = (y − μ) / s``.

    ``K ỹ + b = K' y + b'`` with ``K' = K diag(1/s)`` and ``b' = b − K' μ``.

    Parameters
    ----------
    layer : SingleLayer
        A layer with a vector bias.
    theta : ndarray
        Its parameters ``(vec(K), b)`` for scaled inputs ``ỹ``.
    mean : array_like, shape (n_f,)
        ``μ``.
    scale : float or array_like, shape (n_f,)
        ``s > 0`` (one number, or one per feature).

    Returns
    -------
    ndarray
        ``θ' = (vec(K'), b')``.
    """
    K, b = layer.split_theta(theta)
    K_raw = K / np.broadcast_to(np.asarray(scale, dtype=K.dtype), (K.shape[1],))
    return np.concatenate([K_raw.reshape(-1), b - K_raw @ np.asarray(mean, dtype=K.dtype)])


def class_probabilities(layer, theta, W, Y) -> np.ndarray:
    """``softmax(W [σ(K Y + b); 1])``: shape ``(n_c, n)``."""
    Z = layer.forward(theta, Y)[0]
    return softmax(W[:, :-1] @ Z + W[:, -1:])


def attack_l2(layer, theta, W, Y, targets, alphas, *, maxiter: int = 20):
    """Continuation in ``α``: the first perturbation that changes each image's predicted label.

    Parameters
    ----------
    layer, theta, W
        The classifier.
    Y : ndarray, shape (n_f, k)
        Clean images with pixels in ``[0, 1]``.
    targets : ndarray of int, shape (k,)
        Target class of each image.
    alphas : sequence of float
        Decreasing regularization weights; each problem starts from the previous
        solution (warm start).
    maxiter : int
        Newton iterations per ``α``.

    Returns
    -------
    D : ndarray, shape (n_f, k)
        For each image, the perturbation at the first ``α`` at which its predicted
        label changed (usually to the target; the last one if it never changed).
    flipped : ndarray of bool, shape (k,)
    alpha_flip : ndarray, shape (k,)
        That ``α`` (``nan`` where not flipped).
    """
    n_c = W.shape[0]
    C_target = np.eye(n_c)[:, targets]
    pred = np.argmax(class_probabilities(layer, theta, W, Y), axis=0)
    bounds = ((-Y).reshape(-1), (1 - Y).reshape(-1))
    d = np.zeros(Y.size)
    D_best = np.zeros_like(Y)
    flipped = np.zeros(Y.shape[1], bool)
    alpha_flip = np.full(Y.shape[1], np.nan)
    for alpha in alphas:
        obj = AdversarialObjective(layer, theta, W, Y, C_target, alpha)
        d = newton_cg(obj, d, rtol=1e-4, maxiter=maxiter, bounds=bounds).x
        D = d.reshape(Y.shape)
        new = (np.argmax(class_probabilities(layer, theta, W, Y + D), axis=0) != pred) & ~flipped
        D_best[:, new] = D[:, new]
        alpha_flip[new] = alpha
        flipped |= new
        if flipped.all():
            break
    D_best[:, ~flipped] = D[:, ~flipped]
    return D_best, flipped, alpha_flip


def attack_linf(layer, theta, W, Y, targets, eps: float, *, maxiter: int = 30) -> np.ndarray:
    """``min Σ_j E(…(y_j + d_j)…, ĉ_j)`` over ``‖d_j‖_∞ ≤ ε``, ``0 ≤ y_j + d_j ≤ 1`` (projected Newton-CG)."""
    n_c = W.shape[0]
    obj = AdversarialObjective(layer, theta, W, Y, np.eye(n_c)[:, targets], 0.0)
    bounds = (np.maximum(-Y, -eps).reshape(-1), np.minimum(1 - Y, eps).reshape(-1))
    return newton_cg(obj, np.zeros(Y.size), rtol=1e-6, maxiter=maxiter, bounds=bounds).x.reshape(Y.shape)


@experiment("adversarial-digits", "Adversarial examples: smallest perturbations that change a digit's label",
            lecture=8)
def adversarial_digits(ctx):
    data = load_digits(test_size=0.3, seed=0)
    n_f = data.Y_train.shape[0]
    m, lam = ctx.size(1000, 300), 1e-3
    layer, theta_scaled = random_layer(n_f, m, "tanh", 1.0, ctx.rng)
    theta = fold_input_scaling(layer, theta_scaled, data.Y_train.mean(axis=1), data.Y_train.std())
    obj, w = fit_readout(layer.forward(theta, data.Y_train)[0], data.C_train, lam)
    W = obj.weights(w)
    test_acc = obj.accuracy(w, layer.forward(theta, data.Y_test)[0], data.C_test)

    P_test = class_probabilities(layer, theta, W, data.Y_test)
    labels = np.argmax(data.C_test, axis=0)
    correct = np.flatnonzero(np.argmax(P_test, axis=0) == labels)
    pick = ctx.rng.permutation(correct)[: ctx.size(40, 10)]
    Y, P = data.Y_test[:, pick], P_test[:, pick]
    pred = np.argmax(P, axis=0)
    targets = np.argsort(P, axis=0)[-2]  # the runner-up class

    alphas = 2.0 ** np.arange(8, ctx.size(-8, -4), -1)
    D, flipped, alpha_flip = attack_l2(layer, theta, W, Y, targets, alphas, maxiter=ctx.size(20, 10))
    P_new = class_probabilities(layer, theta, W, Y + D)
    new_pred = np.argmax(P_new, axis=0)
    k = np.arange(Y.shape[1])
    norm_d = np.linalg.norm(D, axis=0)
    rel = norm_d / np.linalg.norm(Y, axis=0)
    linf = np.abs(D).max(axis=0)

    n_show = min(8, Y.shape[1])
    ctx.table([{"image": int(pick[j]), "label": int(labels[pick[j]]), "pred (p)": f"{pred[j]} ({P[pred[j], j]:.2f})",
                "target": int(targets[j]), "new pred (p)": f"{new_pred[j]} ({P_new[new_pred[j], j]:.2f})",
                "α": alpha_flip[j], "‖d‖": norm_d[j], "‖d‖/‖y‖": rel[j], "‖d‖∞": linf[j]}
               for j in range(n_show)],
              title=f"ℓ2 attack by continuation in α (tanh random features, m = {m}, test accuracy "
                    f"{test_acc:.1%}); flipped {flipped.sum()} of {flipped.size}")

    eps_list = ctx.size([0.02, 0.05, 0.1, 0.15, 0.2, 0.3], [0.05, 0.2])
    flip_rate = []
    for eps in eps_list:
        D_eps = attack_linf(layer, theta, W, Y, targets, eps, maxiter=ctx.size(30, 15))
        flip_rate.append(float(np.mean(np.argmax(class_probabilities(layer, theta, W, Y + D_eps), axis=0)
                                       == targets)))
    ctx.table([{"ε": e, "flip rate": f} for e, f in zip(eps_list, flip_rate)],
              title="ℓ∞ attack: fraction of images given their target label with ‖d‖∞ ≤ ε (pixels in [0, 1])")

    shown = slice(0, n_show)
    d_max = float(np.abs(D[:, shown]).max()) or 1.0  # perturbations shown on one scale, 0 as gray
    images = np.concatenate([Y[:, shown], 0.5 + 0.5 * D[:, shown] / d_max,
                             np.clip(Y + D, 0, 1)[:, shown]], axis=1)
    tags = ([f"{pred[j]} ({P[pred[j], j]:.2f})" for j in k[shown]]
            + [f"d: ‖d‖/‖y‖ = {rel[j]:.2f}" for j in k[shown]]
            + [f"→ {new_pred[j]} ({P_new[new_pred[j], j]:.2f})" for j in k[shown]])
    plot_montage(images.reshape(8, 8, -1), ctx.figure_path("adversarial_montage"), labels=tags, ncols=n_show,
                 title="original (predicted label, probability) / perturbation (gray = 0) / perturbed")
    plot_curves(np.array(eps_list), {"flip rate": flip_rate}, ctx.figure_path("flip_rate_vs_eps"),
                xlabel="ε (‖d‖∞ bound, pixels in [0, 1])", ylabel="fraction of labels changed to the target",
                title="ℓ∞-bounded targeted attack")

    metrics = {"test_acc_clean": test_acc, "width": m, "n_images": int(Y.shape[1]),
               "flip_rate": float(flipped.mean())}
    if flipped.any():  # statistics of the successful perturbations
        metrics.update({"to_target_rate": float(np.mean(new_pred[flipped] == targets[flipped])),
                        "mean_rel_perturbation": float(rel[flipped].mean()),
                        "median_rel_perturbation": float(np.median(rel[flipped])),
                        "mean_norm_d": float(norm_d[flipped].mean()),
                        "mean_linf_d": float(linf[flipped].mean()),
                        "mean_new_label_prob": float(P_new[new_pred, k][flipped].mean())})
    metrics.update({f"flip_rate_linf_{e:g}": f for e, f in zip(eps_list, flip_rate)})
    return metrics
