"""Sparse grid operators against dense stencils built pixel by pixel, spectra and identities."""

import numpy as np
import pytest
import scipy.sparse as sp

from numdl.regularizers import (BOUNDARIES, first_difference_1d, gradient_operator,
                                identity_operator, laplacian, second_difference_1d)


def dense_laplacian_2d(shape, h, boundary):
    """5-point stencil written pixel by pixel, C order (oracle at tiny sizes)."""
    nh, nw = shape
    A = np.zeros((nh * nw, nh * nw))
    for i in range(nh):
        for j in range(nw):
            r = i * nw + j
            for (di, dj), hk in (((-1, 0), h[0]), ((1, 0), h[0]), ((0, -1), h[1]), ((0, 1), h[1])):
                a, b = i + di, j + dj
                inside = 0 <= a < nh and 0 <= b < nw
                A[r, r] -= 1 / hk**2
                if inside:
                    A[r, a * nw + b] += 1 / hk**2
                elif boundary == "neumann":       # mirror ghost value equals u_ij
                    A[r, r] += 1 / hk**2
                elif boundary == "periodic":
                    A[r, (a % nh) * nw + b % nw] += 1 / hk**2
    return A


def apply_along_axes(u, mats):
    """Σ_k (mats[k] applied along axis k of u), with dense matrices and no flattening."""
    out = np.zeros_like(u)
    for k, M in enumerate(mats):
        out += np.moveaxis(np.tensordot(M, u, axes=(1, k)), 0, k)
    return out


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_first_difference_stencil(boundary):
    n, h = 5, 0.5
    D = first_difference_1d(n, h, boundary=boundary)
    assert sp.issparse(D) and D.format == "csr"
    u = np.array([3.0, -1.0, 4.0, 1.0, 5.0])
    inner = np.diff(u) / h
    expected = {"neumann": inner,
                "dirichlet": np.r_[u[0], inner, -u[-1]] / np.r_[h, np.ones(n - 1), h],
                "periodic": np.r_[inner, (u[0] - u[-1]) / h]}[boundary]
    np.testing.assert_allclose(D @ u, expected, rtol=1e-15)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_second_difference_stencil(boundary):
    n, h = 6, 0.25
    T = (np.diag(-2 * np.ones(n)) + np.diag(np.ones(n - 1), 1) + np.diag(np.ones(n - 1), -1))
    if boundary == "neumann":
        T[0, 0] = T[-1, -1] = -1
    elif boundary == "periodic":
        T[0, -1] = T[-1, 0] = 1
    D2 = second_difference_1d(n, h, boundary=boundary)
    np.testing.assert_array_equal(D2.toarray(), T / h**2)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_second_difference_spectrum(boundary):
    n, h = 7, 0.3
    ev = np.linalg.eigvalsh(second_difference_1d(n, h, boundary=boundary).toarray())
    k = {"neumann": np.arange(n) / (2 * n), "dirichlet": np.arange(1, n + 1) / (2 * (n + 1)),
         "periodic": np.arange(n) / n}[boundary]
    expected = np.sort(-4 / h**2 * np.sin(np.pi * k) ** 2)
    np.testing.assert_allclose(ev, expected, atol=1e-12 / h**2)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_laplacian_2d_matches_pixelwise_stencil(boundary):
    shape, h = (4, 5), (0.5, 0.25)
    L = laplacian(shape, h, boundary=boundary)
    assert L.shape == (20, 20) and L.format == "csr" and L.dtype == np.float64
    np.testing.assert_allclose(L.toarray(), dense_laplacian_2d(shape, h, boundary), rtol=1e-14)


def test_laplacian_interior_rows_are_five_point_stencil():
    h = 0.5
    L = laplacian((4, 5), h, boundary="dirichlet").toarray()
    for i, j in [(1, 1), (1, 3), (2, 2)]:
        row = L[i * 5 + j].reshape(4, 5)
        expected = np.zeros((4, 5))
        expected[i, j] = -4
        expected[i - 1, j] = expected[i + 1, j] = expected[i, j - 1] = expected[i, j + 1] = 1
        np.testing.assert_array_equal(row, expected / h**2)


def test_kronecker_formula_and_c_order():
    nh, nw, h = 4, 6, 0.5
    Dh = second_difference_1d(nh, h)
    Dw = second_difference_1d(nw, h)
    L = laplacian((nh, nw), h)
    K = sp.kron(sp.eye_array(nh), Dw) + sp.kron(Dh, sp.eye_array(nw))
    assert abs(L - K).max() == 0
    # C order: pixel (i, j) is entry i*w + j; an image varying along its rows only
    # (u_ij = j**2) has second differences 2/h² along axis 1 and none along axis 0.
    u = np.tile(np.arange(nw, dtype=float) ** 2, (nh, 1))
    Lu = (L @ u.reshape(-1)).reshape(nh, nw)
    np.testing.assert_allclose(Lu[:, 1:-1], 2 / h**2)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("shape", [(7,), (4, 5), (2, 3, 4)])
