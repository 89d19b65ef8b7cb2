"""The hyperbolic (leapfrog) network ``Y_{j+1} = 2Y_j − Y_{j−1} − h² K_jᵀ σ(K_j Y_j + b_j)`` (lecture 10)."""

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

__all__ = ["HyperbolicCache", "HyperbolicNetwork", "HyperbolicReversibleCache"]


class HyperbolicCache(NamedTuple):
    """Forward intermediates of :class:`HyperbolicNetwork` (stored mode).

    Attributes
    ----------
    states : tuple of N+1 ndarrays of shape (width, n)
        ``Y_0, …, Y_N``; ``Y_N`` is the output (read-only).
    sigma, dsigma : tuple of N ndarrays of shape (width, n)
        ``σ(S_j)`` and ``σ'(S_j)`` at ``S_j = K_j Y_j + b_j eᵀ``.
    """

    states: tuple
    sigma: tuple
    dsigma: tuple

    @property
    def shape(self) -> tuple[int, int]:
        """Shape ``(width, n)`` of the states."""
        return self.states[0].shape


class HyperbolicReversibleCache(NamedTuple):
    """The last two states ``(Y_{N−1}, Y_N)`` (reversible mode; memory independent of depth).

    The adjoint recomputes ``Y_{N−2}, …, Y_0`` backwards from them.
    """

    previous: np.ndarray
    last: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """Shape ``(width, n)`` of the states."""
        return self.last.shape


