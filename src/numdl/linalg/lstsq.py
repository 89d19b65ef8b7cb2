"""Linear least squares by direct factorizations, Tikhonov regularization, bias-variance.

Lecture 2 (least squares). The problem is

    min_X ½‖A X − B‖_F²,      A (m, n),  B (m, k)  (or a vector b (m,)),

one least-squares problem per column of ``B``. For the linear classifier
``min_{W,b} ½‖W Y + b eᵀ − C‖_F²`` the data are ``A = [Yᵀ, e]`` (:func:`design_matrix`),
``B = Cᵀ`` and the solution is ``X = [W, b]ᵀ`` (:class:`LeastSquaresClassifier`).

Three ways to solve it, with different costs and accuracies (``κ = s_1/s_n``):

* normal equations ``AᵀA X = AᵀB`` (Cholesky): cheapest, but the relative error grows
  like ``κ² ε``, so it is only reliable for well-conditioned ``A``;
* QR factorization ``A P = Q R`` (column pivoting reveals the rank): ``R X = Qᵀ B``,
  error like ``κ ε`` (plus ``κ² ε`` times the relative residual);
* SVD ``A = U diag(s) Vᵀ``: ``X = V diag(1/s) Uᵀ B`` over the singular values above a
  cut-off; the most expensive, and the one that shows the effective rank and the
  singular values, and gives the minimum-norm solution when ``A`` is rank deficient.

Rank-deficient systems give a :class:`RankDeficientWarning` (a ``UserWarning``) that
states the effective rank, and a finite answer.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from numdl.utils.validation import check_array, check_fitted_features, check_labels

__all__ = [
    "RankDeficientWarning", "LstsqResult", "BiasVariance",
    "lstsq_normal", "lstsq_qr", "lstsq_svd", "tikhonov", "tikhonov_svd", "filter_factors",
    "design_matrix", "LeastSquaresClassifier", "bias_variance",
]


class RankDeficientWarning(UserWarning):
    """The matrix of a least-squares problem is (numerically) rank deficient."""


@dataclass(frozen=True)
class LstsqResult:
    """Solution of a least-squares problem by the SVD.

    Attributes
    ----------
    x : ndarray, shape (n,) or (n, k)
        The minimum-norm least-squares solution (shaped like the right-hand side).
    singular_values : ndarray, shape (min(m, n),)
        Singular values of ``A`` in decreasing order.
    rank : int
        Effective rank: the number of singular values ``> rcond * s_1``.
    """

    x: np.ndarray
    singular_values: np.ndarray
    rank: int


@dataclass(frozen=True)
class BiasVariance:
    """Expected squared error of the Tikhonov solution split into bias² and variance.

    Each attribute is a float for a scalar ``lam`` and an array shaped like ``lam``
    otherwise; ``total = bias2 + variance``.
    """

    bias2: np.ndarray | float
    variance: np.ndarray | float
    total: np.ndarray | float


def _check_system(A, B):
    """Validate ``A (m, n)`` and ``B (m,)`` or ``(m, k)``; return them in a common dtype."""
    A = check_array(A, "A", ndim=2)
    B = check_array(B, "B")
    if B.ndim not in (1, 2):
        raise ValueError(f"B: expected a 1-D or 2-D array, got shape {B.shape}")
    if B.shape[0] != A.shape[0]:
        raise ValueError(f"B: expected {A.shape[0]} rows to match A of shape {A.shape}, "
                         f"got shape {B.shape}")
    if A.shape[1] == 0:
        raise ValueError(f"A: expected at least one column, got shape {A.shape}")
    dtype = np.result_type(A.dtype, B.dtype)
    return A.astype(dtype, copy=False), B.astype(dtype, copy=False)


def _check_lams(lams, name: str = "lam") -> np.ndarray:
    lams = check_array(lams, name, dtype=np.float64)
    if lams.ndim > 1:
        raise ValueError(f"{name}: expected a number or a 1-D array, got shape {lams.shape}")
    if np.any(lams < 0):
        raise ValueError(f"{name}: regularization parameters must be >= 0, got min {lams.min():g}")
    return lams


def _warn_rank(method: str, rank: int, n: int, detail: str = "") -> None:
    warnings.warn(f"{method}: A is rank deficient, effective rank {rank} < {n} columns"
                  f"{detail}", RankDeficientWarning, stacklevel=3)


def _solve_spd(G, R, method: str):
    """Solve ``G X = R`` for symmetric positive semi-definite ``G`` (``n × n``).

    Cholesky when ``G`` is numerically positive definite (LAPACK's reciprocal
    condition estimate ``rcond(G) > n ε``); otherwise a warning with the effective rank
    and the minimum-norm solution from the eigen-decomposition of ``G``.
    """
    n = G.shape[0]
    eps = np.finfo(G.dtype).eps
    factor, info = scipy.linalg.lapack.get_lapack_funcs("potrf", (G,))(G, lower=False)
    if info == 0:
        pocon = scipy.linalg.lapack.get_lapack_funcs("pocon", (G,))
        rcond, _ = pocon(factor, np.abs(G).sum(axis=0).max(), uplo="U")
        if rcond > n * eps:
            return scipy.linalg.cho_solve((factor, False), R, check_finite=False)
    lam, V = np.linalg.eigh(G)
    keep = lam > n * eps * max(lam[-1], 0)
    rank = int(keep.sum())
    _warn_rank(method, rank, n, " (AᵀA is numerically singular; returning the "
                                "minimum-norm solution from its eigen-decomposition)")
    Vr = V[:, keep]
    return Vr @ ((Vr.T @ R) / lam[keep].reshape((-1,) + (1,) * (R.ndim - 1)))


def lstsq_normal(A, B) -> np.ndarray:
    """Least squares by the normal equations ``AᵀA X = AᵀB`` (Cholesky).

    Parameters
    ----------
    A : array_like, shape (m, n)
    B : array_like, shape (m,) or (m, k)

    Returns
    -------
    X : ndarray, shape (n,) or (n, k)

    Notes
    -----
    Forms ``G = AᵀA`` (``m n²`` flops) and factors ``G = RᵀR``. The condition number of
    ``G`` is ``κ(A)²``: when LAPACK's estimate of ``1/κ(G)`` is below ``n ε`` the system is
    treated as rank deficient (warning with the rank; minimum-norm solution from the
    eigen-decomposition of ``G``). Lecture 2.
    """
    A, B = _check_system(A, B)
    return _solve_spd(A.T @ A, A.T @ B, "lstsq_normal")


def lstsq_qr(A, B) -> np.ndarray:
    """Least squares by the QR factorization with column pivoting.

    ``A P = Q R`` with ``|R_11| ≥ |R_22| ≥ ...``; the effective rank ``r`` is the number
    of diagonal entries with ``|R_ii| > max(m, n) ε |R_11|``. For full column rank
    ``X = P R⁻¹ Qᵀ B``. Otherwise a warning states ``r`` and the *basic* solution is
    returned (the ``n − r`` trailing pivoted unknowns set to zero; use :func:`lstsq_svd`
    for the minimum-norm one).

    Parameters
    ----------
    A : array_like, shape (m, n)
    B : array_like, shape (m,) or (m, k)

    Returns
    -------
    X : ndarray, shape (n,) or (n, k)
    """
    A, B = _check_system(A, B)
    m, n = A.shape
    Q, R, perm = scipy.linalg.qr(A, mode="economic", pivoting=True, check_finite=False)
    d = np.abs(np.diag(R))
    rank = int(np.sum(d > max(m, n) * np.finfo(A.dtype).eps * d[0])) if d[0] > 0 else 0
    if rank < n:
        _warn_rank("lstsq_qr", rank, n, " (returning the basic solution)")
    Z = np.zeros((n,) + B.shape[1:], dtype=A.dtype)
    Z[:rank] = scipy.linalg.solve_triangular(R[:rank, :rank], Q[:, :rank].T @ B,
                                             check_finite=False)
    X = np.empty_like(Z)
    X[perm] = Z
    return X


def lstsq_svd(A, B, *, rcond=None) -> LstsqResult:
    """Minimum-norm least squares by the singular value decomposition.

    With ``A = U diag(s) Vᵀ`` and ``r`` singular values ``s_i > rcond · s_1``:

        X = Σ_{i ≤ r} v_i (u_iᵀ B) / s_i.

    Parameters
    ----------
    A : array_like, shape (m, n)
    B : array_like, shape (m,) or (m, k)
    rcond : float, optional
        Relative cut-off for small singular values; default ``max(m, n) ε`` (as
        ``numpy.linalg.lstsq``).

    Returns
    -------
    LstsqResult
        ``x`` (shaped ``(n,)`` or ``(n, k)``), ``singular_values`` and ``rank``. A
        :class:`RankDeficientWarning` is given when ``rank < n``.
    """
    A, B = _check_system(A, B)
    m, n = A.shape
    if rcond is None:
        rcond = max(m, n) * np.finfo(A.dtype).eps
    elif not np.isfinite(rcond) or rcond < 0:
        raise ValueError(f"rcond: expected a finite number >= 0, got {rcond!r}")
    U, s, Vt = scipy.linalg.svd(A, full_matrices=False, check_finite=False)
    rank = int(np.sum(s > rcond * s[0])) if s[0] > 0 else 0
    if rank < n:
        _warn_rank("lstsq_svd", rank, n, " (returning the minimum-norm solution)")
    coef = (U[:, :rank].T @ B) / s[:rank].reshape((-1,) + (1,) * (B.ndim - 1))
    return LstsqResult(Vt[:rank].T @ coef, s, rank)


def tikhonov(A, B, lam) -> np.ndarray:
    """Tikhonov-regularized least squares by the regularized normal equations.

        X_λ = argmin_X ½‖A X − B‖_F² + (λ/2)‖X‖_F² = (AᵀA + λI)⁻¹ AᵀB.

    Parameters
    ----------
    A : array_like, shape (m, n)
    B : array_like, shape (m,) or (m, k)
    lam : float
        ``λ ≥ 0``. With ``λ = 0`` this is :func:`lstsq_normal`.

    Returns
    -------
    X : ndarray, shape (n,) or (n, k)

    Notes
    -----
    ``AᵀA + λI`` has eigenvalues ``s_i² + λ``, so for ``λ > 0`` it is positive definite
    and its condition number is at most ``(s_1² + λ)/λ``. Lecture 2.
    """
    A, B = _check_system(A, B)
    lam = _check_lams(lam)
    if lam.ndim != 0:
        raise ValueError(f"lam: expected one number (use tikhonov_svd for several), "
                         f"got shape {lam.shape}")
    G = A.T @ A
    G[np.diag_indices_from(G)] += lam
    return _solve_spd(G, A.T @ B, "tikhonov")


def filter_factors(s, lams) -> np.ndarray:
    """Tikhonov filter factors ``φ_i(λ) = s_i² / (s_i² + λ)``.

    Parameters
    ----------
    s : array_like, shape (r,)
        Singular values.
    lams : float or array_like, shape (L,)

    Returns
    -------
    ndarray, shape (r,) or (L, r)
        ``φ`` for each ``λ``; ``φ_i = 1`` for ``s_i > 0 = λ`` and ``0`` for ``s_i = 0``.
    """
    s = check_array(s, "s", ndim=1)
    lams = _check_lams(lams, "lams")
    s2 = s**2
    den = s2 + lams[..., None]
    return np.divide(s2, den, out=np.zeros(den.shape, dtype=s.dtype), where=den > 0)


def tikhonov_svd(A, B, lams, *, rcond=None) -> np.ndarray:
    """Tikhonov solutions for one or several ``λ`` from one SVD (filter factors).

    With ``A = U diag(s) Vᵀ``,

        X_λ = V diag(φ_i(λ) / s_i) Uᵀ B,     φ_i(λ) = s_i² / (s_i² + λ),

    which equals ``(AᵀA + λI)⁻¹AᵀB`` (:func:`tikhonov`). Singular values
    ``s_i ≤ rcond · s_1`` are dropped (their filter factor is set to 0), which matters only
    for ``λ = 0``, where the result is the minimum-norm solution.

    Parameters
    ----------
    A : array_like, shape (m, n)
    B : array_like, shape (m,) or (m, k)
    lams : float or array_like, shape (L,)
        Regularization parameters ``λ ≥ 0``.
    rcond : float, optional
        Relative cut-off; default ``max(m, n) ε``.

    Returns
    -------
    X : ndarray, shape ``B.shape with n rows``, with a leading axis of length ``L`` for an
        array ``lams``
        ``X[l]`` is the solution for ``lams[l]``.

    Notes
    -----
    One SVD (``O(m n²)``) and then ``O(n r k)`` per ``λ``: the cheap way to sweep ``λ``
    (L-curve, cross validation). Lecture 2.
    """
    A, B = _check_system(A, B)
    lams = _check_lams(lams, "lams")
    m, n = A.shape
    if rcond is None:
        rcond = max(m, n) * np.finfo(A.dtype).eps
    U, s, Vt = scipy.linalg.svd(A, full_matrices=False, check_finite=False)
    r = int(np.sum(s > rcond * s[0])) if s[0] > 0 else 0
    s, Vt = s[:r], Vt[:r]
    UtB = U[:, :r].T @ B
    coef = (filter_factors(s, lams) / s).astype(A.dtype)        # (r,) or (L, r)
    if B.ndim == 1:
        return (coef * UtB) @ Vt                                 # (n,) or (L, n)
    return Vt.T @ (coef[..., :, None] * UtB)                     # (n, k) or (L, n, k)


def design_matrix(Y, bias: bool = True) -> np.ndarray:
    """The least-squares matrix ``A = [Yᵀ, e]`` of a linear model ``W Y + b eᵀ``.

    Parameters
    ----------
    Y : array_like, shape (n_f, n)
        Features, one example per column.
    bias : bool
        Append the column of ones ``e`` (for the bias ``b``).

    Returns
    -------
    A : ndarray, shape (n, n_f + 1) or (n, n_f)
        One example per row (C-contiguous).
    """
    Y = check_array(Y, "Y", ndim=2)
    n_f, n = Y.shape
    A = np.empty((n, n_f + int(bias)), dtype=Y.dtype)
    A[:, :n_f] = Y.T
    if bias:
        A[:, n_f] = 1
    return A


class LeastSquaresClassifier:
    """Linear classifier fit by (regularized) least squares to one-hot labels.

        min_{W, b} ½‖W Y + b eᵀ − C‖_F² + (λ/2)‖[W, b]‖_F²,

    i.e. ``min_X ½‖A X − Cᵀ‖_F² + (λ/2)‖X‖_F²`` with ``A = [Yᵀ, e]`` and ``X = [W, b]ᵀ``
    (the bias is regularized too, as in the course's formula). The predicted class of
    an example ``y`` is ``argmax_k (W y + b)_k``. Lecture 2.

    Parameters
    ----------
    bias : bool
        Fit a bias ``b`` (otherwise ``b = 0``).

    Attributes
    ----------
    W_ : ndarray, shape (n_c, n_f)
    b_ : ndarray, shape (n_c,)
    singular_values_ : ndarray or None
        Singular values of ``A`` (fits with ``lam = 0``, which use the SVD).
    rank_ : int or None
        Effective rank of ``A`` (fits with ``lam = 0``).
    """

    def __init__(self, *, bias: bool = True):
        self.bias = bias

    def fit(self, Y, C, lam: float = 0.0) -> "LeastSquaresClassifier":
        """Fit ``W_`` and ``b_`` to features ``Y (n_f, n)`` and labels ``C (n_c, n)``.

        ``lam = 0``: minimum-norm solution by :func:`lstsq_svd` (a
        :class:`RankDeficientWarning` when ``A`` is rank deficient, e.g. constant pixels);
        ``lam > 0``: :func:`tikhonov`. Returns ``self``.
        """
        Y = check_array(Y, "Y", ndim=2)
        C = check_labels(C, "C", n=Y.shape[1])
        lam = _check_lams(lam)
        if lam.ndim != 0:
            raise ValueError(f"lam: expected one number, got shape {lam.shape}")
        lam = float(lam)
        A = design_matrix(Y, self.bias)
        B = C.T.astype(A.dtype)
        if lam == 0:
            res = lstsq_svd(A, B)
            X, self.singular_values_, self.rank_ = res.x, res.singular_values, res.rank
        else:
            X = tikhonov(A, B, lam)
            self.singular_values_, self.rank_ = None, None
        n_f = Y.shape[0]
        self.W_ = np.ascontiguousarray(X[:n_f].T)
        self.b_ = X[n_f].copy() if self.bias else np.zeros(C.shape[0], dtype=A.dtype)
        return self

    def _check_fitted(self, Y) -> np.ndarray:
        n_f = self.W_.shape[1] if hasattr(self, "W_") else None
        return check_fitted_features(Y, n_f, "LeastSquaresClassifier")

    def decision_function(self, Y) -> np.ndarray:
        """Scores ``S = W Y + b eᵀ``, shape ``(n_c, n)``."""
        Y = self._check_fitted(Y)
        return self.W_ @ Y + self.b_[:, None]

    def predict(self, Y) -> np.ndarray:
        """Predicted class indices ``argmax_k S[k, j]``, shape ``(n,)``."""
        return np.argmax(self.decision_function(Y), axis=0)

    def score(self, Y, C) -> float:
        """Accuracy: fraction of columns of ``C`` whose largest entry is the prediction."""
        Y = self._check_fitted(Y)
        C = check_labels(C, "C", n=Y.shape[1])
        return float(np.mean(self.predict(Y) == np.argmax(C, axis=0)))


def bias_variance(A, X_true, sigma, lam) -> BiasVariance:
    """Expected error of the Tikhonov solution for noisy data: bias² + variance.

    For data ``B = A X_true + ε`` with independent ``ε_ij ~ N(0, σ²)`` and
    ``X_λ = A_λ^† AᵀB``, ``A_λ^† = (AᵀA + λI)⁻¹``:

        E‖X_λ − X_true‖_F² = λ² ‖A_λ^† X_true‖_F² + k σ² tr(A A_λ^{†T} A_λ^† Aᵀ),

    where ``k`` is the number of columns of ``X_true`` (1 for a vector).

    Parameters
    ----------
    A : array_like, shape (m, n)
    X_true : array_like, shape (n,) or (n, k)
    sigma : float
        Noise standard deviation ``σ ≥ 0``.
    lam : float or array_like, shape (L,)
        ``λ ≥ 0``; ``λ = 0`` needs ``A`` of full column rank.

    Returns
    -------
    BiasVariance
        ``bias2``, ``variance`` and ``total`` (floats, or arrays shaped like ``lam``).

    Notes
    -----
    Derivation: ``E X_λ = A_λ^† AᵀA X_true = X_true − λ A_λ^† X_true`` (bias
    ``−λ A_λ^† X_true``), and ``X_λ − E X_λ = A_λ^† Aᵀ ε`` whose expected squared norm
    per column is ``σ² tr(A_λ^† AᵀA A_λ^†) = σ² tr(A A_λ^{†T} A_λ^† Aᵀ)`` (cyclic trace).
    Evaluated with the SVD ``A = U diag(s) Vᵀ`` (``V`` completed to ``n`` columns):

        bias² = Σ_i (λ/(s_i² + λ))² ‖v_iᵀ X_true‖²,   variance = k σ² Σ_i s_i²/(s_i² + λ)²,

    so that a whole ``λ`` sweep costs one SVD. Lecture 2.
    """
    A = check_array(A, "A", ndim=2)
    X_true = check_array(X_true, "X_true")
    if X_true.ndim not in (1, 2) or X_true.shape[0] != A.shape[1]:
        raise ValueError(f"X_true: expected shape ({A.shape[1]},) or ({A.shape[1]}, k) to "
                         f"match A of shape {A.shape}, got {X_true.shape}")
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma: expected a finite number >= 0, got {sigma!r}")
    lams = _check_lams(lam)
    n = A.shape[1]
    k = 1 if X_true.ndim == 1 else X_true.shape[1]
    _, s, Vt = scipy.linalg.svd(A, full_matrices=True, check_finite=False)
    s_full = np.zeros(n)
    s_full[:s.size] = s
    if np.any(lams == 0) and s_full[-1] <= n * np.finfo(A.dtype).eps * s_full[0]:
        raise ValueError("lam: must be > 0 when A does not have full column rank "
                         "((AᵀA)⁻¹ does not exist)")
    proj2 = np.sum((Vt @ X_true.reshape(n, k)) ** 2, axis=1)          # ‖v_iᵀ X‖², (n,)
    s2 = s_full**2
    den = s2 + lams[..., None]                                         # (..., n), > 0
    bias2 = np.sum((lams[..., None] / den) ** 2 * proj2, axis=-1)
    variance = k * sigma**2 * np.sum(s2 / den**2, axis=-1)
    total = bias2 + variance
    if lams.ndim == 0:
        return BiasVariance(float(bias2), float(variance), float(total))
    return BiasVariance(bias2, variance, total)