def test_laplacian_is_sum_of_1d_operators_along_axes(shape, boundary):
    rng = np.random.default_rng(1)
    h = tuple(0.5 + 0.25 * k for k in range(len(shape)))
    u = rng.standard_normal(shape)
    mats = [second_difference_1d(n, hk, boundary=boundary).toarray() for n, hk in zip(shape, h)]
    L = laplacian(shape, h, boundary=boundary)
    np.testing.assert_allclose(L @ u.reshape(-1), apply_along_axes(u, mats).reshape(-1),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("shape", [(6,), (4, 5), (3, 4, 5)])
def test_laplacian_symmetric_negative_semidefinite(shape, boundary):
    L = laplacian(shape, 0.5, boundary=boundary)
    assert abs(L - L.T).max() == 0
    ev = np.linalg.eigvalsh(L.toarray())
    scale = np.abs(ev).max()
    assert ev.max() <= 1e-12 * scale
    n_zero = int(np.sum(np.abs(ev) <= 1e-10 * scale))
    # constants are the null space for Neumann and periodic; Dirichlet is definite
    assert n_zero == (0 if boundary == "dirichlet" else 1)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_laplacian_of_affine_image_vanishes_in_interior(boundary):
    nh, nw, h = 5, 6, (0.5, 0.25)
    x0, x1 = np.meshgrid(np.arange(nh) * h[0], np.arange(nw) * h[1], indexing="ij")
    u = 2.0 - 3.0 * x0 + 0.5 * x1
    Lu = (laplacian((nh, nw), h, boundary=boundary) @ u.reshape(-1)).reshape(nh, nw)
    np.testing.assert_allclose(Lu[1:-1, 1:-1], 0, atol=1e-12)
    assert np.abs(Lu).max() > 1  # boundary rows see the slope (or the zero continuation)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_laplacian_of_constant(shape):
    N = int(np.prod(shape))
    for boundary in ("neumann", "periodic"):
        assert np.abs(laplacian(shape, 0.3, boundary=boundary) @ np.ones(N)).max() < 1e-12
    Ld = laplacian(shape, 1.0, boundary="dirichlet") @ np.ones(N)
    assert Ld.min() < 0 and Ld.max() <= 0  # pixels next to the zero boundary feel it


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("shape", [(6,), (4, 5), (2, 3, 4)])
def test_gradient_transpose_gradient_is_minus_laplacian(shape, boundary):
    h = tuple(0.5 + 0.25 * k for k in range(len(shape)))
    G = gradient_operator(shape, h, boundary=boundary)
    L = laplacian(shape, h, boundary=boundary)
    np.testing.assert_allclose((G.T @ G).toarray(), -L.toarray(), atol=1e-12)
    np.testing.assert_allclose((-second_difference_1d(5, 0.5, boundary=boundary)).toarray(),
                               (first_difference_1d(5, 0.5, boundary=boundary).T
                                @ first_difference_1d(5, 0.5, boundary=boundary)).toarray())


def test_gradient_block_layout_3d():
    shape, h = (2, 3, 4), (1.0, 0.5, 0.25)
    rng = np.random.default_rng(2)
    u = rng.standard_normal(shape)
    G = gradient_operator(shape, h)
    assert G.shape == (1 * 3 * 4 + 2 * 2 * 4 + 2 * 3 * 3, 24)
    blocks = np.split(G @ u.reshape(-1), [12, 28])
    for k, block in enumerate(blocks):
        np.testing.assert_allclose(block, (np.diff(u, axis=k) / h[k]).reshape(-1), rtol=1e-13)
    assert gradient_operator(shape, boundary="dirichlet").shape == (3 * 3 * 4 + 2 * 4 * 4 + 2 * 3 * 5, 24)
    assert gradient_operator(shape, boundary="periodic").shape == (3 * 24, 24)
    assert laplacian(shape).shape == (24, 24)


def test_identity_and_scalar_shape():
    I = identity_operator(4)
    assert I.format == "csr" and np.array_equal(I.toarray(), np.eye(4))
    assert np.array_equal(laplacian(5).toarray(), second_difference_1d(5).toarray())
    assert laplacian((1, 3), boundary="dirichlet").shape == (3, 3)


@pytest.mark.parametrize("call, match", [
    (lambda: laplacian((4, 5), 0.0), "^h: "),
    (lambda: laplacian((4, 5), -1.0), "^h: "),
    (lambda: laplacian((4, 5), np.nan), "^h: "),
    (lambda: laplacian((4, 5), (1.0, 0.0)), r"^h\[1\]: "),
    (lambda: laplacian((4, 5), (1.0, 1.0, 1.0)), "^h: "),
    (lambda: laplacian((4, 0)), "^shape: "),
    (lambda: laplacian((4, -2)), "^shape: "),
    (lambda: laplacian((4, 1)), "^shape: "),
    (lambda: laplacian((4, 2.5)), "^shape: "),
    (lambda: laplacian(()), "^shape: "),
    (lambda: laplacian(None), "^shape: "),
    (lambda: laplacian((4, 5), boundary="reflect"), "^boundary: "),
    (lambda: gradient_operator((4, 0)), "^shape: "),
    (lambda: gradient_operator((4, 4), boundary="mirror"), "^boundary: "),
    (lambda: first_difference_1d(1), "^n: "),
    (lambda: first_difference_1d(4, 0), "^h: "),
    (lambda: second_difference_1d(0, boundary="dirichlet"), "^n: "),
    (lambda: second_difference_1d(4, boundary="free"), "^boundary: "),
    (lambda: identity_operator(0), "^n: "),
])
def test_bad_input_names_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
