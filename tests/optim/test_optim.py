"""Steepest descent, Newton-CG, Armijo and the projected variants on problems with known answers."""

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.sparse.linalg import aslinearoperator

from numdl.objectives import Evaluation, LinearClassifierObjective
from numdl.optim import (ConvergenceWarning, armijo_backtracking, newton_cg, steepest_descent,
                         truncated_cg)

SOLVERS = [steepest_descent, newton_cg]


def quadratic(A, b):
    """f(x) = ½ xᵀA x − bᵀx."""
    def fun(x):
        Ax = A @ x
        return Evaluation(float(0.5 * x @ Ax - b @ x), Ax - b, lambda v: A @ v)
    return fun


def spd_matrix(rng, n, cond):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q * np.geomspace(1, cond, n)) @ Q.T


def rosenbrock(b=10.0):
    """f(x, y) = (1 − x)² + b (y − x²)², minimum 0 at (1, 1); non-convex."""
    def fun(z):
        x, y = z
        r = y - x**2
        g = np.array([-2 * (1 - x) - 4 * b * x * r, 2 * b * r])
        H = np.array([[2 - 4 * b * r + 8 * b * x**2, -4 * b * x], [-4 * b * x, 2 * b]])
        return Evaluation(float((1 - x) ** 2 + b * r**2), g, lambda u: H @ u)
    return fun


@pytest.mark.parametrize("solver", SOLVERS)
def test_convex_quadratic(solver):
    rng = np.random.default_rng(0)
    A = spd_matrix(rng, 20, 50.0)
    b = rng.standard_normal(20)
    x0 = np.zeros(20)
    res = solver(quadratic(A, b), x0, rtol=1e-8, maxiter=2000)
    assert res.converged and "tolerance" in res.reason
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(x0, 0.0)  # not mutated
    obj = np.array(res.history["objective"])
    assert np.all(np.diff(obj) <= 1e-13 * np.abs(obj[1:]))  # Armijo: decrease (up to round-off)
    assert len(obj) == res.n_iter + 1
    assert res.history["grad_norm"][-1] <= 1e-8 * res.history["grad_norm"][0]


@pytest.mark.parametrize("solver", SOLVERS)
def test_rosenbrock(solver):
    res = solver(rosenbrock(10.0), np.array([-1.2, 1.0]), rtol=1e-9, maxiter=5000)
    assert res.converged
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)


def test_newton_cg_converges_fast_on_strongly_convex_problem():
    rng = np.random.default_rng(1)
    Y = rng.standard_normal((10, 300))
    labels = np.argmax(rng.standard_normal((4, 10)) @ Y + rng.standard_normal((4, 300)), axis=0)
    obj = LinearClassifierObjective(Y, np.eye(4)[:, labels], lam=1e-2)
    res = newton_cg(obj, obj.init_theta(), rtol=1e-12)
    assert res.converged and res.n_iter <= 10
    g = np.array(res.history["grad_norm"])
    # superlinear: the last reductions are much better than linear
    assert g[-1] / g[-2] < 1e-2 and g[-2] / g[-3] < 0.1
    assert all(s == 1.0 for s in res.history["step"][1:])  # full Newton steps
    sd = steepest_descent(obj, obj.init_theta(), rtol=1e-12, maxiter=res.n_iter)
    assert sd.value > res.value  # same number of iterations: SD is far behind


@pytest.mark.parametrize("solver", SOLVERS)
def test_wrong_gradient_fails_with_warning(solver):
    A = np.diag([1.0, 10.0])

    def wrong(x):
        return Evaluation(0.5 * float(x @ A @ x), -(A @ x), lambda v: A @ v)

    with pytest.warns(ConvergenceWarning, match="line search"):
        res = solver(wrong, np.array([1.0, 1.0]))
    assert not res.converged and "line search" in res.reason
    np.testing.assert_array_equal(res.x, [1.0, 1.0])


def test_armijo_backtracking():
    fun = quadratic(np.diag([1.0, 100.0]), np.zeros(2))
    x = np.array([1.0, 1.0])
    ev = fun(x)
    ls = armijo_backtracking(fun, x, ev, -ev.grad, step=1.0)
    assert ls.success and ls.n_evals > 1 and ls.step < 1.0
    assert ls.evaluation.value <= ev.value + 1e-4 * ls.step * (ev.grad @ -ev.grad)
    up = armijo_backtracking(fun, x, ev, ev.grad)
    assert not up.success and up.n_evals == 0 and up.x is x


def test_steepest_descent_step_growth_and_max_step():
    fun = quadratic(np.eye(3), np.ones(3))
    res = steepest_descent(fun, np.zeros(3), init_step=1e-4, growth=2.0, max_step=0.5, rtol=1e-10)
    steps = np.array(res.history["step"][1:])
    assert res.converged
    assert steps[0] == 1e-4 and steps[1] == 2e-4  # grows after immediate acceptance
    assert steps.max() == 0.5  # capped


