"""The force ``F(Y) = Kᵀ σ(K Y + b eᵀ)`` of the leapfrog and Hamiltonian networks (lecture 10).

``F`` is the gradient of the potential ``V(Y) = eᵀ s(K Y + b eᵀ) e`` with ``s' = σ``,
and its Jacobian ``∂F/∂Y = Kᵀ diag(σ') K`` is symmetric (positive semi-definite for
monotone σ). This is what makes the second-order (leapfrog) and two-stream
(Hamiltonian) networks stable and reversible. The value and both products are written
once here and used by both networks.

Products, with ``S = K Y + b eᵀ``, ``σ = σ(S)`` and ``σ' = σ'(S)``:

* forward: ``dF = dKᵀ σ + Kᵀ (σ' ⊙ (dK Y + db eᵀ + K dY))``;
* transpose, for a cotangent ``M`` of ``F`` and ``G = σ' ⊙ (K M)``:
  ``∇K = σ Mᵀ + G Yᵀ``, ``∇b = G e`` (vector) or ``eᵀ G e`` (scalar), ``∇Y = Kᵀ G``.
"""

from __future__ import annotations

import numpy as np

from numdl.networks.base import bias_tmv

__all__ = ["force", "force_mv", "force_tmv"]


def force(K, b, Y, activation):
    """``(F, σ, σ')`` with ``F = Kᵀ σ(K Y + b eᵀ)``; ``K (m, d)``, ``b (m,)``, ``(1,)`` or ``None``, ``Y (d, n)``."""
    S = K @ Y
    if b is not None:
        S += b[:, None]
    sigma, dsigma = activation(S, overwrite_x=True)
    return K.T @ sigma, sigma, dsigma


def force_mv(K, Y, sigma, dsigma, dK=None, db=None, dY=None):
    """``dF = dKᵀ σ + Kᵀ (σ' ⊙ (dK Y + db eᵀ + K dY))``; ``None`` directions are zero
    (at least one of ``dK`` and ``dY`` must be given)."""
    dS = None if dY is None else K @ dY
    if dK is not None:
        dS = dK @ Y if dS is None else np.add(dS, dK @ Y, out=dS)
    if db is not None:
        dS += db[:, None]
    dS *= dsigma
    dF = K.T @ dS
    if dK is not None:
        dF += dK.T @ sigma
    return dF


def force_tmv(K, Y, sigma, dsigma, M, bias, *, want_theta=True, want_input=True):
    """``(∇K, ∇b, ∇Y)`` of ``⟨M, F⟩``: ``G = σ' ⊙ (K M)``, ``∇K = σ Mᵀ + G Yᵀ``,
    ``∇b = G e`` (or ``eᵀ G e``, or ``None``), ``∇Y = Kᵀ G``; the parts not wanted are ``None``."""
    G = K @ M
    G *= dsigma
    gK = gb = gY = None
    if want_theta:
        gK = sigma @ M.T
        gK += G @ Y.T
        gb = bias_tmv(G, bias)
    if want_input:
        gY = K.T @ G
    return gK, gb, gY
