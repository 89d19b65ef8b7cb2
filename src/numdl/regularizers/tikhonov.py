"""Tikhonov regularization of classifier weights whose rows are images.

Course: Module 1, lecture 6 (regularization for image classification). For weights
``W (n_c, n_f)`` of a linear classifier on images with ``n_f`` pixels, row ``w_k`` is
the template that scores class ``k``; it is itself an image. The regularizer

    R(W) = (λ/2) ‖L Wᵀ‖_F² = (λ/2) Σ_k ‖L w_k‖²

with a derivative operator ``L`` (Laplacian or gradient on the pixel grid, see
:mod:`numdl.regularizers.operators`) prefers smooth templates; ``L = I`` is plain
weight decay.

Flattening protocol (shared with the objectives, e.g. a linear classifier)
---------------------------------------------------------------------------
The regularizer acts on the flat parameter vector ``theta = W.reshape(-1)`` of
length ``n_c · p``: C order, the rows of ``W`` are contiguous. Without a bias
``p = n_f``; with ``bias=True`` the weights carry an extra **last column** (the bias,
``W (n_c, n_f + 1)``, ``p = n_f + 1``) that is not regularized. Calling the
regularizer, ``reg(theta)``, returns an :class:`~numdl.objectives.base.Evaluation`
with value, gradient and Hessian-vector product, so ``misfit(theta) + reg(theta)``
adds up directly.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

from numdl.checks import ObjectiveCase, register_check
from numdl.objectives.base import Evaluation
from numdl.regularizers.operators import gradient_operator, laplacian
from numdl.utils.validation import check_array

KINDS = ("laplacian", "gradient")


def _check_operator(L) -> sp.csr_array:
    if sp.issparse(L):
        if L.ndim != 2:
            raise ValueError(f"L: expected a 2-D sparse matrix, got shape {L.shape}")
        L = sp.csr_array(L, dtype=np.float64)
        if not np.all(np.isfinite(L.data)):
            raise ValueError("L: contains NaN or inf value(s)")
    else:
        L = sp.csr_array(check_array(L, "L", ndim=2, dtype=np.float64))
    if L.shape[0] == 0 or L.shape[1] == 0:
        raise ValueError(f"L: expected a non-empty (m, n_f) matrix, got shape {L.shape}")
    return L


class Tikhonov:
    """Quadratic regularizer ``R(W) = (λ/2) ‖L Wᵀ‖_F²`` of weights whose rows are images.

    Parameters
    ----------
    L : sparse matrix, array_like of shape (m, n_f), or None
        Regularization operator acting on one row of ``W`` (an image flattened in
        C order). ``None`` means the identity (weight decay on every weight).
    lam : float
        Regularization parameter ``λ ≥ 0``.
    n_c : int, optional
        Number of rows (classes) of ``W``. By default inferred from the length of
        ``theta`` and the row length; required when ``L is None`` and ``bias=True``.
    bias : bool
        ``W`` has an extra last column (the bias) that is not regularized.

    Attributes
    ----------
    L, LtL : scipy.sparse.csr_array or None
        The operator and the precomputed ``Lᵀ L`` (``None`` for the identity).
    lam : float
    n_f : int or None
        Pixels per row (columns of ``L``); ``None`` for the identity.
    n_c : int or None
    bias : bool

    Notes
    -----
    With ``W_f`` the weights without the bias column and ``theta = W.reshape(-1)``:

    * value ``R = (λ/2) ‖L W_fᵀ‖_F²``,
    * gradient ``∇_W R = λ (Lᵀ L W_fᵀ)ᵀ`` (zero in the bias column),
    * Hessian ``∇²R = λ · blockdiag(Lᵀ L, ..., Lᵀ L)`` (one block per row of ``W``),
      constant, symmetric positive semi-definite; ``H v = λ (Lᵀ L V_fᵀ)ᵀ`` with
      ``V = mat(v)``. As ``R`` is quadratic, ``∇R(θ) = H θ``.

    All rows are processed at once by one sparse-times-dense product on ``W_fᵀ``.
    The value is computed from ``L W_fᵀ`` (not from ``⟨W_f, Lᵀ L W_f⟩``), so it is
    accurate to round-off even for nearly smooth templates.

    Examples
    --------
    >>> import numpy as np
    >>> from numdl.regularizers import Tikhonov, laplacian
    >>> reg = Tikhonov(laplacian((8, 8)), lam=1e-2)
    >>> ev = reg(np.ones(10 * 64))          # 10 constant templates
    >>> float(ev.value), float(np.abs(ev.grad).max())
    (0.0, 0.0)
    """

    def __init__(self, L, lam, *, n_c: int | None = None, bias: bool = False):
        if isinstance(lam, bool) or not isinstance(lam, Real) or not np.isfinite(lam) or lam < 0:
            raise ValueError(f"lam: expected a finite number ≥ 0, got {lam!r}")
        if n_c is not None and (isinstance(n_c, bool) or not isinstance(n_c, Integral) or n_c < 1):
            raise ValueError(f"n_c: expected a positive integer or None, got {n_c!r}")
        if L is None and bias and n_c is None:
            raise ValueError("n_c: required when L is None and bias=True "
                             "(the row length cannot be inferred)")
        self.lam = float(lam)
        self.n_c = None if n_c is None else int(n_c)
        self.bias = bool(bias)
        if L is None:
            self.L = self.LtL = self.n_f = None
        else:
            self.L = _check_operator(L)
            self.LtL = (self.L.T @ self.L).tocsr()
            self.n_f = self.L.shape[1]

    def __repr__(self) -> str:
        op = "I" if self.L is None else f"L {self.L.shape}"
        return f"Tikhonov({op}, lam={self.lam:g}, n_c={self.n_c}, bias={self.bias})"

    def layout(self, size: int, name: str = "theta") -> tuple[int, int, int]:
        """``(n_c, p, n_f)`` for a flat vector of ``size`` entries: ``n_c`` rows of
        length ``p = n_f + bias``. Raises ``ValueError`` (naming the argument
        ``name``) when ``size`` does not fit."""
        extra = int(self.bias)
        if self.n_f is not None:
            p = self.n_f + extra
            what = f"rows of {self.n_f} pixels" + (" + 1 bias" if self.bias else "")
            if self.n_c is not None and size != self.n_c * p:
                raise ValueError(f"{name}: expected n_c · p = {self.n_c} · {p} = {self.n_c * p} "
                                 f"entries ({what}), got {size}")
            if size == 0 or size % p:
                raise ValueError(f"{name}: length {size} is not a positive multiple of the "
                                 f"row length {p} ({what})")
            return size // p, p, self.n_f
        n_c = 1 if self.n_c is None else self.n_c
        if size == 0 or size % n_c or size // n_c <= extra:
            raise ValueError(f"{name}: length {size} cannot hold {n_c} row(s) of at least "
                             f"{1 + extra} entries")
        return n_c, size // n_c, size // n_c - extra

    def _weights(self, x, name: str):
        x = check_array(x, name, ndim=1)
        n_c, p, n_f = self.layout(x.size, name)
        return x, x.reshape(n_c, p)[:, :n_f], (n_c, p)

    def _hessian_rows(self, Wf):
        """``λ (Lᵀ L W_fᵀ)ᵀ`` for the unbiased weights ``W_f (n_c, n_f)``."""
        if self.LtL is None:
            return self.lam * Wf
        return self.lam * (self.LtL @ Wf.T).T

    @staticmethod
    def _flatten(G, rows: tuple[int, int], dtype) -> np.ndarray:
        """Put ``G (n_c, n_f)`` into a flat vector of the ``theta`` layout (zero bias)."""
        out = np.zeros(rows, dtype=dtype)
        out[:, : G.shape[1]] = G
        return out.reshape(-1)

    def hess_mv(self, v) -> np.ndarray:
        """``∇²R v = λ · vec((Lᵀ L V_fᵀ)ᵀ)`` (the same at every ``theta``)."""
        v, Vf, rows = self._weights(v, "v")
        return self._flatten(self._hessian_rows(Vf), rows, v.dtype)

    def __call__(self, theta) -> Evaluation:
        """Value, gradient and Hessian-vector product at ``theta = W.reshape(-1)``.

        Parameters
        ----------
        theta : array_like, shape (n_c · p,)
            Flat weights, C order (rows of ``W`` contiguous), ``p = n_f (+1 with bias)``.

        Returns
        -------
        Evaluation
            ``value`` (float), ``grad`` (like ``theta``, same dtype; exactly zero at the
            bias entries), ``hess_mv`` (callable ``v -> ∇²R v``).
        """
        theta, Wf, rows = self._weights(theta, "theta")
        LW = Wf if self.L is None else self.L @ Wf.T
        LW = np.asarray(LW, dtype=np.float64)
        value = 0.5 * self.lam * float(np.vdot(LW, LW))
        grad = self._flatten(self._hessian_rows(Wf), rows, theta.dtype)
        return Evaluation(value, grad, self.hess_mv)


def smoothness_regularizer(image_shape, lam, *, h=1.0, kind: str = "laplacian",
                           boundary: str = "neumann", bias: bool = False,
                           n_c: int | None = None) -> Tikhonov:
    """Tikhonov regularizer that makes every row of ``W`` a smooth image.

    Parameters
    ----------
    image_shape : tuple of int
        Shape of one image, e.g. ``(8, 8)`` for the digits; rows of ``W`` are these
        images flattened in C order (``n_f = prod(image_shape)``).
    lam : float
        ``λ ≥ 0``.
    h : float or sequence of float
        Pixel size (per axis).
    kind : {"laplacian", "gradient"}
        ``"laplacian"``: ``R = (λ/2) Σ_k ‖Δ_h w_k‖²`` (penalizes curvature; affine images
        cost nothing in the interior); ``"gradient"``: ``R = (λ/2) Σ_k ‖∇_h w_k‖²``
        (penalizes slopes; equals ``−(λ/2) Σ_k w_kᵀ Δ_h w_k``).
    boundary : {"neumann", "dirichlet", "periodic"}
        Boundary rule of the operator (:mod:`numdl.regularizers.operators`).
    bias : bool
        ``W`` carries a last bias column that is not regularized.
    n_c : int, optional
        Number of classes, if it should be enforced.

    Returns
    -------
    Tikhonov
    """
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    make = laplacian if kind == "laplacian" else gradient_operator
    return Tikhonov(make(image_shape, h, boundary=boundary), lam, n_c=n_c, bias=bias)


@register_check("regularizer/tikhonov-identity")
def _identity_case(rng):
    return ObjectiveCase(Tikhonov(None, 0.7), rng.standard_normal(3 * 7))


@register_check("regularizer/tikhonov-laplacian-2d")
def _laplacian_case(rng):
    reg = smoothness_regularizer((4, 5), 0.3, h=0.5)
    return ObjectiveCase(reg, rng.standard_normal(3 * 20))


@register_check("regularizer/tikhonov-gradient-2d")
def _gradient_case(rng):
    reg = smoothness_regularizer((4, 5), 0.3, h=(0.5, 0.25), kind="gradient", boundary="dirichlet")
    return ObjectiveCase(reg, rng.standard_normal(3 * 20))


@register_check("regularizer/tikhonov-laplacian-2d-bias")
def _laplacian_bias_case(rng):
    reg = smoothness_regularizer((4, 5), 0.3, h=0.5, bias=True)
    return ObjectiveCase(reg, rng.standard_normal(3 * 21))


@register_check("regularizer/tikhonov-laplacian-3d-periodic")
def _laplacian_3d_case(rng):
    reg = smoothness_regularizer((3, 4, 2), 0.3, boundary="periodic")
    return ObjectiveCase(reg, rng.standard_normal(2 * 24))
