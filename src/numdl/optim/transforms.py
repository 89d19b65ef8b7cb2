"""Gradient transformations: the small pieces stochastic optimizers are chained from (lecture 12).

An optimizer is a pair of pure functions (the design of optax, on NumPy arrays)::

    state = opt.init(theta)                              # e.g. zero moment estimates
    updates, state = opt.update(grad, state, theta)      # new arrays, nothing mutated
    theta = apply_updates(theta, updates)                # theta + updates

Each transformation maps the incoming vector ``g`` (a gradient, or the output of the
previous transformation of a :func:`chain`) to an outgoing vector ``u``. Updates are
*added* to the parameters, so a gradient step with learning rate ``α`` ends in
``scale(-α)`` (or :func:`scale_by_learning_rate`). All products and powers below are
entry-wise; ``k = 1, 2, …`` counts the updates and states start at zero unless said
otherwise.

=====================================  ==================================================
transformation                          update rule
=====================================  ==================================================
:func:`scale`                           ``u = s g``
:func:`scale_by_schedule`               ``u = s(k−1) g``
:func:`scale_by_learning_rate`          ``u = −α_{k−1} g``
:func:`trace`                           ``m_k = β m_{k−1} + g``; ``u = m_k`` or ``g + β m_k``
:func:`scale_by_rss` (AdaGrad)          ``G_k = G_{k−1} + g²``; ``u = g / (√G_k + ε)``
:func:`scale_by_rms` (RMSProp)          ``ν_k = ρ ν_{k−1} + (1−ρ) g²``; ``u = g / (√ν_k + ε)``
:func:`scale_by_adam`                   moments ``m_k``, ``v_k`` with bias correction
:func:`add_decayed_weights`             ``u = g + λ θ``
=====================================  ==================================================
"""

from __future__ import annotations

from numbers import Real
from typing import Any, Callable, NamedTuple

import numpy as np

from numdl.optim.schedules import Schedule, _check_real, constant

__all__ = [
    "EmptyState", "GradientTransformation", "ScaleByAdamState", "ScaleByRmsState",
    "ScaleByRssState", "ScaleByScheduleState", "TraceState", "add_decayed_weights",
    "apply_updates", "chain", "scale", "scale_by_adam", "scale_by_learning_rate",
    "scale_by_rms", "scale_by_rss", "scale_by_schedule", "trace",
]


class GradientTransformation(NamedTuple):
    """A pair of pure functions ``init`` and ``update`` (optax's design).

    Attributes
    ----------
    init : callable
        ``init(params) -> state``: the starting state for parameters ``params``.
    update : callable
        ``update(grads, state, params=None) -> (updates, new_state)``; never modifies
        its arguments.
    learning_rate : callable or None
        The schedule ``k ↦ α_k`` of the step length when the transformation has one
        (set by :func:`scale_by_learning_rate`, kept by :func:`chain`); read by
        :func:`~numdl.optim.training.train` to record the learning rate and to scale
        proximal steps.
    """

    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]
    learning_rate: Schedule | None = None


class EmptyState(NamedTuple):
    """State of a transformation that keeps none."""


class ScaleByScheduleState(NamedTuple):
    """``count``: number of updates done."""

    count: int


class TraceState(NamedTuple):
    """``trace``: the momentum ``m_k``."""

    trace: np.ndarray


class ScaleByRssState(NamedTuple):
    """``sum_of_squares``: AdaGrad's accumulator ``G_k = G_0 + Σ_{i≤k} g_i²``."""

    sum_of_squares: np.ndarray


class ScaleByRmsState(NamedTuple):
    """``nu``: the moving average ``ν_k`` of the squared gradients."""

    nu: np.ndarray


class ScaleByAdamState(NamedTuple):
    """``count``: updates done; ``mu``, ``nu``: the moving averages ``m_k`` and ``v_k``."""

    count: int
    mu: np.ndarray
    nu: np.ndarray


def apply_updates(params, updates) -> np.ndarray:
    """``params + updates`` as a new array of the dtype of ``params``."""
    params = np.asarray(params)
    updates = np.asarray(updates)
    if updates.shape != params.shape:
        raise ValueError(f"updates: expected shape {params.shape} (that of params), "
                         f"got {updates.shape}")
    return params + updates.astype(params.dtype, copy=False)


def _moving_average(old: np.ndarray, new: np.ndarray, decay: float) -> np.ndarray:
    """``decay · old + (1 − decay) · new`` (the exponential moving average of RMSProp and Adam)."""
    return decay * old + (1.0 - decay) * new


def _zeros(params) -> np.ndarray:
    params = np.asarray(params)
    dtype = params.dtype if np.issubdtype(params.dtype, np.floating) else np.float64
    return np.zeros(params.shape, dtype)


