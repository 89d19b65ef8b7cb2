"""LinearClassifierObjective: derivatives, layout, regularization, reference solutions."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from numdl.checks import adjoint_test, taylor_test
from numdl.data import load_digits
from numdl.losses import chain_rule_Y, softmax_cross_entropy
from numdl.objectives import Evaluation, LinearClassifierObjective, loss_in_features
from numdl.optim import newton_cg


def one_hot(labels, n_c):
    return np.eye(n_c)[:, labels]


def small_problem(seed=0, n_c=3, n_f=4, n=30):
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((n_f, n))
    C = one_hot(rng.integers(0, n_c, size=n), n_c)
    return rng, Y, C


def check_objective(obj, theta):
    ev = obj(theta)
    value = lambda t: obj(t).value  # noqa: E731
    t1 = taylor_test(value, theta, grad=ev.grad, seed=1)
    t2 = taylor_test(value, theta, grad=ev.grad, hess_mv=ev.hess_mv, seed=2)
    a = adjoint_test(ev.hess_mv, ev.hess_mv, theta.shape, theta.shape, seed=3)
    assert t1.passed, t1.table()
    assert t2.passed, t2.table()
    assert a.passed, str(a)


@pytest.mark.parametrize("loss", ["softmax", "logistic", "squared", "softmax-squared"])
@pytest.mark.parametrize("bias,penalize_bias", [(True, False), (True, True), (False, False)])
def test_derivatives_float64(loss, bias, penalize_bias):
    rng, Y, C = small_problem()
    if loss == "logistic":
        C = C[:1] * 0 + (rng.uniform(size=(1, C.shape[1])) < 0.5)
    obj = LinearClassifierObjective(Y, C, loss=loss, bias=bias, lam=0.3, penalize_bias=penalize_bias)
    check_objective(obj, rng.standard_normal(obj.n_params))


def test_layout_and_value_against_direct_formula():
    rng, Y, C = small_problem()
    lam = 0.7
    obj = LinearClassifierObjective(Y, C, lam=lam)
    theta = rng.standard_normal(obj.n_params)
    W = theta.reshape(3, 5)  # C order: rows of W contiguous, bias last
    S = W[:, :4] @ Y + W[:, 4:]
    ref = softmax_cross_entropy(S, C).value + 0.5 * lam * np.sum(W[:, :4] ** 2)
    assert obj.shape == (3, 5) and obj.n_params == 15
    np.testing.assert_array_equal(obj.init_theta(), np.zeros(15))
    start = obj.init_theta(np.random.default_rng(0))
    assert start.shape == (15,) and 0 < np.abs(start).max() < 0.1
    assert obj(theta).value == pytest.approx(ref, rel=1e-14)
    np.testing.assert_array_equal(obj.weights(theta), W)
    np.testing.assert_allclose(obj.scores(theta, Y), S)
    penalized = LinearClassifierObjective(Y, C, lam=lam, penalize_bias=True)
    assert penalized(theta).value - obj(theta).value == pytest.approx(0.5 * lam * np.sum(W[:, 4] ** 2))


def test_float32_close_to_float64():
    rng, Y, C = small_problem()
    o64 = LinearClassifierObjective(Y, C, lam=0.1)
    o32 = LinearClassifierObjective(Y.astype(np.float32), C, lam=0.1)
    theta = rng.standard_normal(o64.n_params)
    e64, e32 = o64(theta), o32(theta.astype(np.float32))
    assert e32.grad.dtype == np.float32 and np.isfinite(e32.value)
    assert e32.value == pytest.approx(e64.value, rel=1e-5)
    np.testing.assert_allclose(e32.grad, e64.grad, rtol=1e-4, atol=1e-6)
    v = rng.standard_normal(o64.n_params)
    np.testing.assert_allclose(e32.hess_mv(v.astype(np.float32)), e64.hess_mv(v), rtol=1e-4, atol=1e-6)


def test_minibatch_equals_objective_on_the_subset():
    rng, Y, C = small_problem(n=40)
    idx = np.array([3, 7, 8, 20, 39])
    obj = LinearClassifierObjective(Y, C, lam=0.2)
    sub = LinearClassifierObjective(Y[:, idx], C[:, idx], lam=0.2)
    theta = rng.standard_normal(obj.n_params)
    v = rng.standard_normal(obj.n_params)
    a, b = obj(theta, idx=idx), sub(theta)
    assert a.value == pytest.approx(b.value, rel=1e-14)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-13)
    np.testing.assert_allclose(a.hess_mv(v), b.hess_mv(v), rtol=1e-13)


def test_regularizer_is_added():
    rng, Y, C = small_problem()
    D = rng.uniform(1, 2, size=15)

    def reg(theta):
        return Evaluation(0.5 * float(np.sum(D * theta**2)), D * theta, lambda v: D * v)

    plain = LinearClassifierObjective(Y, C)
    obj = LinearClassifierObjective(Y, C, regularizer=reg)
    theta = rng.standard_normal(obj.n_params)
    v = rng.standard_normal(obj.n_params)
    assert obj(theta).value == pytest.approx(plain(theta).value + reg(theta).value)
    np.testing.assert_allclose(obj(theta).hess_mv(v), plain(theta).hess_mv(v) + D * v)
    check_objective(obj, theta)


def test_smoothness_regularizer_protocol():
    """The image regularizers of numdl.regularizers use the same flat layout."""
    regularizers = pytest.importorskip("numdl.regularizers")
    rng = np.random.default_rng(1)
    Y = rng.standard_normal((6, 20))
    C = one_hot(rng.integers(0, 3, size=20), 3)
    reg = regularizers.smoothness_regularizer((2, 3), 0.5, bias=True)
    obj = LinearClassifierObjective(Y, C, regularizer=reg)
    check_objective(obj, rng.standard_normal(obj.n_params))


def test_predict_and_accuracy():
    Y = np.array([[-2.0, -1.0, 1.0, 2.0]])
    C = one_hot(np.array([0, 0, 1, 1]), 2)
    obj = LinearClassifierObjective(Y, C)
    theta = np.array([-1.0, 0.0, 1.0, 0.0])  # scores -y and +y
    np.testing.assert_array_equal(obj.predict(theta, Y), [0, 0, 1, 1])
    assert obj.accuracy(theta, Y, C) == 1.0
    assert obj.accuracy(theta, Y, np.array([1, 0, 1, 1])) == 0.75
    logit = LinearClassifierObjective(Y, C[1:], loss="logistic")
    np.testing.assert_array_equal(logit.predict(np.array([1.0, -1.5]), Y), [0, 0, 0, 1])
    assert logit.accuracy(np.array([1.0, -1.5]), Y, C[1:]) == 0.75
    assert logit.accuracy(np.array([1.0, -1.5]), Y, C) == 0.75


def test_bad_input_errors():
    rng, Y, C = small_problem()
    bad = C.copy()
    bad[:, 5] = 0.5
    with pytest.raises(ValueError, match="column 5"):
        LinearClassifierObjective(Y, bad)
    with pytest.raises(ValueError, match="loss"):
        LinearClassifierObjective(Y, C, loss="hinge")
    with pytest.raises(ValueError, match="lam"):
        LinearClassifierObjective(Y, C, lam=-1.0)
    with pytest.raises(ValueError, match="C"):
        LinearClassifierObjective(Y, C[:, :-1])
    with pytest.raises(ValueError, match="logistic"):
        LinearClassifierObjective(Y, C, loss="logistic")
    obj = LinearClassifierObjective(Y, C)
    with pytest.raises(ValueError, match="theta"):
        obj(np.zeros(obj.n_params + 1))
    with pytest.raises(ValueError, match="idx"):
        obj(np.zeros(obj.n_params), idx=np.array([0, 30]))
    with pytest.raises(ValueError, match="Y"):
        obj.predict(np.zeros(obj.n_params), np.zeros((5, 3)))


def test_inputs_not_mutated():
    rng, Y, C = small_problem()
    Y0, C0 = Y.copy(), C.copy()
    obj = LinearClassifierObjective(Y, C, lam=0.1)
    theta = rng.standard_normal(obj.n_params)
    t0 = theta.copy()
    ev = obj(theta)
    ev.hess_mv(theta)
    for a, b in ((Y, Y0), (C, C0), (theta, t0)):
        np.testing.assert_array_equal(a, b)


def test_loss_in_features_derivatives_and_bias():
    rng, Y, C = small_problem(n=6)
    W = rng.standard_normal((3, 5))
    res = loss_in_features(W, Y, C)
    S = W[:, :4] @ Y + W[:, 4:]
    ref = chain_rule_Y(softmax_cross_entropy(S, C), W[:, :4])
    assert res.value == pytest.approx(ref.value)
    np.testing.assert_allclose(res.grad, ref.grad)
    value = lambda Z: loss_in_features(W, Z, C).value  # noqa: E731
    t = taylor_test(value, Y, grad=res.grad, hess_mv=res.hess_mv, seed=4)
    assert t.passed, t.table()
    with pytest.raises(ValueError, match="W"):
        loss_in_features(rng.standard_normal((3, 7)), Y, C)


def sklearn_theta(model):
    return np.hstack([model.coef_, model.intercept_[:, None]]).reshape(-1)


def test_newton_cg_reaches_sklearn_softmax_optimum():
    """sklearn minimizes Σ_i CE_i + ‖W‖²/(2C) (intercept free) = C n (our objective with
    lam = 1/(C n), penalize_bias=False)."""
    split = load_digits(test_size=0.3, seed=0, standardize=True)
    Y, C = split.Y_train, split.C_train
    n = Y.shape[1]
    reg_C = 0.5
    obj = LinearClassifierObjective(Y, C, lam=1 / (reg_C * n))
    res = newton_cg(obj, obj.init_theta(), rtol=1e-9)
    assert res.converged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(C=reg_C, solver="newton-cg", tol=1e-10, max_iter=1000)
        model.fit(Y.T, np.argmax(C, axis=0))
    f_peer = obj(sklearn_theta(model)).value
    assert abs(res.value - f_peer) <= 1e-6 * abs(f_peer)
    assert res.value <= f_peer + 1e-12
    P_ours = np.exp(obj.scores(res.x, split.Y_test))
    P_ours /= P_ours.sum(axis=0)
    np.testing.assert_allclose(P_ours.T, model.predict_proba(split.Y_test.T), atol=1e-5)


def test_newton_cg_reaches_sklearn_binary_logistic_optimum():
    rng = np.random.default_rng(3)
    Y = rng.standard_normal((5, 200))
    c = (Y[0] + 0.5 * Y[1] ** 2 + 0.5 * rng.standard_normal(200) > 0.5).astype(float)
    reg_C = 2.0
    obj = LinearClassifierObjective(Y, c[None, :], loss="logistic", lam=1 / (reg_C * 200))
    res = newton_cg(obj, obj.init_theta(), rtol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(C=reg_C, solver="newton-cg", tol=1e-10, max_iter=1000)
        model.fit(Y.T, c)
    f_peer = obj(sklearn_theta(model)).value
    assert res.converged and abs(res.value - f_peer) <= 1e-6 * abs(f_peer)
    np.testing.assert_allclose(res.x, sklearn_theta(model), rtol=1e-5, atol=1e-6)
