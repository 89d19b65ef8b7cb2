"""What every loss returns, and the chain rule from scores ``S = W Y`` to ``W`` and ``Y``.

A loss ``E(S, C)`` is a function of the scores ``S (n_c, n)`` (one column per
example) and the labels ``C (n_c, n)``. It returns a :class:`LossResult`: the value,
the gradient ``∇_S E`` and the Hessian action ``U ↦ ∇²_S E[U]``, always all three.

A linear classifier computes its scores as ``S = W Y``. The map is linear in ``W``
and in ``Y`` separately, so the chain rule carries the gradient *and* the exact
Hessian of a loss from ``S`` to either factor without extra terms (lecture 4):

* in ``W`` (``Y`` fixed), ``dS = dW Y``:
  ``∇_W E = ∇_S E Yᵀ`` and ``∇²_W E[V] = ∇²_S E[V Y] Yᵀ``;
* in ``Y`` (``W`` fixed), ``dS = W dY``:
  ``∇_Y E = Wᵀ ∇_S E`` and ``∇²_Y E[V] = Wᵀ ∇²_S E[W V]``.

:func:`chain_rule_W` and :func:`chain_rule_Y` are the only places these products
are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from numdl.utils.validation import check_array, check_labels

__all__ = ["LossResult", "chain_rule_W", "chain_rule_Y"]


@dataclass(frozen=True)
class LossResult:
    """Value, gradient and Hessian action of a loss at one point.

    Attributes
    ----------
    value : float
        ``E`` at the point.
    grad : ndarray
        ``∇E``, shaped like the variable (``S``, or ``W`` / ``Y`` after a chain rule).
    hess_mv : callable
        ``U ↦ ∇²E[U]`` for ``U`` shaped like the variable.
    """

    value: float
    grad: np.ndarray
    hess_mv: Callable[[np.ndarray], np.ndarray]


def chain_rule_W(res: LossResult, Y: np.ndarray) -> LossResult:
    """A loss of ``S = W Y`` as a function of ``W`` (``Y`` fixed).

    Parameters
    ----------
    res : LossResult
        The loss in ``S`` (shape ``(n_c, n)``) at ``S = W Y``.
    Y : ndarray, shape (n_f, n)
        The features multiplying ``W`` (with a row of ones appended when ``W``
        carries a bias column).

    Returns
    -------
    LossResult
        ``grad = ∇_S E Yᵀ`` of shape ``(n_c, n_f)`` and
        ``hess_mv(V) = ∇²_S E[V Y] Yᵀ`` for ``V`` of shape ``(n_c, n_f)``.

    Notes
    -----
    ``S`` is linear in ``W``, so the Hessian in ``W`` is ``Jᵀ ∇²_S E J`` with
    ``J V = V Y`` and ``Jᵀ U = U Yᵀ``; there is no second-derivative term of the map.
    """
    hess_S = res.hess_mv
    return LossResult(res.value, res.grad @ Y.T, lambda V: hess_S(V @ Y) @ Y.T)


def chain_rule_Y(res: LossResult, W: np.ndarray) -> LossResult:
    """A loss of ``S = W Y`` as a function of ``Y`` (``W`` fixed).

    Parameters
    ----------
    res : LossResult
        The loss in ``S`` (shape ``(n_c, n)``) at ``S = W Y``.
    W : ndarray, shape (n_c, n_f)
        The weights multiplying ``Y`` (without a bias column: a bias ``b eᵀ``
        added to ``S`` does not depend on ``Y``).

    Returns
    -------
    LossResult
        ``grad = Wᵀ ∇_S E`` of shape ``(n_f, n)`` and
        ``hess_mv(V) = Wᵀ ∇²_S E[W V]`` for ``V`` of shape ``(n_f, n)``.

    Notes
    -----
    ``S`` is linear in ``Y``: only the curvature of the loss in ``S`` appears.
    Used for derivatives with respect to the input (adversarial examples).
    """
    hess_S = res.hess_mv
    return LossResult(res.value, W.T @ res.grad, lambda V: W.T @ hess_S(W @ V))


def _check_scores_labels(S, C) -> tuple[np.ndarray, np.ndarray]:
    """Checked scores ``S (n_c, n)`` and class probabilities ``C`` of the same shape,
    ``C`` in the dtype of ``S`` (``ValueError`` naming the argument otherwise)."""
    S = check_array(S, "S", ndim=2)
    C = check_labels(C, "C", n=S.shape[1])
    if C.shape != S.shape:
        raise ValueError(f"C: expected shape {S.shape} (that of S), got {C.shape}")
    return S, C.astype(S.dtype, copy=False)


def _random_labels(rng, n_c, n):
    """Random class-probability columns, half one-hot and half soft (for the registered checks)."""
    C = rng.dirichlet(np.ones(n_c), size=n).T
    C[:, ::2] = np.eye(n_c)[:, rng.integers(0, n_c, size=C[:, ::2].shape[1])]
    return C
