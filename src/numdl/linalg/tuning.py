"""Choosing the regularization: the L-curve and cross validation.

Lecture 3 (iterative regularization). Tikhonov's ``λ`` and the CGLS iteration count
both trade the data fit ``‖A x − b‖`` against the size ``‖x‖`` of the solution. Two
ways to choose them:

* the **L-curve**: plot ``log ‖x‖`` against ``log ‖A x − b‖`` over the family of
  solutions; it is L-shaped and its corner (maximum curvature) balances the two;
* **cross validation**: fit on training data, measure the error on held-out
  validation data, keep the value with the smallest validation error.

The test set is *never* used here: a test error reported after tuning on it would be
optimistic. Split train / validation / test first, tune with train and validation,
then report the test error once for the chosen value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from numdl.linalg.iterative import cgls
from numdl.linalg.lstsq import tikhonov_svd
from numdl.utils.validation import check_array

__all__ = ["lcurve", "lcurve_curvature", "CVResult", "squared_error", "classification_error",
           "cross_validate_lambda", "cross_validate_iterations"]


def lcurve_curvature(residual_norms, solution_norms) -> np.ndarray:
    """Signed curvature of the log-log L-curve at every point.

    The points are ``P_i = (ρ_i, η_i) = (log ‖r_i‖, log ‖x_i‖)`` in the order given
    (e.g. increasing ``λ`` or increasing iteration count). At an interior point the
    curvature is that of the circle through three neighbours (Menger curvature),

        κ_i = 2 ((P_i − P_{i−1}) × (P_{i+1} − P_i)) /
                (|P_i − P_{i−1}| |P_{i+1} − P_i| |P_{i+1} − P_{i−1}|),

    with ``u × v = u_1 v_2 − u_2 v_1``. It needs no parametrization, so it serves a
    ``λ`` sweep and CGLS iterates alike. The sign is flipped when the residual decreases
    along the sequence (``ρ_last < ρ_first``), so that an L-shaped corner (the curve
    turning from steep to flat as the residual grows) has positive curvature in either
    order.

    Points with a non-positive or non-finite norm (e.g. ``x_0 = 0``) and points that
    repeat their predecessor (stagnated iterates) are skipped and get ``NaN``, as do the
    first and last remaining points.

    Parameters
    ----------
    residual_norms, solution_norms : array_like, shape (N,)

    Returns
    -------
    ndarray, shape (N,)
    """
    rho = check_array(residual_norms, "residual_norms", ndim=1, finite=False, dtype=np.float64)
    eta = check_array(solution_norms, "solution_norms", shape=(rho.size,), finite=False,
                      dtype=np.float64)
    kappa = np.full(rho.size, np.nan)
    ok = np.isfinite(rho) & np.isfinite(eta) & (rho > 0) & (eta > 0)
    idx = np.flatnonzero(ok)
    if idx.size < 3:
        return kappa
    P = np.column_stack([np.log(rho[idx]), np.log(eta[idx])])
    scale = max(np.ptp(P[:, 0]), np.ptp(P[:, 1]))
    step = np.linalg.norm(np.diff(P, axis=0), axis=1)
    keep = np.concatenate([[True], step > 1e-10 * scale])
    idx, P = idx[keep], P[keep]
    if idx.size < 3:
        return kappa
    d1 = P[1:-1] - P[:-2]
    d2 = P[2:] - P[1:-1]
    d3 = P[2:] - P[:-2]
    cross = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]
    lengths = (np.linalg.norm(d1, axis=1) * np.linalg.norm(d2, axis=1)
               * np.linalg.norm(d3, axis=1))
    orientation = 1.0 if P[-1, 0] >= P[0, 0] else -1.0
    kappa[idx[1:-1]] = orientation * 2 * cross / lengths
    return kappa


def lcurve(residual_norms, solution_norms) -> int:
    """Index of the L-curve corner: the point of largest curvature.

    Parameters
    ----------
    residual_norms : array_like, shape (N,)
        ``‖A x_i − b‖`` for a family of solutions (a ``λ`` sweep, in increasing or
        decreasing order, or CGLS iterates ``history["residual_norm"]``).
    solution_norms : array_like, shape (N,)
        ``‖x_i‖`` (or ``‖L x_i‖``).

    Returns
    -------
    int
        ``argmax_i κ_i`` with the curvature ``κ`` of :func:`lcurve_curvature` (the
        log-log curve, corners positive).
    """
    kappa = lcurve_curvature(residual_norms, solution_norms)
    if not np.any(np.isfinite(kappa)):
        raise ValueError("residual_norms, solution_norms: need at least 3 distinct points "
                         "with positive, finite norms to find a corner")
    return int(np.nanargmax(kappa))


@dataclass(frozen=True)
class CVResult:
    """Outcome of a cross validation over one parameter.

    Attributes
    ----------
    best : float or int
        The chosen value (``λ`` or iteration count), ``values[index]``.
    index : int
        Its position in ``values`` (the first minimum of ``val_errors``).
    values : ndarray, shape (N,)
        The values tried.
    val_errors : ndarray, shape (N,)
        Validation error for each value (the validation curve).
    x : ndarray
        Solution fit on the training data for ``best``.
    """

    best: float | int
    index: int
    values: np.ndarray
    val_errors: np.ndarray
    x: np.ndarray


def squared_error(P, B) -> float:
    """Mean squared error ``mean((P − B)²)`` of predictions ``P = A X`` for targets ``B``."""
    return float(np.mean((P - B) ** 2))


def classification_error(P, B) -> float:
    """Fraction of rows (examples) whose largest entry in ``P`` is not the one in ``B``.

    ``P`` and ``B`` are ``(n, n_c)``: scores ``A X`` and one-hot targets ``Cᵀ``.
    """
    if P.ndim != 2:
        raise ValueError(f"P: classification error needs one row of class scores per "
                         f"example, got shape {P.shape}")
    return float(np.mean(np.argmax(P, axis=1) != np.argmax(B, axis=1)))


def _check_pair(A_train, B_train, A_val, B_val):
    if isinstance(A_train, np.ndarray):
        A_train = check_array(A_train, "A_train", ndim=2)
    if isinstance(A_val, np.ndarray):
        A_val = check_array(A_val, "A_val", ndim=2)
    B_train = check_array(B_train, "B_train")
    B_val = check_array(B_val, "B_val")
    if A_val.shape[1] != A_train.shape[1]:
        raise ValueError(f"A_val: expected {A_train.shape[1]} columns as A_train, got shape "
                         f"{A_val.shape}")
    if B_val.shape[0] != A_val.shape[0] or B_val.shape[1:] != B_train.shape[1:]:
        raise ValueError(f"B_val: expected shape {(A_val.shape[0],) + B_train.shape[1:]}, "
                         f"got {B_val.shape}")
    return A_train, B_train, A_val, B_val


def cross_validate_lambda(A_train, B_train, A_val, B_val, lams, *,
                          error: Callable = squared_error) -> CVResult:
    """Choose Tikhonov's ``λ`` by the error on validation data.

    For every ``λ``: ``X_λ = (A_trainᵀA_train + λI)⁻¹A_trainᵀB_train`` (one SVD of
    ``A_train`` for all, :func:`~numdl.linalg.tikhonov_svd`), scored by
    ``error(A_val X_λ, B_val)``. Keep the test set out of this.

    Parameters
    ----------
    A_train : array_like, shape (m, n)
    B_train : array_like, shape (m,) or (m, k)
    A_val : array_like, shape (m_val, n)
    B_val : array_like, shape (m_val,) or (m_val, k)
    lams : array_like, shape (N,)
        Values of ``λ ≥ 0`` to try.
    error : callable
        ``error(P, B) -> float`` for predictions ``P = A_val X``; e.g.
        :func:`squared_error` (default) or :func:`classification_error`.

    Returns
    -------
    CVResult
        ``best`` is the ``λ`` with the smallest validation error (the first in the
        order given on ties).
    """
    A_train, B_train, A_val, B_val = _check_pair(A_train, B_train, A_val, B_val)
    lams = check_array(lams, "lams", ndim=1, dtype=np.float64)
    if lams.size == 0:
        raise ValueError("lams: expected at least one value")
    Xs = tikhonov_svd(A_train, B_train, lams)
    val = np.array([error(A_val @ X, B_val) for X in Xs])
    i = int(np.argmin(val))
    return CVResult(float(lams[i]), i, lams, val, Xs[i])


def cross_validate_iterations(A_train, B_train, A_val, B_val, *, maxiter: int,
                              error: Callable = squared_error, rtol: float = 0.0) -> CVResult:
    """Choose the CGLS iteration count (iterative regularization) by validation error.

    Runs :func:`~numdl.linalg.cgls` on the training data from ``x_0 = 0`` and scores
    every iterate ``x_j`` by ``error(A_val x_j, B_val)``. Keep the test set out of this.

    Parameters
    ----------
    A_train : ndarray, sparse matrix or LinearOperator, shape (m, n)
    B_train : array_like, shape (m,) or (m, k)
    A_val : ndarray, sparse matrix or LinearOperator, shape (m_val, n)
    B_val : array_like, shape (m_val,) or (m_val, k)
    maxiter : int
        Iterations to run (fewer if CGLS meets ``rtol`` earlier).
    error : callable
        ``error(P, B) -> float``, as in :func:`cross_validate_lambda`.
    rtol : float
        CGLS's relative tolerance; the default 0 runs all ``maxiter`` iterations.

    Returns
    -------
    CVResult
        ``values`` are the iteration counts ``0, 1, ..., n_iter``; ``best`` the one
        with the smallest validation error (the first on ties).
    """
    A_train, B_train, A_val, B_val = _check_pair(A_train, B_train, A_val, B_val)
    x0 = np.zeros((A_train.shape[1],) + B_train.shape[1:], dtype=B_train.dtype)
    val = [error(A_val @ x0, B_val)]
    best = [x0]

    def score(x):
        e = error(A_val @ x, B_val)
        if e < min(val):
            best[0] = x
        val.append(e)

    cgls(A_train, B_train, rtol=rtol, maxiter=maxiter, callback=score)
    val = np.array(val)
    i = int(np.argmin(val))
    return CVResult(i, i, np.arange(val.size), val, best[0])
