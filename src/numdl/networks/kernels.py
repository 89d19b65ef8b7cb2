"""Kernel parametrizations ``K_j = K(k_j)`` of the residual network's layers (lecture 10).

A parametrization maps the kernel parameters of all ``N`` layers at once, stacked as
the rows of ``k (N, p)``, to the kernels ``K (N, m, n_in)``. It is affine in ``k``,
``K(k) = D(k) + K_0``, and provides

* ``matrices(k)`` — the kernels ``K(k)``;
* ``directions(dk)`` — the linear part ``D(dk)`` (the derivative of ``K`` along
  ``dk``);
* ``gradients(G)`` — its transpose ``Dᵀ(G)`` for ``G (N, m, n_in)``: the gradient
  with respect to ``k`` of a function whose gradient with respect to the kernels is
  ``G``.

Two are provided:

* :class:`FullKernel` — every entry free, ``k_j = vec(K_j)`` (C order);
* :class:`AntisymmetricKernel` — ``K_j = U_j − U_jᵀ − γ I`` with ``U_j`` strictly upper
  triangular: a purely imaginary spectrum shifted left by ``γ`` (the ODE
  ``Ẏ = σ(K Y + b)`` is then stable, and neither grows nor decays for ``γ = 0``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from numdl.checks import MapCase, register_check
from numdl.networks.base import check_positive_int
from numdl.utils.validation import as_generator

__all__ = ["AntisymmetricKernel", "FullKernel", "make_kernel"]


@dataclass(frozen=True)
class FullKernel:
    """``K_j = mat(k_j)``: all ``n_out · n_in`` entries free, ``k_j = K_j.reshape(-1)``.

    Notes
    -----
    ``D`` is the reshape ``(N, p) → (N, n_out, n_in)`` and ``Dᵀ`` the reshape back;
    both are views.
    """

    n_out: int
    n_in: int

    @property
    def n_params(self) -> int:
        """Parameters per layer, ``n_out · n_in``."""
        return self.n_out * self.n_in

    def matrices(self, k: np.ndarray) -> np.ndarray:
        """``K (N, n_out, n_in)``, a view of ``k (N, n_params)``."""
        return k.reshape(k.shape[0], self.n_out, self.n_in)

    def directions(self, dk: np.ndarray) -> np.ndarray:
        """``D(dk) = mat(dk)`` (the map is linear)."""
        return self.matrices(dk)

    def gradients(self, G: np.ndarray) -> np.ndarray:
        """``Dᵀ(G) = vec(G)`` per layer, shape ``(N, n_params)``."""
        return G.reshape(G.shape[0], self.n_params)

    def init(self, rng, n_layers: int, dtype=np.float64) -> np.ndarray:
        """``k (n_layers, n_params)`` with entries ``N(0, 1/n_in)``."""
        rng = as_generator(rng)
        return (rng.standard_normal((n_layers, self.n_params)) / np.sqrt(self.n_in)).astype(dtype)


@dataclass(frozen=True)
class AntisymmetricKernel:
    """``K_j = U_j − U_jᵀ − γ I`` with ``U_j`` strictly upper triangular (lecture 10).

    Parameters
    ----------
    n : int
        Size of the square kernels.
    gamma : float, default 0
        Damping ``γ ≥ 0``: the eigenvalues of ``K_j`` are ``i ω − γ`` with real ``ω``.

    Notes
    -----
    **Parameters.** ``k_j`` holds the ``n(n−1)/2`` entries of ``U_j`` above the
    diagonal, row by row (the order of ``numpy.triu_indices(n, 1)``). Storing only
    them (rather than a full ``A_j`` with ``K_j = A_j − A_jᵀ``) keeps the map
    one-to-one, so its Jacobian has no null space.

    **Derivative and transpose.** ``D(dk) = dU − dUᵀ``; for a gradient ``G`` with
    respect to ``K_j``, ``⟨G, dU − dUᵀ⟩ = ⟨G − Gᵀ, dU⟩``, so
    ``Dᵀ(G) = (G − Gᵀ)`` restricted to the entries above the diagonal.
    """

    n: int
    gamma: float = 0.0

    def __post_init__(self):
        check_positive_int("n", self.n)
        ok = isinstance(self.gamma, (int, float, np.integer, np.floating)) and not isinstance(self.gamma, bool)
        if not ok or not math.isfinite(self.gamma) or self.gamma < 0:
            raise ValueError(f"gamma: expected a finite number ≥ 0, got {self.gamma!r}")

    @property
    def n_out(self) -> int:
        return self.n

    @property
    def n_in(self) -> int:
        return self.n

    @property
    def n_params(self) -> int:
        """Parameters per layer, ``n(n−1)/2``."""
        return self.n * (self.n - 1) // 2

    def _skew(self, k: np.ndarray) -> np.ndarray:
        """``U − Uᵀ`` for each row of ``k``."""
        rows, cols = np.triu_indices(self.n, 1)
        K = np.zeros((k.shape[0], self.n, self.n), dtype=k.dtype)
        K[:, rows, cols] = k
        K[:, cols, rows] = -k
        return K

    def matrices(self, k: np.ndarray) -> np.ndarray:
        """``K (N, n, n)`` with ``K_j = U_j − U_jᵀ − γ I``."""
        K = self._skew(k)
        if self.gamma:
            diag = np.arange(self.n)
            K[:, diag, diag] = -self.gamma
        return K

    def directions(self, dk: np.ndarray) -> np.ndarray:
        """``D(dk) = dU − dUᵀ`` per layer."""
        return self._skew(dk)

    def gradients(self, G: np.ndarray) -> np.ndarray:
        """``Dᵀ(G) = (G − Gᵀ)`` above the diagonal, shape ``(N, n_params)``."""
        rows, cols = np.triu_indices(self.n, 1)
        return G[:, rows, cols] - G[:, cols, rows]

    def init(self, rng, n_layers: int, dtype=np.float64) -> np.ndarray:
        """``k (n_layers, n_params)`` with entries ``N(0, 1/n)``."""
        rng = as_generator(rng)
        return (rng.standard_normal((n_layers, self.n_params)) / np.sqrt(self.n)).astype(dtype)


def make_kernel(kind: str, n: int, *, gamma: float = 0.0):
    """The parametrization of square ``n × n`` kernels named ``kind``.

    Parameters
    ----------
    kind : {"full", "antisymmetric"}
    n : int
    gamma : float
        Damping of the antisymmetric kernels; must be 0 for ``"full"``.
    """
    if kind == "full":
        if gamma != 0:
            raise ValueError(f"gamma: only used with kernel='antisymmetric', got gamma={gamma!r} with kernel='full'")
        return FullKernel(n, n)
    if kind == "antisymmetric":
        return AntisymmetricKernel(n, gamma)
    raise ValueError(f"kernel: expected 'full' or 'antisymmetric', got {kind!r}")


# --- registered derivative checks ------------------------------------------------

@register_check("network-kernel/antisymmetric")
def _check_antisymmetric(rng):
    kernel = AntisymmetricKernel(4, gamma=0.3)
    return MapCase(kernel.matrices, rng.standard_normal((3, kernel.n_params)),
                   jvp=kernel.directions, vjp=kernel.gradients)
