"""Iterative least squares: steepest descent, CGLS and post-conditioning.

Lecture 3 (iterative least squares). Both solvers minimize ``½‖A x − b‖²`` using
only the products ``A v`` and ``Aᵀ u`` (``A`` may be a
``scipy.sparse.linalg.LinearOperator``), and both follow
the same loop: from the residual ``r = b − A x`` and the negative gradient
``s = Aᵀ r`` they pick a search direction ``p`` and take the exact line-search step

    α = ‖s‖² / ‖A p‖²,    x ← x + α p,    r ← r − α A p.

Steepest descent uses ``p = s``; CGLS (conjugate gradients on ``AᵀA x = Aᵀb``) uses
``p = s + β p_old`` with ``β = ‖s‖² / ‖s_old‖²``, which makes the directions
``AᵀA``-conjugate. Several right-hand sides (the columns of ``B``) are solved at once:
every column runs its own iteration (its own ``α``, ``β``), and the products are matrix
products ``A P``, ``Aᵀ R`` over all columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from numdl.checks import MapCase, register_check
from numdl.utils.validation import check_array

__all__ = ["LSQResult", "lsq_steepest_descent", "cgls", "column_scaling", "postconditioned"]


@dataclass(frozen=True)
class LSQResult:
    """Result of an iterative least-squares solve.

    Attributes
    ----------
    x : ndarray, shape (n,) or (n, k)
        Final iterate, shaped like the right-hand side.
    converged : bool
        Every column met the stopping rule.
    reason : str
        Why the iteration stopped.
    n_iter : int
        Iterations done (the largest over the columns).
    history : dict of str to ndarray
        Per iterate ``j = 0, ..., n_iter``, shape ``(n_iter + 1,)`` or
        ``(n_iter + 1, k)``: ``"residual_norm"`` ``‖b − A x_j‖``, ``"solution_norm"``
        ``‖x_j‖`` and ``"normal_residual_norm"`` ``‖Aᵀ(b − A x_j)‖``. A column that has
        converged keeps its last values.
    """

    x: np.ndarray
    converged: bool
    reason: str
    n_iter: int
    history: dict = field(repr=False)


def _products(A):
    """``(A @ ·, Aᵀ @ ·, shape, dtype)`` for an array, a sparse matrix or an operator.

    Arrays and sparse matrices are multiplied directly (BLAS / sparse kernels, no
    operator overhead); anything else goes through ``aslinearoperator``.
    """
    if isinstance(A, np.ndarray) or isinstance(A, (list, tuple)):
        A = check_array(A, "A", ndim=2)
        AT = A.T
        return A.__matmul__, AT.__matmul__, A.shape, A.dtype
    if scipy.sparse.issparse(A):
        if A.ndim != 2:
            raise ValueError(f"A: expected a 2-D sparse matrix, got shape {A.shape}")
        A = A.tocsr()
        check_array(A.data, "A")
        AT = A.T
        return A.__matmul__, AT.__matmul__, A.shape, A.dtype
    try:
        op = aslinearoperator(A)
    except TypeError:
        raise ValueError(f"A: expected an array, a sparse matrix or a LinearOperator, "
                         f"got {type(A).__name__}") from None

    # a single column goes through matvec / rmatvec with a 1-D vector, as scipy's own
    # solvers do (a user's matvec need not handle (n, 1) input)
    def matmul(X):
        return op.matvec(X[:, 0]).reshape(-1, 1) if X.shape[1] == 1 else op.matmat(X)

    def rmatmul(X):
        return op.rmatvec(X[:, 0]).reshape(-1, 1) if X.shape[1] == 1 else op.rmatmat(X)

    return matmul, rmatmul, op.shape, op.dtype


def _colsq(X):
    """Squared 2-norm of every column of ``X (n, k)``, shape ``(k,)``."""
    if X.shape[1] == 1:
        return (X.T @ X).ravel()
    return np.einsum("ij,ij->j", X, X)


def _check_tolerances(rtol, atol, maxiter, default_maxiter):
    for name, v in (("rtol", rtol), ("atol", atol)):
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"{name}: expected a finite number >= 0, got {v!r}")
    if maxiter is None:
        return default_maxiter
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 0:
        raise ValueError(f"maxiter: expected a non-negative integer, got {maxiter!r}")
    return int(maxiter)


def _history(values, cols, k):
    """Per-iterate values of all ``k`` columns from values of the working columns.

    ``values[i]`` belongs to the columns ``cols[i]``; a column missing from ``cols[i]``
    (already stopped) keeps its previous value.
    """
    out = np.empty((len(values), k))
    start = 0
    while start < len(values):
        stop = start + 1
        while stop < len(values) and cols[stop] is cols[start]:
            stop += 1
        if start > 0:
            out[start:stop] = out[start - 1]
        out[start:stop, cols[start]] = np.asarray(values[start:stop])
        start = stop
    return np.sqrt(out)


def _descent(A, B, x0, rtol, atol, maxiter, callback, verbose, *, conjugate: bool,
             name: str, default_maxiter) -> LSQResult:
    """The loop shared by steepest descent (``conjugate=False``) and CGLS.

    All columns are handled as one ``(·, k)`` block. A column that meets the stopping
    rule leaves the block (its solution is stored), so the block shrinks as columns
    converge and no column is iterated past its own stopping point.
    """
    matmul, rmatmul, (m, n), op_dtype = _products(A)
    B = check_array(B, "B")
    if B.ndim not in (1, 2) or B.shape[0] != m:
        raise ValueError(f"B: expected shape ({m},) or ({m}, k) to match A of shape "
                         f"{(m, n)}, got {B.shape}")
    vector = B.ndim == 1
    dtype = np.result_type(op_dtype, B.dtype, np.float32)
    B2 = B.astype(dtype, copy=False).reshape(m, -1)
    k = B2.shape[1]
    maxiter = _check_tolerances(rtol, atol, maxiter, default_maxiter(n))

    AtB = rmatmul(B2)
    if not np.all(np.isfinite(AtB)):
        raise ValueError("A: the product Aᵀ b is not finite (A contains NaN or inf?)")
    tol2 = np.maximum(rtol * np.sqrt(_colsq(AtB)), atol) ** 2
    if x0 is None:
        X = np.zeros((n, k), dtype=dtype)
        R = B2.copy()
        S = AtB.astype(dtype, copy=False)
    else:
        X = check_array(x0, "x0", shape=(n,) + B.shape[1:], dtype=dtype, copy=True).reshape(n, k)
        R = B2 - matmul(X)
        S = rmatmul(R)
    gamma = _colsq(S)
    cols = np.flatnonzero(gamma > tol2)          # the working columns
    tol2_cols = tol2[cols]
    res2, sol2, grad2, hist_cols = [_colsq(R)], [_colsq(X)], [gamma], [np.arange(k)]
    if cols.size < k:                            # some columns are solved by x0 already
        X_all, X, R, S, gamma = X, X[:, cols], R[:, cols], S[:, cols], gamma[cols]
    else:
        X_all = None
    P = S.copy()
    if verbose:
        print(f"{name}: {m}x{n}, {k} right-hand side(s), stop when ‖Aᵀr‖ ≤ max(rtol‖Aᵀb‖, atol)")
        print(f"{'iter':>6} {'max ‖r‖':>12} {'max ‖Aᵀr‖':>12} {'max ‖x‖':>12}")
    breakdown = False
    j = 0
    while cols.size and j < maxiter:
        Q = matmul(P)
        delta = _colsq(Q)
        if not delta.min() > 0:
            # A p = 0 with p ≠ 0 cannot happen in exact arithmetic (p lies in range(Aᵀ))
            breakdown = True
            break
        alpha = gamma / delta
        X += alpha * P
        np.multiply(Q, alpha, out=Q)
        R -= Q
        S = rmatmul(R)
        gamma_new = _colsq(S)
        if conjugate:
            P *= gamma_new / gamma
            P += S
        else:
            P = S
        gamma = gamma_new
        j += 1
        res2.append(_colsq(R))
        sol2.append(_colsq(X))
        grad2.append(gamma)
        hist_cols.append(cols)
        done = gamma <= tol2_cols
        if done.any():
            if X_all is None:
                X_all = X
            X_all[:, cols] = X
            keep = ~done
            cols, X, R, P, gamma = cols[keep], X[:, keep], R[:, keep], P[:, keep], gamma[keep]
            tol2_cols = tol2_cols[keep]
        if verbose:
            print(f"{j:>6} {np.sqrt(res2[-1].max()):>12.4e} {np.sqrt(grad2[-1].max()):>12.4e} "
                  f"{np.sqrt(sol2[-1].max()):>12.4e}")
        if callback is not None:
            if X_all is not None:
                X_all[:, cols] = X
            x = (X if X_all is None else X_all).copy()
            callback(x[:, 0] if vector else x)

    if X_all is not None:
        X_all[:, cols] = X
        X = X_all
    converged = cols.size == 0
    if converged:
        reason = "converged: ‖Aᵀr‖ ≤ max(rtol·‖Aᵀb‖, atol)"
    elif breakdown:
        reason = f"breakdown at iteration {j}: ‖A p‖ = 0 for a column that has not converged"
    else:
        reason = f"maxiter ({maxiter}) reached" + (f"; {k - cols.size} of {k} columns converged"
                                                   if k > 1 else "")
    history = {"residual_norm": _history(res2, hist_cols, k),
               "solution_norm": _history(sol2, hist_cols, k),
               "normal_residual_norm": _history(grad2, hist_cols, k)}
    if vector:
        history = {key: v[:, 0] for key, v in history.items()}
    return LSQResult(X[:, 0] if vector else X, converged, reason, j, history)


def lsq_steepest_descent(A, b, x0=None, *, rtol=1e-6, atol=0.0, maxiter=None, callback=None,
                         verbose=False) -> LSQResult:
    """Steepest descent with exact line search for ``min_x ½‖A x − b‖²``.

    Iteration ``j``:

        r = b − A x,   d = Aᵀ r,   α = ‖d‖² / ‖A d‖²,   x ← x + α d

    (``r`` is updated as ``r ← r − α A d``: two products per step, ``A d`` and ``Aᵀ r``).

    Parameters
    ----------
    A : ndarray, sparse matrix or LinearOperator, shape (m, n)
    b : array_like, shape (m,) or (m, k)
        One or several right-hand sides (columns, each solved on its own).
    x0 : array_like, shape like the solution, optional
        Starting point (default 0); not modified.
    rtol, atol : float
        Stopping rule per column: ``‖Aᵀ(b − A x_j)‖ ≤ max(rtol · ‖Aᵀ b‖, atol)``.
    maxiter : int, optional
        Iteration cap; default ``100 n``.
    callback : callable, optional
        Called as ``callback(x_j)`` (a copy) after every iteration.
    verbose : bool
        Print one line per iteration.

    Returns
    -------
    LSQResult

    Notes
    -----
    The error in the ``AᵀA``-norm decreases at least linearly,
    ``‖x_{j+1} − x_*‖_{AᵀA} ≤ (κ − 1)/(κ + 1) ‖x_j − x_*‖_{AᵀA}`` with
    ``κ = κ(AᵀA) = (s_1/s_n)²``, and the bound is reached for the worst starting
    points: badly conditioned problems converge very slowly. Lecture 3.
    """
    return _descent(A, b, x0, rtol, atol, maxiter, callback, verbose, conjugate=False,
                    name="lsq_steepest_descent", default_maxiter=lambda n: 100 * n)


def cgls(A, B, x0=None, *, rtol=1e-6, atol=0.0, maxiter=None, callback=None,
         verbose=False) -> LSQResult:
    """Conjugate gradients for least squares (CGLS), matrix-free, blocked over columns.

    Solves ``min_x ½‖A x − b‖²`` for every column ``b`` of ``B`` with only the products
    ``A v`` and ``Aᵀ u``. From ``r_0 = b − A x_0``, ``s_0 = p_0 = Aᵀ r_0``:

        q = A p,   α = ‖s‖² / ‖q‖²,   x ← x + α p,   r ← r − α q,
        s_new = Aᵀ r,   β = ‖s_new‖² / ‖s‖²,   p ← s_new + β p.

    This is CG on the normal equations ``AᵀA x = Aᵀ b`` without forming ``AᵀA``:
    ``x_j`` minimizes ``‖b − A x‖`` over ``x_0 + K_j(AᵀA, Aᵀ r_0)``.

    Parameters
    ----------
    A : ndarray, sparse matrix or LinearOperator, shape (m, n)
        Arrays and sparse matrices are multiplied directly (BLAS / sparse kernels);
        any other object goes through ``scipy.sparse.linalg.aslinearoperator``
        (``matvec``/``rmatvec``, or ``matmat``/``rmatmat`` for several columns).
    B : array_like, shape (m,) or (m, k)
        Right-hand side(s); the columns are iterated together (matrix products) but
        each with its own ``α``, ``β`` and stopping test, exactly as ``k`` separate runs.
    x0 : array_like, shape (n,) or (n, k), optional
        Starting point (default 0); not modified.
    rtol, atol : float
        Stopping rule, per column, on the normal-equation residual:

            ‖Aᵀ(b − A x_j)‖ ≤ max(rtol · ‖Aᵀ b‖, atol).

        A column that meets it is frozen. ``b = 0`` (with ``x0 = 0``) stops at
        iteration 0 with ``x = 0``.
    maxiter : int, optional
        Iteration cap; default ``2 n``.
    callback : callable, optional
        Called as ``callback(x_j)`` (a copy) after every iteration.
    verbose : bool
        Print one line per iteration.

    Returns
    -------
    LSQResult
        With ``history["residual_norm"]`` (``‖r_j‖``) and ``history["solution_norm"]``
        (``‖x_j‖``) for the L-curve and iterative regularization.

    Notes
    -----
    From ``x_0 = 0`` the residual norms ``‖r_j‖`` do not increase and the solution norms
    ``‖x_j‖`` do not decrease: the iteration count acts as a regularization parameter
    (stop early on noisy data). In exact arithmetic CGLS ends after at most
    ``rank(A)`` steps; the error decreases like ``((√κ − 1)/(√κ + 1))^j`` with
    ``√κ = s_1/s_n``, compared with ``((κ − 1)/(κ + 1))^j`` for steepest descent.
    Per iteration: one product with ``A``, one with ``Aᵀ`` and ``O((m + n) k)`` work.
    Lecture 3.
    """
    return _descent(A, B, x0, rtol, atol, maxiter, callback, verbose, conjugate=True,
                    name="cgls", default_maxiter=lambda n: 2 * n)


def column_scaling(A) -> np.ndarray:
    """Diagonal post-conditioner that gives every column of ``A`` unit norm.

    ``S = diag(1/‖A e_j‖)`` (a zero column gets ``1``), so that ``A S`` has columns of
    norm 1. Badly scaled columns make ``κ(A)`` large; ``κ(A S)`` is often much smaller.

    Parameters
    ----------
    A : ndarray, sparse matrix or LinearOperator, shape (m, n)
        For a ``LinearOperator`` the columns are formed as ``A I`` (``n`` products).

    Returns
    -------
    s : ndarray, shape (n,)
        The diagonal of ``S``.
    """
    if scipy.sparse.issparse(A):
        check_array(A.data, "A")
        norms = np.sqrt(np.asarray(A.multiply(A).sum(axis=0)).ravel())
    elif isinstance(A, LinearOperator):
        cols = A.matmat(np.eye(A.shape[1], dtype=A.dtype))
        norms = np.linalg.norm(cols, axis=0)
    else:
        A = check_array(A, "A", ndim=2)
        norms = np.linalg.norm(A, axis=0)
    s = np.ones_like(norms)
    np.divide(1.0, norms, out=s, where=norms > 0)
    return s


def postconditioned(A, s) -> LinearOperator:
    """The operator ``A S`` with ``S = diag(s)``, for solving in ``z`` with ``x = S z``.

    ``min_z ½‖A S z − b‖²`` has the same residuals as ``min_x ½‖A x − b‖²`` under
    ``x = S z``; solve it with :func:`cgls` or :func:`lsq_steepest_descent`, then map
    back: ``x = s * z`` (``s[:, None] * z`` for several columns).

    Parameters
    ----------
    A : ndarray, sparse matrix or LinearOperator, shape (m, n)
    s : array_like, shape (n,)
        Diagonal of ``S`` (e.g. from :func:`column_scaling`).

    Returns
    -------
    LinearOperator, shape (m, n)
        ``z ↦ A (s ⊙ z)``, adjoint ``u ↦ s ⊙ (Aᵀ u)``.

    Notes
    -----
    Stopping rules then measure ``‖S Aᵀ r‖`` instead of ``‖Aᵀ r‖``. Lecture 3.
    """
    if isinstance(A, (np.ndarray, list, tuple)):
        A = check_array(A, "A", ndim=2)
    op = aslinearoperator(A)
    s = check_array(s, "s", shape=(op.shape[1],))
    col = s[:, None]
    return LinearOperator(
        op.shape, dtype=np.result_type(op.dtype, s.dtype),
        matvec=lambda z: op.matvec(s * z.ravel()),
        rmatvec=lambda u: s * op.rmatvec(u).ravel(),
        matmat=lambda Z: op.matmat(col * Z),
        rmatmat=lambda U: col * op.rmatmat(U),
    )


@register_check("linalg/postconditioned")
def _postconditioned_case(rng):
    A = rng.standard_normal((7, 4)) * np.array([1e-2, 1.0, 10.0, 1e2])
    op = postconditioned(A, column_scaling(A))
    return MapCase(op.matvec, rng.standard_normal(4), op.matvec, op.rmatvec)