def test_truncated_cg_preconditioner_and_negative_curvature():
    d = np.array([1.0, 10.0, 100.0])
    g = np.ones(3)
    plain = truncated_cg(lambda v: d * v, g, rtol=1e-12, maxiter=10)
    exact = truncated_cg(lambda v: d * v, g, rtol=1e-12, maxiter=10,
                         precond=aslinearoperator(np.diag(1 / d)))
    np.testing.assert_allclose(plain.d, -g / d)
    assert exact.n_iter == 1 and plain.n_iter == 3
    np.testing.assert_allclose(exact.d, -g / d)
    indefinite = truncated_cg(lambda v: np.array([1.0, -1.0, 1.0]) * v, np.array([0.0, 1.0, 0.0]),
                              rtol=1e-12, maxiter=10)
    assert indefinite.negative_curvature and indefinite.d @ [0, 1, 0] < 0


def test_newton_cg_handles_negative_curvature():
    """Start where the Rosenbrock Hessian is indefinite."""
    fun = rosenbrock(10.0)
    x0 = np.array([0.0, 1.0])
    assert np.linalg.eigvalsh(np.column_stack([fun(x0).hess_mv(e) for e in np.eye(2)])).min() < 0
    res = newton_cg(fun, x0, rtol=1e-10)
    assert res.converged
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-7)


@pytest.mark.parametrize("solver", SOLVERS)
def test_bound_constrained_quadratic_matches_lbfgsb(solver):
    rng = np.random.default_rng(2)
    n = 15
    A = spd_matrix(rng, n, 20.0)
    b = 2 * rng.standard_normal(n)
    lower, upper = np.zeros(n), np.full(n, 0.8)
    fun = quadratic(A, b)
    ref = minimize(lambda x: fun(x).value, np.zeros(n), jac=lambda x: fun(x).grad,
                   method="L-BFGS-B", bounds=list(zip(lower, upper, strict=True)),
                   options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000})
    x0 = rng.uniform(-1, 2, n)  # infeasible start: projected first
    res = solver(fun, x0, bounds=(lower, upper), rtol=1e-10, maxiter=5000)
    assert res.converged
    assert np.all(res.x >= lower) and np.all(res.x <= upper)
    n_active = np.sum((ref.x <= 1e-8) | (ref.x >= 0.8 - 1e-8))
    assert 0 < n_active < n  # the bounds matter
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)
    assert res.value <= ref.fun + 1e-10


def test_nonnegativity_with_scalar_bound_known_answer():
    """min ½‖x − a‖² s.t. x ≥ 0 has the answer max(a, 0)."""
    a = np.array([1.0, -2.0, 0.5, -0.1])
    fun = quadratic(np.eye(4), a)
    for solver in SOLVERS:
        res = solver(fun, np.ones(4), bounds=(0.0, None), rtol=1e-12)
        np.testing.assert_allclose(res.x, np.maximum(a, 0), atol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_callback_and_maxiter(solver):
    seen = []
    res = solver(rosenbrock(), np.array([-1.2, 1.0]), maxiter=3, callback=seen.append)
    assert res.n_iter == 3 and len(seen) == 3 and not res.converged
    assert "maximum" in res.reason
    np.testing.assert_array_equal(seen[-1], res.x)
    res0 = solver(rosenbrock(), np.array([-1.2, 1.0]), maxiter=0)
    assert res0.n_iter == 0 and not res0.converged
    np.testing.assert_array_equal(res0.x, [-1.2, 1.0])


@pytest.mark.parametrize("solver", SOLVERS)
def test_float32(solver):
    fun = quadratic(np.diag([1.0, 4.0, 9.0]).astype(np.float32), np.ones(3, np.float32))
    res = solver(fun, np.zeros(3, np.float32), rtol=1e-5)
    assert res.converged and res.x.dtype == np.float32
    np.testing.assert_allclose(res.x, [1.0, 0.25, 1 / 9], rtol=1e-4)


def test_invalid_arguments():
    fun = quadratic(np.eye(2), np.ones(2))
    with pytest.raises(ValueError, match="rtol"):
        steepest_descent(fun, np.zeros(2), rtol=-1.0)
    with pytest.raises(ValueError, match="maxiter"):
        newton_cg(fun, np.zeros(2), maxiter=1.5)
    with pytest.raises(ValueError, match="hess_mv"):
        newton_cg(lambda x: Evaluation(0.0, x), np.zeros(2))
    with pytest.raises(ValueError, match="gradient"):
        steepest_descent(lambda x: Evaluation(0.0, np.zeros(3)), np.zeros(2))
    with pytest.raises(ValueError, match="bounds"):
        steepest_descent(fun, np.zeros(2), bounds=(1.0, 0.0))
    with pytest.raises(ValueError, match="precond"):
        newton_cg(fun, np.zeros(2), precond="jacobi")


def test_line_search_backtracks_over_overflowing_trials():
    """A trial whose evaluation raises FloatingPointError is rejected, not fatal."""
    from numdl.objectives import Evaluation
    from numdl.optim import armijo_backtracking

    def fun(x):
        if np.abs(x).max() > 2:
            raise FloatingPointError("forward: non-finite state after layer 3")
        return Evaluation(float(x @ x), 2 * x)

    x = np.array([1.0, -1.0])
    ls = armijo_backtracking(fun, x, fun(x), -2 * x, step=4.0)
    assert ls.success and ls.step < 1 and ls.n_evals >= 3
    assert ls.evaluation.value < 2.0
