"""The two-stream Hamiltonian (Verlet) network (lecture 10)."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import NamedTuple

import numpy as np

from numdl.activations import Activation, get_activation
from numdl.checks import register_check
from numdl.networks.base import (StackedLayout, StepNetwork, bias_size, check_cache, check_finite_state,
                                 check_positive_int, check_reversible, direction, layer_case, parse_wrt)
from numdl.networks.potential import force, force_mv, force_tmv
from numdl.utils.validation import as_generator, check_array

__all__ = ["HamiltonianCache", "HamiltonianNetwork", "HamiltonianReversibleCache"]


class HamiltonianCache(NamedTuple):
    """Forward intermediates of :class:`HamiltonianNetwork` (stored mode).

    Attributes
    ----------
    ys, zs : tuple of N+1 ndarrays of shape (width/2, n)
        The two streams ``Y_j`` and ``Z_j``, ``j = 0, …, N``.
    sigma_y, dsigma_y : tuple of N ndarrays of shape (width/2, n)
        ``σ`` and ``σ'`` at ``S_j = K_j Y_j + b_j eᵀ``.
    sigma_z, dsigma_z : tuple of N ndarrays of shape (width/2, n)
        ``σ`` and ``σ'`` at ``R_j = L_j Z_{j+1} + c_j eᵀ``.
    """

    ys: tuple
    zs: tuple
    sigma_y: tuple
    dsigma_y: tuple
    sigma_z: tuple
    dsigma_z: tuple

    @property
    def shape(self) -> tuple[int, int]:
        """Shape ``(width, n)`` of the states ``X_j = [Y_j; Z_j]``."""
        return (2 * len(self.ys[0]), self.ys[0].shape[1])


class HamiltonianReversibleCache(NamedTuple):
    """Only the final state ``X_N = [Y_N; Z_N]`` (reversible mode; memory independent of depth)."""

    last: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """Shape ``(width, n)`` of the states."""
        return self.last.shape


class _Layer(NamedTuple):
    """What one layer ``j`` needs in the Jacobian products."""

    j: int
    Y: np.ndarray          # Y_j
    Z_next: np.ndarray     # Z_{j+1}
    sigma_y: np.ndarray
    dsigma_y: np.ndarray
    sigma_z: np.ndarray
    dsigma_z: np.ndarray


@dataclass(frozen=True, eq=False)
class HamiltonianNetwork(StepNetwork):
    """Two-stream Hamiltonian network, symplectic Euler (Verlet) in depth (lecture 10).

    The input ``X = [Y; Z]`` is split into two streams of ``d = width/2`` rows each
    (the first half ``Y``, the second ``Z``); for ``j = 0, …, N−1``

        ``Z_{j+1} = Z_j − h K_jᵀ σ(K_j Y_j + b_j eᵀ)``,
        ``Y_{j+1} = Y_j + h L_jᵀ σ(L_j Z_{j+1} + c_j eᵀ)``,

    and the output is ``X_N = [Y_N; Z_N]``. (In Verlet notation ``Z_{j+1}`` is
    ``Z_{j+1/2}``.) This is the symplectic Euler method for the Hamiltonian system
    ``Ẏ = ∂H/∂Z``, ``Ż = −∂H/∂Y`` with the separable, layer-dependent
    ``H(Y, Z) = eᵀ s(L Z + c eᵀ) e + eᵀ s(K Y + b eᵀ) e``, ``s' = σ`` (the two-stream
    "Hamiltonian" networks of Haber & Ruthotto and of Chang et al., with the
    symmetric forces of :mod:`numdl.networks.potential`). Each half step is a shear,
    so the map ``X_0 → X_N`` is symplectic (``Jᵀ Ω J = Ω``, volume preserving) and
    exactly invertible:

        ``Y_j = Y_{j+1} − h L_jᵀ σ(L_j Z_{j+1} + c_j eᵀ)``,
        ``Z_j = Z_{j+1} + h K_jᵀ σ(K_j Y_j + b_j eᵀ)``.

    Parameters
    ----------
    width : int
        Rows of ``X`` (even); ``K_j`` and ``L_j`` are ``d × d`` with ``d = width/2``.
    depth : int
        Number of layers ``N``.
    T, h : float
        Exactly one: final time ``T`` (``h = T/N``) or step ``h > 0``.
    activation : str or Activation
    bias : {"vector", "scalar", None}
        Applies to both ``b_j`` and ``c_j``.
    reversible : bool, default False
        Keep only ``X_N`` and reconstruct the states backwards (formulas above) during
        the adjoint; memory independent of depth, states exact up to round-off.
        ``J v`` recomputes the states forwards.

    Notes
    -----
    **Parameters.** ``θ = (vec(K_0), …, vec(K_{N−1}), vec(L_0), …, vec(L_{N−1}),
    b_0, …, b_{N−1}, c_0, …, c_{N−1})`` (C order).

    **Sensitivities.** With ``dF`` the derivative of the force ``F(x) = Mᵀσ(M x + a)``
    (:mod:`numdl.networks.potential`):
    ``dZ_{j+1} = dZ_j − h dF_K(dK_j, db_j, dY_j)`` and
    ``dY_{j+1} = dY_j + h dF_L(dL_j, dc_j, dZ_{j+1})``, from ``[dY_0; dZ_0] = V``.

    **Adjoint.** ``[Λ_Y; Λ_Z] = W``; for ``j = N−1, …, 0`` the half steps are undone in
    reverse order, each through the transposed force:

    * second half step, cotangent ``M = h Λ_Y`` of ``F_L``: ``∇L_j``, ``∇c_j`` and
      ``Λ_Z ← Λ_Z + L_jᵀ (σ'(R_j) ⊙ (L_j M))``;
    * first half step, cotangent ``M = −h Λ_Z`` of ``F_K``: ``∇K_j``, ``∇b_j`` and
      ``Λ_Y ← Λ_Y + K_jᵀ (σ'(S_j) ⊙ (K_j M))``;

    the final ``[Λ_Y; Λ_Z]`` is ``J_Xᵀ W``.

    Examples
    --------
    >>> import numpy as np
    >>> net = HamiltonianNetwork(4, 8, T=2.0, reversible=True)
    >>> theta = net.init_theta(np.random.default_rng(0))
    >>> Z, cache = net.forward(theta, np.ones((4, 3)))
    >>> Z.shape, net.n_params
    ((4, 3), 96)
    """

    width: int
    depth: int
    _: KW_ONLY
    T: float | None = None
    h: float | None = None
    activation: Activation | str = "tanh"
    bias: str | None = "vector"
    reversible: bool = False

    def __post_init__(self):
        check_positive_int("width", self.width)
        if self.width % 2:
            raise ValueError(f"width: expected an even number (two streams of width/2 rows), got {self.width}")
        self._init_settings()
        check_reversible(self.reversible)

    # --- parameters -------------------------------------------------------------

    @property
    def half(self) -> int:
        """Rows ``d`` of each stream."""
        return self.width // 2

    @property
    def layout(self) -> StackedLayout:
        d = self.half
        return StackedLayout(2 * self.depth, d * d, bias_size(self.bias, d))

    def split_theta(self, theta):
        """Views ``(kernels (2N, d²), biases (2N, d or 1) or None)``: rows ``0..N−1`` are
        ``K_j``, ``b_j``, rows ``N..2N−1`` are ``L_j``, ``c_j``."""
        return self.layout.split(check_array(theta, "theta", ndim=1, finite=False), "theta")

    def init_theta(self, rng=None, *, dtype=np.float64) -> np.ndarray:
        """Kernel entries ``N(0, 1/d)``, zero biases."""
        return self.layout.init(as_generator(rng), self.half, dtype)

    def _unpack(self, vec, name="theta"):
        """``(K, L, b, c)``: ``K, L (N, d, d)``, ``b, c (N, d or 1)`` or ``None``."""
        N, d = self.depth, self.half
        k, bias = self.layout.split(vec, name)
        KL = k.reshape(2 * N, d, d)
        b, c = (None, None) if bias is None else (bias[:N], bias[N:])
        return KL[:N], KL[N:], b, c

    # --- the two half steps, forwards and backwards -------------------------------

    def _forward_step(self, j, K, L, b, c, Y, Z):
        """``(Y_{j+1}, Z_{j+1}, σ_y, σ'_y, σ_z, σ'_z)`` from ``(Y_j, Z_j)``."""
        bj, cj = (None, None) if b is None else (b[j], c[j])
        with np.errstate(over="ignore", invalid="ignore"):
            Z_next, sigma_y, dsigma_y = force(K[j], bj, Y, self.activation)
            Z_next *= -self.h
            Z_next += Z
            Y_next, sigma_z, dsigma_z = force(L[j], cj, Z_next, self.activation)
            Y_next *= self.h
            Y_next += Y
        return Y_next, Z_next, sigma_y, dsigma_y, sigma_z, dsigma_z

    def _backward_step(self, j, K, L, b, c, Y_next, Z_next):
        """``(Y_j, Z_j, σ_y, σ'_y, σ_z, σ'_z)`` from ``(Y_{j+1}, Z_{j+1})``."""
        bj, cj = (None, None) if b is None else (b[j], c[j])
        Y, sigma_z, dsigma_z = force(L[j], cj, Z_next, self.activation)
        Y *= -self.h
        Y += Y_next
        Z, sigma_y, dsigma_y = force(K[j], bj, Y, self.activation)
        Z *= self.h
        Z += Z_next
        return Y, Z, sigma_y, dsigma_y, sigma_z, dsigma_z

    def _integrate(self, K, L, b, c, X):
        """Yield ``(layer, Y_{j+1})`` for ``j = 0, …, N−1`` from ``X_0 = X``."""
        d = self.half
        Y, Z = X[:d], X[d:]
        for j in range(self.depth):
            Y_next, Z_next, sy, dsy, sz, dsz = self._forward_step(j, K, L, b, c, Y, Z)
            check_finite_state(Z_next, j, self)
            check_finite_state(Y_next, j, self)
            yield _Layer(j, Y, Z_next, sy, dsy, sz, dsz), Y_next
            Y, Z = Y_next, Z_next

    def _layers_forward(self, K, L, b, c, X, cache):
        """The layers ``j = 0, …, N−1``: read from the cache or recomputed."""
        if isinstance(cache, HamiltonianCache):
            for j in range(self.depth):
                yield _Layer(j, cache.ys[j], cache.zs[j + 1], cache.sigma_y[j],
                             cache.dsigma_y[j], cache.sigma_z[j], cache.dsigma_z[j])
        else:
            for layer, _ in self._integrate(K, L, b, c, X):
                yield layer

    def _layers_backward(self, K, L, b, c, cache):
        """The layers ``j = N−1, …, 0``: read from the cache or reconstructed from ``X_N``."""
        if isinstance(cache, HamiltonianCache):
            for j in reversed(range(self.depth)):
                yield _Layer(j, cache.ys[j], cache.zs[j + 1], cache.sigma_y[j],
                             cache.dsigma_y[j], cache.sigma_z[j], cache.dsigma_z[j])
        else:
            d = self.half
            Y_next, Z_next = cache.last[:d], cache.last[d:]
            for j in reversed(range(self.depth)):
                Y, Z, sy, dsy, sz, dsz = self._backward_step(j, K, L, b, c, Y_next, Z_next)
                yield _Layer(j, Y, Z_next, sy, dsy, sz, dsz)
                Y_next, Z_next = Y, Z

    # --- forward ----------------------------------------------------------------

    def forward(self, theta, Y):
        """``X_N = [Y_N; Z_N]`` and the cache (all states, or ``X_N`` when ``reversible``).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        Y : ndarray, shape (width, n)
            The input ``X_0 = [Y_0; Z_0]``.

        Returns
        -------
        Z : ndarray, shape (width, n), read-only
        cache : HamiltonianCache or HamiltonianReversibleCache

        Raises
        ------
        FloatingPointError
            A state is not finite (the message names the layer).
        """
        theta, X = self._operands(theta, Y, finite=True)
        K, L, b, c = self._unpack(theta)
        d = self.half
        if self.reversible:
            Y_last, Z_last = X[:d], X[d:]
            for layer, Y_next in self._integrate(K, L, b, c, X):
                Y_last, Z_last = Y_next, layer.Z_next  # only the final pair is kept
            last = np.concatenate((Y_last, Z_last))
            last.setflags(write=False)
            return last, HamiltonianReversibleCache(last)
        ys, zs, sy, dsy, sz, dsz = [X[:d]], [X[d:]], [], [], [], []
        for layer, Y_next in self._integrate(K, L, b, c, X):
            ys.append(Y_next)
            zs.append(layer.Z_next)
            sy.append(layer.sigma_y)
            dsy.append(layer.dsigma_y)
            sz.append(layer.sigma_z)
            dsz.append(layer.dsigma_z)
        last = np.concatenate((ys[-1], zs[-1]))
        last.setflags(write=False)
        return last, HamiltonianCache(*map(tuple, (ys, zs, sy, dsy, sz, dsz)))

    def states(self, theta, Y) -> np.ndarray:
        """All states ``X_0, …, X_N`` as an array ``(N+1, width, n)`` (in either mode)."""
        theta, X = self._operands(theta, Y, finite=True)
        K, L, b, c = self._unpack(theta)
        return np.stack([X] + [np.concatenate((Y_next, layer.Z_next))
                               for layer, Y_next in self._integrate(K, L, b, c, X)])

    def _check_cache(self, cache, X):
        check_cache(cache, X, HamiltonianReversibleCache if self.reversible else HamiltonianCache)

    # --- the combined Jacobian products -------------------------------------------

    def jac_mv(self, v_theta, v_y, theta, Y, cache) -> np.ndarray:
        """``J_θ v_θ + J_Y v_Y`` by one sensitivity sweep (see Notes); either may be ``None``."""
        if v_theta is None and v_y is None:
            raise ValueError("jac_mv: give v_theta, v_y or both")
        theta, X = self._product_operands(theta, Y, cache)
        K, L, b, c = self._unpack(theta)
        dK = dL = db = dc = None
        if v_theta is not None:
            dK, dL, db, dc = self._unpack(direction(v_theta, (self.n_params,), "v", X.dtype), "v")
        d = self.half
        dY = dZ = None
        if v_y is not None:
            V = direction(v_y, X.shape, "v", X.dtype)
            dY, dZ = V[:d], V[d:]
        for lay in self._layers_forward(K, L, b, c, X, cache):
            j = lay.j
            dZ_next = force_mv(K[j], lay.Y, lay.sigma_y, lay.dsigma_y, None if dK is None else dK[j],
                               None if db is None else db[j], dY)
            dZ_next *= -self.h
            if dZ is not None:
                dZ_next += dZ
            dY_next = force_mv(L[j], lay.Z_next, lay.sigma_z, lay.dsigma_z, None if dL is None else dL[j],
                               None if dc is None else dc[j], dZ_next)
            dY_next *= self.h
            if dY is not None:
                dY_next += dY
            dY, dZ = dY_next, dZ_next
        return np.concatenate((dY, dZ))

    def jac_tmv(self, w, theta, Y, cache, *, wrt: str = "both"):
        """``(J_θᵀ w, J_Yᵀ w)`` by one adjoint sweep (see Notes); ``wrt`` = "both", "theta" or "Y"."""
        want_theta, want_y = parse_wrt(wrt)
        theta, X = self._product_operands(theta, Y, cache)
        K, L, b, c = self._unpack(theta)
        N, d = self.depth, self.half
        if want_theta:
            GKL = np.empty((2 * N, d, d), dtype=X.dtype)
            gbc = np.empty((2 * N, self.layout.bias_size), dtype=X.dtype)
        W = direction(w, X.shape, "w", X.dtype)
        lam_y, lam_z = W[:d], W[d:]
        for lay in self._layers_backward(K, L, b, c, cache):
            j = lay.j
            gL, gc, lam = force_tmv(L[j], lay.Z_next, lay.sigma_z, lay.dsigma_z, self.h * lam_y, self.bias,
                                    want_theta=want_theta)
            lam += lam_z
            lam_z = lam
            need_input = want_y or j > 0
            gK, gb, lam = force_tmv(K[j], lay.Y, lay.sigma_y, lay.dsigma_y, -self.h * lam_z, self.bias,
                                    want_theta=want_theta, want_input=need_input)
            if need_input:
                lam += lam_y
                lam_y = lam
            if want_theta:
                GKL[j], GKL[N + j] = gK, gL
                if gb is not None:
                    gbc[j], gbc[N + j] = gb, gc
        g_theta = self.layout.join(GKL.reshape(2 * N, -1), gbc) if want_theta else None
        g_y = np.concatenate((lam_y, lam_z)) if want_y else None
        return g_theta, g_y


# --- registered derivative checks ------------------------------------------------

@register_check("network/hamiltonian-tanh")
def _check_hamiltonian(rng):
    return layer_case(rng, HamiltonianNetwork(4, 3, h=0.5))


@register_check("network/hamiltonian-reversible")
def _check_hamiltonian_reversible(rng):
    return layer_case(rng, HamiltonianNetwork(4, 4, h=0.5, reversible=True))


@register_check("network/hamiltonian-smooth-relu-scalar-bias")
def _check_hamiltonian_smooth_relu(rng):
    act = get_activation("smooth_relu", eta=0.5)
    return layer_case(rng, HamiltonianNetwork(6, 3, h=0.4, activation=act, bias="scalar"))
