"""The adjoint (dot-product) test.

For a linear map ``A`` with claimed transpose ``Aᵀ`` and random ``v``, ``u``

    | u · (A v) − v · (Aᵀ u) |  /  max(‖u‖‖A v‖, ‖v‖‖Aᵀ u‖)

must be at round-off level. A wrong transpose (a missing sum, a swapped index,
a forgotten ``σ'``) gives an error of order one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator

from numdl.utils.validation import as_generator

#: Default relative tolerance per dtype (SPEC §7: ≤ 1e-10 in float64).
ADJOINT_RTOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}


@dataclass(frozen=True)
class AdjointResult:
    """Outcome of :func:`adjoint_test`: both inner products and their relative gap."""

    u_Av: float
    v_ATu: float
    rel_error: float
    rtol: float
    passed: bool

    def summary(self) -> str:
        return f"rel. error {self.rel_error:.1e} (tol {self.rtol:.0e})"

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        return (f"{verdict}: u·(A v) = {self.u_Av:.16e}, v·(Aᵀu) = {self.v_ATu:.16e}, "
                f"relative error {self.rel_error:.3e} (tolerance {self.rtol:.1e})")


def adjoint_test(matvec, rmatvec=None, in_shape=None, out_shape=None, *, dtype=np.float64,
                 rtol: float | None = None, seed=0) -> AdjointResult:
    """Dot-product test of a linear map and its transpose.

    Parameters
    ----------
    matvec : callable or scipy.sparse.linalg.LinearOperator
        ``v -> A v`` acting on arrays of shape ``in_shape``; or a ``LinearOperator``
        (then ``rmatvec`` and the shapes come from it).
    rmatvec : callable
        ``u -> Aᵀ u`` acting on arrays of shape ``out_shape``.
    in_shape, out_shape : tuple of int
        Shapes of ``v`` and ``u``; needed unless ``matvec`` is a LinearOperator.
    dtype : dtype
        dtype of the random vectors; sets the default tolerance.
    rtol : float, optional
        Tolerance on the relative error (default: 1e-10 in float64, 1e-4 in float32).
    seed : int or Generator

    Returns
    -------
    AdjointResult
        ``passed`` when the relative error is at most ``rtol``.
    """
    if isinstance(matvec, LinearOperator):
        op = matvec
        matvec, rmatvec = op.matvec, op.rmatvec
        in_shape, out_shape = (op.shape[1],), (op.shape[0],)
        dtype = op.dtype if op.dtype in (np.float32, np.float64) else dtype
    if rmatvec is None or in_shape is None or out_shape is None:
        raise ValueError("adjoint_test: give a LinearOperator, or matvec, rmatvec, in_shape and out_shape")
    dtype = np.dtype(dtype)
    rtol = ADJOINT_RTOL.get(dtype, 1e-10) if rtol is None else rtol
    rng = as_generator(seed)
    v = rng.standard_normal(tuple(np.atleast_1d(in_shape))).astype(dtype)
    u = rng.standard_normal(tuple(np.atleast_1d(out_shape))).astype(dtype)
    Av = np.asarray(matvec(v))
    if Av.size != u.size:
        raise ValueError(f"matvec: expected output with {u.size} entries (out_shape {out_shape}), got shape {Av.shape}")
    ATu = np.asarray(rmatvec(u))
    if ATu.size != v.size:
        raise ValueError(f"rmatvec: expected output with {v.size} entries (in_shape {in_shape}), got shape {ATu.shape}")
    Av, ATu = Av.astype(np.float64).ravel(), ATu.astype(np.float64).ravel()
    u64, v64 = u.astype(np.float64).ravel(), v.astype(np.float64).ravel()
    a, b = float(u64 @ Av), float(v64 @ ATu)
    scale = max(np.linalg.norm(u64) * np.linalg.norm(Av), np.linalg.norm(v64) * np.linalg.norm(ATu))
    rel = abs(a - b) / scale if scale > 0 else 0.0
    return AdjointResult(u_Av=a, v_ATu=b, rel_error=float(rel), rtol=float(rtol), passed=bool(rel <= rtol))
