"""Gradient transformations: update rules against hand-written recurrences, purity, chaining."""

import math

import numpy as np
import pytest

from numdl.optim.schedules import constant, inverse_time
from numdl.optim.transforms import (EmptyState, GradientTransformation, ScaleByAdamState,
                                    add_decayed_weights, apply_updates, chain, scale,
                                    scale_by_adam, scale_by_learning_rate, scale_by_rms,
                                    scale_by_rss, scale_by_schedule, trace)


def gradients(k=6, p=5, seed=0):
    """A fixed sequence of k random 'gradients' of size p (no zero entries)."""
    return list(np.random.default_rng(seed).standard_normal((k, p)))


def run(tx, grads, params=None):
    """Feed the gradients through the transformation; the list of updates and the final state."""
    params = np.zeros_like(grads[0]) if params is None else params
    state = tx.init(params)
    out = []
    for g in grads:
        u, state = tx.update(g, state, params)
        out.append(u)
    return out, state


def test_apply_updates():
    p = np.array([1.0, 2.0], dtype=np.float32)
    out = apply_updates(p, np.array([0.5, -1.0]))
    np.testing.assert_array_equal(out, [1.5, 1.0])
    assert out.dtype == np.float32 and out is not p
    with pytest.raises(ValueError, match="updates"):
        apply_updates(p, np.zeros(3))


def test_scale():
    (u,), state = run(scale(-0.5), [np.array([2.0, -4.0])])
    np.testing.assert_array_equal(u, [-1.0, 2.0])
    assert state == EmptyState()


def test_scale_by_schedule_counts_from_zero():
    us, state = run(scale_by_schedule(lambda k: 10.0**k), [np.ones(2)] * 4)
    np.testing.assert_array_equal(np.array(us)[:, 0], [1.0, 10.0, 100.0, 1000.0])
    assert state.count == 4


def test_scale_by_learning_rate():
    tx = scale_by_learning_rate(0.1)
    assert tx.learning_rate(7) == 0.1
    (u,), _ = run(tx, [np.array([1.0, -2.0])])
    np.testing.assert_array_equal(u, [-0.1, 0.2])
    sched = inverse_time(1.0, 1.0)
    us, _ = run(scale_by_learning_rate(sched), [np.ones(1)] * 3)
    np.testing.assert_allclose(np.ravel(us), [-1.0, -0.5, -1 / 3], rtol=1e-15)
    assert scale_by_learning_rate(sched).learning_rate is sched


def test_trace_heavy_ball_is_classical_momentum():
    """chain(trace(β), scale(−α)) gives v_k = β v_{k−1} − α g_k."""
    grads, beta, alpha = gradients(), 0.8, 0.05
    us, state = run(chain(trace(beta), scale(-alpha)), grads)
    v = np.zeros(5)
    for g, u in zip(grads, us):
        v = beta * v - alpha * g
        np.testing.assert_allclose(u, v, rtol=1e-13, atol=1e-15)
    m = sum(beta ** (len(grads) - 1 - i) * g for i, g in enumerate(grads))
    np.testing.assert_allclose(state[0].trace, m, rtol=1e-13)


def test_trace_nesterov_is_sutskever_lookahead():
    """Iterates of the Nesterov form are Sutskever's look-ahead points θ_k + β v_k."""
    rng = np.random.default_rng(1)
    M = rng.standard_normal((4, 4))
    A = M @ M.T + np.eye(4)
    b = rng.standard_normal(4)
    grad = lambda x: A @ x - b  # noqa: E731
    alpha, beta = 0.02, 0.9
    opt = chain(trace(beta, nesterov=True), scale(-alpha))
    phi = rng.standard_normal(4)
    theta, v = phi.copy(), np.zeros(4)
    state = opt.init(phi)
    for _ in range(30):
        u, state = opt.update(grad(phi), state, phi)
        phi = apply_updates(phi, u)
        v = beta * v - alpha * grad(theta + beta * v)
        theta = theta + v
        np.testing.assert_allclose(phi, theta + beta * v, rtol=1e-12, atol=1e-14)


