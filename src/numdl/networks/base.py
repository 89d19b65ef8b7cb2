"""Shared machinery of the deep networks (lectures 9–10).

* :func:`resolve_step` — the step size ``h = T/N`` from exactly one of ``T`` and ``h``;
* :class:`StackedLayout` — the layout ``θ = (k_0, …, k_{B−1}, b_0, …, b_{B−1})`` of
  ``B`` kernels followed by ``B`` biases, split into views;
* the bias helpers (vector, scalar or no bias, as in :class:`numdl.layers.SingleLayer`);
* :class:`StepNetwork` — the settings, sizes and checks shared by the networks that
  step a state of ``width`` rows through ``depth`` layers of step ``h`` (residual,
  hyperbolic and Hamiltonian);
* :class:`NetworkProducts` — the four Jacobian products of the layer protocol
  (STYLE.md §1) derived from two *combined* products that every network writes once:

  - ``jac_mv(v_theta, v_y, theta, Y, cache) = J_θ v_θ + J_Y v_Y`` (either direction
    may be ``None``): one forward-mode (sensitivity) sweep through the layers;
  - ``jac_tmv(w, theta, Y, cache, wrt="both") -> (J_θᵀ w, J_Yᵀ w)``: one reverse-mode
    (adjoint) sweep that yields both gradients (``None`` for the one not asked).

  :class:`~numdl.networks.Sequential` calls the combined products of its blocks when
  they have them (one sweep per block instead of two) and the protocol products
  otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from numdl.activations import get_activation
from numdl.checks import LayerCase
from numdl.layers.base import linearize
from numdl.utils.validation import check_array

__all__ = ["BIAS_OPTIONS", "NetworkProducts", "StackedLayout", "resolve_step"]

BIAS_OPTIONS = ("vector", "scalar", None)
_WRT = {"both": (True, True), "theta": (True, False), "Y": (False, True)}


def check_positive_int(name: str, value) -> None:
    """Raise a ``ValueError`` naming ``name`` unless ``value`` is an integer ≥ 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")


def _positive_float(name: str, value) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a finite number > 0, got {value!r}")
    return float(value)


def resolve_step(T, h, depth: int) -> tuple[float, float]:
    """``(T, h)`` with ``h = T/N`` from exactly one of the final time ``T`` and the step ``h``.

    Raises
    ------
    ValueError
        Both or neither given, or the given one not a finite positive number.
    """
    if (T is None) == (h is None):
        raise ValueError(f"T, h: give exactly one of T (final time, h = T/depth) or h (step size); "
                         f"got T={T!r}, h={h!r}")
    if h is not None:
        h = _positive_float("h", h)
        return h * depth, h
    T = _positive_float("T", T)
    return T, T / depth


def check_bias(bias) -> None:
    if bias not in BIAS_OPTIONS:
        raise ValueError(f"bias: expected one of {BIAS_OPTIONS}, got {bias!r}")


def check_reversible(reversible) -> None:
    """Raise a ``ValueError`` naming ``reversible`` unless it is ``True`` or ``False``."""
    if not isinstance(reversible, bool):
        raise ValueError(f"reversible: expected True or False, got {reversible!r}")


def bias_size(bias, m: int) -> int:
    """Bias entries of one layer of width ``m``: ``m`` (vector), 1 (scalar) or 0."""
    return {"vector": m, "scalar": 1, None: 0}[bias]


def bias_tmv(G: np.ndarray, bias):
    """Transpose of ``db ↦ db eᵀ`` (vector: row sums ``G e``) or ``db ↦ db·1`` (scalar:
    ``eᵀ G e``, shape ``(1,)``); ``None`` without a bias."""
    if bias == "vector":
        return G.sum(axis=1)
    if bias == "scalar":
        return np.atleast_1d(G.sum())
    return None


def parse_wrt(wrt: str) -> tuple[bool, bool]:
    """``(want_theta, want_y)`` for ``wrt`` in {"both", "theta", "Y"}."""
    if wrt not in _WRT:
        raise ValueError(f"wrt: expected 'both', 'theta' or 'Y', got {wrt!r}")
    return _WRT[wrt]


