"""Squared-error losses: on the scores (least squares) and on softmax probabilities.

* ``squared_error``: ``E(S) = (1/(2n)) ‖S − C‖_F²`` (lectures 2–3: least-squares
  classification), a convex quadratic in ``S`` and in ``W`` for ``S = W Y``.
* ``softmax_squared_error``: ``E(S) = (1/(2n)) ‖softmax(S) − C‖_F²``, the squared
  error of the predicted probabilities. It is bounded and smooth but *not convex*
  in ``S`` (nor in ``W``): where the softmax saturates the loss is flat and curves
  downwards. Lecture 4 contrasts it with the cross-entropy (``entropy-landscape``).
"""

from __future__ import annotations

import numpy as np

from numdl.checks import ObjectiveCase, register_check
from numdl.losses.base import LossResult, _check_scores_labels, _random_labels, chain_rule_W
from numdl.losses.softmax import _softmax
from numdl.utils.validation import check_array

__all__ = ["squared_error", "softmax_squared_error"]


def _squared(S, C) -> LossResult:
    """Squared error without input checks (see :func:`squared_error`)."""
    n = S.shape[1]
    R = S - C
    return LossResult(float(0.5 * np.sum(R * R) / n), R / n, lambda U: U / n)


def squared_error(S, C) -> LossResult:
    """Least-squares loss ``E(S) = (1/(2n)) ‖S − C‖_F²``.

    Parameters
    ----------
    S : array_like, shape (n_c, n)
        Scores (predictions), one column per example.
    C : array_like, shape (n_c, n)
        Targets (any finite numbers; one-hot labels for classification).

    Returns
    -------
    LossResult
        ``value``; ``grad = (S − C)/n``; ``hess_mv(U) = U/n``.
    """
    S = check_array(S, "S", ndim=2)
    C = check_array(C, "C", shape=S.shape)
    return _squared(S, C.astype(S.dtype, copy=False))


def _softmax_jac_mv(P, U):
    """``J U`` column-wise, ``J = diag(p) − p pᵀ`` the (symmetric) Jacobian of softmax."""
    PU = P * U
    return PU - P * PU.sum(axis=0)


def _softmax_squared(S, C) -> LossResult:
    """Softmax + squared error without input checks (see :func:`softmax_squared_error`)."""
    n = S.shape[1]
    P = _softmax(S)
    R = P - C
    rho = np.sum(P * R, axis=0)  # pᵀr per column

    def hess_mv(U):
        Q = _softmax_jac_mv(P, U)  # dp = J u
        return (_softmax_jac_mv(P, Q) + Q * R - Q * rho - P * np.sum(Q * R, axis=0)) / n

    return LossResult(float(0.5 * np.sum(R * R) / n), _softmax_jac_mv(P, R) / n, hess_mv)


def softmax_squared_error(S, C) -> LossResult:
    """Squared error of softmax probabilities, ``E(S) = (1/(2n)) ‖P − C‖_F²``, ``P = softmax(S)``.

    Parameters
    ----------
    S : array_like, shape (n_c, n)
        Scores, one column per example.
    C : array_like, shape (n_c, n)
        Class probabilities (one-hot columns); the error names the first bad column.

    Returns
    -------
    LossResult
        ``value``; ``grad = (1/n) J (P − C)`` column-wise; ``hess_mv`` the exact
        Hessian action (below).

    Notes
    -----
    Per column, with ``p = softmax(s)``, ``r = p − c`` and the softmax Jacobian
    ``J = diag(p) − p pᵀ`` (symmetric),

    * gradient: ``∇_s E = (1/n) J r``, i.e. ``(1/n)(p ⊙ r − p (pᵀ r))``;
    * Hessian action: with ``q = J u`` (the change of ``p``),
      ``∇²_s E u = (1/n)( J q + q ⊙ r − q (pᵀ r) − p (qᵀ r) )``.
      The first term ``J J u`` is the Gauss-Newton part (positive semi-definite);
      the rest, ``Σ_k r_k ∇²p_k u``, is indefinite — the source of non-convexity.
    """
    return _softmax_squared(*_check_scores_labels(S, C))


@register_check("squared-error/W")
def _check_squared_W(rng):
    n_c, n_f, n = 3, 4, 8
    Y = rng.standard_normal((n_f, n))
    C = rng.standard_normal((n_c, n))
    return ObjectiveCase(lambda W: chain_rule_W(_squared(W @ Y, C), Y), rng.standard_normal((n_c, n_f)))


@register_check("softmax-squared/S")
def _check_softmax_squared_S(rng):
    n_c, n = 4, 6
    C = _random_labels(rng, n_c, n)
    return ObjectiveCase(lambda S: _softmax_squared(S, C), 2 * rng.standard_normal((n_c, n)))


@register_check("softmax-squared/W")
def _check_softmax_squared_W(rng):
    n_c, n_f, n = 3, 3, 10
    Y = rng.standard_normal((n_f, n))
    C = _random_labels(rng, n_c, n)
    return ObjectiveCase(lambda W: chain_rule_W(_softmax_squared(W @ Y, C), Y),
                         rng.standard_normal((n_c, n_f)))