def test_trace_zero_decay_is_identity():
    grads = gradients()
    us, _ = run(trace(0.0), grads)
    for g, u in zip(grads, us):
        np.testing.assert_array_equal(u, g)


def test_scale_by_rss_accumulates_squared_gradients():
    grads, eps, G0 = gradients(k=7), 1e-3, 0.5
    us, state = run(scale_by_rss(eps, G0), grads)
    np.testing.assert_allclose(state.sum_of_squares, G0 + np.sum(np.square(grads), axis=0),
                               rtol=1e-15)
    G = np.full(5, G0)
    for g, u in zip(grads, us):
        G = G + g**2
        np.testing.assert_allclose(u, g / (np.sqrt(G) + eps), rtol=1e-15)
    (u,), _ = run(scale_by_rss(0.0), [np.array([3.0, -0.01])])
    np.testing.assert_allclose(u, [1.0, -1.0], rtol=1e-15)  # first AdaGrad step: sign(g)


def test_scale_by_rms_moving_average():
    rho, eps = 0.9, 1e-6
    g1, g2 = np.array([1.0, -2.0]), np.array([3.0, 0.5])
    (u1, u2), state = run(scale_by_rms(rho, eps), [g1, g2])
    nu1 = 0.1 * g1**2
    nu2 = 0.9 * nu1 + 0.1 * g2**2
    np.testing.assert_allclose(state.nu, nu2, rtol=1e-15)
    np.testing.assert_allclose(u1, g1 / (np.sqrt(nu1) + eps), rtol=1e-15)
    np.testing.assert_allclose(u2, g2 / (np.sqrt(nu2) + eps), rtol=1e-15)


