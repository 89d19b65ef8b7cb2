"""Lecture 9 (L1 regularization): sparse first-layer weights by proximal SGD.

A single layer and a softmax classifier, ``S = W [tanh(K Y + b); 1]``, is trained on
the standardized digits with an L1 penalty on the entries of ``K`` only:

    min_{θ, W}  E(θ, W) + λ ‖K‖₁,        θ = (vec(K), b),  x = [θ; vec(W)]

(:class:`~numdl.objectives.network.NetworkObjective` with a small weight decay on
``W``). The L1 term is not differentiable at 0; the proximal gradient method handles
it exactly: a mini-batch gradient step on ``E`` followed by soft thresholding of the
``K`` entries at ``α λ`` (``α`` the learning rate),

    x ← prox(x − α ∇E_B(x)),    prox: K_ij ← sign(K_ij) max(|K_ij| − α λ, 0),

(:func:`~numdl.optim.train` with ``prox=L1Prox(λ, mask)``, the mask selecting ``K``
in ``x``). An entry stays exactly zero as long as its mini-batch gradient satisfies
``|∂E_B/∂K_ij| ≤ λ`` — the optimality condition of the L1 problem. Larger ``λ``: more
exact zeros (pixels that a neuron ignores), a simpler model, at some point a loss of
accuracy.

The same thresholding after an Adam step (``prox-Adam``) is shown for contrast: Adam
rescales every coordinate of the step by ``1/√v̂``, so thresholding at ``α λ`` is no
longer the proximal map of that step (a heuristic): at the same ``λ`` it gives far
fewer exact zeros.

The sparse solution shown as images is the largest ``λ`` whose validation accuracy
(on a part of the training set) stays within two points of that of ``λ = 0``.
"""

from __future__ import annotations

import numpy as np

from numdl.data import load_digits, split_data
from numdl.experiments.registry import experiment
from numdl.layers import SingleLayer
from numdl.objectives.network import NetworkObjective
from numdl.optim import L1Prox, adam, sgd, train
from numdl.plot import plot_curves, plot_weights_as_images

#: The optimizers compared: constructor, learning rate.
OPTIMIZERS = {"prox-SGD": (sgd, 0.5), "prox-Adam": (adam, 0.01)}


def k_mask(obj: NetworkObjective) -> np.ndarray:
    """Boolean mask of the entries of ``K`` in ``x = [vec(K), b, vec(W)]``."""
    mask = np.zeros(obj.n_params, bool)
    layer = obj.model
    mask[: layer.n_out * layer.n_in] = True
    return mask


@experiment("l1-sparsity", "L1 on the first layer by proximal SGD: exact zeros in K vs. accuracy (digits)",
            lecture=9)
def l1_sparsity(ctx):
    data = load_digits(test_size=0.3, seed=0, standardize=True)
    part = split_data(data.Y_train, data.C_train, val_size=0.0, test_size=0.2, seed=ctx.seed)
    m, n_f = ctx.size(32, 16), data.Y_train.shape[0]
    layer = SingleLayer(n_f, m, "tanh")
    obj = NetworkObjective(layer, part.Y_train, part.C_train, lam_W=1e-3)
    x0 = obj.init(ctx.rng)
    mask = k_mask(obj)
    lams = ctx.size([0.0, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1], [0.0, 3e-3, 3e-2])
    batch_size, epochs = 128, ctx.size(150, 20)

    rows, metrics = [], {"width": m, "epochs": epochs, "batch_size": batch_size}
    zeros, test_acc, val_acc, K_of = {}, {}, {}, {}
    for name, (make, lr) in OPTIMIZERS.items():
        zeros[name], test_acc[name], val_acc[name] = [], [], []
        for lam in ctx.progress(lams, desc=name):
            res = train(obj, x0, make(lr), n_examples=obj.n, batch_size=batch_size, epochs=epochs,
                        seed=ctx.seed, prox=L1Prox(lam, mask=mask) if lam > 0 else None, progress=False)
            x = res.theta_last
            K = x[mask].reshape(m, n_f)
            zeros[name].append(float(np.mean(K == 0)))
            test_acc[name].append(obj.accuracy(x, data.Y_test, data.C_test))
            val_acc[name].append(obj.accuracy(x, part.Y_test, part.C_test))
            K_of[name, lam] = K
            key = f"{name.split('-')[1].lower()}_lam{lam:g}"
            metrics.update({f"zeros_{key}": zeros[name][-1], f"test_acc_{key}": test_acc[name][-1],
                            f"val_acc_{key}": val_acc[name][-1]})
            rows.append({"method": name, "λ": lam, "zeros in K": zeros[name][-1],
                         "dead neurons": int(np.sum(~K.any(axis=1))), "‖K‖₁": float(np.abs(K).sum()),
                         "train acc": obj.accuracy(x, part.Y_train, part.C_train),
                         "val acc": val_acc[name][-1], "test acc": test_acc[name][-1]})
    ctx.table(rows, title=f"Single tanh layer (m = {m}) on digits, L1 on K by soft thresholding, "
                          f"batch {batch_size}, {epochs} epochs")

    sgd_val = np.array(val_acc["prox-SGD"])
    shown = int(np.flatnonzero(sgd_val >= sgd_val[0] - 0.02).max())
    lam_shown = lams[shown]
    metrics.update({"lam_shown": lam_shown, "zeros_shown": zeros["prox-SGD"][shown],
                    "test_acc_shown": test_acc["prox-SGD"][shown]})

    plot_curves(zeros, test_acc, ctx.figure_path("accuracy_vs_sparsity"), xlabel="fraction of exact zeros in K",
                ylabel="test accuracy", title=f"L1 on K, λ ∈ {{{', '.join(f'{lam:g}' for lam in lams)}}}")
    K_dense, K_sparse = K_of["prox-SGD", lams[0]], K_of["prox-SGD", lam_shown]
    plot_weights_as_images(np.stack([K_dense.reshape(-1), K_sparse.reshape(-1)]), (m, n_f),
                           ctx.figure_path("K_dense_vs_sparse"),
                           titles=[f"λ = {lams[0]:g}", f"λ = {lam_shown:g}: {zeros['prox-SGD'][shown]:.0%} zeros"],
                           title="K (rows: neurons, columns: pixels)")
    plot_weights_as_images(K_sparse, (8, 8), ctx.figure_path("sparse_receptive_fields"),
                           title=f"rows of K as 8x8 images, λ = {lam_shown:g} (prox-SGD)")
    return metrics
