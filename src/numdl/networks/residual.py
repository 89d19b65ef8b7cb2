"""Deep residual and plain networks ``Y_{j+1} = P Y_j + h σ(K_j Y_j + b_j)`` (lectures 9–10)."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from typing import Any, NamedTuple

import numpy as np

from numdl.activations import Activation, get_activation
from numdl.checks import register_check
from numdl.networks.base import (StackedLayout, StepNetwork, bias_size, bias_tmv, check_finite_state,
                                 check_positive_int, direction, layer_case, parse_wrt)
from numdl.networks.kernels import make_kernel
from numdl.utils.validation import as_generator, check_array

__all__ = ["ResidualCache", "ResidualNetwork"]

_P_OPTIONS = ("identity", "zero")


class ResidualCache(NamedTuple):
    """Forward intermediates of :class:`ResidualNetwork`.

    Attributes
    ----------
    states : tuple of N+1 ndarrays of shape (width, n)
        ``Y_0, …, Y_N``; ``Y_N`` is the network's output (read-only).
    dsigma : tuple of N ndarrays of shape (width, n)
        ``σ'_j = σ'(K_j Y_j + b_j eᵀ)``.

    One array per layer (rather than one stacked array) lets NumPy reuse the memory
    freed by the previous forward pass, which is markedly faster for large batches.
    """

    states: tuple
    dsigma: tuple


@dataclass(frozen=True, eq=False)
class ResidualNetwork(StepNetwork):
    """Residual network ``Y_{j+1} = P Y_j + h σ(K_j Y_j + b_j eᵀ)``, ``j = 0, …, N−1`` (lectures 9–10).

    Forward Euler with step ``h = T/N`` for the ODE ``Ẏ = σ(K(t) Y + b(t))`` when
    ``P = I`` (ResNet); with ``P = 0`` and ``h = 1`` it is the plain network
    ``Y_{j+1} = σ(K_j Y_j + b_j)``.

    Parameters
    ----------
    width : int
        Number of features ``m`` of every state ``Y_j`` (``n_in = n_out = width``).
    depth : int
        Number of layers ``N``.
    T, h : float
        Give exactly one: the final time ``T`` (then ``h = T/N``) or the step ``h > 0``
        (then ``T = N h``). Both attributes are set after construction.
    activation : str or Activation
        ``σ`` (see :func:`numdl.activations.get_activation`).
    P : {"identity", "zero"} or ndarray of shape (width, width)
        The fixed linear map of the skip connection: ``I`` (ResNet), ``0`` (plain
        network) or a given matrix (e.g. an averaging operator). To change the
        width, chain blocks with :class:`~numdl.networks.Sequential` and a connector
        layer such as ``SingleLayer(width_1, width_2)``.
    bias : {"vector", "scalar", None}
        ``b_j ∈ R^m``, one scalar per layer, or no bias.
    kernel : {"full", "antisymmetric"}
        Kernel parametrization (:mod:`numdl.networks.kernels`): every entry free, or
        ``K_j = U_j − U_jᵀ − γ I`` with strictly upper triangular ``U_j``.
    gamma : float, default 0
        ``γ ≥ 0`` of the antisymmetric kernels.

    Notes
    -----
    **Parameters.** ``θ = (k_0, …, k_{N−1}, b_0, …, b_{N−1})``: first the kernel
    parameters of all layers (``k_j = vec(K_j)`` in C order for full kernels, the
    ``m(m−1)/2`` entries of ``U_j`` above the diagonal, row by row, for antisymmetric
    ones), then all biases (``m``, 1 or 0 entries per layer). :meth:`split_theta`
    returns the views ``k (N, p)`` and ``b (N, m or 1)``; :meth:`kernel_matrices` the
    kernels ``K (N, m, m)``.

    **Forward propagation** keeps the states ``Y_j`` and ``σ'_j`` (the cache).

    **Sensitivities** (forward mode, ``J v`` in one sweep): ``dY_0 = V`` (``0`` for
    ``J_θ``) and

        ``dY_{j+1} = P dY_j + h σ'_j ⊙ (dK_j Y_j + db_j eᵀ + K_j dY_j)``.

    **Adjoint** (reverse mode, ``Jᵀ W`` in one sweep): ``Λ = W``; for ``j = N−1, …, 0``
    with ``G_j = h σ'_j ⊙ Λ``

        ``∇K_j = G_j Y_jᵀ``, ``∇b_j = G_j e`` (vector) or ``eᵀ G_j e`` (scalar),
        ``Λ ← Pᵀ Λ + K_jᵀ G_j``;

    the final ``Λ`` is ``J_Yᵀ W`` and ``∇k_j = Dᵀ(∇K_j)`` maps the kernel gradients to
    the parameters (:mod:`numdl.networks.kernels`). Both sweeps cost ``O(N)`` products
    with ``m × m`` matrices; they are written once (:meth:`jac_mv`, :meth:`jac_tmv`)
    and the four protocol products call them.

    **Overflow.** A forward pass whose state ``Y_{j+1}`` is not finite raises
    ``FloatingPointError`` naming the layer ``j``.

    Examples
    --------
    >>> import numpy as np
    >>> net = ResidualNetwork(4, 3, T=1.0)
    >>> theta = net.init_theta(np.random.default_rng(0))
    >>> Z, cache = net.forward(theta, np.ones((4, 5)))
    >>> Z.shape, net.n_params, len(cache.states)
    ((4, 5), 60, 4)
    """

    width: int
    depth: int
    _: KW_ONLY
    T: float | None = None
    h: float | None = None
    activation: Activation | str = "tanh"
    P: Any = "identity"
    bias: str | None = "vector"
    kernel: str = "full"
    gamma: float = 0.0
    parametrization: Any = field(init=False, repr=False)

    def __post_init__(self):
        check_positive_int("width", self.width)
        self._init_settings()
        if isinstance(self.P, str):
            if self.P not in _P_OPTIONS:
                raise ValueError(f"P: expected 'identity', 'zero' or a ({self.width}, {self.width}) matrix, "
                                 f"got {self.P!r}")
        else:
            P = check_array(self.P, "P", copy=True)
            if P.shape != (self.width, self.width):
                raise ValueError(f"P: expected a ({self.width}, {self.width}) matrix (width × width; change widths "
                                 f"with Sequential and a connector layer), got shape {P.shape}")
            P.setflags(write=False)
            object.__setattr__(self, "P", P)
        object.__setattr__(self, "parametrization", make_kernel(self.kernel, self.width, gamma=self.gamma))

    # --- parameters -------------------------------------------------------------

    @property
    def layout(self) -> StackedLayout:
        return StackedLayout(self.depth, self.parametrization.n_params, bias_size(self.bias, self.width))

    def split_theta(self, theta):
        """Views ``(k (N, p), b (N, m or 1) or None)`` of ``θ`` (see Notes)."""
        return self.layout.split(check_array(theta, "theta", ndim=1, finite=False), "theta")

    def kernel_matrices(self, theta) -> np.ndarray:
        """The kernels ``K_j`` as an array ``(N, width, width)``."""
        return self.parametrization.matrices(self.split_theta(theta)[0])

    def init_theta(self, rng=None, *, dtype=np.float64) -> np.ndarray:
        """Kernel entries ``N(0, 1/width)`` (of ``K_j`` or of ``U_j``) and zero biases."""
        rng = as_generator(rng)
        k = self.parametrization.init(rng, self.depth, dtype)
        b = np.zeros((self.depth, self.layout.bias_size), dtype=dtype)
        return self.layout.join(k, b)

    # --- the skip connection P and its transpose ----------------------------------

    @property
    def skip(self) -> str:
        """Kind of skip connection: ``"identity"``, ``"zero"`` or ``"matrix"``."""
        return self.P if isinstance(self.P, str) else "matrix"

    def _skip_matrix(self, dtype):
        """The matrix ``P`` in ``dtype`` (``None`` for the identity and zero maps)."""
        return self.P.astype(dtype, copy=False) if self.skip == "matrix" else None

    def _add_skip(self, out, V, P):
        """``out += P V``."""
        if self.skip == "identity":
            out += V
        elif self.skip == "matrix":
            out += P @ V

    def _add_skip_t(self, out, Lam, P):
        """``out += Pᵀ Λ``."""
        if self.skip == "identity":
            out += Lam
        elif self.skip == "matrix":
            out += P.T @ Lam

    # --- forward ----------------------------------------------------------------

    def _unpack(self, theta):
        k, b = self.layout.split(theta, "theta")
        return self.parametrization.matrices(k), b

    def forward(self, theta, Y) -> tuple[np.ndarray, ResidualCache]:
        """``Y_N`` and the cache of states and ``σ'_j``.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        Y : ndarray, shape (width, n)
            The input ``Y_0``.

        Returns
        -------
        Z : ndarray, shape (width, n)
            ``Y_N`` (read-only; it is also the cache's last state).
        cache : ResidualCache

        Raises
        ------
        FloatingPointError
            A state ``Y_{j+1}`` is not finite (the message names the layer ``j``).
        """
        theta, Y = self._operands(theta, Y, finite=True)
        K, b = self._unpack(theta)
        P = self._skip_matrix(Y.dtype)
        states, dsigmas = [Y], []
        with np.errstate(over="ignore", invalid="ignore"):
            for j in range(self.depth):
                S = K[j] @ states[j]
                if b is not None:
                    S += b[j][:, None]
                Y_next, dsigma = self.activation(S, overwrite_x=True)
                Y_next *= self.h
                self._add_skip(Y_next, states[j], P)
                check_finite_state(Y_next, j, self)
                states.append(Y_next)
                dsigmas.append(dsigma)
        states[-1].setflags(write=False)
        return states[-1], ResidualCache(tuple(states), tuple(dsigmas))

    def states(self, theta, Y) -> np.ndarray:
        """All states ``Y_0, …, Y_N`` as an array ``(N+1, width, n)``."""
        return np.stack(self.forward(theta, Y)[1].states)

    def _check_cache(self, cache, Y):
        if (not isinstance(cache, ResidualCache) or len(cache.states) != self.depth + 1
                or cache.states[0].shape != Y.shape):
            raise ValueError("cache: expected the ResidualCache of forward(theta, Y) at the same theta and Y")

    # --- the combined Jacobian products (each chain rule written once) -----------

    def jac_mv(self, v_theta, v_y, theta, Y, cache: ResidualCache) -> np.ndarray:
        """``J_θ v_θ + J_Y v_Y`` by one sensitivity sweep (either direction may be ``None``).

        ``dY_0 = v_Y`` and ``dY_{j+1} = P dY_j + h σ'_j ⊙ (dK_j Y_j + db_j eᵀ + K_j dY_j)``
        with ``(dK_j, db_j)`` from ``v_θ``; returns ``dY_N``, shape ``(width, n)``.
        """
        if v_theta is None and v_y is None:
            raise ValueError("jac_mv: give v_theta, v_y or both")
        theta, Y = self._product_operands(theta, Y, cache)
        states, dsigma = cache
        K, _ = self._unpack(theta)
        P = self._skip_matrix(Y.dtype)
        dK = db = None
        if v_theta is not None:
            dk, db = self.layout.split(direction(v_theta, (self.n_params,), "v", Y.dtype), "v")
            dK = self.parametrization.directions(dk)
        dY = None if v_y is None else direction(v_y, Y.shape, "v", Y.dtype)
        for j in range(self.depth):
            dS = None if dY is None else K[j] @ dY
            if dK is not None:
                dS = dK[j] @ states[j] if dS is None else np.add(dS, dK[j] @ states[j], out=dS)
                if db is not None:
                    dS += db[j][:, None]
            dS *= dsigma[j]
            dS *= self.h
            if dY is not None:
                self._add_skip(dS, dY, P)
            dY = dS
        return dY

    def jac_tmv(self, w, theta, Y, cache: ResidualCache, *, wrt: str = "both"):
        """``(J_θᵀ w, J_Yᵀ w)`` by one adjoint sweep; ``wrt`` = "both", "theta" or "Y"
        (the gradient not asked for is ``None`` and not computed).

        ``Λ = w``; for ``j = N−1, …, 0``: ``G = h σ'_j ⊙ Λ``, ``∇K_j = G Y_jᵀ``,
        ``∇b_j = G e``, ``Λ ← Pᵀ Λ + K_jᵀ G``.
        """
        want_theta, want_y = parse_wrt(wrt)
        theta, Y = self._product_operands(theta, Y, cache)
        states, dsigma = cache
        K, b = self._unpack(theta)
        P = self._skip_matrix(Y.dtype)
        Lam = direction(w, Y.shape, "w", Y.dtype)
        N, m = self.depth, self.width
        if want_theta:
            GK = np.empty((N, m, m), dtype=Y.dtype)
            gb = np.empty((N, self.layout.bias_size), dtype=Y.dtype)
        for j in reversed(range(N)):
            G = dsigma[j] * Lam
            G *= self.h
            if want_theta:
                np.matmul(G, states[j].T, out=GK[j])
                if b is not None:
                    gb[j] = bias_tmv(G, self.bias)
            if want_y or j > 0:
                new = K[j].T @ G
                self._add_skip_t(new, Lam, P)
                Lam = new
        g_theta = self.layout.join(self.parametrization.gradients(GK), gb) if want_theta else None
        return g_theta, (Lam if want_y else None)


# --- registered derivative checks ------------------------------------------------

@register_check("network/resnet-tanh")
def _check_resnet_tanh(rng):
    return layer_case(rng, ResidualNetwork(4, 3, T=1.5, activation="tanh"))


@register_check("network/plain-tanh")
def _check_plain(rng):
    return layer_case(rng, ResidualNetwork(4, 3, h=1.0, P="zero", activation="tanh"))


@register_check("network/resnet-smooth-relu-scalar-bias")
def _check_smooth_relu_scalar(rng):
    act = get_activation("smooth_relu", eta=0.5)
    return layer_case(rng, ResidualNetwork(4, 3, h=0.4, activation=act, bias="scalar"))


@register_check("network/resnet-smooth-relu-vector-bias")
def _check_smooth_relu_vector(rng):
    act = get_activation("smooth_relu", eta=0.5)
    return layer_case(rng, ResidualNetwork(4, 3, h=0.4, activation=act, bias="vector"))


@register_check("network/resnet-sin-nobias")
def _check_sin_nobias(rng):
    return layer_case(rng, ResidualNetwork(3, 2, h=0.5, activation="sin", bias=None))


@register_check("network/resnet-fixed-P")
def _check_fixed_P(rng):
    P = rng.standard_normal((4, 4)) / 2
    return layer_case(rng, ResidualNetwork(4, 3, h=0.5, P=P))


@register_check("network/resnet-antisymmetric")
def _check_antisymmetric(rng):
    return layer_case(rng, ResidualNetwork(4, 3, T=1.0, kernel="antisymmetric", gamma=0.1))