def scale(step: float) -> GradientTransformation:
    """Multiply by a constant: ``u = s g``.

    Parameters
    ----------
    step : float
        The factor ``s`` (``−α`` for a gradient step of length ``α``).
    """
    step = _check_real(step, "step")

    def init(params):
        return EmptyState()

    def update(grads, state, params=None):
        return step * np.asarray(grads), state

    return GradientTransformation(init, update)


def scale_by_schedule(schedule: Schedule) -> GradientTransformation:
    """Multiply by a schedule of the step count: ``u = s(k) g`` at the update ``k = 0, 1, …``.

    Parameters
    ----------
    schedule : callable
        ``schedule(k) -> float``, e.g. from :mod:`numdl.optim.schedules`.
    """
    if not callable(schedule):
        raise ValueError(f"schedule: expected a callable step -> float, got {type(schedule).__name__}")

    def init(params):
        return ScaleByScheduleState(count=0)

    def update(grads, state, params=None):
        return schedule(state.count) * np.asarray(grads), ScaleByScheduleState(state.count + 1)

    return GradientTransformation(init, update)


def scale_by_learning_rate(learning_rate) -> GradientTransformation:
    """Gradient step of length ``α_k``: ``u = −α_k g`` (``k = 0, 1, …``).

    Parameters
    ----------
    learning_rate : float or callable
        A constant ``α > 0`` or a schedule ``k ↦ α_k`` (whose first value must be a
        positive finite number).

    Returns
    -------
    GradientTransformation
        :func:`scale` ``(−α)`` for a constant, :func:`scale_by_schedule` ``(−α_k)`` for a
        schedule; its ``learning_rate`` attribute is the schedule ``k ↦ α_k``.
    """
    if callable(learning_rate):
        first = learning_rate(0)
        if isinstance(first, bool) or not isinstance(first, Real) or not first > 0 \
                or not np.isfinite(first):
            raise ValueError(f"learning_rate: expected a schedule with positive finite values, "
                             f"its value at step 0 is {first!r}")
        schedule = learning_rate
        tx = scale_by_schedule(lambda k: -schedule(k))
    else:
        alpha = _check_real(learning_rate, "learning_rate", low=0.0, low_open=True)
        schedule = constant(alpha)
        tx = scale(-alpha)
    return tx._replace(learning_rate=schedule)


def trace(decay: float, nesterov: bool = False) -> GradientTransformation:
    """Momentum: the trace of past gradients (heavy ball or Nesterov).

        m_k = β m_{k−1} + g_k,     m_0 = 0
        u_k = m_k                  (heavy ball)
        u_k = g_k + β m_k          (Nesterov)

    Followed by ``scale(−α)`` the heavy-ball form is classical momentum
    ``v_k = β v_{k−1} − α g_k``, ``θ_k = θ_{k−1} + v_k`` (``v = −α m``). The Nesterov
    form is Sutskever's accelerated gradient ``v_k = β v_{k−1} − α ∇f(θ_{k−1} + β v_{k−1})``
    written in the look-ahead variable ``φ = θ + β v``: its iterates are the points
    where that method evaluates gradients.

    Parameters
    ----------
    decay : float
        ``β`` in ``[0, 1)``.
    nesterov : bool
        Use the Nesterov form.
    """
    decay = _check_real(decay, "decay", low=0.0, high=1.0, high_open=True)
    nesterov = bool(nesterov)

    def init(params):
        return TraceState(trace=_zeros(params))

    def update(grads, state, params=None):
        grads = np.asarray(grads)
        m = decay * state.trace + grads
        return (grads + decay * m if nesterov else m), TraceState(m)

    return GradientTransformation(init, update)


def scale_by_rss(eps: float = 1e-8, initial_accumulator: float = 0.0) -> GradientTransformation:
    """AdaGrad scaling by the root of the sum of squared gradients.

        G_k = G_{k−1} + g_k²,     G_0 = initial_accumulator
        u_k = g_k / (√G_k + ε)

    Each coordinate gets its own step, large for coordinates with small past gradients;
    the steps only shrink (good for sparse gradients, often too fast for deep networks).

    Parameters
    ----------
    eps : float
        ``ε ≥ 0``, guards the division.
    initial_accumulator : float
        ``G_0 ≥ 0``.
    """
    eps = _check_real(eps, "eps", low=0.0)
    initial_accumulator = _check_real(initial_accumulator, "initial_accumulator", low=0.0)

    def init(params):
        return ScaleByRssState(sum_of_squares=_zeros(params) + initial_accumulator)

    def update(grads, state, params=None):
        grads = np.asarray(grads)
        G = state.sum_of_squares + grads * grads
        return grads / (np.sqrt(G) + eps), ScaleByRssState(G)

    return GradientTransformation(init, update)


