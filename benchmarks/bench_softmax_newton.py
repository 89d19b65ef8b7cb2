"""Softmax regression on digits: our Newton-CG vs scikit-learn LogisticRegression (newton-cg, lbfgs).

Same data (digits, stratified 70/30 split seed 0, standardized; the 1,257 training
examples), same model (multinomial softmax with an unpenalized intercept) and same
regularization: scikit-learn minimizes ``(1/n) Σ_i CE_i + (1/(2Cn)) ‖W‖²`` (its
objective divided by ``C n``), i.e. our ``LinearClassifierObjective(..., lam=1/(C n))``
with ``penalize_bias=False``. Both start from zero and run to the same gradient
tolerance: scikit-learn stops at ``max_i |g_i| ≤ tol``, ours at ``‖g‖₂ ≤ tol``
(stricter). The reached objectives (evaluated with our objective on both results)
are in the notes. BLAS and OpenMP run single-threaded on both sides (threadpoolctl):
on this small problem threads only add noise, and one side's spinning OpenMP
workers would otherwise slow down the other side's BLAS.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
from harness import compare
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from numdl.data import load_digits
from numdl.objectives import LinearClassifierObjective
from numdl.optim import newton_cg


def run():
    split = load_digits(test_size=0.3, seed=0, standardize=True)
    Y, C = split.Y_train, split.C_train
    labels = np.argmax(C, axis=0)
    n = Y.shape[1]
    reg_C = 1.0
    obj = LinearClassifierObjective(Y, C, lam=1.0 / (reg_C * n), penalize_bias=False)

    for solver, tol in (("newton-cg", 1e-4), ("newton-cg", 1e-8), ("lbfgs", 1e-6)):
        state = {}

        def ours(tol=tol, state=state):
            state["ours"] = newton_cg(obj, obj.init_theta(), rtol=0.0, atol=tol, maxiter=200).x

        def peer(solver=solver, tol=tol, state=state):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = LogisticRegression(C=reg_C, solver=solver, tol=tol, max_iter=10_000)
                model.fit(Y.T, labels)
            state["peer"] = np.hstack([model.coef_, model.intercept_[:, None]]).reshape(-1)

        with threadpool_limits(1):
            result = compare(f"softmax digits, ours newton_cg vs sklearn {solver} (tol {tol:g})",
                             ours, peer, repeats=7)
        f_ours, f_peer = obj(state["ours"]).value, obj(state["peer"]).value
        yield replace(result, detail=f"objective ours {f_ours:.12f}, peer {f_peer:.12f}")
