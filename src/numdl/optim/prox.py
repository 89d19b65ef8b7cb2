"""L1 regularization by soft thresholding: the proximal gradient method (lecture 12).

For ``min_θ f(θ) + λ‖θ_S‖₁`` (``θ_S``: the entries of ``θ`` in an index set ``S``,
e.g. the weights ``K`` of one layer) a proximal gradient step is

    θ ← prox_{αλ‖·_S‖₁}(θ − α ∇f(θ)),

    prox_{t‖·‖₁}(x) = argmin_z  ½‖z − x‖² + t‖z‖₁ = S_t(x) = sign(x) max(|x| − t, 0)

applied entry-wise on ``S`` (other entries unchanged). Soft thresholding sets every
entry with ``|x_i| ≤ t`` to exactly zero, which the subgradient method never does: this
is how L1 regularization gives sparse weights. With a stochastic gradient in place of
``∇f`` it is proximal SGD, used by :func:`~numdl.optim.training.train` (``prox=``)
after each optimizer step with ``α`` the step's learning rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numdl.optim.schedules import _check_real
from numdl.utils.validation import check_array

__all__ = ["L1Prox", "soft_threshold"]


def soft_threshold(x, t) -> np.ndarray:
    """Soft thresholding ``S_t(x) = sign(x) max(|x| − t, 0)``, entry-wise.

    Parameters
    ----------
    x : array_like
    t : float or array_like
        Threshold ``t ≥ 0`` (an array broadcasts against ``x``).

    Returns
    -------
    ndarray
        New array of the dtype of ``x``; entries with ``|x_i| ≤ t`` are exactly ``+0``.

    Notes
    -----
    Computed as ``x − clip(x, −t, t)``, which equals the formula and gives exact
    zeros. ``S_t`` is the proximal map of ``t‖·‖₁`` and the solution of the lasso
    ``min_z ½‖A z − b‖² + t‖z‖₁`` for orthonormal columns ``AᵀA = I`` is ``S_t(Aᵀb)``.

    Examples
    --------
    >>> soft_threshold(np.array([-3.0, -0.5, 0.0, 1.0, 2.5]), 1.0)
    array([-2. ,  0. ,  0. ,  0. ,  1.5])
    """
    x = check_array(x, "x")
    t = check_array(t, "t")
    if np.any(t < 0):
        raise ValueError(f"t: expected thresholds >= 0, got minimum {t.min()!r}")
    return (x - np.clip(x, -t, t)).astype(x.dtype, copy=False)


@dataclass(frozen=True, eq=False)
class L1Prox:
    """Proximal map of the penalty ``λ‖θ_S‖₁`` (L1 on the entries ``S`` of ``θ``).

    Parameters
    ----------
    lam : float
        ``λ ≥ 0``.
    mask : array_like, optional
        The index set ``S``: a boolean mask shaped like ``θ`` or an array of integer
        indices (e.g. the entries of ``K`` in a layer's ``θ``). Default: all entries.

    Notes
    -----
    ``prox(theta, step)`` returns ``prox_{step·λ‖·_S‖₁}(θ)``: entries in ``S`` soft
    thresholded at ``step · λ``, the others copied. Used after an optimizer step with
    learning rate ``α`` it completes the proximal gradient step
    ``θ ← prox_{αλ‖·_S‖₁}(θ − α g)``.

    Examples
    --------
    >>> prox = L1Prox(0.5, mask=[0, 1])
    >>> prox(np.array([0.3, -2.0, 0.1]), step=1.0)
    array([ 0. , -1.5,  0.1])
    """

    lam: float
    mask: np.ndarray | None = None

    def __post_init__(self):
        object.__setattr__(self, "lam", _check_real(self.lam, "lam", low=0.0))
        if self.mask is None:
            return
        mask = np.array(self.mask)
        if mask.ndim != 1 or not (mask.dtype == bool or np.issubdtype(mask.dtype, np.integer)):
            raise ValueError(f"mask: expected a 1-D boolean mask or integer index array, got "
                             f"shape {mask.shape} and dtype {mask.dtype}")
        if mask.dtype != bool and mask.size and mask.min() < 0:
            raise ValueError(f"mask: indices must be >= 0, got {mask.min()}")
        mask.setflags(write=False)
        object.__setattr__(self, "mask", mask)

    def _index(self, theta: np.ndarray):
        """The index set ``S`` for ``theta`` (checked against its size)."""
        mask = self.mask
        if mask is None:
            return slice(None)
        if mask.dtype == bool and mask.shape != theta.shape:
            raise ValueError(f"mask: boolean mask of shape {mask.shape} does not match theta "
                             f"of shape {theta.shape}")
        if mask.dtype != bool and mask.size and mask.max() >= theta.size:
            raise ValueError(f"mask: index {mask.max()} out of range for theta of size {theta.size}")
        return mask

    def __call__(self, theta, step: float) -> np.ndarray:
        """``prox_{step·λ‖·_S‖₁}(θ)`` as a new array (``theta`` is not modified)."""
        theta = check_array(theta, "theta", ndim=1)
        step = _check_real(step, "step", low=0.0)
        index = self._index(theta)
        out = theta.copy()
        out[index] = soft_threshold(theta[index], step * self.lam)
        return out

    def penalty(self, theta) -> float:
        """The value ``λ‖θ_S‖₁``."""
        theta = check_array(theta, "theta", ndim=1)
        return self.lam * float(np.abs(theta[self._index(theta)]).sum())
