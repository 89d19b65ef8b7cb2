"""Stochastic optimizers of lecture 12, each a :func:`~numdl.optim.transforms.chain` of small transforms.

Every constructor returns a :class:`~numdl.optim.transforms.GradientTransformation`
(pure ``init`` / ``update``); ``learning_rate`` is a constant ``α > 0`` or a schedule
``k ↦ α_k`` from :mod:`numdl.optim.schedules`. With ``g_k`` the (mini-batch) gradient at
``θ_{k−1}``:

* :func:`sgd` — ``θ_k = θ_{k−1} − α g_k``: ``chain(scale(−α))``;
* :func:`momentum` — ``m_k = β m_{k−1} + g_k``, ``θ_k = θ_{k−1} − α m_k``:
  ``chain(trace(β), scale(−α))``;
* :func:`nesterov` — ``m_k = β m_{k−1} + g_k``, ``θ_k = θ_{k−1} − α (g_k + β m_k)``:
  ``chain(trace(β, nesterov=True), scale(−α))``;
* :func:`adagrad` — ``G_k = G_{k−1} + g_k²``, ``θ_k = θ_{k−1} − α g_k / (√G_k + ε)``:
  ``chain(scale_by_rss(ε), scale(−α))``;
* :func:`rmsprop` — ``ν_k = ρ ν_{k−1} + (1 − ρ) g_k²``, ``θ_k = θ_{k−1} − α g_k / (√ν_k + ε)``:
  ``chain(scale_by_rms(ρ, ε), scale(−α))``;
* :func:`adam` — bias-corrected moments ``m̂_k``, ``v̂_k``,
  ``θ_k = θ_{k−1} − α m̂_k / (√v̂_k + ε)``: ``chain(scale_by_adam(β₁, β₂, ε), scale(−α))``.

With a schedule, ``scale(−α)`` becomes ``scale_by_schedule(k ↦ −α_k)``.

Examples
--------
>>> import numpy as np
>>> from numdl.optim.transforms import apply_updates
>>> opt = adam(0.1)
>>> theta = np.array([1.0, -2.0])
>>> state = opt.init(theta)
>>> for _ in range(300):                      # minimize ½‖θ‖²: the gradient is θ
...     updates, state = opt.update(theta, state, theta)
...     theta = apply_updates(theta, updates)
>>> bool(np.linalg.norm(theta) < 1e-2)
True
"""

from __future__ import annotations

from numdl.optim.schedules import _check_real
from numdl.optim.transforms import (GradientTransformation, chain, scale_by_adam,
                                    scale_by_learning_rate, scale_by_rms, scale_by_rss, trace)

__all__ = ["adagrad", "adam", "momentum", "nesterov", "rmsprop", "sgd"]


def sgd(learning_rate, momentum: float = 0.0, nesterov: bool = False) -> GradientTransformation:
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

        m_k = β m_{k−1} + g_k                 (m_0 = 0)
        θ_k = θ_{k−1} − α_k m_k               (heavy ball)
        θ_k = θ_{k−1} − α_k (g_k + β m_k)     (Nesterov)

    and plain ``θ_k = θ_{k−1} − α_k g_k`` when ``β = 0``.

    Parameters
    ----------
    learning_rate : float or callable
        ``α > 0`` or a schedule ``k ↦ α_k``.
    momentum : float
        ``β`` in ``[0, 1)``; ``0`` is plain SGD (``chain(scale(−α))``, no state).
    nesterov : bool
        Nesterov's accelerated form (needs ``momentum > 0``); see
        :func:`~numdl.optim.transforms.trace`.
    """
    beta = _check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    if nesterov and beta == 0.0:
        raise ValueError("nesterov: Nesterov momentum needs momentum > 0, got momentum = 0")
    step = scale_by_learning_rate(learning_rate)
    if beta == 0.0:
        return chain(step)
    return chain(trace(beta, nesterov=nesterov), step)


def momentum(learning_rate, beta: float = 0.9) -> GradientTransformation:
    """SGD with heavy-ball momentum ``β`` in ``[0, 1)``: ``sgd(learning_rate, momentum=beta)``."""
    beta = _check_real(beta, "beta", low=0.0, high=1.0, high_open=True)
    return sgd(learning_rate, momentum=beta)


def nesterov(learning_rate, beta: float = 0.9) -> GradientTransformation:
    """SGD with Nesterov momentum ``β`` in ``(0, 1)``: ``sgd(learning_rate, beta, nesterov=True)``."""
    beta = _check_real(beta, "beta", low=0.0, high=1.0, low_open=True, high_open=True)
    return sgd(learning_rate, momentum=beta, nesterov=True)


def adagrad(learning_rate, eps: float = 1e-8,
            initial_accumulator: float = 0.0) -> GradientTransformation:
    """AdaGrad: ``G_k = G_{k−1} + g_k²``, ``θ_k = θ_{k−1} − α_k g_k / (√G_k + ε)``.

    Parameters
    ----------
    learning_rate : float or callable
        ``α > 0`` or a schedule.
    eps : float
        ``ε ≥ 0``.
    initial_accumulator : float
        ``G_0 ≥ 0``.
    """
    return chain(scale_by_rss(eps, initial_accumulator), scale_by_learning_rate(learning_rate))


def rmsprop(learning_rate, decay: float = 0.9, eps: float = 1e-8) -> GradientTransformation:
    """RMSProp: ``ν_k = ρ ν_{k−1} + (1 − ρ) g_k²``, ``θ_k = θ_{k−1} − α_k g_k / (√ν_k + ε)``.

    Parameters
    ----------
    learning_rate : float or callable
        ``α > 0`` or a schedule.
    decay : float
        ``ρ`` in ``[0, 1)``.
    eps : float
        ``ε ≥ 0``.
    """
    return chain(scale_by_rms(decay, eps), scale_by_learning_rate(learning_rate))


def adam(learning_rate, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> GradientTransformation:
    """Adam (Kingma & Ba): ``θ_k = θ_{k−1} − α_k m̂_k / (√v̂_k + ε)``.

        m_k = β₁ m_{k−1} + (1 − β₁) g_k,   v_k = β₂ v_{k−1} + (1 − β₂) g_k²
        m̂_k = m_k / (1 − β₁^k),            v̂_k = v_k / (1 − β₂^k)

    Parameters
    ----------
    learning_rate : float or callable
        ``α > 0`` or a schedule.
    b1, b2 : float
        ``β₁, β₂`` in ``[0, 1)``.
    eps : float
        ``ε ≥ 0``.
    """
    return chain(scale_by_adam(b1, b2, eps), scale_by_learning_rate(learning_rate))
