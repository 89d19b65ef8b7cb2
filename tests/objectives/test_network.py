"""NetworkObjective: layout, derivatives, mini-batches, the block Gauss-Newton mat-vec, input errors."""

import numpy as np
import pytest

from numdl.checks import adjoint_test, taylor_test
from numdl.layers import SingleLayer
from numdl.objectives import Evaluation, NetworkObjective
from numdl.optim import newton_cg
from numdl.regularizers import Tikhonov


def problem(seed=0, n_f=3, m=4, n_c=3, n=20, activation="tanh", bias="vector"):
    rng = np.random.default_rng(seed)
    layer = SingleLayer(n_f, m, activation, bias=bias)
    Y = rng.standard_normal((n_f, n))
    C = np.eye(n_c)[:, rng.integers(0, n_c, size=n)]
    return rng, layer, Y, C


def ce_direct(S, C):
    """Mean softmax cross-entropy by the textbook formula (oracle)."""
    S = S - S.max(axis=0)
    return float(np.mean(-np.sum(C * S, axis=0) + np.log(np.sum(np.exp(S), axis=0))))


def value_direct(layer, x, Y, C, lam_theta, lam_W):
    """``E(θ, W)`` of a tanh/sin/... SingleLayer with vector bias, computed from scratch."""
    p = layer.n_params
    m, n_f = layer.n_out, layer.n_in
    K, b = x[: m * n_f].reshape(m, n_f), x[m * n_f: p]
    W = x[p:].reshape(-1, m + 1)
    Z = layer.activation(K @ Y + b[:, None])[0]
    S = W[:, :m] @ Z + W[:, m:]
    return ce_direct(S, C) + 0.5 * lam_theta * x[:p] @ x[:p] + 0.5 * lam_W * np.sum(W[:, :m] ** 2)


# --- layout and value ----------------------------------------------------------------

def test_layout_split_join_and_value_against_direct_formula():
    rng, layer, Y, C = problem()
    obj = NetworkObjective(layer, Y, C, lam_theta=0.3, lam_W=0.7)
    assert obj.W_shape == (3, 5) and obj.n_theta == layer.n_params == 16
    assert obj.n_params == 16 + 15 and obj.n == 20 and obj.width == 4
    x = rng.standard_normal(obj.n_params)
    theta, W = obj.split(x)
    np.testing.assert_array_equal(theta, x[:16])
    np.testing.assert_array_equal(W, x[16:].reshape(3, 5))  # C order: rows of W contiguous, bias last
    np.testing.assert_array_equal(obj.join(theta, W), x)
    assert obj(x).value == pytest.approx(value_direct(layer, x, Y, C, 0.3, 0.7), rel=1e-13)


def test_init_random_model_zero_classifier():
    _, layer, Y, C = problem()
    obj = NetworkObjective(layer, Y, C)
    x0 = obj.init(np.random.default_rng(5))
    theta, W = obj.split(x0)
    np.testing.assert_array_equal(theta, layer.init_theta(np.random.default_rng(5)))
    assert not np.any(W)
    assert obj(x0).value == pytest.approx(np.log(3), rel=1e-14)  # W = 0: uniform probabilities


# --- derivatives -------------------------------------------------------------------

@pytest.mark.parametrize("activation,bias,cls_bias", [("tanh", "vector", True), ("sin", "scalar", True),
                                                      ("sigmoid", None, False), ("softplus", "vector", False)])
def test_gradient_taylor(activation, bias, cls_bias):
    rng, layer, Y, C = problem(seed=1, activation=activation, bias=bias)
    obj = NetworkObjective(layer, Y, C, lam_theta=0.1, lam_W=0.2, bias=cls_bias)
    x = rng.standard_normal(obj.n_params)
    t = taylor_test(lambda z: obj(z).value, x, grad=obj(x).grad, seed=2)
    assert t.passed, t.table()