def scale_by_rms(decay: float = 0.9, eps: float = 1e-8) -> GradientTransformation:
    """RMSProp scaling by the root of a moving average of squared gradients.

        ν_k = ρ ν_{k−1} + (1 − ρ) g_k²,     ν_0 = 0
        u_k = g_k / (√ν_k + ε)

    Unlike AdaGrad old gradients are forgotten, so steps do not shrink for ever. There
    is no bias correction: ``ν_k`` underestimates the mean square by the factor
    ``1 − ρ^k`` in the first steps (compare :func:`scale_by_adam`).

    Parameters
    ----------
    decay : float
        ``ρ`` in ``[0, 1)``.
    eps : float
        ``ε ≥ 0``.
    """
    decay = _check_real(decay, "decay", low=0.0, high=1.0, high_open=True)
    eps = _check_real(eps, "eps", low=0.0)

    def init(params):
        return ScaleByRmsState(nu=_zeros(params))

    def update(grads, state, params=None):
        grads = np.asarray(grads)
        nu = _moving_average(state.nu, grads * grads, decay)
        return grads / (np.sqrt(nu) + eps), ScaleByRmsState(nu)

    return GradientTransformation(init, update)


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> GradientTransformation:
    """Adam scaling by bias-corrected first and second moment estimates.

        m_k = β₁ m_{k−1} + (1 − β₁) g_k,      v_k = β₂ v_{k−1} + (1 − β₂) g_k²
        m̂_k = m_k / (1 − β₁^k),               v̂_k = v_k / (1 − β₂^k)
        u_k = m̂_k / (√v̂_k + ε)

    with ``m_0 = v_0 = 0``; the corrections undo the bias of the zero start
    (``E m_k = (1 − β₁^k) E g`` for stationary gradients).

    With ``β₁ = 0`` the first moment is the gradient itself and ``v_k`` is RMSProp's
    ``ν_k`` (``ρ = β₂``); for ``ε = 0`` Adam then equals :func:`scale_by_rms` followed
    by the schedule ``√(1 − β₂^k)``.

    Parameters
    ----------
    b1, b2 : float
        ``β₁, β₂`` in ``[0, 1)``.
    eps : float
        ``ε ≥ 0``.
    """
    b1 = _check_real(b1, "b1", low=0.0, high=1.0, high_open=True)
    b2 = _check_real(b2, "b2", low=0.0, high=1.0, high_open=True)
    eps = _check_real(eps, "eps", low=0.0)

    def init(params):
        return ScaleByAdamState(count=0, mu=_zeros(params), nu=_zeros(params))

    def update(grads, state, params=None):
        grads = np.asarray(grads)
        k = state.count + 1
        mu = _moving_average(state.mu, grads, b1)
        nu = _moving_average(state.nu, grads * grads, b2)
        mu_hat = mu / (1.0 - b1**k)
        nu_hat = nu / (1.0 - b2**k)
        return mu_hat / (np.sqrt(nu_hat) + eps), ScaleByAdamState(k, mu, nu)

    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay: float) -> GradientTransformation:
    """Add weight decay: ``u = g + λ θ`` (the gradient of ``(λ/2)‖θ‖²`` added to ``g``).

    Placed after an adaptive scaling (``chain(scale_by_adam(), add_decayed_weights(λ),
    scale(−α))``) it gives decoupled weight decay (AdamW). Needs ``params`` in ``update``.

    Parameters
    ----------
    weight_decay : float
        ``λ ≥ 0``.
    """
    weight_decay = _check_real(weight_decay, "weight_decay", low=0.0)

    def init(params):
        return EmptyState()

    def update(grads, state, params=None):
        if params is None:
            raise ValueError("params: add_decayed_weights needs the parameters, got None")
        return np.asarray(grads) + weight_decay * np.asarray(params), state

    return GradientTransformation(init, update)


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply transformations one after the other: ``u = T_m(… T_2(T_1(g)))``.

    The state is the tuple of the states of the parts. The ``learning_rate`` of the
    chain is that of its last part that has one.
    """
    for i, t in enumerate(transforms):
        if not (callable(getattr(t, "init", None)) and callable(getattr(t, "update", None))):
            raise ValueError(f"transforms: argument {i} is not a GradientTransformation, "
                             f"got {type(t).__name__}")
    learning_rate = next((t.learning_rate for t in reversed(transforms)
                          if getattr(t, "learning_rate", None) is not None), None)

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(grads, state, params=None):
        if len(state) != len(transforms):
            raise ValueError(f"state: expected {len(transforms)} states (one per transformation), "
                             f"got {len(state)}")
        new_state = []
        for t, s in zip(transforms, state):
            grads, s = t.update(grads, s, params)
            new_state.append(s)
        return grads, tuple(new_state)

    return GradientTransformation(init, update, learning_rate)