def test_scale_by_adam_against_recurrence():
    b1, b2, eps = 0.8, 0.95, 1e-7
    grads = gradients(k=8)
    us, state = run(scale_by_adam(b1, b2, eps), grads)
    m = v = np.zeros(5)
    for k, (g, u) in enumerate(zip(grads, us), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        expected = (m / (1 - b1**k)) / (np.sqrt(v / (1 - b2**k)) + eps)
        np.testing.assert_allclose(u, expected, rtol=1e-14)
    assert isinstance(state, ScaleByAdamState) and state.count == 8
    # first step: the bias corrections give m̂ = g, v̂ = g², so u = g / (|g| + ε)
    (u,), _ = run(scale_by_adam(b1, b2, 0.0), grads[:1])
    np.testing.assert_allclose(u, np.sign(grads[0]), rtol=1e-15)


def test_adam_without_first_moment_is_bias_corrected_rms():
    """β₁ = 0, ε = 0: Adam = RMS scaling (ρ = β₂) times the schedule √(1 − β₂^k)."""
    b2 = 0.99
    grads = gradients(k=20)
    adam_us, adam_state = run(scale_by_adam(b1=0.0, b2=b2, eps=0.0), grads)
    rms = chain(scale_by_rms(decay=b2, eps=0.0),
                scale_by_schedule(lambda k: math.sqrt(1 - b2 ** (k + 1))))
    rms_us, rms_state = run(rms, grads)
    np.testing.assert_allclose(adam_us, rms_us, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(adam_state.nu, rms_state[0].nu)  # the same moving average
    np.testing.assert_array_equal(adam_state.mu, grads[-1])       # the first moment is g


def test_add_decayed_weights():
    tx = add_decayed_weights(0.1)
    u, _ = tx.update(np.array([1.0, 1.0]), tx.init(np.zeros(2)), np.array([2.0, -3.0]))
    np.testing.assert_allclose(u, [1.2, 0.7], rtol=1e-15)
    with pytest.raises(ValueError, match="params"):
        tx.update(np.ones(2), tx.init(np.zeros(2)))


def test_chain_composes_in_order_and_keeps_learning_rate():
    tx = chain(add_decayed_weights(1.0), scale(2.0), scale_by_learning_rate(0.5))
    theta = np.array([1.0, -1.0])
    state = tx.init(theta)
    assert isinstance(state, tuple) and len(state) == 3
    u, _ = tx.update(np.array([1.0, 1.0]), state, theta)
    np.testing.assert_array_equal(u, [-2.0, 0.0])  # −0.5 · 2 · (g + θ)
    assert tx.learning_rate(3) == 0.5
    assert chain(scale(1.0)).learning_rate is None
    with pytest.raises(ValueError, match="state"):
        tx.update(np.ones(2), state[:2], theta)


TRANSFORMS = {
    "scale": lambda: scale(-0.1),
    "schedule": lambda: scale_by_schedule(constant(0.1)),
    "trace": lambda: trace(0.9),
    "nesterov": lambda: trace(0.9, nesterov=True),
    "rss": lambda: scale_by_rss(initial_accumulator=0.1),
    "rms": lambda: scale_by_rms(),
    "adam": lambda: scale_by_adam(),
    "decay": lambda: add_decayed_weights(1e-2),
    "chain": lambda: chain(scale_by_adam(), add_decayed_weights(1e-2), scale(-1e-3)),
}


def _arrays(state):
    """The arrays in a (nested) state, copied."""
    if isinstance(state, np.ndarray):
        return [state.copy()]
    if isinstance(state, tuple):
        return [a for s in state for a in _arrays(s)]
    return []


@pytest.mark.parametrize("name", TRANSFORMS)
def test_pure_functions_do_not_mutate(name):
    tx = TRANSFORMS[name]()
    assert isinstance(tx, GradientTransformation)
    rng = np.random.default_rng(2)
    params = rng.standard_normal(6)
    state = tx.init(params)
    for _ in range(2):
        g = rng.standard_normal(6)
        g_copy, p_copy, s_copy = g.copy(), params.copy(), _arrays(state)
        u, new_state = tx.update(g, state, params)
        np.testing.assert_array_equal(g, g_copy)
        np.testing.assert_array_equal(params, p_copy)
        for a, b in zip(_arrays(state), s_copy):
            np.testing.assert_array_equal(a, b)
        assert u is not g and u.shape == g.shape
        state = new_state
    # the same state and gradient give the same update (no hidden state)
    again, _ = tx.update(g, state, params)
    np.testing.assert_array_equal(again, tx.update(g, state, params)[0])


@pytest.mark.parametrize("name", TRANSFORMS)
def test_float32_stays_float32(name):
    tx = TRANSFORMS[name]()
    params = np.ones(4, np.float32)
    state = tx.init(params)
    for a in _arrays(state):
        assert a.dtype == np.float32
    u, state = tx.update(np.full(4, 0.5, np.float32), state, params)
    assert u.dtype == np.float32
    for a in _arrays(state):
        assert a.dtype == np.float32


@pytest.mark.parametrize("make, name", [
    (lambda: scale(float("nan")), "step"),
    (lambda: scale_by_schedule(0.1), "schedule"),
    (lambda: trace(1.0), "decay"),
    (lambda: trace(-0.1), "decay"),
    (lambda: scale_by_rss(eps=-1.0), "eps"),
    (lambda: scale_by_rss(initial_accumulator=-1.0), "initial_accumulator"),
    (lambda: scale_by_rms(decay=1.0), "decay"),
    (lambda: scale_by_rms(eps=float("inf")), "eps"),
    (lambda: scale_by_adam(b1=1.0), "b1"),
    (lambda: scale_by_adam(b2=-0.5), "b2"),
    (lambda: add_decayed_weights(-1e-3), "weight_decay"),
    (lambda: chain(scale(1.0), "adam"), "transforms"),
    (lambda: scale_by_learning_rate(0.0), "learning_rate"),
    (lambda: scale_by_learning_rate(lambda k: -1.0), "learning_rate"),
])
def test_bad_arguments(make, name):
    with pytest.raises(ValueError, match=name):
        make()
