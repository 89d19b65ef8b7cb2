"""Chains of layer-protocol blocks ``Z = f_{B−1}(θ_{B−1}, … f_1(θ_1, f_0(θ_0, Y)))`` (lecture 9)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from numdl.checks import LayerCase, register_check
from numdl.layers import SingleLayer
from numdl.networks.base import NetworkProducts, parse_wrt
from numdl.networks.hyperbolic import HyperbolicNetwork
from numdl.networks.residual import ResidualNetwork
from numdl.utils.validation import as_generator, check_array

__all__ = ["Sequential", "SequentialCache"]

_PROTOCOL = ("n_in", "n_out", "n_params", "init_theta", "forward",
             "jac_theta_mv", "jac_theta_tmv", "jac_y_mv", "jac_y_tmv")


class SequentialCache(NamedTuple):
    """Forward intermediates of :class:`Sequential`.

    Attributes
    ----------
    inputs : tuple of ndarray
        The input of each block (``inputs[0]`` is ``Y``).
    caches : tuple
        The cache each block's ``forward`` returned.
    """

    inputs: tuple
    caches: tuple


def _block_mv(layer, v_theta, v_y, theta, Y, cache):
    """``J_θ v_θ + J_Y v_Y`` of one block: its combined ``jac_mv`` if it has one, else
    the protocol products (``None`` directions are zero)."""
    if hasattr(layer, "jac_mv"):
        return layer.jac_mv(v_theta, v_y, theta, Y, cache)
    out = None if v_theta is None else layer.jac_theta_mv(v_theta, theta, Y, cache)
    if v_y is not None:
        dy = layer.jac_y_mv(v_y, theta, Y, cache)
        out = dy if out is None else np.add(out, dy, out=out)
    return out


def _block_tmv(layer, w, theta, Y, cache, want_theta, want_y):
    """``(J_θᵀ w, J_Yᵀ w)`` of one block (``None`` for the part not wanted)."""
    if hasattr(layer, "jac_tmv"):
        wrt = "both" if want_theta and want_y else ("theta" if want_theta else "Y")
        return layer.jac_tmv(w, theta, Y, cache, wrt=wrt)
    return (layer.jac_theta_tmv(w, theta, Y, cache) if want_theta else None,
            layer.jac_y_tmv(w, theta, Y, cache) if want_y else None)


class Sequential(NetworkProducts):
    """Blocks of the layer protocol applied one after another.

    ``Y^{(0)} = Y``, ``Y^{(i+1)} = f_i(θ_i, Y^{(i)})``, output ``Z = Y^{(B)}``; e.g. an
    opening ``SingleLayer(2, 8)`` that lifts 2-D data to width 8, a
    ``ResidualNetwork(8, 10, T=5)``, a connector ``SingleLayer(8, 4)`` and a
    ``ResidualNetwork(4, 5, T=2)``.

    Parameters
    ----------
    *layers
        Objects of the layer protocol that expose ``n_in`` and ``n_out``; block ``i``'s
        ``n_out`` must equal block ``i+1``'s ``n_in``.

    Notes
    -----
    **Parameters.** ``θ = (θ_0, θ_1, …, θ_{B−1})``, each block's own layout;
    :meth:`split_theta` returns the views.

    **Jacobians** by the chain rule through the blocks' own products, with
    ``dY^{(0)} = V`` (``0`` for ``J_θ``):

    * ``dY^{(i+1)} = J_{θ,i} v_i + J_{Y,i} dY^{(i)}`` (forward sweep);
    * ``Λ = W``; for ``i = B−1, …, 0``: ``∇θ_i = J_{θ,i}ᵀ Λ``, ``Λ ← J_{Y,i}ᵀ Λ``
      (reverse sweep; the final ``Λ`` is ``J_Yᵀ W``).

    A block's combined products ``jac_mv`` / ``jac_tmv`` are used when it has them
    (:mod:`numdl.networks.base`), so that a network block runs one sweep, not two.

    Examples
    --------
    >>> import numpy as np
    >>> from numdl.layers import SingleLayer
    >>> from numdl.networks import ResidualNetwork
    >>> net = Sequential(SingleLayer(2, 6), ResidualNetwork(6, 4, T=2.0))
    >>> theta = net.init_theta(np.random.default_rng(0))
    >>> Z, cache = net.forward(theta, np.ones((2, 5)))
    >>> Z.shape, net.n_params == 2 * 6 + 6 + 4 * (36 + 6)
    ((6, 5), True)
    """

    def __init__(self, *layers):
        if not layers:
            raise ValueError("layers: give at least one layer")
        for i, layer in enumerate(layers):
            missing = [name for name in _PROTOCOL if not hasattr(layer, name)]
            if missing:
                raise ValueError(f"layers: block {i} ({type(layer).__name__}) does not follow the layer protocol; "
                                 f"missing {', '.join(missing)}")
        for i in range(1, len(layers)):
            if layers[i].n_in != layers[i - 1].n_out:
                raise ValueError(f"layers: block {i} ({type(layers[i]).__name__}) expects n_in = {layers[i].n_in} "
                                 f"input rows, but block {i - 1} ({type(layers[i - 1]).__name__}) gives "
                                 f"n_out = {layers[i - 1].n_out}")
        self.layers = tuple(layers)
        self._offsets = tuple(np.cumsum([0] + [layer.n_params for layer in layers]).tolist())

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(map(repr, self.layers)) + ")"

    # --- parameters -------------------------------------------------------------

    @property
    def n_in(self) -> int:
        return self.layers[0].n_in

    @property
    def n_out(self) -> int:
        return self.layers[-1].n_out

    @property
    def n_params(self) -> int:
        """Sum of the blocks' ``n_params``."""
        return self._offsets[-1]

    def _split(self, vec, name):
        if vec.shape != (self.n_params,):
            sizes = " + ".join(str(layer.n_params) for layer in self.layers)
            raise ValueError(f"{name}: expected length {self.n_params} (blocks: {sizes}), got shape {vec.shape}")
        return [vec[a:b] for a, b in zip(self._offsets[:-1], self._offsets[1:])]

    def split_theta(self, theta) -> list[np.ndarray]:
        """Views ``[θ_0, …, θ_{B−1}]`` of ``θ``."""
        return self._split(check_array(theta, "theta", ndim=1, finite=False), "theta")

    def init_theta(self, rng=None, *, dtype=np.float64) -> np.ndarray:
        """The blocks' ``init_theta(rng)``, concatenated (drawn in block order from ``rng``)."""
        rng = as_generator(rng)
        return np.concatenate([np.asarray(layer.init_theta(rng), dtype=dtype) for layer in self.layers])

    # --- forward and Jacobians ------------------------------------------------------

    def forward(self, theta, Y) -> tuple[np.ndarray, SequentialCache]:
        """``Z`` and the cache of every block's input and cache.

        Raises
        ------
        ValueError, FloatingPointError
            From a block; the message names the block.
        """
        theta, Y = self._operands(theta, Y, finite=True)
        inputs, caches = [], []
        Z = Y
        for i, (layer, theta_i) in enumerate(zip(self.layers, self._split(theta, "theta"))):
            inputs.append(Z)
            try:
                Z, cache = layer.forward(theta_i, Z)
            except (ValueError, FloatingPointError) as err:
                raise type(err)(f"block {i} ({type(layer).__name__}): {err}") from err
            caches.append(cache)
        return Z, SequentialCache(tuple(inputs), tuple(caches))

    def jac_mv(self, v_theta, v_y, theta, Y, cache: SequentialCache) -> np.ndarray:
        """``J_θ v_θ + J_Y v_Y`` by one forward sweep through the blocks (either may be ``None``)."""
        if v_theta is None and v_y is None:
            raise ValueError("jac_mv: give v_theta, v_y or both")
        theta, Y = self._operands(theta, Y, finite=False)
        thetas = self._split(theta, "theta")
        vs = [None] * len(self.layers)
        if v_theta is not None:
            vs = self._split(np.asarray(v_theta, dtype=Y.dtype), "v")
        dZ = v_y
        for layer, theta_i, v_i, Y_i, cache_i in zip(self.layers, thetas, vs, cache.inputs, cache.caches):
            dZ = _block_mv(layer, v_i, dZ, theta_i, Y_i, cache_i)
        return dZ

    def jac_tmv(self, w, theta, Y, cache: SequentialCache, *, wrt: str = "both"):
        """``(J_θᵀ w, J_Yᵀ w)`` by one reverse sweep through the blocks; ``wrt`` = "both",
        "theta" or "Y"."""
        want_theta, want_y = parse_wrt(wrt)
        theta, Y = self._operands(theta, Y, finite=False)
        thetas = self._split(theta, "theta")
        g_theta = np.empty(self.n_params, dtype=Y.dtype) if want_theta else None
        lam = w
        for i in reversed(range(len(self.layers))):
            g_i, lam = _block_tmv(self.layers[i], lam, thetas[i], cache.inputs[i], cache.caches[i],
                                  want_theta, want_y or i > 0)
            if want_theta:
                g_theta[self._offsets[i]:self._offsets[i + 1]] = g_i
        return g_theta, lam


# --- registered derivative checks ------------------------------------------------

@register_check("network/sequential-opening-resnet")
def _check_opening_resnet(rng):
    net = Sequential(SingleLayer(2, 4, "tanh"), ResidualNetwork(4, 3, T=1.5))
    return LayerCase(net, rng.standard_normal(net.n_params), rng.standard_normal((2, 5)))


@register_check("network/sequential-connector")
def _check_connector(rng):
    net = Sequential(SingleLayer(2, 4, "tanh"), ResidualNetwork(4, 2, h=0.5, kernel="antisymmetric"),
                     SingleLayer(4, 3, "sin", bias="scalar"), HyperbolicNetwork(3, 2, h=0.5),
                     SingleLayer(3, 2, "identity"))
    return LayerCase(net, rng.standard_normal(net.n_params), rng.standard_normal((2, 5)))
