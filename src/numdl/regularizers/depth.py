"""Smoothness in depth plus weight decay for deep networks (lectures 9–10).

A residual network ``Y_{j+1} = Y_j + h σ(K_j Y_j + b_j)`` is forward Euler for
``Ẏ = σ(K(t) Y + b(t))``. The ODE view asks for weights that vary smoothly with the
time ``t_j = j h``; penalizing their time derivative,

    ∫₀ᵀ ‖K'(t)‖²_F dt ≈ Σ_j h ‖(K_{j+1} − K_j)/h‖²_F = Σ_j ‖K_{j+1} − K_j‖²_F / h,

gives the regularizer of :class:`DepthSmoothness`

    R(θ) = (α/2) Σ_{j=0}^{N−2} ‖K_{j+1} − K_j‖²_F / h
         + (α_b/2) Σ_{j=0}^{N−2} ‖b_{j+1} − b_j‖² / h
         + (λ/2) ‖θ‖².

The scaling by ``1/h`` keeps ``R`` (for weights sampled from a smooth ``K(t)``)
independent of the depth ``N``, so a network can be refined in depth without
retuning ``α``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from numdl.checks import ObjectiveCase, register_check
from numdl.objectives.base import Evaluation
from numdl.utils.validation import check_array

__all__ = ["DepthSmoothness"]


def _check_nonneg(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: expected a finite number >= 0, got {value!r}")
    return float(value)


def _is_stacked(block) -> bool:
    """Does ``block`` store ``N`` kernels then ``N`` biases (``layout.n_blocks == depth``)?"""
    layout = getattr(block, "layout", None)
    return (layout is not None and hasattr(block, "h") and hasattr(layout, "split")
            and getattr(layout, "n_blocks", None) == getattr(block, "depth", None))


def _diff_t(G: np.ndarray) -> np.ndarray:
    """Transpose of the first difference ``k ↦ (k_{j+1} − k_j)_j``: ``(N−1, p) → (N, p)``."""
    out = np.zeros((G.shape[0] + 1,) + G.shape[1:], dtype=G.dtype)
    out[1:] += G
    out[:-1] -= G
    return out


class DepthSmoothness:
    """``R(θ) = (α/2) Σ_j ‖K_{j+1} − K_j‖²_F/h + (α_b/2) Σ_j ‖b_{j+1} − b_j‖²/h + (λ/2)‖θ‖²``.

    Parameters
    ----------
    model : network or Sequential
        A network whose ``θ`` stacks ``N`` kernel blocks and then ``N`` bias blocks
        (:class:`~numdl.networks.ResidualNetwork`,
        :class:`~numdl.networks.HyperbolicNetwork`), or a
        :class:`~numdl.networks.Sequential`: then every such block of the chain is
        smoothed on its own slice of ``θ`` (other blocks, e.g. an opening
        :class:`~numdl.layers.SingleLayer`, get only the weight decay).
    alpha : float
        ``α ≥ 0``, weight of the smoothness of the kernels.
    lam : float
        ``λ ≥ 0``, weight decay on every entry of the vector ``R`` is called with.
    alpha_bias : float, optional
        ``α_b ≥ 0``, weight of the smoothness of the biases (default ``α``; ``0``
        leaves the biases free to jump between layers).
    offset : int
        Position of ``model``'s parameters in the vector ``R`` is called with
        (e.g. the ResNet's slice of a larger parameter vector).
    size : int, optional
        Length of that vector; default ``offset + model.n_params``.

    Attributes
    ----------
    n_params : int
        ``size``, the length of ``θ``.
    blocks : tuple of (int, network)
        Start of each smoothed network's slice and the network.

    Notes
    -----
    **Layout.** Each smoothed block's slice of ``θ`` is split by the network's own
    layout (``network.layout.split``): kernel parameters ``k (N, p)``, one row per
    layer, and biases ``b (N, n_b)``. For full kernels ``k_j = vec(K_j)``; for
    parametrized kernels (``network.parametrization``, e.g. antisymmetric
    ``K_j = U_j − U_jᵀ − γI``) the differences are taken of the matrices,
    ``K_{j+1} − K_j = D(k_{j+1} − k_j)`` with ``D`` the linear part of the
    parametrization (the constant ``−γI`` cancels).

    **Derivatives.** ``R`` is quadratic, ``R(θ) = ½ θᵀ H θ`` with the constant
    symmetric positive semi-definite

        ``H = (α/h) Δᵀ Dᵀ D Δ ⊕ (α_b/h) Δᵀ Δ + λ I``,

    ``Δ`` the first difference across the layers (``(Δk)_j = k_{j+1} − k_j``); so
    ``∇R(θ) = H θ`` and ``hess_mv(v) = H v``. In code, with ``E_j = K_{j+1} − K_j``:
    ``∇k = Δᵀ Dᵀ((α/h) E)``, where ``Δᵀ G`` puts ``−G_j`` into layer ``j`` and
    ``+G_j`` into layer ``j+1``. The value is computed from ``E`` (not from
    ``θᵀHθ``), accurate to round-off.

    Lectures 9–10 (smoothness in depth / time of the ResNet weights).

    Examples
    --------
    >>> import numpy as np
    >>> from numdl.networks import ResidualNetwork
    >>> net = ResidualNetwork(3, 4, T=2.0)
    >>> reg = DepthSmoothness(net, alpha=1e-2, lam=1e-4)
    >>> theta = np.concatenate([np.tile(np.arange(9.0), 4), np.zeros(12)])  # equal layers
    >>> ev = reg(theta)
    >>> bool(np.isclose(ev.value, 0.5e-4 * 4 * np.sum(np.arange(9.0) ** 2)))
    True
    """

    def __init__(self, model, alpha, *, lam=0.0, alpha_bias=None, offset: int = 0, size: int | None = None):
        self.alpha = _check_nonneg(alpha, "alpha")
        self.lam = _check_nonneg(lam, "lam")
        self.alpha_bias = self.alpha if alpha_bias is None else _check_nonneg(alpha_bias, "alpha_bias")
        if isinstance(offset, bool) or not isinstance(offset, Integral) or offset < 0:
            raise ValueError(f"offset: expected an integer >= 0, got {offset!r}")
        if _is_stacked(model):
            blocks = [(int(offset), model)]
        elif hasattr(model, "layers"):
            starts = int(offset) + np.cumsum([0] + [layer.n_params for layer in model.layers])
            blocks = [(int(s), layer) for s, layer in zip(starts, model.layers) if _is_stacked(layer)]
            if not blocks:
                raise ValueError(f"model: the Sequential has no block with a depth to smooth "
                                 f"(ResidualNetwork, HyperbolicNetwork); blocks: "
                                 f"{', '.join(type(layer).__name__ for layer in model.layers)}")
        else:
            raise ValueError(f"model: expected a ResidualNetwork, a HyperbolicNetwork or a Sequential "
                             f"containing one, got {type(model).__name__}")
        end = int(offset) + int(model.n_params)
        if size is None:
            size = end
        if isinstance(size, bool) or not isinstance(size, Integral) or size < end:
            raise ValueError(f"size: expected an integer >= offset + model.n_params = {end}, got {size!r}")
        self.n_params = int(size)
        self.blocks = tuple(blocks)

    def __repr__(self) -> str:
        return (f"DepthSmoothness(alpha={self.alpha:g}, alpha_bias={self.alpha_bias:g}, lam={self.lam:g}, "
                f"blocks at {[start for start, _ in self.blocks]}, n_params={self.n_params})")

    def _check(self, x, name: str) -> np.ndarray:
        x = check_array(x, name, ndim=1)
        if x.shape != (self.n_params,):
            raise ValueError(f"{name}: expected length {self.n_params}, got shape {x.shape}")
        return x

    def _apply(self, x: np.ndarray, with_value: bool):
        """``(½ xᵀHx, H x)`` (the value only when asked)."""
        value = 0.5 * self.lam * float(np.vdot(x, x)) if with_value and self.lam else 0.0
        out = self.lam * x
        for start, net in self.blocks:
            if net.depth < 2:
                continue
            piece = x[start:start + net.n_params]
            k, b = net.layout.split(piece, "theta")
            grad_k, grad_b = net.layout.split(out[start:start + net.n_params], "theta")
            param = getattr(net, "parametrization", None)
            dk = np.diff(k, axis=0)
            E = dk if param is None else param.directions(dk)
            G = (self.alpha / net.h) * E
            grad_k += _diff_t(G if param is None else param.gradients(G))
            if with_value:
                value += 0.5 * self.alpha / net.h * float(np.vdot(E, E))
            if b is not None and self.alpha_bias:
                db = np.diff(b, axis=0)
                grad_b += _diff_t((self.alpha_bias / net.h) * db)
                if with_value:
                    value += 0.5 * self.alpha_bias / net.h * float(np.vdot(db, db))
        return value, out

    def hess_mv(self, v) -> np.ndarray:
        """``H v`` (the same at every ``θ``)."""
        return self._apply(self._check(v, "v"), with_value=False)[1]

    def __call__(self, theta) -> Evaluation:
        """Value, gradient ``H θ`` and ``hess_mv`` at ``theta``.

        Parameters
        ----------
        theta : array_like, shape (n_params,)

        Returns
        -------
        Evaluation
            ``grad`` like ``theta`` (same dtype).
        """
        theta = self._check(theta, "theta")
        value, grad = self._apply(theta, with_value=True)
        return Evaluation(value, grad, self.hess_mv)


# --- registered derivative checks ------------------------------------------------

@register_check("regularizer/depth-smoothness")
def _check_resnet(rng):
    from numdl.networks import ResidualNetwork

    net = ResidualNetwork(3, 4, T=2.0)
    reg = DepthSmoothness(net, 0.7, lam=0.2, alpha_bias=0.3)
    return ObjectiveCase(reg, rng.standard_normal(net.n_params))


@register_check("regularizer/depth-smoothness-sequential-antisymmetric")
def _check_sequential(rng):
    from numdl.layers import SingleLayer
    from numdl.networks import HyperbolicNetwork, ResidualNetwork, Sequential

    seq = Sequential(SingleLayer(2, 4), ResidualNetwork(4, 3, h=0.5, kernel="antisymmetric", gamma=0.1),
                     HyperbolicNetwork(4, 3, T=1.0))
    reg = DepthSmoothness(seq, 0.4, lam=0.1, offset=2, size=seq.n_params + 5)
    return ObjectiveCase(reg, rng.standard_normal(seq.n_params + 5))