def test_gradient_is_chain_rule_against_finite_differences():
    rng, layer, Y, C = problem(seed=2)
    obj = NetworkObjective(layer, Y, C, lam_theta=0.05, lam_W=0.05)
    x = rng.standard_normal(obj.n_params)
    g = obj(x).grad
    h = 1e-6
    fd = np.array([(obj(x + h * e).value - obj(x - h * e).value) / (2 * h) for e in np.eye(x.size)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


def test_W_block_of_hess_mv_is_the_exact_hessian_in_W():
    rng, layer, Y, C = problem(seed=3)
    obj = NetworkObjective(layer, Y, C, lam_W=0.1)
    x = rng.standard_normal(obj.n_params)
    p = obj.n_theta
    ev = obj(x)

    def f_W(w):
        return obj(np.concatenate([x[:p], w])).value

    t = taylor_test(f_W, x[p:], grad=ev.grad[p:],
                    hess_mv=lambda v: ev.hess_mv(np.concatenate([np.zeros(p), v]))[p:], seed=4)
    assert t.passed, t.table()


def dense_gauss_newton(layer, obj, x, Y, C):
    """``blockdiag(J_θᵀ H_S J_θ, J_Wᵀ H_S J_W)`` of the CE built entry by entry (tanh, vector bias)."""
    p, (n_c, q), m, n_f = obj.n_theta, obj.W_shape, layer.n_out, layer.n_in
    n = Y.shape[1]
    K, b = x[: m * n_f].reshape(m, n_f), x[m * n_f: p]
    W = x[p:].reshape(n_c, q)
    Z = np.tanh(K @ Y + b[:, None])
    D = 1 - Z**2
    Z1 = np.vstack([Z, np.ones(n)])
    S = W @ Z1
    P = np.exp(S - S.max(axis=0))
    P /= P.sum(axis=0)
    # Hessian of the mean CE in vec(S) (C order: index k·n + j), block per example j
    H_S = np.zeros((n_c * n, n_c * n))
    for j in range(n):
        rows = np.arange(n_c) * n + j
        H_S[np.ix_(rows, rows)] = (np.diag(P[:, j]) - np.outer(P[:, j], P[:, j])) / n
    # dS_kj/dK_ac = W_ka D_aj Y_cj,  dS_kj/db_a = W_ka D_aj,  dS_kj/dW_la = δ_kl Z1_aj
    J_theta = np.zeros((n_c * n, p))
    J_W = np.zeros((n_c * n, n_c * q))
    for k in range(n_c):
        for j in range(n):
            r = k * n + j
            J_theta[r, : m * n_f] = (W[k, :m, None] * D[:, j, None] * Y[None, :, j]).ravel()
            J_theta[r, m * n_f:] = W[k, :m] * D[:, j]
            J_W[r, k * q:(k + 1) * q] = Z1[:, j]
    return J_theta.T @ H_S @ J_theta, J_W.T @ H_S @ J_W


def test_gauss_newton_equals_dense_JT_HS_J():
    rng, layer, Y, C = problem(seed=4, n_f=2, m=3, n_c=3, n=7)
    lam_t, lam_W = 0.2, 0.3
    obj = NetworkObjective(layer, Y, C, lam_theta=lam_t, lam_W=lam_W)
    x = rng.standard_normal(obj.n_params)
    G_theta, G_W = dense_gauss_newton(layer, obj, x, Y, C)
    p = obj.n_theta
    mask = np.ones(obj.W_shape)
    mask[:, -1] = 0
    expected = np.zeros((obj.n_params, obj.n_params))
    expected[:p, :p] = G_theta + lam_t * np.eye(p)
    expected[p:, p:] = G_W + lam_W * np.diag(mask.ravel())
    hess_mv = obj(x).hess_mv
    H = np.column_stack([hess_mv(e) for e in np.eye(obj.n_params)])
    np.testing.assert_allclose(H, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("activation", ["tanh", "sin"])
def test_gauss_newton_symmetric_positive_semidefinite(activation):
    rng, layer, Y, C = problem(seed=5, activation=activation)
    obj = NetworkObjective(layer, Y, C)  # no weight decay: only the GN part
    x = 2 * rng.standard_normal(obj.n_params)
    hess_mv = obj(x).hess_mv
    a = adjoint_test(hess_mv, hess_mv, x.shape, x.shape, seed=6)
    assert a.passed, str(a)
    V = rng.standard_normal((50, obj.n_params))
    assert min(v @ hess_mv(v) for v in V) >= 0
    H = np.column_stack([hess_mv(e) for e in np.eye(obj.n_params)])
    eig = np.linalg.eigvalsh(0.5 * (H + H.T))
    assert eig.min() >= -1e-13 * eig.max()
    assert eig.max() > 0


def test_reg_theta_is_added_to_the_theta_block():
    rng, layer, Y, C = problem(seed=6)
    lam = 0.4
    with_decay = NetworkObjective(layer, Y, C, lam_theta=lam)
    with_reg = NetworkObjective(layer, Y, C, reg_theta=Tikhonov(None, lam))
    x = rng.standard_normal(with_decay.n_params)
    v = rng.standard_normal(x.size)
    a, b = with_decay(x), with_reg(x)
    assert a.value == pytest.approx(b.value, rel=1e-14)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(a.hess_mv(v), b.hess_mv(v), rtol=1e-13, atol=1e-15)
    no_hessian = NetworkObjective(layer, Y, C, reg_theta=lambda th: Evaluation(0.0, np.zeros_like(th)))
    assert no_hessian(x).hess_mv is None


# --- mini-batches ------------------------------------------------------------------

def test_full_index_set_equals_full_objective():
    rng, layer, Y, C = problem(seed=7)
    obj = NetworkObjective(layer, Y, C, lam_theta=0.1, lam_W=0.1)
    x = rng.standard_normal(obj.n_params)
    v = rng.standard_normal(x.size)
    full, batch = obj(x), obj(x, idx=np.arange(obj.n))
    assert batch.value == pytest.approx(full.value, rel=1e-14)
    np.testing.assert_allclose(batch.grad, full.grad, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(batch.hess_mv(v), full.hess_mv(v), rtol=1e-13, atol=1e-16)


def test_mini_batch_equals_objective_on_the_subset():
    rng, layer, Y, C = problem(seed=8)
    lam_t, lam_W = 0.1, 0.2
    obj = NetworkObjective(layer, Y, C, lam_theta=lam_t, lam_W=lam_W)
    idx = np.array([3, 0, 11, 7, 7, 19])
    x = rng.standard_normal(obj.n_params)
    v = rng.standard_normal(x.size)
    sub = NetworkObjective(layer, Y[:, idx], C[:, idx], lam_theta=lam_t, lam_W=lam_W)
    batch, ref = obj(x, idx), sub(x)
    assert batch.value == pytest.approx(value_direct(layer, x, Y[:, idx], C[:, idx], lam_t, lam_W), rel=1e-13)
    assert batch.value == pytest.approx(ref.value, rel=1e-14)
    np.testing.assert_allclose(batch.grad, ref.grad, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(batch.hess_mv(v), ref.hess_mv(v), rtol=1e-13, atol=1e-16)


# --- training, prediction, dtypes, generic models ---------------------------------------

def test_newton_cg_fits_a_small_problem_and_predicts():
    rng = np.random.default_rng(9)
    Y = rng.uniform(-2, 2, size=(2, 200))
    labels = (np.sum(Y**2, axis=0) > 2).astype(int)  # disc vs. outside: not linearly separable
    C = np.eye(2)[:, labels]
    layer = SingleLayer(2, 6, "tanh")
    obj = NetworkObjective(layer, Y, C, lam_theta=1e-4, lam_W=1e-4)
    x0 = obj.init(rng)
    res = newton_cg(obj, x0, rtol=1e-6, maxiter=200)
    assert res.value < 0.2 * obj(x0).value
    pred = obj.predict(res.x, Y)
    np.testing.assert_array_equal(pred, np.argmax(obj.scores(res.x, Y), axis=0))
    assert obj.accuracy(res.x, Y, C) == obj.accuracy(res.x, Y, labels) == np.mean(pred == labels)
    assert obj.accuracy(res.x, Y, C) > 0.95


def test_float32_stays_float32_and_agrees_with_float64():
    rng, layer, Y, C = problem(seed=10)
    obj64 = NetworkObjective(layer, Y, C, lam_W=0.1)
    obj32 = NetworkObjective(layer, Y.astype(np.float32), C, lam_W=0.1)
    x = rng.standard_normal(obj64.n_params)
    ev = obj32(x.astype(np.float32))
    assert ev.grad.dtype == np.float32 and ev.hess_mv(np.ones(x.size, np.float32)).dtype == np.float32
    np.testing.assert_allclose(ev.grad, obj64(x).grad, rtol=1e-4, atol=1e-5)


class BareModel:
    """A SingleLayer seen only through the layer protocol (no n_in, no n_out)."""

    def __init__(self, layer):
        self._layer = layer
        self.n_params = layer.n_params

    def init_theta(self, rng):
        return self._layer.init_theta(rng)

    def forward(self, theta, Y):
        return self._layer.forward(theta, Y)

    def jac_theta_mv(self, v, theta, Y, cache):
        return self._layer.jac_theta_mv(v, theta, Y, cache)

    def jac_theta_tmv(self, w, theta, Y, cache):
        return self._layer.jac_theta_tmv(w, theta, Y, cache)


def test_model_without_n_out_gets_its_width_from_a_forward_pass():
    rng, layer, Y, C = problem(seed=11, m=6)
    obj = NetworkObjective(BareModel(layer), Y, C, lam_W=0.1)
    ref = NetworkObjective(layer, Y, C, lam_W=0.1)
    assert obj.width == 6 and obj.W_shape == ref.W_shape
    x = rng.standard_normal(obj.n_params)
    np.testing.assert_array_equal(obj(x).grad, ref(x).grad)
    with pytest.raises(ValueError, match="Y"):
        NetworkObjective(BareModel(layer), Y[:2], C)


# --- bad input ---------------------------------------------------------------------

def test_bad_inputs_name_the_argument():
    rng, layer, Y, C = problem()
    obj = NetworkObjective(layer, Y, C)
    with pytest.raises(ValueError, match="x: expected length 31"):
        obj(np.zeros(30))
    with pytest.raises(ValueError, match="x"):
        obj(np.full(31, np.nan))
    with pytest.raises(ValueError, match="Y: expected 3 rows"):
        NetworkObjective(layer, Y[:2], C)
    with pytest.raises(ValueError, match="C"):
        NetworkObjective(layer, Y, C[:, :5])
    with pytest.raises(ValueError, match="C"):
        NetworkObjective(layer, Y, 2 * C)
    with pytest.raises(ValueError, match="model"):
        NetworkObjective(object(), Y, C)
    with pytest.raises(ValueError, match="lam_theta"):
        NetworkObjective(layer, Y, C, lam_theta=-1.0)
    with pytest.raises(ValueError, match="lam_W"):
        NetworkObjective(layer, Y, C, lam_W=np.inf)
    with pytest.raises(ValueError, match="reg_theta"):
        NetworkObjective(layer, Y, C, reg_theta=3.0)
    with pytest.raises(ValueError, match="idx"):
        obj(np.zeros(31), idx=np.array([0, 20]))
    with pytest.raises(ValueError, match="idx"):
        obj(np.zeros(31), idx=np.array([0.5]))
    with pytest.raises(ValueError, match="W"):
        obj.join(np.zeros(16), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="Y"):
        obj.predict(np.zeros(31), np.zeros((2, 4)))
