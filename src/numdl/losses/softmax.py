"""Softmax and the multinomial (softmax) cross-entropy loss (lecture 4).

For scores ``S (n_c, n)`` and class probabilities ``C (n_c, n)`` (one column per
example),

    E(S) = (1/n) Σ_j ( −c_jᵀ s_j + log(eᵀ exp(s_j)) ),

the negative log-likelihood of the labels under ``P = softmax(S)``. Every column is
shifted by its maximum before ``exp`` (the shift cancels in ``P`` and is added back
to the log-sum-exp), so scores of any size give no overflow.
"""

from __future__ import annotations

import numpy as np

from numdl.checks import ObjectiveCase, register_check
from numdl.losses.base import LossResult, _check_scores_labels, _random_labels, chain_rule_W, chain_rule_Y
from numdl.utils.validation import check_array

__all__ = ["softmax", "softmax_cross_entropy"]


def _shifted_exp(S):
    """``(E, m)`` with ``m_j = max_k S_kj`` and ``E = exp(S − e mᵀ)`` (entries in (0, 1])."""
    m = S.max(axis=0)
    return np.exp(S - m), m


def _softmax(S):
    E, _ = _shifted_exp(S)
    return E / E.sum(axis=0)


def softmax(S) -> np.ndarray:
    """Column-wise softmax ``P = exp(S) / (eᵀ exp(S))``, computed without overflow.

    Parameters
    ----------
    S : array_like, shape (n_c, n)
        Scores, one column per example.

    Returns
    -------
    P : ndarray, shape (n_c, n)
        Class probabilities: positive entries, every column sums to 1.

    Notes
    -----
    ``softmax(s) = softmax(s − max(s))``; after the shift the largest exponent is 0.
    """
    return _softmax(check_array(S, "S", ndim=2))


def _softmax_hess_mv(P, n):
    """``U ↦ (1/n)(P ⊙ U − P ⊙ (e eᵀ (P ⊙ U)))``, the Hessian of the CE in ``S``."""
    P_n = P / n

    def hess_mv(U):
        A = P_n * U  # (1/n) P ⊙ U
        A -= P * A.sum(axis=0)
        return A

    return hess_mv


def _softmax_ce(S, C) -> LossResult:
    """Softmax cross-entropy without input checks (see :func:`softmax_cross_entropy`)."""
    n = S.shape[1]
    E, m = _shifted_exp(S)
    sum_e = E.sum(axis=0)
    P = E / sum_e
    # −cᵀs + m + log Σ exp(s − m), written with the shifted scores Z = S − m:
    # −cᵀz + log Σ exp(z) + m (1 − eᵀc); the last term vanishes for probability labels.
    Z = S - m
    value = (np.sum(np.log(sum_e)) - np.sum(C * Z) + np.dot(m, 1 - C.sum(axis=0))) / n
    return LossResult(float(value), (P - C) / n, _softmax_hess_mv(P, n))


def softmax_cross_entropy(S, C) -> LossResult:
    """Softmax cross-entropy of scores ``S`` against class probabilities ``C``.

    ``E(S) = (1/n) Σ_j ( −c_jᵀ s_j + log(eᵀ exp(s_j)) )``.

    Parameters
    ----------
    S : array_like, shape (n_c, n)
        Scores, one column per example (float64 or float32).
    C : array_like, shape (n_c, n)
        Labels: one-hot columns or class probabilities (entries in ``[0, 1]``,
        columns summing to 1).

    Returns
    -------
    LossResult
        ``value``; ``grad = ∇_S E = (1/n)(P − C)`` with ``P = softmax(S)``;
        ``hess_mv(U) = (1/n)(P ⊙ U − P ⊙ (e eᵀ (P ⊙ U)))``.

    Raises
    ------
    ValueError
        If the shapes differ, an entry is NaN / inf, or a column of ``C`` is not a
        probability vector (the message names the first bad column).

    Notes
    -----
    Per column, ``∇²_s E = (diag(p) − p pᵀ)/n``, symmetric positive semi-definite
    (``e`` is in its null space: adding a constant to a column leaves ``E``
    unchanged), so ``E`` is convex in ``S`` and, by the chain rule
    (:func:`numdl.losses.chain_rule_W`), in ``W`` for ``S = W Y``. Lecture 4.

    Examples
    --------
    >>> import numpy as np
    >>> res = softmax_cross_entropy(np.zeros((3, 2)), np.eye(3)[:, :2])
    >>> print(f"{res.value:.6f} = log 3 = {np.log(3):.6f}")
    1.098612 = log 3 = 1.098612
    """
    return _softmax_ce(*_check_scores_labels(S, C))


# --- registered derivative checks ------------------------------------------------

@register_check("softmax-ce/S")
def _check_softmax_S(rng):
    n_c, n = 4, 7
    C = _random_labels(rng, n_c, n)
    return ObjectiveCase(lambda S: _softmax_ce(S, C), 2 * rng.standard_normal((n_c, n)))


@register_check("softmax-ce/W")
def _check_softmax_W(rng):
    n_c, n_f, n = 4, 3, 9
    Y = rng.standard_normal((n_f, n))
    C = _random_labels(rng, n_c, n)
    return ObjectiveCase(lambda W: chain_rule_W(_softmax_ce(W @ Y, C), Y),
                         rng.standard_normal((n_c, n_f)))


@register_check("softmax-ce/W-bias")
def _check_softmax_W_bias(rng):
    n_c, n_f, n = 3, 4, 10
    Y1 = np.vstack([rng.standard_normal((n_f, n)), np.ones((1, n))])
    C = _random_labels(rng, n_c, n)
    return ObjectiveCase(lambda W: chain_rule_W(_softmax_ce(W @ Y1, C), Y1),
                         rng.standard_normal((n_c, n_f + 1)))


@register_check("softmax-ce/Y")
def _check_softmax_Y(rng):
    n_c, n_f, n = 4, 5, 6
    W = rng.standard_normal((n_c, n_f))
    C = _random_labels(rng, n_c, n)
    return ObjectiveCase(lambda Y: chain_rule_Y(_softmax_ce(W @ Y, C), W),
                         rng.standard_normal((n_f, n)))
