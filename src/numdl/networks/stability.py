"""Stability of forward propagation through a deep network (lecture 10).

A residual network ``Y_{j+1} = Y_j + h σ(K_j Y_j + b_j)`` is forward Euler for the ODE
``Ẏ = σ(K(t) Y + b(t))``, whose Jacobian is ``diag(σ') K``. For monotone σ
(``σ' ≥ 0``) the ODE is stable when ``Re λ(K) ≤ 0`` and ``K`` varies slowly in time,
and forward Euler keeps this stability when ``|1 + hλ| ≤ 1`` for the eigenvalues ``λ``
of the linearization. Antisymmetric kernels (``λ`` purely imaginary) make the ODE
neither grow nor decay, but ``|1 + iωh| > 1`` for every ``h > 0``: forward Euler is
unstable for them, while the leapfrog and Hamiltonian networks are not.

* :func:`stability_report` — per layer of a :class:`~numdl.networks.ResidualNetwork`:
  the eigenvalues of ``K_j``, ``max Re λ``, ``max |1 + hλ|``, the spectral radius of
  the layer's Jacobian ``P + h diag(σ'_j) K_j`` and the norms of the states;
* :func:`state_norms` — ``‖Y_j‖_F`` through the depth of any network with a
  ``states(theta, Y)`` method (residual, hyperbolic, Hamiltonian).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numdl.networks.residual import ResidualNetwork

__all__ = ["StabilityReport", "stability_report", "state_norms"]


@dataclass(frozen=True)
class StabilityReport:
    """Per-layer stability numbers of a residual network at ``(θ, Y)``.

    Attributes
    ----------
    h : float
        Step size.
    kernel_eigenvalues : ndarray, shape (N, m), complex
        Eigenvalues ``λ`` of each ``K_j``.
    max_real : ndarray, shape (N,)
        ``max Re λ(K_j)`` (the ODE is stable for ``≤ 0``).
    euler_factor : ndarray, shape (N,)
        ``max |1 + h λ(K_j)|`` (forward Euler is stable for ``≤ 1``).
    jacobian_eigenvalues : ndarray, shape (N, m) or (N, n, m), complex
        Eigenvalues of the layer Jacobian ``∂Y_{j+1}/∂Y_j = P + h diag(σ'_j) K_j``
        (``I + h diag(σ'_j) K_j`` for a ResNet), at the mean ``σ'_j`` over the
        examples, or for each example.
    jacobian_radius : ndarray, shape (N,)
        Their largest modulus (over the examples too).
    state_norms : ndarray, shape (N+1,)
        ``‖Y_j‖_F`` for ``j = 0, …, N``.
    """

    h: float
    kernel_eigenvalues: np.ndarray
    max_real: np.ndarray
    euler_factor: np.ndarray
    jacobian_eigenvalues: np.ndarray
    jacobian_radius: np.ndarray
    state_norms: np.ndarray

    def stable(self, tol: float = 1e-12) -> np.ndarray:
        """Per layer: does forward Euler satisfy ``max |1 + hλ(K_j)| ≤ 1 + tol``?"""
        return self.euler_factor <= 1 + tol

    def rows(self) -> list[dict]:
        """One flat dict per layer (for printing a table)."""
        return [{"layer": j, "max Re λ": float(self.max_real[j]), "max |1+hλ|": float(self.euler_factor[j]),
                 "ρ(J_j)": float(self.jacobian_radius[j]), "‖Y_{j+1}‖": float(self.state_norms[j + 1])}
                for j in range(len(self.max_real))]


def stability_report(network: ResidualNetwork, theta, Y, *, per_example: bool = False) -> StabilityReport:
    """Eigenvalues and forward-Euler factors per layer of a residual network.

    Parameters
    ----------
    network : ResidualNetwork
    theta : ndarray, shape (n_params,)
    Y : ndarray, shape (width, n)
        Inputs at which ``σ'_j`` (and the states) are evaluated.
    per_example : bool
        Spectral radius of the layer Jacobian for each example (``diag`` of that
        example's ``σ'_j``) and its maximum over the examples; by default at the mean
        ``σ'_j`` over the examples.

    Returns
    -------
    StabilityReport
    """
    if not isinstance(network, ResidualNetwork):
        raise ValueError(f"network: expected a ResidualNetwork, got {type(network).__name__}")
    _, cache = network.forward(theta, Y)
    K = network.kernel_matrices(theta).astype(np.float64)
    h, N = network.h, network.depth
    lam = np.linalg.eigvals(K).astype(complex)
    P = _skip_matrix(network)
    mu = []
    for j in range(N):
        dsigma = cache.dsigma[j].astype(np.float64)
        # rows of K_j scaled by σ'_j: one (m, m) Jacobian, or a stack (n, m, m) of them
        D = dsigma.T[:, :, None] if per_example else dsigma.mean(axis=1)[:, None]
        mu.append(np.linalg.eigvals(P + h * D * K[j]).astype(complex))
    mu = np.stack(mu)
    radius = np.abs(mu).reshape(N, -1).max(axis=1)
    norms = np.array([np.linalg.norm(Y_j.astype(np.float64)) for Y_j in cache.states])
    return StabilityReport(h=h, kernel_eigenvalues=lam, max_real=lam.real.max(axis=1),
                           euler_factor=np.abs(1 + h * lam).max(axis=1), jacobian_eigenvalues=mu, jacobian_radius=radius,
                           state_norms=norms)


def _skip_matrix(network: ResidualNetwork) -> np.ndarray:
    """``P`` of the skip connection as a float64 matrix."""
    m = network.width
    if network.skip == "identity":
        return np.eye(m)
    if network.skip == "zero":
        return np.zeros((m, m))
    return np.asarray(network.P, dtype=np.float64)


def state_norms(network, theta, Y) -> np.ndarray:
    """``‖Y_j‖_F`` for ``j = 0, …, N`` (the growth or decay of the states through depth).

    Parameters
    ----------
    network : ResidualNetwork, HyperbolicNetwork or HamiltonianNetwork
        Any network with a ``states(theta, Y) -> (N+1, width, n)`` method.
    """
    if not hasattr(network, "states"):
        raise ValueError(f"network: expected a network with a states(theta, Y) method "
                         f"(ResidualNetwork, HyperbolicNetwork, HamiltonianNetwork), got {type(network).__name__}")
    states = network.states(theta, Y)
    return np.linalg.norm(states.astype(np.float64), axis=(1, 2))
