"""Lecture 2: a least-squares classifier for the 8x8 digits.

``min_{W,b} ½‖W Y + b eᵀ − C‖_F² + (λ/2)‖[W, b]‖_F²`` on standardized pixels
(stratified 70/30 split, seed 0). ``A = [Yᵀ, e]`` is rank deficient (some border pixels
are blank in every training image), so ``λ = 0`` means the minimum-norm solution from
the SVD. A small ridge ``λ`` is chosen on a validation part of the training set (never
on the test set); the final model is refit on the whole training set.
"""

from __future__ import annotations

import warnings

import numpy as np

from numdl.data import load_digits, split_data
from numdl.experiments.registry import experiment
from numdl.linalg import (LeastSquaresClassifier, RankDeficientWarning, classification_error,
                          cross_validate_lambda, design_matrix)
from numdl.plot import plot_curves, plot_singular_values, plot_weights_as_images


@experiment("lsq-digits", "Least-squares classifier on the 8x8 digits (ridge λ by validation)",
            lecture=2)
def lsq_digits(ctx):
    data = load_digits(test_size=0.3, seed=0, standardize=True)
    # validation part of the training set, for choosing λ only
    part = split_data(data.Y_train, data.C_train, val_size=0.0, test_size=0.25, seed=ctx.seed)
    lams = np.geomspace(1e-3, 1e4, ctx.size(36, 15))
    cv = cross_validate_lambda(design_matrix(part.Y_train), part.C_train.T,
                               design_matrix(part.Y_test), part.C_test.T, lams,
                               error=classification_error)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficientWarning)   # rank reported below
        plain = LeastSquaresClassifier().fit(data.Y_train, data.C_train)
    ridge = LeastSquaresClassifier().fit(data.Y_train, data.C_train, lam=cv.best)

    s = plain.singular_values_
    rows = [{"model": "λ = 0 (min-norm, SVD)", "λ": 0.0,
             "train acc": plain.score(data.Y_train, data.C_train),
             "test acc": plain.score(data.Y_test, data.C_test)},
            {"model": "ridge, λ by validation", "λ": cv.best,
             "train acc": ridge.score(data.Y_train, data.C_train),
             "test acc": ridge.score(data.Y_test, data.C_test)}]
    ctx.table(rows, title=f"Least-squares classifier, digits: {data.Y_train.shape[1]} train / "
                          f"{data.Y_test.shape[1]} test, A = [Yᵀ, e] of rank {plain.rank_} "
                          f"(of {s.size} columns)")

    plot_weights_as_images(ridge.W_, (8, 8), ctx.figure_path("weights"),
                           titles=[f"class {k}" for k in range(10)],
                           title=f"Least-squares weights W (λ = {cv.best:.3g})")
    plot_singular_values({"A = [Yᵀ, e] (train)": s}, ctx.figure_path("singular_values"),
                         title="Singular values of A (zeros: blank pixels)")
    plot_curves(lams, {"validation error": cv.val_errors}, ctx.figure_path("validation_curve"),
                xlabel="λ", ylabel="misclassification rate", logx=True,
                title="Choosing λ on a validation part of the training set")

    positive = s[s > s[0] * 1e-12]
    return {
        "test_acc": rows[1]["test acc"],
        "train_acc": rows[1]["train acc"],
        "val_acc": 1 - cv.val_errors[cv.index],
        "test_acc_lam0": rows[0]["test acc"],
        "train_acc_lam0": rows[0]["train acc"],
        "lam": cv.best,
        "rank_A": plain.rank_,
        "n_columns_A": s.size,
        "cond_A_nonzero": positive[0] / positive[-1],
        "n_train": data.Y_train.shape[1],
        "n_test": data.Y_test.shape[1],
    }
