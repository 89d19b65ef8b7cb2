"""The single (dense) layer ``Z = σ(K Y + b)`` with its six Jacobian products (lectures 7–8)."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import NamedTuple

import numpy as np

from numdl.activations import Activation, get_activation
from numdl.checks import LayerCase, register_check
from numdl.layers.base import linearize
from numdl.utils.validation import as_generator, check_array

__all__ = ["SingleLayer", "SingleLayerCache"]

_BIAS_OPTIONS = ("vector", "scalar", None)


class SingleLayerCache(NamedTuple):
    """Forward intermediates of :class:`SingleLayer` reused by the Jacobian products.

    Attributes
    ----------
    dsigma : ndarray, shape (n_out, n)
        ``σ'(S)`` at the pre-activation ``S = K Y + b eᵀ``.
    """

    dsigma: np.ndarray


@dataclass(frozen=True)
class SingleLayer:
    """Single layer ``Z = σ(K Y + b eᵀ)`` (lectures 7–8).

    Parameters
    ----------
    n_in : int
        Number of input features ``n_f`` (rows of ``Y``).
    n_out : int
        Width ``m`` (rows of ``K`` and of ``Z``).
    activation : str or Activation
        ``σ``, by name (see :func:`numdl.activations.get_activation`) or an instance.
    bias : {"vector", "scalar", None}
        ``b ∈ R^m`` (one bias per output row), one scalar ``b`` added to every
        entry, or no bias.

    Notes
    -----
    **Parameters.** ``θ = (vec(K), b)`` with ``vec(K) = K.reshape(-1)`` (C order:
    the rows of ``K`` one after another) followed by the bias entries (``m``, 1 or
    0 of them); :meth:`split_theta` returns views ``K (m, n_in)`` and ``b``.

    **Shapes.** ``Y (n_in, n)`` with one example per column, ``Z (n_out, n)``.
    Computations run in the common dtype of ``theta`` and ``Y`` (float32 stays
    float32).

    **Jacobians.** With ``S = K Y + b eᵀ`` and ``σ' = σ'(S)`` (kept in the cache),
    ``dZ = σ' ⊙ (dK Y + db eᵀ + K dY)``, so for directions ``v`` and ``U`` shaped
    like the parameters / ``Z``:

    * ``J_K v = σ' ⊙ (mat(v) Y)``,            ``J_Kᵀ U = vec((σ' ⊙ U) Yᵀ)``;
    * ``J_b v = σ' ⊙ (v eᵀ)`` (vector ``b``) or ``σ' ⊙ v`` (scalar ``b``),
      ``J_bᵀ U = (σ' ⊙ U) e`` (row sums) or ``eᵀ (σ' ⊙ U) e`` (sum of all entries);
    * ``J_Y V = σ' ⊙ (K V)``,                 ``J_Yᵀ U = Kᵀ (σ' ⊙ U)``.

    ``J_θ = [J_K, J_b]`` and ``J_θᵀ U = (J_Kᵀ U, J_bᵀ U)``. The products of the
    pre-activation ``S`` are written once (``_pre_*``); the ``σ'`` factor is applied
    after ``J v`` and before ``Jᵀ``.

    Examples
    --------
    >>> import numpy as np
    >>> layer = SingleLayer(3, 4, "tanh")
    >>> theta = layer.init_theta(np.random.default_rng(0))
    >>> Z, cache = layer.forward(theta, np.ones((3, 5)))
    >>> Z.shape, layer.n_params
    ((4, 5), 16)
    """

    n_in: int
    n_out: int
    activation: Activation | str = "tanh"
    _: KW_ONLY
    bias: str | None = "vector"

    def __post_init__(self):
        for name in ("n_in", "n_out"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}")
        if self.bias not in _BIAS_OPTIONS:
            raise ValueError(f"bias: expected one of {_BIAS_OPTIONS}, got {self.bias!r}")
        object.__setattr__(self, "activation", get_activation(self.activation))

    # --- parameters -------------------------------------------------------------

    @property
    def n_bias(self) -> int:
        """Number of bias entries: ``n_out``, 1 or 0."""
        return {"vector": self.n_out, "scalar": 1, None: 0}[self.bias]

    @property
    def n_params(self) -> int:
        """Length of ``θ``: ``n_out · n_in + n_bias``."""
        return self.n_out * self.n_in + self.n_bias

    def split_theta(self, theta) -> tuple[np.ndarray, np.ndarray | None]:
        """Views ``(K, b)`` of ``θ = (vec(K), b)``.

        Returns
        -------
        K : ndarray, shape (n_out, n_in)
        b : ndarray of shape (n_out,) (vector bias) or (1,) (scalar bias), or None

        Raises
        ------
        ValueError
            If ``theta`` is not a 1-D float array of length :attr:`n_params`.
        """
        return self._split(check_array(theta, "theta", ndim=1, finite=False), "theta")

    def _split(self, vec, name):
        if vec.shape != (self.n_params,):
            raise ValueError(f"{name}: expected length {self.n_params} = n_out·n_in ({self.n_out}·{self.n_in})"
                             f" + {self.n_bias} bias entries, got shape {vec.shape}")
        n_K = self.n_out * self.n_in
        K = vec[:n_K].reshape(self.n_out, self.n_in)
        return K, (vec[n_K:] if self.bias is not None else None)

    def init_theta(self, rng=None, *, dtype=np.float64) -> np.ndarray:
        """Scaled Gaussian weights ``K_ij ~ N(0, 1/n_in)`` and ``b = 0``, drawn from ``rng``.

        The scaling keeps the pre-activations of standardized inputs of order one.
        """
        rng = as_generator(rng)
        theta = np.zeros(self.n_params, dtype=dtype)
        theta[: self.n_out * self.n_in] = rng.standard_normal(self.n_out * self.n_in) / np.sqrt(self.n_in)
        return theta

    # --- input checks -----------------------------------------------------------

    def _operands(self, theta, Y, *, finite):
        """Validated ``(K, b, Y)`` in the common float dtype of ``theta`` and ``Y``."""
        theta = check_array(theta, "theta", ndim=1, finite=finite)
        Y = check_array(Y, "Y", ndim=2, finite=finite)
        if Y.shape[0] != self.n_in:
            raise ValueError(f"Y: expected {self.n_in} rows (n_in features, one example per column), "
                             f"got shape {Y.shape}")
        dtype = np.result_type(theta, Y)
        K, b = self._split(theta.astype(dtype, copy=False), "theta")
        return K, b, Y.astype(dtype, copy=False)

    @staticmethod
    def _direction(v, shape, name, dtype):
        v = np.asarray(v)
        if v.shape != shape:
            raise ValueError(f"{name}: expected shape {shape}, got {v.shape}")
        return v.astype(dtype, copy=False)

    # --- forward ----------------------------------------------------------------

    def forward(self, theta, Y) -> tuple[np.ndarray, SingleLayerCache]:
        """``Z = σ(K Y + b eᵀ)`` and the cache ``(σ'(K Y + b eᵀ),)``.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        Y : ndarray, shape (n_in, n)

        Returns
        -------
        Z : ndarray, shape (n_out, n)
        cache : SingleLayerCache
        """
        K, b, Y = self._operands(theta, Y, finite=True)
        S = K @ Y
        if b is not None:
            S += b[:, None]
        Z, dsigma = self.activation(S, overwrite_x=True)
        return Z, SingleLayerCache(dsigma)

    def linearize(self, theta, Y, *, wrt: str = "theta"):
        """``(Z, J)`` with ``J`` the Jacobian in ``theta`` (or ``Y``) as a ``LinearOperator``."""
        return linearize(self, theta, Y, wrt=wrt)

    # --- products of the pre-activation S = K Y + b eᵀ (each written once) -----

    def _pre_theta_mv(self, v, Y):
        """``dS = mat(v_K) Y + v_b eᵀ``."""
        dK, db = self._split(v, "v")
        dS = dK @ Y
        if db is not None:
            dS += db[:, None]
        return dS

    def _pre_theta_tmv(self, G, Y):
        """``(vec(G Yᵀ), G e)`` (vector ``b``) or ``(vec(G Yᵀ), eᵀ G e)`` (scalar ``b``)."""
        out = np.empty(self.n_params, dtype=G.dtype)
        n_K = self.n_out * self.n_in
        np.matmul(G, Y.T, out=out[:n_K].reshape(self.n_out, self.n_in))
        if self.bias == "vector":
            np.sum(G, axis=1, out=out[n_K:])
        elif self.bias == "scalar":
            out[n_K] = G.sum()
        return out

    # --- the Jacobian products ---------------------------------------------------

    def jac_theta_mv(self, v, theta, Y, cache: SingleLayerCache) -> np.ndarray:
        """``J_θ v = σ' ⊙ (mat(v_K) Y + v_b eᵀ)``, shape ``(n_out, n)``."""
        _, _, Y = self._operands(theta, Y, finite=False)
        dsigma = cache.dsigma
        dS = self._pre_theta_mv(self._direction(v, (self.n_params,), "v", dsigma.dtype), Y)
        dS *= dsigma
        return dS

    def jac_theta_tmv(self, w, theta, Y, cache: SingleLayerCache) -> np.ndarray:
        """``J_θᵀ w = (vec((σ' ⊙ w) Yᵀ), J_bᵀ w)``, shape ``(n_params,)``."""
        _, _, Y = self._operands(theta, Y, finite=False)
        dsigma = cache.dsigma
        G = self._direction(w, dsigma.shape, "w", dsigma.dtype) * dsigma
        return self._pre_theta_tmv(G, Y)

    def jac_y_mv(self, v, theta, Y, cache: SingleLayerCache) -> np.ndarray:
        """``J_Y v = σ' ⊙ (K v)``, shape ``(n_out, n)``."""
        K, _, Y = self._operands(theta, Y, finite=False)
        dsigma = cache.dsigma
        dS = K @ self._direction(v, Y.shape, "v", dsigma.dtype)
        dS *= dsigma
        return dS

    def jac_y_tmv(self, w, theta, Y, cache: SingleLayerCache) -> np.ndarray:
        """``J_Yᵀ w = Kᵀ (σ' ⊙ w)``, shape ``(n_in, n)``."""
        K, _, _ = self._operands(theta, Y, finite=False)
        dsigma = cache.dsigma
        return K.T @ (self._direction(w, dsigma.shape, "w", dsigma.dtype) * dsigma)


# --- registered derivative checks ------------------------------------------------

def _layer_case(rng, layer, *, b_offset=None):
    """``LayerCase`` at ``K ~ N(0, 1)``, ``b ~ N(0, 1)`` (plus ``b_offset``), ``Y ~ N(0, 1)``, float64."""
    theta = rng.standard_normal(layer.n_params)
    if b_offset is not None:
        theta[layer.n_out * layer.n_in:] += b_offset
    return LayerCase(layer, theta, rng.standard_normal((layer.n_in, 5)))


@register_check("layer/single-tanh")
def _check_tanh(rng):
    return _layer_case(rng, SingleLayer(3, 4, "tanh"))


@register_check("layer/single-relu-smooth")
def _check_smooth_relu(rng):
    return _layer_case(rng, SingleLayer(3, 4, get_activation("smooth_relu", eta=0.5)))


@register_check("layer/single-relu")
def _check_relu(rng):
    # Biases ±20 keep every pre-activation far from ReLU's kink for all Taylor steps,
    # where the layer is linear in θ and Y (rows with b = −20 are switched off).
    return _layer_case(rng, SingleLayer(3, 4, "relu"), b_offset=np.array([20.0, -20.0, 20.0, -20.0]))


@register_check("layer/single-sin-scalar-bias")
def _check_sin_scalar(rng):
    return _layer_case(rng, SingleLayer(3, 4, "sin", bias="scalar"))


@register_check("layer/single-sigmoid-nobias")
def _check_sigmoid_nobias(rng):
    return _layer_case(rng, SingleLayer(3, 4, "sigmoid", bias=None))


@register_check("layer/single-softplus")
def _check_softplus(rng):
    return _layer_case(rng, SingleLayer(4, 3, "softplus"))


@register_check("layer/single-identity")
def _check_identity(rng):
    return _layer_case(rng, SingleLayer(3, 2, "identity", bias="scalar"))