def direction(v, shape, name: str, dtype) -> np.ndarray:
    """``v`` as an array of ``shape`` and ``dtype`` (a ``ValueError`` naming ``name`` otherwise)."""
    v = np.asarray(v)
    if v.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}, got {v.shape}")
    return v.astype(dtype, copy=False)


def check_cache(cache, Y, kind) -> None:
    """Raise a ``ValueError`` naming ``cache`` unless it is a ``kind`` whose states have ``Y``'s shape."""
    if not isinstance(cache, kind) or cache.shape != Y.shape:
        raise ValueError(f"cache: expected the {kind.__name__} of forward(theta, Y) at the same theta and Y")


def check_finite_state(state: np.ndarray, j: int, network) -> None:
    """Raise ``FloatingPointError`` naming layer ``j`` if the state it produced is not finite."""
    if not np.isfinite(state).all():
        raise FloatingPointError(
            f"forward: non-finite state after layer {j} (layers 0..{network.depth - 1}) of "
            f"{type(network).__name__} with h = {network.h:.3g}; unstable settings? "
            "(too large a step h or weights, or an unbounded activation)")


@dataclass(frozen=True)
class StackedLayout:
    """Layout of ``θ``: ``n_blocks`` kernel blocks of ``kernel_size`` entries, then
    ``n_blocks`` bias blocks of ``bias_size`` entries.

    ``θ = (k_0, …, k_{B−1}, b_0, …, b_{B−1})``; :meth:`split` returns the views
    ``kernels (B, kernel_size)`` and ``biases (B, bias_size)`` (``None`` when
    ``bias_size`` is 0).
    """

    n_blocks: int
    kernel_size: int
    bias_size: int

    @property
    def n_params(self) -> int:
        return self.n_blocks * (self.kernel_size + self.bias_size)

    def split(self, vec: np.ndarray, name: str):
        """Views ``(kernels, biases)`` of the flat ``vec`` (``ValueError`` naming ``name``
        and the expected length when it does not fit)."""
        if vec.shape != (self.n_params,):
            raise ValueError(f"{name}: expected length {self.n_params} = {self.n_blocks}·{self.kernel_size} "
                             f"kernel entries + {self.n_blocks}·{self.bias_size} bias entries, got shape {vec.shape}")
        n_k = self.n_blocks * self.kernel_size
        kernels = vec[:n_k].reshape(self.n_blocks, self.kernel_size)
        biases = vec[n_k:].reshape(self.n_blocks, self.bias_size) if self.bias_size else None
        return kernels, biases

    def join(self, kernels: np.ndarray, biases) -> np.ndarray:
        """The flat vector of ``kernels (B, kernel_size)`` and ``biases (B, bias_size)`` (or ``None``)."""
        out = np.empty(self.n_params, dtype=kernels.dtype)
        n_k = self.n_blocks * self.kernel_size
        out[:n_k] = kernels.reshape(-1)
        if self.bias_size:
            out[n_k:] = biases.reshape(-1)
        return out

    def init(self, rng: np.random.Generator, fan_in: int, dtype) -> np.ndarray:
        """A flat ``θ`` with kernel entries ``N(0, 1/fan_in)`` and zero biases."""
        theta = np.zeros(self.n_params, dtype=dtype)
        n_k = self.n_blocks * self.kernel_size
        theta[:n_k] = rng.standard_normal(n_k) / np.sqrt(fan_in)
        return theta