@dataclass(frozen=True, eq=False)
class HyperbolicNetwork(StepNetwork):
    """Hyperbolic network: leapfrog for ``Ÿ = −Kᵀ σ(K Y + b)`` (lecture 10).

    ``Y_{j+1} = 2Y_j − Y_{j−1} − h² K_jᵀ σ(K_j Y_j + b_j eᵀ)``, ``j = 0, …, N−1``, with
    ``Y_{−1} = Y_0`` (the network starts at rest); the output is ``Y_N``.

    Parameters
    ----------
    width : int
        Features ``m`` of every state (``n_in = n_out = width``); ``K_j`` is ``m × m``.
    depth : int
        Number of layers ``N``.
    T, h : float
        Exactly one: final time ``T`` (``h = T/N``) or step ``h > 0``.
    activation : str or Activation
        ``σ``; with a monotone σ the force's Jacobian ``K_jᵀ diag(σ') K_j`` is positive
        semi-definite and the leapfrog is stable for ``h² ‖K_jᵀ diag(σ') K_j‖ ≤ 4``.
    bias : {"vector", "scalar", None}
    reversible : bool, default False
        Keep only ``(Y_{N−1}, Y_N)`` and recompute the states backwards in the adjoint
        (``Y_{j−1} = 2Y_j − Y_{j+1} − h² F_j(Y_j)``, the same formula run backwards:
        leapfrog is time-reversible). Memory is independent of the depth; states are
        reconstructed up to round-off. ``J v`` then recomputes the states forwards.

    Notes
    -----
    **Parameters.** ``θ = (vec(K_0), …, vec(K_{N−1}), b_0, …, b_{N−1})`` (C order).

    **Sensitivities.** With ``F_j(Y) = K_jᵀ σ(K_j Y + b_j eᵀ)`` and its derivative
    ``dF_j`` (:mod:`numdl.networks.potential`): ``dY_{−1} = dY_0 = V`` (``0`` for
    ``J_θ``) and ``dY_{j+1} = 2 dY_j − dY_{j−1} − h² dF_j(dK_j, db_j, dY_j)``.

    **Adjoint (derivation).** Write the two-step recursion as a one-step map of the
    pair ``s_j = (dY_j, dY_{j−1})``: ``s_{j+1} = M_j s_j − h² (B_j dθ_j, 0)`` with

        ``M_j = [[2I − h² A_j, −I], [I, 0]]``,  ``A_j = K_jᵀ diag(σ'_j) K_j`` (symmetric),

    ``B_j dθ_j = dK_jᵀ σ_j + K_jᵀ (σ'_j ⊙ (dK_j Y_j + db_j eᵀ))``, ``s_0 = (V, V)`` and
    ``dY_N = [I, 0] s_N``. The transposed map runs backwards with
    ``λ_N = (W, 0)`` and ``λ_j = M_jᵀ λ_{j+1}``, ``M_jᵀ = [[2I − h² A_j, I], [−I, 0]]``;
    writing ``λ_j = (Λ_j, −Λ_{j+1})`` it becomes the leapfrog run backwards

        ``Λ_N = W``, ``Λ_{N+1} = 0``, ``Λ_j = 2Λ_{j+1} − Λ_{j+2} − h² A_j Λ_{j+1}``,

    with ``∇θ_j = −h² B_jᵀ Λ_{j+1}`` and ``J_Yᵀ W = [I, I] λ_0 = Λ_0 − Λ_1``. With
    ``M = −h² Λ_{j+1}`` and ``G = σ'_j ⊙ (K_j M)``: ``∇K_j = σ_j Mᵀ + G Y_jᵀ``,
    ``∇b_j = G e`` and ``−h² A_j Λ_{j+1} = K_jᵀ G``.

    **Overflow.** A non-finite state raises ``FloatingPointError`` naming the layer.

    Examples
    --------
    >>> import numpy as np
    >>> net = HyperbolicNetwork(3, 10, T=2.0, reversible=True)
    >>> theta = net.init_theta(np.random.default_rng(0))
    >>> Z, cache = net.forward(theta, np.ones((3, 4)))
    >>> Z.shape, type(cache).__name__
    ((3, 4), 'HyperbolicReversibleCache')
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
        self._init_settings()
        check_reversible(self.reversible)

    # --- parameters -------------------------------------------------------------

    @property
    def layout(self) -> StackedLayout:
        return StackedLayout(self.depth, self.width * self.width, bias_size(self.bias, self.width))

    def split_theta(self, theta):
        """Views ``(vec(K_j) rows (N, m²), b (N, m or 1) or None)``."""
        return self.layout.split(check_array(theta, "theta", ndim=1, finite=False), "theta")

    def kernel_matrices(self, theta) -> np.ndarray:
        """The kernels ``K_j`` as an array ``(N, m, m)`` (a view of ``θ``)."""
        return self.split_theta(theta)[0].reshape(self.depth, self.width, self.width)

    def init_theta(self, rng=None, *, dtype=np.float64) -> np.ndarray:
        """Kernel entries ``N(0, 1/m)``, zero biases."""
        return self.layout.init(as_generator(rng), self.width, dtype)

    def _unpack(self, theta):
        k, b = self.layout.split(theta, "theta")
        return k.reshape(self.depth, self.width, self.width), b

    # --- the leapfrog step, forwards and backwards --------------------------------

    def _step(self, K_j, b_j, other, Y_j):
        """``(2Y_j − other − h² F_j(Y_j), σ_j, σ'_j)``: ``Y_{j+1}`` from ``other = Y_{j−1}``,
        or ``Y_{j−1}`` from ``other = Y_{j+1}`` (the step is symmetric in time)."""
        with np.errstate(over="ignore", invalid="ignore"):
            out, sigma, dsigma = force(K_j, b_j, Y_j, self.activation)
            out *= -self.h**2
            out += Y_j
            out += Y_j
            out -= other
        return out, sigma, dsigma

    def _integrate(self, K, b, Y):
        """Yield ``(j, Y_j, σ_j, σ'_j, Y_{j+1})`` for ``j = 0, …, N−1`` from ``Y_0 = Y_{−1} = Y``."""
        prev = cur = Y
        for j in range(self.depth):
            nxt, sigma, dsigma = self._step(K[j], None if b is None else b[j], prev, cur)
            check_finite_state(nxt, j, self)
            yield j, cur, sigma, dsigma, nxt
            prev, cur = cur, nxt

    def _layers_forward(self, K, b, Y, cache):
        """``(j, Y_j, σ_j, σ'_j)`` for ``j = 0, …, N−1``: read from the cache or recomputed."""
        if isinstance(cache, HyperbolicCache):
            for j in range(self.depth):
                yield j, cache.states[j], cache.sigma[j], cache.dsigma[j]
        else:
            for j, Y_j, sigma, dsigma, _ in self._integrate(K, b, Y):
                yield j, Y_j, sigma, dsigma

    def _layers_backward(self, K, b, cache):
        """``(j, Y_j, σ_j, σ'_j)`` for ``j = N−1, …, 0``: read from the cache or reconstructed
        backwards from ``(Y_{N−1}, Y_N)``."""
        if isinstance(cache, HyperbolicCache):
            for j in reversed(range(self.depth)):
                yield j, cache.states[j], cache.sigma[j], cache.dsigma[j]
        else:
            cur, nxt = cache.previous, cache.last
            for j in reversed(range(self.depth)):
                prev, sigma, dsigma = self._step(K[j], None if b is None else b[j], nxt, cur)
                yield j, cur, sigma, dsigma
                cur, nxt = prev, cur

    # --- forward ----------------------------------------------------------------

    def forward(self, theta, Y):
        """``Y_N`` and the cache (all states, or the last two when ``reversible``).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        Y : ndarray, shape (width, n)

        Returns
        -------
        Z : ndarray, shape (width, n), read-only
        cache : HyperbolicCache or HyperbolicReversibleCache

        Raises
        ------
        FloatingPointError
            A state ``Y_{j+1}`` is not finite (the message names the layer ``j``).
        """
        theta, Y = self._operands(theta, Y, finite=True)
        K, b = self._unpack(theta)
        if self.reversible:
            for _, cur, _, _, nxt in self._integrate(K, b, Y):
                prev, last = cur, nxt  # only the last pair (Y_{N−1}, Y_N) is kept
            last.setflags(write=False)
            return last, HyperbolicReversibleCache(prev, last)
        states, sigmas, dsigmas = [Y], [], []
        for _, _, sigma, dsigma, nxt in self._integrate(K, b, Y):
            states.append(nxt)
            sigmas.append(sigma)
            dsigmas.append(dsigma)
        states[-1].setflags(write=False)
        return states[-1], HyperbolicCache(tuple(states), tuple(sigmas), tuple(dsigmas))

    def states(self, theta, Y) -> np.ndarray:
        """All states ``Y_0, …, Y_N`` as an array ``(N+1, width, n)`` (in either mode)."""
        theta, Y = self._operands(theta, Y, finite=True)
        K, b = self._unpack(theta)
        return np.stack([Y] + [nxt for *_, nxt in self._integrate(K, b, Y)])

    def _check_cache(self, cache, Y):
        check_cache(cache, Y, HyperbolicReversibleCache if self.reversible else HyperbolicCache)

    # --- the combined Jacobian products -------------------------------------------

    def jac_mv(self, v_theta, v_y, theta, Y, cache) -> np.ndarray:
        """``J_θ v_θ + J_Y v_Y`` by one sensitivity sweep (see Notes); either may be ``None``."""
        if v_theta is None and v_y is None:
            raise ValueError("jac_mv: give v_theta, v_y or both")
        theta, Y = self._product_operands(theta, Y, cache)
        K, b = self._unpack(theta)
        dK = db = None
        if v_theta is not None:
            dk, db = self.layout.split(direction(v_theta, (self.n_params,), "v", Y.dtype), "v")
            dK = dk.reshape(K.shape)
        dprev = dcur = None if v_y is None else direction(v_y, Y.shape, "v", Y.dtype)
        for j, Y_j, sigma, dsigma in self._layers_forward(K, b, Y, cache):
            dF = force_mv(K[j], Y_j, sigma, dsigma, None if dK is None else dK[j],
                          None if db is None else db[j], dcur)
            dF *= -self.h**2
            if dcur is not None:
                dF += dcur
                dF += dcur
            if dprev is not None:
                dF -= dprev
            dprev, dcur = dcur, dF
        return dcur

    def jac_tmv(self, w, theta, Y, cache, *, wrt: str = "both"):
        """``(J_θᵀ w, J_Yᵀ w)`` by one adjoint sweep (the backward leapfrog of the Notes);
        ``wrt`` = "both", "theta" or "Y"."""
        want_theta, want_y = parse_wrt(wrt)
        theta, Y = self._product_operands(theta, Y, cache)
        K, b = self._unpack(theta)
        N = self.depth
        if want_theta:
            GK = np.empty_like(K)
            gb = np.empty((N, self.layout.bias_size), dtype=Y.dtype)
        lam1, lam2 = direction(w, Y.shape, "w", Y.dtype), None      # Λ_{j+1}, Λ_{j+2}
        for j, Y_j, sigma, dsigma in self._layers_backward(K, b, cache):
            need_input = want_y or j > 0
            gK, gb_j, lam = force_tmv(K[j], Y_j, sigma, dsigma, -self.h**2 * lam1, self.bias,
                                      want_theta=want_theta, want_input=need_input)
            if want_theta:
                GK[j] = gK
                if gb_j is not None:
                    gb[j] = gb_j
            if need_input:
                lam += lam1
                lam += lam1
                if lam2 is not None:
                    lam -= lam2
                lam1, lam2 = lam, lam1
        g_theta = self.layout.join(GK.reshape(N, -1), gb) if want_theta else None
        g_y = lam1 - lam2 if want_y else None
        return g_theta, g_y


# --- registered derivative checks ------------------------------------------------

@register_check("network/leapfrog-tanh")
def _check_leapfrog(rng):
    return layer_case(rng, HyperbolicNetwork(4, 3, h=0.5))


@register_check("network/leapfrog-reversible")
def _check_leapfrog_reversible(rng):
    return layer_case(rng, HyperbolicNetwork(4, 4, h=0.5, reversible=True))


@register_check("network/leapfrog-smooth-relu-scalar-bias")
def _check_leapfrog_smooth_relu(rng):
    act = get_activation("smooth_relu", eta=0.5)
    return layer_case(rng, HyperbolicNetwork(3, 3, h=0.4, activation=act, bias="scalar"))
