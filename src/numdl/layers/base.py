"""The layer protocol and the Jacobian of a layer as a SciPy ``LinearOperator``.

Every layer, parametric kernel and network of numdl is a map ``Z = f(θ, Y)`` from
parameters ``θ`` (one flat vector) and inputs ``Y`` (one example per column) to
outputs ``Z``, and exposes (STYLE.md §1, after Meganet):

* ``forward(theta, Y) -> (Z, cache)`` — the cache is a small named tuple of forward
  intermediates (e.g. ``σ'(K Y + b)``) that the Jacobian products reuse;
* ``jac_theta_mv(v, theta, Y, cache)`` — ``J_θ v``, shaped like ``Z``;
* ``jac_theta_tmv(w, theta, Y, cache)`` — ``J_θᵀ w``, shaped like ``θ``;
* ``jac_y_mv(v, theta, Y, cache)`` — ``J_Y v`` for ``v`` shaped like ``Y``;
* ``jac_y_tmv(w, theta, Y, cache)`` — ``J_Yᵀ w``, shaped like ``Y``;
* ``n_params`` and ``init_theta(rng)``;
* optionally ``linearize(theta, Y) -> (Z, LinearOperator)``.

The direction comes first; ``cache`` must come from ``forward`` at the same
``theta`` and ``Y``. ``J_θᵀ`` and ``J_Yᵀ`` are the reverse-mode (adjoint)
products: the gradient of a loss ``E(Z)`` is ``∇_θ E = J_θᵀ ∇_Z E``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
from scipy.sparse.linalg import LinearOperator

__all__ = ["Layer", "jacobian_operator", "linearize"]


@runtime_checkable
class Layer(Protocol):
    """What every layer provides (see the module docstring for the contract)."""

    @property
    def n_params(self) -> int:
        """Length of the flat parameter vector ``θ``."""

    def init_theta(self, rng) -> np.ndarray:
        """Initial parameters ``θ (n_params,)`` drawn from ``rng``."""

    def forward(self, theta, Y) -> tuple[np.ndarray, Any]:
        """``(Z, cache)``."""

    def jac_theta_mv(self, v, theta, Y, cache) -> np.ndarray:
        """``J_θ v``."""

    def jac_theta_tmv(self, w, theta, Y, cache) -> np.ndarray:
        """``J_θᵀ w``."""

    def jac_y_mv(self, v, theta, Y, cache) -> np.ndarray:
        """``J_Y v``."""

    def jac_y_tmv(self, w, theta, Y, cache) -> np.ndarray:
        """``J_Yᵀ w``."""


def jacobian_operator(layer: Layer, theta, Y, Z, cache, *, wrt: str = "theta") -> LinearOperator:
    """The Jacobian of ``layer`` at ``(theta, Y)`` as a ``LinearOperator`` on flat vectors.

    Parameters
    ----------
    layer : Layer
    theta, Y : ndarray
        The point of linearization.
    Z, cache
        The output and cache returned by ``layer.forward(theta, Y)``.
    wrt : {"theta", "Y"}
        Differentiate with respect to the parameters (operator of shape
        ``(Z.size, theta.size)``) or the input (``(Z.size, Y.size)``).

    Returns
    -------
    LinearOperator
        ``matvec(v) = vec(J v)`` and ``rmatvec(w) = vec(Jᵀ mat(w))``, with C-order
        ``vec`` of ``Z`` and ``Y``; its dtype is that of ``Z``.
    """
    theta, Y, Z = np.asarray(theta), np.asarray(Y), np.asarray(Z)
    Z_shape, n_out = Z.shape, Z.size
    if wrt == "theta":
        in_shape, mv, tmv = theta.shape, layer.jac_theta_mv, layer.jac_theta_tmv
    elif wrt == "Y":
        in_shape, mv, tmv = Y.shape, layer.jac_y_mv, layer.jac_y_tmv
    else:
        raise ValueError(f"wrt: expected 'theta' or 'Y', got {wrt!r}")
    n_in = int(np.prod(in_shape))

    def matvec(v):
        return mv(np.reshape(v, in_shape), theta, Y, cache).reshape(-1)

    def rmatvec(w):
        return tmv(np.reshape(w, Z_shape), theta, Y, cache).reshape(-1)

    return LinearOperator((n_out, n_in), matvec=matvec, rmatvec=rmatvec, dtype=Z.dtype)


def linearize(layer: Layer, theta, Y, *, wrt: str = "theta") -> tuple[np.ndarray, LinearOperator]:
    """Run ``layer.forward(theta, Y)`` and return ``(Z, J)`` with ``J`` from :func:`jacobian_operator`.

    The operator lets solvers (CGLS, Gauss-Newton) and :func:`numdl.checks.adjoint_test`
    use the layer's Jacobian unchanged.
    """
    Z, cache = layer.forward(theta, Y)
    return Z, jacobian_operator(layer, theta, Y, Z, cache, wrt=wrt)