class NetworkProducts:
    """The layer protocol's four Jacobian products and ``linearize``, derived from a
    network's combined products ``jac_mv`` and ``jac_tmv`` (see the module docstring).

    Subclasses define ``n_in``, ``n_params``, ``jac_mv`` and ``jac_tmv``.
    """

    def jac_theta_mv(self, v, theta, Y, cache) -> np.ndarray:
        """``J_θ v``, shaped like the output ``Z``."""
        return self.jac_mv(v, None, theta, Y, cache)

    def jac_y_mv(self, v, theta, Y, cache) -> np.ndarray:
        """``J_Y v`` for ``v`` shaped like ``Y``."""
        return self.jac_mv(None, v, theta, Y, cache)

    def jac_theta_tmv(self, w, theta, Y, cache) -> np.ndarray:
        """``J_θᵀ w``, shape ``(n_params,)``."""
        return self.jac_tmv(w, theta, Y, cache, wrt="theta")[0]

    def jac_y_tmv(self, w, theta, Y, cache) -> np.ndarray:
        """``J_Yᵀ w``, shaped like ``Y``."""
        return self.jac_tmv(w, theta, Y, cache, wrt="Y")[1]

    def linearize(self, theta, Y, *, wrt: str = "theta"):
        """``(Z, J)`` with ``J`` the Jacobian in ``theta`` (or ``Y``) as a ``LinearOperator``."""
        return linearize(self, theta, Y, wrt=wrt)

    def _operands(self, theta, Y, *, finite: bool) -> tuple[np.ndarray, np.ndarray]:
        """Validated ``(theta, Y)`` in their common float dtype (float32 stays float32)."""
        theta = check_array(theta, "theta", ndim=1, finite=finite)
        Y = check_array(Y, "Y", ndim=2, finite=finite)
        if Y.shape[0] != self.n_in:
            raise ValueError(f"Y: expected {self.n_in} rows (n_in features, one example per column), "
                             f"got shape {Y.shape}")
        dtype = np.result_type(theta, Y)
        return theta.astype(dtype, copy=False), Y.astype(dtype, copy=False)


class StepNetwork(NetworkProducts):
    """What the networks stepping a state of ``width`` rows through ``depth`` layers
    of step ``h`` share (residual, hyperbolic and Hamiltonian networks).

    Subclasses are frozen dataclasses with the fields ``width``, ``depth``, ``T``,
    ``h``, ``activation`` and ``bias``; they define ``layout`` (a
    :class:`StackedLayout`), ``jac_mv``, ``jac_tmv`` and ``_check_cache(cache, Y)``.
    """

    def _init_settings(self) -> None:
        """Check ``depth``, ``T``/``h`` and ``bias``; set ``T`` and ``h`` (both resolved)
        and ``activation`` (an :class:`~numdl.activations.Activation`). ``width`` is
        checked by the subclass, which may require more of it."""
        check_positive_int("depth", self.depth)
        T, h = resolve_step(self.T, self.h, self.depth)
        object.__setattr__(self, "T", T)
        object.__setattr__(self, "h", h)
        check_bias(self.bias)
        object.__setattr__(self, "activation", get_activation(self.activation))

    @property
    def n_in(self) -> int:
        """Rows of the input: ``width``."""
        return self.width

    @property
    def n_out(self) -> int:
        """Rows of the output: ``width``."""
        return self.width

    @property
    def n_params(self) -> int:
        """Length of ``θ``: ``layout.n_params``, the kernel and bias entries of all layers
        (``N · (p + n_bias)`` with ``p`` kernel entries per layer; the Hamiltonian
        network has ``2N`` such blocks)."""
        return self.layout.n_params

    def _product_operands(self, theta, Y, cache) -> tuple[np.ndarray, np.ndarray]:
        """Validated ``(theta, Y)`` of a Jacobian product, after checking that ``cache``
        is the forward cache for inputs of ``Y``'s shape."""
        theta, Y = self._operands(theta, Y, finite=False)
        self._check_cache(cache, Y)
        return theta, Y


def layer_case(rng, net, n: int = 5) -> LayerCase:
    """``LayerCase`` of ``net`` at ``θ ~ N(0, 1)`` and ``Y ~ N(0, 1)`` with ``n`` columns
    (float64), for the registered derivative checks."""
    return LayerCase(net, rng.standard_normal(net.n_params), rng.standard_normal((net.n_in, n)))
