"""Stochastic optimizers: equivalent configurations agree, all of them converge on test functions."""

import math

import numpy as np
import pytest

from numdl.optim.schedules import constant, exponential_decay
from numdl.optim.stochastic import adagrad, adam, momentum, nesterov, rmsprop, sgd
from numdl.optim.transforms import apply_updates, chain, scale, trace


def quadratic(seed=0, p=10, cond=10.0):
    """Gradient of f(x) = ½ xᵀA x − bᵀx and its minimizer A⁻¹b."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    A = (Q * np.geomspace(1.0, cond, p)) @ Q.T
    b = rng.standard_normal(p)
    return (lambda x: A @ x - b), np.linalg.solve(A, b)


def rosenbrock_grad(z, b=100.0):
    """Gradient of (1 − x)² + b (y − x²)²; minimum at (1, 1)."""
    x, y = z
    r = y - x * x
    return np.array([-2 * (1 - x) - 4 * b * x * r, 2 * b * r])


def trajectory(opt, grad, x0, n_steps):
    """Iterates x_1 … x_n of the optimizer on the gradient field."""
    x, state, out = np.array(x0, dtype=float), opt.init(x0), []
    for _ in range(n_steps):
        u, state = opt.update(grad(x), state, x)
        x = apply_updates(x, u)
        out.append(x)
    return np.array(out), state


def test_sgd_without_momentum_is_plain_gradient_step():
    grad, _ = quadratic()
    x0 = np.ones(10)
    lr = 0.1
    path, state = trajectory(sgd(lr), grad, x0, 25)
    x, manual = x0.copy(), []
    for _ in range(25):
        x = x - lr * grad(x)
        manual.append(x)
    np.testing.assert_array_equal(path, manual)                                   # bit for bit
    np.testing.assert_array_equal(path, trajectory(chain(scale(-lr)), grad, x0, 25)[0])
    np.testing.assert_array_equal(path, trajectory(sgd(constant(lr)), grad, x0, 25)[0])
    np.testing.assert_array_equal(path, trajectory(chain(trace(0.0), scale(-lr)), grad, x0, 25)[0])
    assert state == (state[0],) and state[0] == ()                               # no state to keep


def test_named_constructors_are_sgd_configurations():
    grad, _ = quadratic()
    x0 = np.ones(10)
    np.testing.assert_array_equal(trajectory(momentum(0.05, 0.8), grad, x0, 20)[0],
                                  trajectory(sgd(0.05, momentum=0.8), grad, x0, 20)[0])
    np.testing.assert_array_equal(trajectory(nesterov(0.05, 0.8), grad, x0, 20)[0],
                                  trajectory(sgd(0.05, momentum=0.8, nesterov=True), grad, x0, 20)[0])


def test_nesterov_differs_from_heavy_ball_and_both_converge():
    grad, x_star = quadratic(cond=50.0)
    x0 = np.zeros(10)
    heavy, _ = trajectory(momentum(0.02, 0.9), grad, x0, 600)
    nag, _ = trajectory(nesterov(0.02, 0.9), grad, x0, 600)
    assert np.linalg.norm(heavy[0] - nag[0]) > 1e-3 * np.linalg.norm(heavy[0])
    for path in (heavy, nag):
        assert np.linalg.norm(path[-1] - x_star) < 1e-8 * np.linalg.norm(x_star)
    # on this problem Nesterov's look-ahead damps the oscillation: fewer steps to 1e-4
    err = lambda p: np.linalg.norm(p - x_star, axis=1) / np.linalg.norm(x_star)  # noqa: E731
    assert np.argmax(err(nag) < 1e-4) < np.argmax(err(heavy) < 1e-4)


def test_adagrad_accumulator_is_sum_of_squared_gradients():
    grad, _ = quadratic()
    x0 = np.ones(10)
    path, state = trajectory(adagrad(0.5, eps=1e-10), grad, x0, 15)
    points = np.vstack([x0, path[:-1]])              # where the gradients were taken
    G = np.sum([grad(x) ** 2 for x in points], axis=0)
    np.testing.assert_allclose(state[0].sum_of_squares, G, rtol=1e-14)
    steps = np.diff(np.vstack([x0, path]), axis=0)
    G_k = np.cumsum([grad(x) ** 2 for x in points], axis=0)
    expected = np.array([-0.5 * grad(x) / (np.sqrt(g) + 1e-10) for x, g in zip(points, G_k)])
    np.testing.assert_allclose(steps, expected, rtol=1e-10, atol=1e-15)


def test_adam_with_b1_zero_is_rmsprop_with_bias_correction_schedule():
    """adam(α, β₁=0, β₂=ρ, ε=0) = rmsprop(k ↦ α√(1 − ρ^(k+1)), decay=ρ, ε=0)."""
    grad, _ = quadratic()
    x0 = np.ones(10)
    lr, rho = 0.01, 0.95
    a, a_state = trajectory(adam(lr, b1=0.0, b2=rho, eps=0.0), grad, x0, 50)
    r, r_state = trajectory(rmsprop(lambda k: lr * math.sqrt(1 - rho ** (k + 1)), decay=rho, eps=0.0),
                            grad, x0, 50)
    np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a_state[0].nu, r_state[0].nu, rtol=1e-12)
    # without the correction (plain RMSProp, constant α) the first steps are larger by 1/√(1 − ρ^k)
    plain, _ = trajectory(rmsprop(lr, decay=rho, eps=0.0), grad, x0, 1)
    np.testing.assert_allclose(plain[0] - x0, (a[0] - x0) / math.sqrt(1 - rho), rtol=1e-12)


OPTIMIZERS = {
    # name: (optimizer on the quadratic, optimizer on Rosenbrock)
    "sgd": (sgd(0.15), sgd(1.5e-3)),
    "momentum": (momentum(0.05, 0.9), momentum(1e-3, 0.9)),
    "nesterov": (nesterov(0.05, 0.9), nesterov(1e-3, 0.9)),
    "adagrad": (adagrad(1.0), adagrad(0.5)),
    "rmsprop": (rmsprop(exponential_decay(0.1, 0.5, 40)), rmsprop(exponential_decay(0.01, 0.5, 500))),
    "adam": (adam(exponential_decay(0.1, 0.5, 100)), adam(0.02)),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_converges_on_convex_quadratic(name):
    grad, x_star = quadratic()
    path, _ = trajectory(OPTIMIZERS[name][0], grad, np.zeros(10), 400)
    assert np.linalg.norm(path[-1] - x_star) <= 1e-3 * np.linalg.norm(x_star)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_converges_on_rosenbrock(name):
    path, _ = trajectory(OPTIMIZERS[name][1], rosenbrock_grad, np.array([-1.2, 1.0]), 10_000)
    assert np.linalg.norm(path[-1] - 1.0) < 1e-2


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_input_and_state_not_mutated_and_float32(name):
    opt = OPTIMIZERS[name][0]
    params = np.linspace(-1, 1, 5).astype(np.float32)
    state = opt.init(params)
    g = np.full(5, 0.25, np.float32)
    p_copy, g_copy = params.copy(), g.copy()
    u1, state1 = opt.update(g, state, params)
    u2, _ = opt.update(g, state, params)               # same inputs, same answer
    np.testing.assert_array_equal(params, p_copy)
    np.testing.assert_array_equal(g, g_copy)
    np.testing.assert_array_equal(u1, u2)
    assert u1.dtype == np.float32
    assert apply_updates(params, u1).dtype == np.float32


def test_learning_rate_attribute():
    assert sgd(0.3).learning_rate(10) == 0.3
    sched = exponential_decay(1.0, 0.5, 10)
    for opt in (sgd(sched, momentum=0.5), adagrad(sched), rmsprop(sched), adam(sched)):
        assert opt.learning_rate is sched


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf"), "0.1", None, True,
                                lambda k: 0.0, lambda k: float("nan")])
@pytest.mark.parametrize("make", [sgd, momentum, nesterov, adagrad, rmsprop, adam])
def test_bad_learning_rate(make, lr):
    with pytest.raises(ValueError, match="learning_rate"):
        make(lr)


@pytest.mark.parametrize("make, name", [
    (lambda: sgd(0.1, momentum=1.0), "momentum"),
    (lambda: sgd(0.1, momentum=-0.5), "momentum"),
    (lambda: sgd(0.1, nesterov=True), "nesterov"),
    (lambda: momentum(0.1, beta=1.5), "beta"),
    (lambda: nesterov(0.1, beta=0.0), "beta"),
    (lambda: adagrad(0.1, eps=-1.0), "eps"),
    (lambda: rmsprop(0.1, decay=1.0), "decay"),
    (lambda: adam(0.1, b1=1.0), "b1"),
    (lambda: adam(0.1, b2=1.0), "b2"),
])
def test_bad_hyperparameters(make, name):
    with pytest.raises(ValueError, match=name):
        make()
