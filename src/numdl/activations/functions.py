"""Elementwise activation functions σ together with their derivatives σ' (lectures 7–8).

Every activation is a frozen dataclass (its parameters, e.g. the smoothing width η
of :class:`SmoothReLU`, are its fields) with two methods:

* ``act(x) -> (σ(x), σ'(x))`` — value and derivative computed together, so that
  the expensive part (``tanh``, ``exp``) is evaluated once; this is what layers use,
  they keep ``σ'`` in their cache for the Jacobian products;
* ``act.value(x) -> σ(x)`` — the value alone, for prediction.

Both act entry by entry on arrays of any shape and keep float32 input float32
(other input becomes float64).

Because σ acts entry by entry, its Jacobian is the diagonal matrix ``diag(σ'(x))``:
``J v = σ'(x) ⊙ v`` and ``Jᵀ w = σ'(x) ⊙ w``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from numdl.checks import MapCase, register_check

__all__ = [
    "ACTIVATIONS", "Activation", "Identity", "ReLU", "Sigmoid", "Sin", "SmoothReLU",
    "Softplus", "Tanh", "get_activation",
]


def _as_float(x) -> np.ndarray:
    """``x`` as an array; float32 stays float32, anything else becomes float64."""
    x = np.asarray(x)
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)


@dataclass(frozen=True)
class Activation(ABC):
    """An elementwise function ``σ: R → R`` with its derivative.

    Subclasses set ``name`` and implement ``_value(x)`` and ``_both(x, overwrite_x)``
    on float arrays.
    """

    name: ClassVar[str] = ""

    def __call__(self, x, *, overwrite_x: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Value and derivative ``(σ(x), σ'(x))``, both shaped and typed like ``x``.

        Parameters
        ----------
        x : array_like
            Pre-activations (any shape), e.g. ``S = K Y + b``.
        overwrite_x : bool
            Allow the result to reuse the memory of ``x`` (saves one temporary when
            the caller no longer needs ``x``), as in ``scipy.linalg``.
        """
        return self._both(_as_float(x), overwrite_x)

    def value(self, x) -> np.ndarray:
        """``σ(x)`` alone (input not modified)."""
        return self._value(_as_float(x))

    @abstractmethod
    def _value(self, x: np.ndarray) -> np.ndarray:
        """``σ(x)`` for a float array ``x``."""

    @abstractmethod
    def _both(self, x: np.ndarray, overwrite_x: bool) -> tuple[np.ndarray, np.ndarray]:
        """``(σ(x), σ'(x))`` for a float array ``x`` (whose memory may be reused if ``overwrite_x``)."""


@dataclass(frozen=True)
class Identity(Activation):
    """``σ(y) = y``, ``σ'(y) = 1`` (a linear layer)."""

    name: ClassVar[str] = "identity"

    def _value(self, x):
        return x.copy()

    def _both(self, x, overwrite_x):
        return (x if overwrite_x else x.copy()), np.ones_like(x)


@dataclass(frozen=True)
class Tanh(Activation):
    """``σ(y) = tanh(y)``, ``σ'(y) = 1 − tanh²(y)`` (computed from the value)."""

    name: ClassVar[str] = "tanh"

    def _value(self, x):
        return np.tanh(x)

    def _both(self, x, overwrite_x):
        t = np.tanh(x)
        d = np.multiply(t, t, out=x if overwrite_x else None)
        np.subtract(1, d, out=d)
        return t, d


@dataclass(frozen=True)
class ReLU(Activation):
    """``σ(y) = max(y, 0)``, ``σ'(y) = 1`` for ``y > 0`` and ``0`` for ``y ≤ 0``.

    Notes
    -----
    σ is not differentiable at 0; the value 0 is used there (a subgradient). A
    Taylor test of a ReLU map only makes sense at points whose entries stay away
    from 0 by more than the step, where σ is linear (see :class:`SmoothReLU`
    for a C¹ variant).
    """

    name: ClassVar[str] = "relu"

    def _value(self, x):
        return np.maximum(x, 0)

    def _both(self, x, overwrite_x):
        z = np.maximum(x, 0, out=x if overwrite_x else None)
        # σ' is 1 where σ(y) = y > 0 and 0 where σ(y) = 0: the sign of the value.
        return z, np.sign(z)


@dataclass(frozen=True)
class SmoothReLU(Activation):
    """ReLU with its kink replaced by a parabola on ``|y| ≤ η``:

    ``σ(y) = 0`` for ``y ≤ −η``, ``(y + η)² / (4η)`` for ``|y| ≤ η``, ``y`` for ``y ≥ η``.

    Parameters
    ----------
    eta : float, default 0.1
        Half width ``η > 0`` of the smoothed region.

    Notes
    -----
    Value and derivative match at ``y = ±η`` (``σ(−η) = 0``, ``σ(η) = η``,
    ``σ'(−η) = 0``, ``σ'(η) = 1``), so σ is C¹ with a Lipschitz derivative
    ``σ'(y) = clip((y + η)/(2η), 0, 1)``; ``σ''`` jumps at ``±η``, which is enough
    for the second-order Taylor test. With ``t = σ'(y)`` the value is
    ``σ(y) = η t² + max(y − η, 0)`` in all three pieces.
    """

    name: ClassVar[str] = "smooth_relu"
    eta: float = 0.1

    def __post_init__(self):
        if not (isinstance(self.eta, (int, float, np.floating)) and math.isfinite(self.eta) and self.eta > 0):
            raise ValueError(f"eta: expected a finite number > 0, got {self.eta!r}")

    def _both(self, x, overwrite_x):
        eta = float(self.eta)
        t = np.add(x, eta)
        t *= 1 / (2 * eta)
        np.clip(t, 0, 1, out=t)
        s = np.subtract(x, eta, out=x if overwrite_x else None)
        np.maximum(s, 0, out=s)
        s += eta * (t * t)
        return s, t

    def _value(self, x):
        return self._both(x, False)[0]


