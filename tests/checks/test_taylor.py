import numpy as np
import pytest

from numdl.checks import taylor_test


def _map(x):
    """f(x) = tanh(A x) elementwise times x, a smooth map R^4 -> R^4."""
    A = np.arange(16.0).reshape(4, 4) / 10
    return np.tanh(A @ x) * x


def _jvp(x, v):
    A = np.arange(16.0).reshape(4, 4) / 10
    s = A @ x
    return (1 - np.tanh(s) ** 2) * (A @ v) * x + np.tanh(s) * v


@pytest.fixture
def x():
    return np.random.default_rng(1).standard_normal(4)


def test_vector_map_right_jvp_passes(x):
    res = taylor_test(_map, x, jvp=lambda v: _jvp(x, v))
    assert res.passed, res.table()
    assert res.n_good >= 4
    # the second column really decays like h^2 in the asymptotic range
    assert np.nanmedian(res.orders[2:8, 1]) == pytest.approx(2.0, abs=0.15)
    assert np.nanmedian(res.orders[2:8, 0]) == pytest.approx(1.0, abs=0.15)


def test_vector_map_wrong_jvp_fails(x):
    wrong = lambda v: _jvp(x, v) * 1.01  # 1% off
    res = taylor_test(_map, x, jvp=wrong)
    assert not res.passed
    assert "FAILED" in res.table()
    assert np.nanmax(res.orders[5:, 1]) < 1.5


def test_forgotten_term_fails(x):
    A = np.arange(16.0).reshape(4, 4) / 10
    res = taylor_test(_map, x, jvp=lambda v: np.tanh(A @ x) * v)  # product rule half missing
    assert not res.passed


def test_scalar_gradient_and_hessian():
    rng = np.random.default_rng(0)
    B = rng.standard_normal((5, 5))
    H = B @ B.T
    f = lambda z: 0.5 * z @ H @ z + np.sum(np.cos(z))
    g = lambda z: H @ z - np.sin(z)
    hv = lambda z, v: H @ v - np.cos(z) * v
    x0 = rng.standard_normal(5)
    res = taylor_test(f, x0, grad=g(x0), hess_mv=lambda v: hv(x0, v))
    assert res.passed, res.table()
    assert res.expected_order == 3
    assert res.errors.shape[1] == 3
    bad = taylor_test(f, x0, grad=g(x0), hess_mv=lambda v: H @ v)  # missing -cos term
    assert not bad.passed
    bad_grad = taylor_test(f, x0, grad=g(x0) + 1e-3)
    assert not bad_grad.passed


def test_linear_map_is_exact_to_roundoff():
    A = np.random.default_rng(2).standard_normal((3, 4))
    x0 = np.ones(4)
    res = taylor_test(lambda z: A @ z, x0, jvp=lambda v: A @ v)
    assert res.roundoff and res.passed


def test_float32_direction_dtype():
    x0 = np.linspace(-1, 1, 6).astype(np.float32)
    res = taylor_test(lambda z: np.sin(z), x0, jvp=lambda v: np.cos(x0) * v, n_steps=8)
    assert res.passed, res.table()


def test_arguments_validated(x):
    with pytest.raises(ValueError, match="exactly one"):
        taylor_test(_map, x)
    with pytest.raises(ValueError, match="direction"):
        taylor_test(_map, x, jvp=lambda v: v, direction=np.ones(3))
    with pytest.raises(ValueError, match="first-order term"):
        taylor_test(_map, x, jvp=lambda v: v[:2])


def test_table_lists_every_step(x):
    res = taylor_test(_map, x, jvp=lambda v: _jvp(x, v), n_steps=6)
    lines = res.table().splitlines()
    assert len(lines) == 1 + 6 + 1
