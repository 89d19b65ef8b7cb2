"""L-curve corner and cross validation over λ and over CGLS iterations."""

import numpy as np
import pytest

from numdl.linalg import (cgls, classification_error, cross_validate_iterations,
                          cross_validate_lambda, lcurve, lcurve_curvature, squared_error,
                          tikhonov_svd)


def hyperbola(t):
    """Norms whose log-log curve is ``log η = 1 / log ρ``: corner (max curvature) at ``(1, 1)``."""
    return np.exp(t), np.exp(1 / t)


@pytest.mark.parametrize("reverse", [False, True])
def test_lcurve_finds_known_corner(reverse):
    t = np.geomspace(0.05, 20, 301)            # uneven spacing along the curve
    rho, eta = hyperbola(t)
    if reverse:
        rho, eta = rho[::-1], eta[::-1]
    i = lcurve(rho, eta)
    assert (t[::-1] if reverse else t)[i] == pytest.approx(1.0, rel=0.03)
    kappa = lcurve_curvature(rho, eta)
    # curvature of y = 1/x at x = 1 is 2 / 2^{3/2}
    assert np.nanmax(kappa) == pytest.approx(2 / 2**1.5, rel=1e-3)
    assert np.isnan(kappa[0]) and np.isnan(kappa[-1])


def test_lcurve_ignores_a_concave_bend():
    """A sharper bend the other way (flat part turning steeply down) is not a corner."""
    t = np.geomspace(0.05, 5, 101)
    theta = np.linspace(0, np.pi / 2, 21)[1:]
    u = np.r_[t, 5 + 0.5 * np.sin(theta), 5.5 + np.zeros(10)]
    v = np.r_[1 / t, -0.3 + 0.5 * np.cos(theta), -0.3 - np.linspace(0.1, 2, 10)]
    kappa = lcurve_curvature(np.exp(u), np.exp(v))
    np.testing.assert_allclose(kappa[t.size + 1:t.size + 19], -2.0, rtol=1e-6)
    assert u[lcurve(np.exp(u), np.exp(v))] == pytest.approx(1.0, rel=0.05)


def test_lcurve_skips_zero_norms_and_repeats():
    t = np.geomspace(0.1, 10, 41)
    rho, eta = hyperbola(t)
    rho = np.r_[rho, rho[-1], rho[-1]]
    eta = np.r_[0.0, eta[1:], eta[-1], eta[-1]]      # x_0 = 0, then stagnation
    kappa = lcurve_curvature(rho, eta)
    assert np.isnan(kappa[0]) and np.all(np.isnan(kappa[-3:]))
    assert t[lcurve(rho, eta)] == pytest.approx(1.0, rel=0.1)
    with pytest.raises(ValueError, match="at least 3 distinct points"):
        lcurve([1.0, 2.0], [2.0, 1.0])
    with pytest.raises(ValueError, match="^solution_norms: expected shape"):
        lcurve([1.0, 2.0, 3.0], [2.0, 1.0])


def deblurring_problem(rng, n=60, noise=1e-2):
    """A discrete Gaussian blur: singular values decay fast (ill-posed)."""
    t = np.linspace(0, 1, n)
    A = np.exp(-((t[:, None] - t[None, :]) ** 2) / (2 * 0.03**2)) / n * 10
    x = np.sin(2 * np.pi * t) + (t > 0.5)
    b = A @ x + noise * rng.standard_normal(n)
    return A, b, x


def test_lcurve_on_tikhonov_and_cgls():
    rng = np.random.default_rng(0)
    A, b, x_true = deblurring_problem(rng)
    lams = np.geomspace(1e-8, 10, 60)
    X = tikhonov_svd(A, b, lams)
    rho, eta = np.linalg.norm(X @ A.T - b, axis=1), np.linalg.norm(X, axis=1)
    i = lcurve(rho, eta)
    assert 0 < i < lams.size - 1
    err = np.linalg.norm(X - x_true, axis=1)
    # the corner is a sensible regularization: far better than both ends of the sweep
    assert err[i] < 0.5 * min(err[0], err[-1])
    res = cgls(A, b, rtol=0, maxiter=40)
    j = lcurve(res.history["residual_norm"], res.history["solution_norm"])
    assert 0 < j < res.n_iter


def test_cross_validate_lambda_matches_a_loop():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((80, 10))
    x = rng.standard_normal(10)
    b = A @ x + 2.0 * rng.standard_normal(80)
    A_tr, b_tr, A_va, b_va = A[:50], b[:50], A[50:], b[50:]
    lams = np.geomspace(1e-3, 1e3, 25)
    cv = cross_validate_lambda(A_tr, b_tr, A_va, b_va, lams)
    loop = [np.mean((A_va @ np.linalg.solve(A_tr.T @ A_tr + lam * np.eye(10), A_tr.T @ b_tr)
                     - b_va) ** 2) for lam in lams]
    np.testing.assert_allclose(cv.val_errors, loop, rtol=1e-9)
    assert cv.index == int(np.argmin(loop)) and cv.best == lams[cv.index]
    np.testing.assert_allclose(cv.x, tikhonov_svd(A_tr, b_tr, cv.best))


def test_cross_validate_iterations_matches_cgls_iterates():
    rng = np.random.default_rng(2)
    A, b, _ = deblurring_problem(rng, n=80, noise=5e-2)
    train, val = np.arange(0, 80, 2), np.arange(1, 80, 2)
    cv = cross_validate_iterations(A[train], b[train], A[val], b[val], maxiter=25)
    assert cv.values.tolist() == list(range(cv.val_errors.size))
    assert cv.val_errors[0] == pytest.approx(squared_error(0 * b[val], b[val]))
    j = cv.best
    x_j = cgls(A[train], b[train], rtol=0, maxiter=j).x if j > 0 else 0 * cv.x
    np.testing.assert_allclose(cv.x, x_j)
    assert cv.val_errors[j] == pytest.approx(squared_error(A[val] @ x_j, b[val]))
    assert cv.val_errors[j] == cv.val_errors.min()


def test_classification_error_and_several_columns():
    B = np.eye(3)[[0, 1, 2, 1]]
    P = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.5, 0.1, 0.4], [0, 1, 0]])
    assert classification_error(P, B) == 0.25
    rng = np.random.default_rng(3)
    A = rng.standard_normal((60, 4))
    C = np.eye(3)[:, np.argmax(A[:, :3], axis=1)].T
    cv = cross_validate_lambda(A[:40], C[:40], A[40:], C[40:], [0.1, 1.0, 10.0],
                               error=classification_error)
    assert cv.x.shape == (4, 3) and cv.val_errors.shape == (3,)
    with pytest.raises(ValueError, match="^B_val: expected shape"):
        cross_validate_lambda(A[:40], C[:40], A[40:], C[40:, :2], [1.0])