@dataclass(frozen=True)
class Sin(Activation):
    """``σ(y) = sin(y)``, ``σ'(y) = cos(y)``."""

    name: ClassVar[str] = "sin"

    def _value(self, x):
        return np.sin(x)

    def _both(self, x, overwrite_x):
        d = np.cos(x)
        return np.sin(x, out=x if overwrite_x else None), d


def _sigmoid_both(x):
    """``(σ(x), σ'(x))`` of the logistic sigmoid from ``e = exp(−|x|) ∈ (0, 1]``.

    ``σ(x) = 1/(1 + e)`` for ``x ≥ 0`` and ``e/(1 + e)`` for ``x < 0``;
    ``σ'(x) = e/(1 + e)²``. No exponential of a positive number is taken, so
    nothing overflows, and both tails keep full relative accuracy.
    """
    e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    d = e * r
    s = np.where(x >= 0, r, d)
    d *= r
    return s, d


@dataclass(frozen=True)
class Sigmoid(Activation):
    """Logistic sigmoid ``σ(y) = 1/(1 + exp(−y))``, ``σ'(y) = σ(y)(1 − σ(y))``.

    Notes
    -----
    Evaluated through ``exp(−|y|)`` so that it neither overflows nor loses
    relative accuracy for large ``|y|``.
    """

    name: ClassVar[str] = "sigmoid"

    def _value(self, x):
        return _sigmoid_both(x)[0]

    def _both(self, x, overwrite_x):
        return _sigmoid_both(x)


@dataclass(frozen=True)
class Softplus(Activation):
    """``σ(y) = log(1 + exp(y))``, ``σ'(y) = 1/(1 + exp(−y))`` (the sigmoid).

    Notes
    -----
    Evaluated as ``logaddexp(0, y)``, which never overflows: ``σ(y) ≈ y`` for large
    ``y`` and ``≈ exp(y)`` for very negative ``y``. A smooth ReLU.
    """

    name: ClassVar[str] = "softplus"

    def _value(self, x):
        return np.logaddexp(0, x)

    def _both(self, x, overwrite_x):
        return np.logaddexp(0, x), _sigmoid_both(x)[0]


#: Activation classes by name, as accepted by :func:`get_activation`.
ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Identity, Tanh, ReLU, SmoothReLU, Sin, Sigmoid, Softplus)
}


def get_activation(name_or_obj, **params) -> Activation:
    """An :class:`Activation` from its name (and parameters), or the object itself.

    Parameters
    ----------
    name_or_obj : str or Activation
        One of ``identity``, ``tanh``, ``relu``, ``smooth_relu``, ``sin``,
        ``sigmoid``, ``softplus`` (case-insensitive, ``-`` may replace ``_``), or
        an ``Activation`` instance, returned unchanged.
    **params
        Parameters of the named activation, e.g. ``eta=0.5`` for ``smooth_relu``.

    Raises
    ------
    ValueError
        Unknown name (the message lists the known names), parameters the
        activation does not take, or parameters given with an instance.

    Examples
    --------
    >>> act = get_activation("smooth_relu", eta=0.5)
    >>> value, slope = act([-1.0, 0.0, 1.0])
    >>> value.tolist(), slope.tolist()
    ([0.0, 0.125, 1.0], [0.0, 0.5, 1.0])
    """
    if isinstance(name_or_obj, Activation):
        if params:
            raise ValueError(f"activation: parameters {sorted(params)} given with an Activation instance; "
                             "set them on the instance")
        return name_or_obj
    if not isinstance(name_or_obj, str):
        raise ValueError(f"activation: expected a name or an Activation, got {type(name_or_obj).__name__}")
    key = name_or_obj.strip().lower().replace("-", "_")
    if key not in ACTIVATIONS:
        raise ValueError(f"activation: unknown {name_or_obj!r}; known: {', '.join(ACTIVATIONS)}")
    try:
        return ACTIVATIONS[key](**params)
    except TypeError as err:
        raise ValueError(f"activation {key!r}: bad parameters {sorted(params)} ({err})") from None


# --- registered derivative checks ------------------------------------------------

def _base_point(name, rng):
    """A small float64 base point.

    For ReLU every entry is at least 5 away from the kink at 0, so ``x + h v`` with
    ``h ≤ 1`` (the Taylor test's steps) and a standard normal ``v`` stays on the same
    side: ReLU is linear there and the Taylor remainder is at round-off level. The
    smoothed ReLU (η = 0.5) is checked across its joints at ±η: it is C¹ with a
    Lipschitz derivative, enough for second order.
    """
    if name == "relu":
        return rng.choice([-1.0, 1.0], size=(4, 5)) * rng.uniform(5, 8, size=(4, 5))
    return rng.uniform(-4, 4, size=(4, 5))


def _register(name):
    params = {"eta": 0.5} if name == "smooth_relu" else {}

    @register_check(f"activation/{name}")
    def factory(rng):
        act = get_activation(name, **params)
        x = _base_point(name, rng)
        _, d = act(x)
        return MapCase(act.value, x, jvp=lambda v: d * v, vjp=lambda w: d * w)

    return factory


def _register_all():
    for name in ACTIVATIONS:
        _register(name)


_register_all()
