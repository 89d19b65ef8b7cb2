"""Sparse finite-difference operators on pixel grids (identity, differences, Laplacian).

Course: Module 1, lecture 6 (regularization for image classification). A weight
vector that multiplies an image is itself an image; penalizing its discrete
derivatives makes it smooth. The operators here are ``scipy.sparse`` CSR arrays
built from 1-D matrices by Kronecker products; no loop runs over pixels.

Ordering convention (C order)
-----------------------------
An image ``u`` of shape ``(n_0, n_1, ..., n_{d-1})`` is flattened as
``u.reshape(-1)``: the **last axis varies fastest**. For a 2-D image of shape
``(h, w)`` pixel ``(i, j)`` sits at index ``i*w + j`` — the same ordering that
:func:`numdl.plot.plot_weights_as_images` uses to show a row of ``W`` as an image.
A 1-D operator ``A`` acting along axis ``k`` is then

    I_{n_0 ⋯ n_{k-1}} ⊗ A ⊗ I_{n_{k+1} ⋯ n_{d-1}},

so in 2-D the Laplacian is ``L = D_h ⊗ I_w + I_h ⊗ D_w``, with ``D_h`` (``D_w``)
the 1-D second-difference matrix along the columns (rows) of the image.

Sign convention
---------------
The second difference approximates ``u''`` (stencil ``(1, −2, 1)/h²``), so the
Laplacian is symmetric **negative** semi-definite, and for every boundary rule

    second_difference_1d = −Dᵀ D,   laplacian = −Gᵀ G,

with ``D`` = :func:`first_difference_1d` and ``G`` = :func:`gradient_operator` for the
same boundary rule (summation by parts).

Boundary rules
--------------
``"neumann"`` (default, zero normal derivative: the image is continued by its
mirror, constants have zero Laplacian), ``"dirichlet"`` (the image is zero outside
the grid) and ``"periodic"`` (the image wraps around).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

BOUNDARIES = ("neumann", "dirichlet", "periodic")


def _check_boundary(boundary) -> str:
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary: expected one of {', '.join(map(repr, BOUNDARIES))}, "
                         f"got {boundary!r}")
    return boundary


def _least_points(boundary: str) -> int:
    """Grid points an axis needs: a Neumann or periodic axis of one point has no
    differences at all, a Dirichlet one still sees its zero neighbours."""
    return 1 if boundary == "dirichlet" else 2


def _is_count(n, least: int) -> bool:
    return not isinstance(n, bool) and isinstance(n, Integral) and n >= least


def _check_n(n, boundary: str) -> int:
    least = _least_points(boundary)
    if not _is_count(n, least):
        raise ValueError(f"n: expected an integer ≥ {least} (boundary {boundary!r}), got {n!r}")
    return int(n)


def _check_spacing(h, name: str = "h") -> float:
    if isinstance(h, bool) or not isinstance(h, Real) or not math.isfinite(h) or h <= 0:
        raise ValueError(f"{name}: expected a finite pixel size > 0, got {h!r}")
    return float(h)


def _as_tuple(x, name: str) -> tuple:
    try:
        return tuple(x)
    except TypeError:
        raise ValueError(f"{name}: expected a number or a sequence, got {x!r}") from None


def _check_shape(shape, boundary: str) -> tuple[int, ...]:
    dims = (shape,) if isinstance(shape, Integral) else _as_tuple(shape, "shape")
    if len(dims) == 0:
        raise ValueError("shape: expected at least one axis, got ()")
    least = _least_points(boundary)
    for k, n in enumerate(dims):
        if not _is_count(n, least):
            raise ValueError(f"shape: axis {k} must be an integer ≥ {least} (boundary "
                             f"{boundary!r}), got {n!r} in {shape!r}")
    return tuple(int(n) for n in dims)


def _check_spacings(h, ndim: int) -> tuple[float, ...]:
    if isinstance(h, Real) and not isinstance(h, bool):
        return (_check_spacing(h),) * ndim
    hs = _as_tuple(h, "h")
    if len(hs) != ndim:
        raise ValueError(f"h: expected a scalar or {ndim} pixel sizes (one per axis), got {h!r}")
    return tuple(_check_spacing(hk, f"h[{k}]") for k, hk in enumerate(hs))


def identity_operator(n: int) -> sp.csr_array:
    """The ``n × n`` identity as a sparse CSR array (``L = I``: plain weight decay).

    Parameters
    ----------
    n : int
        Number of unknowns, ``n ≥ 1``.
    """
    if not _is_count(n, 1):
        raise ValueError(f"n: expected an integer ≥ 1, got {n!r}")
    return sp.eye_array(int(n), format="csr", dtype=np.float64)


def first_difference_1d(n: int, h: float = 1.0, *, boundary: str = "neumann") -> sp.csr_array:
    """Forward differences ``(u_{i+1} − u_i)/h`` of ``n`` grid values.

    Parameters
    ----------
    n : int
        Number of grid points (``≥ 2``; ``≥ 1`` for Dirichlet).
    h : float
        Grid spacing (pixel size), ``> 0``.
    boundary : {"neumann", "dirichlet", "periodic"}
        How ``u`` continues beyond the grid (see the module docstring).

    Returns
    -------
    scipy.sparse.csr_array
        Shape ``(n − 1, n)`` for Neumann (only the ``n − 1`` differences between grid
        points; the differences across the boundary are zero by the boundary rule),
        ``(n + 1, n)`` for Dirichlet (also ``(u_0 − 0)/h`` and ``(0 − u_{n−1})/h``
        across the two ends, first and last row), ``(n, n)`` for periodic (row ``i``
        is ``(u_{(i+1) mod n} − u_i)/h``).

    Notes
    -----
    ``−Dᵀ D`` is :func:`second_difference_1d` with the same boundary rule.
    """
    boundary = _check_boundary(boundary)
    n = _check_n(n, boundary)
    h = _check_spacing(h)
    i = np.arange(n)
    if boundary == "neumann":
        m, rows, cols = n - 1, np.r_[i[:-1], i[:-1]], np.r_[i[1:], i[:-1]]
    elif boundary == "dirichlet":
        # Row r is the difference u_r − u_{r−1} across the r-th face, u_{−1} = u_n = 0.
        m, rows, cols = n + 1, np.r_[i, i + 1], np.r_[i, i]
    else:
        m, rows, cols = n, np.r_[i, i], np.r_[(i + 1) % n, i]
    half = rows.size // 2
    vals = np.r_[np.ones(half), -np.ones(half)] / h
    return sp.coo_array((vals, (rows, cols)), shape=(m, n)).tocsr()


def second_difference_1d(n: int, h: float = 1.0, *, boundary: str = "neumann") -> sp.csr_array:
    """Second differences ``(u_{i−1} − 2u_i + u_{i+1})/h²`` of ``n`` grid values.

    Parameters
    ----------
    n : int
        Number of grid points (``≥ 2``; ``≥ 1`` for Dirichlet).
    h : float
        Grid spacing (pixel size), ``> 0``.
    boundary : {"neumann", "dirichlet", "periodic"}
        Rows at the ends: Neumann ``(−1, 1)/h²`` and ``(1, −1)/h²`` (mirror ghost
        values ``u_{−1} = u_0``, ``u_n = u_{n−1}``); Dirichlet ``(−2, 1)/h²`` and
        ``(1, −2)/h²`` (zero ghost values); periodic wraps around.

    Returns
    -------
    scipy.sparse.csr_array, shape (n, n)
        Symmetric negative semi-definite (negative definite for Dirichlet).

    Notes
    -----
    Built as ``−Dᵀ D`` with ``D = first_difference_1d(n, h, boundary=boundary)``.
    Eigenvalues: ``−(4/h²) sin²(πk/(2n))``, ``k = 0..n−1`` (Neumann);
    ``−(4/h²) sin²(πk/(2(n+1)))``, ``k = 1..n`` (Dirichlet);
    ``−(4/h²) sin²(πk/n)``, ``k = 0..n−1`` (periodic).
    """
    D = first_difference_1d(n, h, boundary=boundary)
    return (-(D.T @ D)).tocsr()


def _along_axis(A, shape: tuple[int, ...], axis: int) -> sp.csr_array:
    """``I_before ⊗ A ⊗ I_after``: the 1-D operator ``A`` applied along ``axis`` of
    a C-order flattened array of ``shape`` (last axis fastest)."""
    before = math.prod(shape[:axis])
    after = math.prod(shape[axis + 1:])
    out = sp.kron(sp.eye_array(before, format="csr"), sp.kron(A, sp.eye_array(after, format="csr")))
    return out.tocsr()


def laplacian(shape, h=1.0, *, boundary: str = "neumann") -> sp.csr_array:
    """Discrete Laplacian on a grid of ``shape`` (1-D, 2-D, 3-D or more), C order.

    ``L = Σ_k I ⊗ ⋯ ⊗ D_k ⊗ ⋯ ⊗ I`` with ``D_k = second_difference_1d(n_k, h_k)`` in
    the ``k``-th slot; in 2-D ``L = D_h ⊗ I_w + I_h ⊗ D_w``, whose interior rows are
    the 5-point stencil ``(u_{i−1,j} + u_{i+1,j})/h_0² + (u_{i,j−1} + u_{i,j+1})/h_1²
    − 2(1/h_0² + 1/h_1²) u_{ij}``.

    Parameters
    ----------
    shape : int or tuple of int
        Grid (image) shape ``(n_0, ..., n_{d−1})``; every entry ``≥ 2`` (``≥ 1`` for
        Dirichlet).
    h : float or sequence of float
        Pixel size, one for all axes or one per axis; ``> 0``.
    boundary : {"neumann", "dirichlet", "periodic"}
        Boundary rule on every side (module docstring).

    Returns
    -------
    scipy.sparse.csr_array, shape (N, N), ``N = prod(shape)``
        Acts on images flattened with ``u.reshape(-1)``. Symmetric negative
        semi-definite; ``L = −Gᵀ G`` with ``G = gradient_operator(shape, h,
        boundary=boundary)``. With Neumann or periodic boundaries ``L · const = 0``.
    """
    boundary = _check_boundary(boundary)
    shape = _check_shape(shape, boundary)
    hs = _check_spacings(h, len(shape))
    N = math.prod(shape)
    L = sp.csr_array((N, N), dtype=np.float64)
    for k, (n, hk) in enumerate(zip(shape, hs)):
        L = L + _along_axis(second_difference_1d(n, hk, boundary=boundary), shape, k)
    return L.tocsr()


def gradient_operator(shape, h=1.0, *, boundary: str = "neumann") -> sp.csr_array:
    """Discrete gradient: forward differences along every axis, stacked.

    ``G = [G_0; G_1; ...; G_{d−1}]`` with ``G_k = I ⊗ ⋯ ⊗ D_k ⊗ ⋯ ⊗ I`` and
    ``D_k = first_difference_1d(n_k, h_k, boundary=boundary)``.

    Parameters
    ----------
    shape : int or tuple of int
        Grid (image) shape; every entry ``≥ 2`` (``≥ 1`` for Dirichlet).
    h : float or sequence of float
        Pixel size, one for all axes or one per axis; ``> 0``.
    boundary : {"neumann", "dirichlet", "periodic"}
        Boundary rule (see :func:`first_difference_1d`).

    Returns
    -------
    scipy.sparse.csr_array, shape (M, N), ``N = prod(shape)``
        Block ``k`` holds the differences along axis ``k``, flattened in C order on
        the grid ``shape`` with ``n_k`` replaced by ``n_k − 1`` (Neumann),
        ``n_k + 1`` (Dirichlet) or ``n_k`` (periodic). ``‖G u‖²`` is the discrete
        ``∫|∇u|²`` (up to the cell volume) and ``Gᵀ G = −laplacian(shape, h)``.
    """
    boundary = _check_boundary(boundary)
    shape = _check_shape(shape, boundary)
    hs = _check_spacings(h, len(shape))
    blocks = [_along_axis(first_difference_1d(n, hk, boundary=boundary), shape, k)
              for k, (n, hk) in enumerate(zip(shape, hs))]
    return sp.vstack(blocks, format="csr")
