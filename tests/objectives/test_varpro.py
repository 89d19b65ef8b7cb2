"""VarProObjective: the reduced gradient, the inner minimizer, agreement with NetworkObjective, errors."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from numdl.checks import taylor_test
from numdl.layers import SingleLayer
from numdl.objectives import NetworkObjective, VarProObjective
from numdl.optim import ConvergenceWarning, newton_cg
from numdl.regularizers import Tikhonov


def problem(seed=0, n_f=2, m=5, n_c=3, n=40, activation="tanh"):
    rng = np.random.default_rng(seed)
    layer = SingleLayer(n_f, m, activation)
    Y = rng.standard_normal((n_f, n))
    C = np.eye(n_c)[:, rng.integers(0, n_c, size=n)]
    return rng, layer, Y, C


@pytest.mark.parametrize("activation,bias,reg", [("tanh", True, False), ("sin", False, True)])
def test_reduced_gradient_taylor(activation, bias, reg):
    rng, layer, Y, C = problem(seed=1, activation=activation)
    phi = VarProObjective(layer, Y, C, lam_W=0.05, lam_theta=0.01, bias=bias, inner_rtol=1e-13,
                          reg_theta=Tikhonov(None, 0.1) if reg else None)
    theta = rng.standard_normal(phi.n_params)
    t = taylor_test(lambda th: phi(th).value, theta, grad=phi(theta).grad, seed=2)
    assert t.passed, t.table()


def test_grad_W_vanishes_at_W_of_theta_and_phi_agrees_with_network():
    rng, layer, Y, C = problem(seed=2)
    phi = VarProObjective(layer, Y, C, lam_W=1e-2, lam_theta=1e-3, inner_rtol=1e-12)
    net = NetworkObjective(layer, Y, C, lam_W=1e-2, lam_theta=1e-3)
    theta = rng.standard_normal(phi.n_params)
    ev = phi(theta)
    W = phi.W_of(theta)
    np.testing.assert_array_equal(W, phi.last_W)
    x = net.join(theta, W)
    np.testing.assert_array_equal(phi.full_x(theta), x)
    full = net(x)
    p = phi.n_params
    grad_W0 = net(net.join(theta, np.zeros(net.W_shape))).grad[p:]
    assert np.linalg.norm(full.grad[p:]) <= 1e-11 * np.linalg.norm(grad_W0)
    assert ev.value == pytest.approx(full.value, rel=1e-14)
    np.testing.assert_allclose(ev.grad, full.grad[:p], rtol=1e-13, atol=1e-16)
    v = rng.standard_normal(p)
    np.testing.assert_allclose(ev.hess_mv(v), full.hess_mv(np.concatenate([v, np.zeros(x.size - p)]))[:p],
                               rtol=1e-13, atol=1e-16)


def test_W_of_theta_is_the_regularized_softmax_minimizer_of_sklearn():
    rng, layer, Y, C = problem(seed=3, n=60)
    lam = 1e-2
    phi = VarProObjective(layer, Y, C, lam_W=lam, inner_rtol=1e-12)
    theta = rng.standard_normal(phi.n_params)
    W = phi.W_of(theta)
    Z, _ = layer.forward(theta, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # sklearn: ½‖W_f‖² + C_reg Σ CE  =  (1/λ)·[(1/n) Σ CE + (λ/2)‖W_f‖²] with C_reg = 1/(nλ)
        model = LogisticRegression(C=1 / (Y.shape[1] * lam), solver="newton-cg", tol=1e-12, max_iter=1000)
        model.fit(Z.T, np.argmax(C, axis=0))
    S = W[:, :-1] @ Z + W[:, -1:]
    P = np.exp(S - S.max(axis=0))
    P /= P.sum(axis=0)
    np.testing.assert_allclose(P.T, model.predict_proba(Z.T), atol=1e-7)
    np.testing.assert_allclose(W[:, :-1], model.coef_, rtol=1e-5, atol=1e-7)


def test_results_do_not_depend_on_the_warm_start():
    rng, layer, Y, C = problem(seed=4)
    theta1, theta2 = rng.standard_normal((2, layer.n_params))
    walked = VarProObjective(layer, Y, C, lam_W=1e-2, inner_rtol=1e-12)
    for theta in (theta1, 3 * theta1, theta2 + 1):
        walked(theta)
    fresh = VarProObjective(layer, Y, C, lam_W=1e-2, inner_rtol=1e-12)
    a, b = walked(theta2), fresh(theta2)
    assert a.value == pytest.approx(b.value, rel=1e-13)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(walked.last_W, fresh.last_W, rtol=1e-7, atol=1e-9)


def test_same_theta_reuses_the_inner_solution():
    rng, layer, Y, C = problem(seed=5)
    phi = VarProObjective(layer, Y, C, lam_W=1e-2)
    theta = rng.standard_normal(phi.n_params)
    phi(theta)
    n_solves, n_iter = phi.n_solves, phi.n_inner_iter
    phi(theta.copy())
    phi.W_of(theta)
    phi.predict(theta, Y)
    assert (phi.n_solves, phi.n_inner_iter) == (n_solves, n_iter) == (1, n_iter)
    phi(theta + 1e-3)
    assert phi.n_solves == 2


def test_outer_newton_on_phi_decreases_it_and_classifies():
    rng = np.random.default_rng(6)
    Y = rng.uniform(-2, 2, size=(2, 200))
    labels = (np.sum(Y**2, axis=0) > 2).astype(int)
    C = np.eye(2)[:, labels]
    layer = SingleLayer(2, 6, "tanh")
    phi = VarProObjective(layer, Y, C, lam_W=1e-4, lam_theta=1e-4)
    theta0 = phi.init(rng)
    res = newton_cg(phi, theta0, rtol=1e-6, maxiter=60)
    assert res.value < 0.3 * phi(theta0).value
    assert phi.accuracy(res.x, Y, C) > 0.95
    np.testing.assert_array_equal(phi.predict(res.x, Y), phi.network.predict(phi.full_x(res.x), Y))


def test_float32_stays_float32_and_agrees_with_float64():
    rng, layer, Y, C = problem(seed=7)
    theta = rng.standard_normal(layer.n_params)
    phi32 = VarProObjective(layer, Y.astype(np.float32), C, lam_W=1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the inner tolerance adapts to float32: no warning
        ev = phi32(theta.astype(np.float32))
    assert ev.grad.dtype == np.float32 and phi32.last_W.dtype == np.float32
    ref = VarProObjective(layer, Y, C, lam_W=1e-2)(theta)
    assert ev.value == pytest.approx(ref.value, rel=1e-5)
    np.testing.assert_allclose(ev.grad, ref.grad, rtol=1e-3, atol=1e-5)


def test_inaccurate_inner_solve_warns():
    rng, layer, Y, C = problem(seed=8)
    phi = VarProObjective(layer, Y, C, lam_W=1e-6, inner_maxiter=1)
    with pytest.warns(ConvergenceWarning, match="inner solve"):
        phi(3 * rng.standard_normal(layer.n_params))


def test_bad_inputs_name_the_argument():
    _, layer, Y, C = problem()
    for lam in (0.0, -1e-3, np.nan, True):
        with pytest.raises(ValueError, match="lam_W"):
            VarProObjective(layer, Y, C, lam_W=lam)
    with pytest.raises(ValueError, match="inner_rtol"):
        VarProObjective(layer, Y, C, inner_rtol=0.0)
    with pytest.raises(ValueError, match="inner_maxiter"):
        VarProObjective(layer, Y, C, inner_maxiter=0)
    with pytest.raises(ValueError, match="Y: expected 2 rows"):
        VarProObjective(layer, Y[:1], C)
    phi = VarProObjective(layer, Y, C)
    with pytest.raises(ValueError, match="theta"):
        phi(np.zeros(phi.n_params + 1))
