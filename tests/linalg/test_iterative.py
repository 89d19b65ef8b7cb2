"""CGLS and steepest descent against scipy's lsqr and the theory, and post-conditioning."""

import numpy as np
import pytest
import scipy.sparse
from scipy.sparse.linalg import LinearOperator, aslinearoperator, lsqr

from numdl.checks import adjoint_test
from numdl.linalg import (LSQResult, cgls, column_scaling, lsq_steepest_descent, lstsq_svd,
                          postconditioned)

SOLVERS = {"cgls": cgls, "sd": lsq_steepest_descent}


def rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def matrix_with_singular_values(rng, m, s):
    n = len(s)
    U, _ = np.linalg.qr(rng.standard_normal((m, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (U * s) @ V.T


def only_products(A):
    """A LinearOperator that exposes nothing but ``A v`` and ``Aᵀ u``."""
    return LinearOperator(A.shape, matvec=lambda v: A @ v, rmatvec=lambda u: A.T @ u,
                          dtype=A.dtype)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _problem(rng, kind, smallest=1e-2):
    if kind == "sparse":
        A = scipy.sparse.random(80, 15, density=0.3, random_state=1, format="csr")
        A = A + scipy.sparse.eye(80, 15)
        return A, A.toarray()
    A = matrix_with_singular_values(rng, 80, np.geomspace(1, smallest, 15))
    return (A if kind == "dense" else only_products(A)), A


@pytest.mark.parametrize("kind", ["dense", "sparse", "operator"])
def test_cgls_agrees_with_lsqr(kind, rng):
    A, dense = _problem(rng, kind)
    b = rng.standard_normal(80)
    with np.errstate(all="raise"):
        res = cgls(A, b, rtol=1e-13, maxiter=500)
    ref = lsqr(aslinearoperator(A), b, atol=1e-15, btol=1e-15, iter_lim=1000)[0]
    assert isinstance(res, LSQResult) and res.converged
    assert res.x.shape == (15,)
    assert rel(res.x, ref) <= 1e-8
    assert rel(res.x, np.linalg.lstsq(dense, b, rcond=None)[0]) <= 1e-8


@pytest.mark.parametrize("kind", ["dense", "sparse", "operator"])
def test_cgls_several_columns_equal_separate_runs(kind, rng):
    # well conditioned, so that the different rounding of matrix and vector products
    # is not amplified (ill-conditioned CG iterates are sensitive to round-off)
    A, dense = _problem(rng, kind, smallest=0.2)
    B = rng.standard_normal((80, 3))
    B[:, 1] *= 1e-3                                     # columns converge at different times
    block = cgls(A, B, rtol=1e-10)
    assert block.x.shape == (15, 3) and block.converged
    assert block.history["residual_norm"].shape == (block.n_iter + 1, 3)
    for j in range(3):
        single = cgls(A, B[:, j], rtol=1e-10)
        assert rel(block.x[:, j], single.x) <= 1e-10
        h = block.history["residual_norm"][:, j]
        np.testing.assert_allclose(h[:single.n_iter + 1], single.history["residual_norm"],
                                   rtol=1e-10)
        assert np.all(h[single.n_iter:] == h[single.n_iter])      # frozen once converged
        assert rel(block.x[:, j], np.linalg.lstsq(dense, B[:, j], rcond=None)[0]) <= 1e-7


def test_single_rhs_uses_vector_products(rng):
    """A user's matvec written for 1-D vectors only (like scipy's solvers assume) works."""
    A = matrix_with_singular_values(rng, 30, np.geomspace(1, 0.1, 5))

    def strict(f):
        def g(v):
            assert v.ndim == 1, "called with a matrix"
            return f(v)
        return g

    op = LinearOperator(A.shape, matvec=strict(lambda v: A @ v),
                        rmatvec=strict(lambda u: A.T @ u), dtype=A.dtype)
    b = rng.standard_normal(30)
    for solver in SOLVERS.values():
        res = solver(op, b, rtol=1e-10, maxiter=5000)
        assert rel(res.x, np.linalg.lstsq(A, b, rcond=None)[0]) <= 1e-8


def test_cgls_stopping_rule(rng):
    A = matrix_with_singular_values(rng, 60, np.geomspace(1, 1e-2, 10))
    b = rng.standard_normal(60)
    res = cgls(A, b, rtol=1e-5)
    g = res.history["normal_residual_norm"]
    tol = 1e-5 * np.linalg.norm(A.T @ b)
    assert g[-1] <= tol and np.all(g[:-1] > tol)
    np.testing.assert_allclose(g[-1], np.linalg.norm(A.T @ (b - A @ res.x)), rtol=1e-6)
    res_atol = cgls(A, b, rtol=0, atol=1e-3)
    assert res_atol.history["normal_residual_norm"][-1] <= 1e-3
    capped = cgls(A, b, rtol=1e-14, maxiter=3)
    assert not capped.converged and capped.n_iter == 3 and "maxiter" in capped.reason


def test_cgls_history_monotone_from_zero(rng):
    A = matrix_with_singular_values(rng, 100, np.geomspace(1, 1e-4, 30))
    b = A @ rng.standard_normal(30) + 0.1 * rng.standard_normal(100)
    res = cgls(A, b, rtol=1e-10, maxiter=30)
    r, x = res.history["residual_norm"], res.history["solution_norm"]
    assert r.shape == x.shape == (res.n_iter + 1,)
    assert x[0] == 0 and r[0] == pytest.approx(np.linalg.norm(b))
    assert np.all(np.diff(r) <= 1e-12 * r[0])
    assert np.all(np.diff(x) >= -1e-12 * x[-1])
    np.testing.assert_allclose(r[-1], np.linalg.norm(b - A @ res.x), rtol=1e-8)
    np.testing.assert_allclose(x[-1], np.linalg.norm(res.x), rtol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_zero_rhs_returns_zero_at_iteration_zero(solver, rng):
    A = rng.standard_normal((20, 4))
    res = SOLVERS[solver](A, np.zeros(20))
    assert res.converged and res.n_iter == 0
    np.testing.assert_array_equal(res.x, 0)
    res = SOLVERS[solver](A, np.c_[np.zeros(20), rng.standard_normal(20)], rtol=1e-8)
    assert res.converged
    np.testing.assert_array_equal(res.x[:, 0], 0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_inputs_not_mutated_and_x0_honored(solver, rng):
    A = matrix_with_singular_values(rng, 30, np.geomspace(1, 0.3, 5))
    b = rng.standard_normal(30)
    x_ls = np.linalg.lstsq(A, b, rcond=None)[0]
    x0 = x_ls + 1e-3 * rng.standard_normal(5)
    A0, b0, x00 = A.copy(), b.copy(), x0.copy()
    seen = []
    res = SOLVERS[solver](A, b, x0, rtol=1e-10, callback=seen.append)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(b, b0)
    np.testing.assert_array_equal(x0, x00)
    assert res.history["solution_norm"][0] == pytest.approx(np.linalg.norm(x0))
    assert rel(res.x, x_ls) <= 1e-8
    assert len(seen) == res.n_iter and np.array_equal(seen[-1], res.x)
    # starting at the solution: nothing to do
    at_solution = SOLVERS[solver](A, b, x_ls, rtol=1e-6)
    assert at_solution.n_iter == 0 and np.array_equal(at_solution.x, x_ls)


def test_sd_rate_matches_theory_worst_case():
    """2-D worst case: every step contracts the AᵀA-norm error by exactly (κ−1)/(κ+1)."""
    lam = np.array([1.0, 50.0])
    A = np.diag(np.sqrt(lam))
    x0 = 1 / lam                                   # gradient with equal components
    errs = []
    lsq_steepest_descent(A, np.zeros(2), x0, rtol=0, maxiter=30,
                         callback=lambda x: errs.append(np.sqrt(x @ (lam * x))))
    e = np.r_[np.sqrt(x0 @ (lam * x0)), errs]
    np.testing.assert_allclose(e[1:] / e[:-1], (50 - 1) / (50 + 1), rtol=1e-10)


def test_sd_rate_empirical(rng):
    """Random start: the asymptotic rate is close to, and not above, (κ−1)/(κ+1)."""
    s = np.geomspace(1, 0.1, 6)                      # κ(AᵀA) = 100
    A = matrix_with_singular_values(rng, 40, s)
    b = rng.standard_normal(40)
    x_ls = lstsq_svd(A, b).x
    H = A.T @ A
    errs = []
    res = lsq_steepest_descent(A, b, rtol=0, maxiter=300,
                               callback=lambda x: errs.append(np.sqrt((x - x_ls) @ H @ (x - x_ls))))
    assert res.n_iter == 300
    e = np.array(errs)
    bound = (100 - 1) / (100 + 1)
    assert np.all(e[1:] <= bound * e[:-1] * (1 + 1e-9))
    observed = (e[300 - 1] / e[150 - 1]) ** (1 / 150)
    assert 0.95 * bound <= observed <= bound
    # CGLS needs far fewer iterations for the same tolerance
    assert cgls(A, b, rtol=1e-8).n_iter < lsq_steepest_descent(A, b, rtol=1e-8).n_iter / 10


def test_sd_agrees_with_lstsq_several_columns(rng):
    A = matrix_with_singular_values(rng, 30, np.geomspace(1, 0.2, 4))
    B = rng.standard_normal((30, 2))
    res = lsq_steepest_descent(A, B, rtol=1e-12, maxiter=5000)
    assert res.converged
    assert rel(res.x, np.linalg.lstsq(A, B, rcond=None)[0]) <= 1e-8


def test_float32(rng):
    A = matrix_with_singular_values(rng, 40, np.geomspace(1, 0.1, 5)).astype(np.float32)
    b = rng.standard_normal(40).astype(np.float32)
    res = cgls(A, b, rtol=1e-5)
    assert res.x.dtype == np.float32 and res.converged
    ref = np.linalg.lstsq(A.astype(float), b.astype(float), rcond=None)[0]
    assert rel(res.x, ref) <= 1e-4


@pytest.mark.parametrize("solver", SOLVERS)
def test_bad_input(solver, rng):
    A, b = rng.standard_normal((10, 3)), rng.standard_normal(10)
    bad = A.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^A: .*NaN"):
        SOLVERS[solver](bad, b)
    with pytest.raises(ValueError, match=r"^A: .*not finite"):
        SOLVERS[solver](only_products(bad), b)
    with pytest.raises(ValueError, match=r"^B: .*NaN"):
        SOLVERS[solver](A, np.r_[b[:-1], np.inf])
    with pytest.raises(ValueError, match=r"^B: expected shape \(10,\)"):
        SOLVERS[solver](A, b[:5])
    with pytest.raises(ValueError, match=r"^x0: "):
        SOLVERS[solver](A, b, np.zeros(4))
    with pytest.raises(ValueError, match="^rtol: "):
        SOLVERS[solver](A, b, rtol=-1.0)
    with pytest.raises(ValueError, match="^maxiter: "):
        SOLVERS[solver](A, b, maxiter=2.5)


def test_column_scaling_and_postconditioned_operator(rng):
    A = rng.standard_normal((50, 6)) * np.logspace(-3, 3, 6)
    s = column_scaling(A)
    np.testing.assert_allclose(np.linalg.norm(A * s, axis=0), 1)
    np.testing.assert_allclose(column_scaling(scipy.sparse.csr_matrix(A)), s)
    np.testing.assert_allclose(column_scaling(aslinearoperator(A)), s)
    op = postconditioned(A, s)
    z, U = rng.standard_normal(6), rng.standard_normal((50, 2))
    np.testing.assert_allclose(op.matvec(z), A @ (s * z))
    np.testing.assert_allclose(op.rmatmat(U), s[:, None] * (A.T @ U))
    assert adjoint_test(op.matvec, op.rmatvec, (6,), (50,)).passed
    A0 = np.c_[A, np.zeros(50)]
    assert column_scaling(A0)[-1] == 1


def test_postconditioning_cuts_iterations_and_keeps_the_solution(rng):
    A = matrix_with_singular_values(rng, 200, np.geomspace(1, 0.5, 12)) * np.logspace(-2, 2, 12)
    b = rng.standard_normal(200)
    x_ls = np.linalg.lstsq(A, b, rcond=None)[0]
    s = column_scaling(A)
    plain = cgls(A, b, rtol=1e-10, maxiter=1000)
    scaled = cgls(postconditioned(A, s), b, rtol=1e-10, maxiter=1000)
    assert plain.converged and scaled.converged
    assert scaled.n_iter < plain.n_iter
    assert rel(s * scaled.x, x_ls) <= 1e-7
    sd_plain = lsq_steepest_descent(A, b, rtol=1e-6, maxiter=2000)
    sd_scaled = lsq_steepest_descent(postconditioned(A, s), b, rtol=1e-6, maxiter=2000)
    assert sd_scaled.converged and not sd_plain.converged


@pytest.mark.parametrize("solver", SOLVERS)
def test_verbose_prints_one_line_per_iteration(solver, rng, capsys):
    A, b = rng.standard_normal((12, 3)), rng.standard_normal(12)
    res = SOLVERS[solver](A, b, rtol=1e-3, verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert "stop when ‖Aᵀr‖ ≤ max(rtol‖Aᵀb‖, atol)" in lines[0]
    assert len(lines) == 2 + res.n_iter
    assert lines[-1].split()[0] == str(res.n_iter)
