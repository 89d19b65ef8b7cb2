"""Soft thresholding and the L1 proximal step: exact zeros, optimality, lasso on an orthogonal design."""

import numpy as np
import pytest

from numdl.optim.prox import L1Prox, soft_threshold


def test_soft_threshold_values_and_exact_zeros():
    x = np.array([-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 4.0])
    out = soft_threshold(x, 1.0)
    np.testing.assert_array_equal(out, [-2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0])
    assert np.all(np.signbit(out[1:6]) == 0)          # +0, not −0
    np.testing.assert_array_equal(x, [-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 4.0])
    np.testing.assert_array_equal(soft_threshold(x, 0.0), x)
    np.testing.assert_array_equal(soft_threshold(x, np.array([0, 0, 0, 0, 0.5, 2, 1])),
                                  [-3.0, -1.0, -0.25, 0.0, 0.0, 0.0, 3.0])


def test_soft_threshold_is_the_proximal_map():
    """z = S_t(x) satisfies 0 ∈ z − x + t ∂|z|, entry-wise, and beats nearby points."""
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal(200), 0.7
    z = soft_threshold(x, t)
    nz = z != 0
    np.testing.assert_allclose((z - x + t * np.sign(z))[nz], 0.0, atol=1e-15)
    assert np.all(np.abs(x[~nz]) <= t)
    phi = lambda v: 0.5 * np.sum((v - x) ** 2) + t * np.sum(np.abs(v))  # noqa: E731
    for _ in range(20):
        assert phi(z) <= phi(z + 1e-3 * rng.standard_normal(200))


def test_soft_threshold_float32_and_bad_threshold():
    out = soft_threshold(np.array([0.5, -2.0], np.float32), 1.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [0.0, -1.0])
    with pytest.raises(ValueError, match="t"):
        soft_threshold(np.ones(2), -0.1)
    with pytest.raises(ValueError, match="x"):
        soft_threshold(np.array([np.nan]), 0.1)


def orthogonal_design(seed=0, n=40, p=8):
    rng = np.random.default_rng(seed)
    A, _ = np.linalg.qr(rng.standard_normal((n, p)))          # AᵀA = I
    x_true = np.array([3.0, -2.0, 0.0, 0.0, 0.5, 0.0, -0.2, 1.0])
    b = A @ x_true + 0.1 * rng.standard_normal(n)
    return A, b


def ista(A, b, prox, step, n_iter, x0=None):
    """Proximal gradient for ½‖Ax − b‖² + penalty: x ← prox(x − step Aᵀ(Ax − b), step)."""
    x = np.zeros(A.shape[1]) if x0 is None else x0
    for _ in range(n_iter):
        x = prox(x - step * A.T @ (A @ x - b), step)
    return x


def test_lasso_on_orthogonal_design_matches_closed_form():
    """min ½‖Ax − b‖² + λ‖x‖₁ with AᵀA = I has the solution S_λ(Aᵀb)."""
    A, b = orthogonal_design()
    lam = 0.6
    exact = soft_threshold(A.T @ b, lam)
    assert 0 < np.count_nonzero(exact) < exact.size
    x = ista(A, b, L1Prox(lam), step=0.5, n_iter=80)
    np.testing.assert_allclose(x, exact, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(x == 0, exact == 0)          # the zeros are exact
    # step 1 solves it in one iteration
    np.testing.assert_array_equal(ista(A, b, L1Prox(lam), step=1.0, n_iter=1), exact)


@pytest.mark.parametrize("mask", [np.array([0, 1, 2, 3]), np.arange(8) < 4])
def test_lasso_restricted_to_a_mask(mask):
    """Penalizing only S = {0, 1, 2, 3}: S_λ on S, the least-squares value Aᵀb elsewhere."""
    A, b = orthogonal_design(seed=1)
    lam = 0.6
    exact = A.T @ b
    exact[:4] = soft_threshold(exact[:4], lam)
    prox = L1Prox(lam, mask=mask)
    x = ista(A, b, prox, step=0.5, n_iter=80)
    np.testing.assert_allclose(x, exact, rtol=1e-12, atol=1e-14)
    assert prox.penalty(x) == pytest.approx(lam * np.abs(exact[:4]).sum(), rel=1e-14)


def test_l1prox_call():
    prox = L1Prox(2.0, mask=[1, 2])
    theta = np.array([0.5, 0.5, -3.0, 0.1])
    out = prox(theta, 0.5)                    # threshold step · λ = 1
    np.testing.assert_array_equal(out, [0.5, 0.0, -2.0, 0.1])
    np.testing.assert_array_equal(theta, [0.5, 0.5, -3.0, 0.1])     # not modified
    np.testing.assert_array_equal(L1Prox(0.0)(theta, 1.0), theta)
    assert L1Prox(2.0).penalty(theta) == pytest.approx(8.2)


@pytest.mark.parametrize("make, name", [
    (lambda: L1Prox(-1.0), "lam"),
    (lambda: L1Prox(float("nan")), "lam"),
    (lambda: L1Prox(1.0, mask=[[0, 1]]), "mask"),
    (lambda: L1Prox(1.0, mask=[0.5, 1.0]), "mask"),
    (lambda: L1Prox(1.0, mask=[-1, 2]), "mask"),
    (lambda: L1Prox(1.0, mask=[0, 5])(np.ones(3), 1.0), "mask"),
    (lambda: L1Prox(1.0, mask=[True, False])(np.ones(3), 1.0), "mask"),
    (lambda: L1Prox(1.0)(np.ones(3), -1.0), "step"),
    (lambda: L1Prox(1.0)(np.ones((3, 1)), 1.0), "theta"),
])
def test_bad_arguments(make, name):
    with pytest.raises(ValueError, match=name):
        make()
