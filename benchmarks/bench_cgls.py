"""CGLS (numdl.linalg.cgls) vs. scipy.sparse.linalg.lsqr at equal tolerance, dense A.

Cases: (a) the digits least-squares matrix ``A = [Yᵀ, e]`` (1797 x 65, standardized
pixels, rank 62) with the indicator of class 3 as right-hand side; (b) a random dense
20000 x 784 Gaussian matrix (MNIST-sized features) with a random right-hand side.

Tolerances. CGLS stops when ``‖Aᵀr‖ ≤ rtol ‖Aᵀb‖``. LSQR's test for an inconsistent
system is ``‖Aᵀr‖ ≤ atol ‖A‖ ‖r‖`` with its running estimate ``‖A‖ ≈ ‖A‖_F`` (its other
test, ``‖r‖ ≤ btol ‖b‖ + atol ‖A‖ ‖x‖``, only fires for consistent systems). Near the
solution ``‖r‖ ≈ ‖r_*‖``, so ``atol = btol = rtol ‖Aᵀb‖ / (‖A‖_F ‖r_*‖)`` (``r_*`` from a
direct solve, outside the timing) asks LSQR for the same ``‖Aᵀr‖``. Because LSQR's
``‖A‖`` is an estimate the match is approximate; the notes report the reached relative
normal residual ``‖Aᵀr‖/‖Aᵀb‖`` and the iteration count of both.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import lsqr

from harness import compare
from numdl.data import load_digits
from numdl.linalg import cgls, design_matrix

RTOL = 1e-6


def _case(name: str, A: np.ndarray, b: np.ndarray, repeats: int):
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    r_star = np.linalg.norm(b - A @ x_star)
    Atb = np.linalg.norm(A.T @ b)
    tol = RTOL * Atb / (np.linalg.norm(A) * r_star)
    maxiter = 4 * A.shape[1]

    def ours():
        return cgls(A, b, rtol=RTOL, maxiter=maxiter)

    def peer():
        return lsqr(A, b, atol=tol, btol=tol, conlim=0, iter_lim=maxiter)

    res, ref = ours(), peer()

    def reached(x):
        return np.linalg.norm(A.T @ (b - A @ x)) / Atb

    diff = np.linalg.norm(res.x - ref[0]) / np.linalg.norm(ref[0])
    detail = (f"rtol {RTOL:g}; atol=btol {tol:.2e}; iterations {res.n_iter} vs {ref[2]}; "
              f"‖Aᵀr‖/‖Aᵀb‖ {reached(res.x):.2e} vs {reached(ref[0]):.2e}; "
              f"‖x − x_lsqr‖/‖x_lsqr‖ {diff:.1e}")
    return compare(name, ours, peer, repeats=repeats, detail=detail)


def run():
    data = load_digits(test_size=0.0, seed=0, standardize=True)
    A = design_matrix(data.Y_train)
    b = np.ascontiguousarray(data.C_train[3])
    yield _case(f"digits A {A.shape[0]}x{A.shape[1]}, 1 RHS", A, b, repeats=15)

    rng = np.random.default_rng(0)
    A = rng.standard_normal((20000, 784))
    b = rng.standard_normal(20000)
    yield _case("random A 20000x784, 1 RHS", A, b, repeats=5)
