"""The mini-batch training loop: convergence to lstsq, bookkeeping, best iterate, divergence, prox."""

import numpy as np
import pytest
from scipy.optimize import minimize

from numdl.objectives import Evaluation, LinearClassifierObjective
from numdl.optim.prox import L1Prox, soft_threshold
from numdl.optim.result import ConvergenceWarning
from numdl.optim.schedules import cosine_decay, step_decay
from numdl.optim.stochastic import adam, momentum, sgd
from numdl.optim.training import TrainResult, train
from numdl.optim.transforms import chain, scale


def least_squares(n=400, p=6, noise=0.1, seed=0):
    """f(θ) = (1/n) Σ_i ½(y_iᵀθ − c_i)² with features as columns of Y (p, n); the mini-batch
    objective is the mean over idx. Returns the objective, Y, c and the lstsq solution."""
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((p, n)) * np.linspace(0.5, 2.0, p)[:, None]
    c = Y.T @ rng.standard_normal(p) + noise * rng.standard_normal(n)

    def objective(theta, idx):
        with np.errstate(over="ignore", invalid="ignore"):
            Yb = Y[:, idx]
            r = Yb.T @ theta - c[idx]
            return Evaluation(0.5 * float(r @ r) / idx.size, Yb @ r / idx.size)

    return objective, Y, c, np.linalg.lstsq(Y.T, c, rcond=None)[0]


def test_minibatch_training_converges_to_lstsq():
    obj, Y, c, x_ls = least_squares()
    theta0 = np.zeros(6)
    with np.errstate(all="raise"):
        res = train(obj, theta0, momentum(cosine_decay(0.01, 600), 0.9), n_examples=400,
                    batch_size=20, epochs=30, seed=0)
    assert isinstance(res, TrainResult)
    assert np.linalg.norm(res.theta - x_ls) <= 1e-3 * np.linalg.norm(x_ls)
    np.testing.assert_array_equal(theta0, 0.0)                      # not mutated
    h = res.history
    np.testing.assert_array_equal(h["epoch"], np.arange(1, 31))
    assert h["objective"][-1] < 1e-2 * h["objective"][0]
    f_ls = 0.5 * np.mean((Y.T @ x_ls - c) ** 2)
    assert h["objective"][-1] == pytest.approx(f_ls, rel=0.05)      # epoch mean near the optimum
    assert not res.stopped_early and res.reason == "completed 30 epochs"
    assert res.n_grad_evals == 30 * 20 and res.n_examples == 30 * 400
    np.testing.assert_array_equal(h["n_grad_evals"], 20 * np.arange(1, 31))
    np.testing.assert_array_equal(h["n_examples"], 400 * np.arange(1, 31))


def test_full_batch_is_gradient_descent_and_history_is_exact():
    """batch_size = n: each epoch is one gradient step; history holds f and ‖∇f‖ at its start."""
    obj, *_ = least_squares(n=100)
    full = np.arange(100)
    lr = 0.05
    res = train(obj, np.zeros(6), sgd(lr), n_examples=100, batch_size=100, epochs=40, seed=3)
    x, values, gnorms = np.zeros(6), [], []
    for _ in range(40):
        ev = obj(x, full)
        values.append(ev.value)
        gnorms.append(np.linalg.norm(ev.grad))
        x = x - lr * ev.grad
    np.testing.assert_allclose(res.theta_last, x, rtol=1e-11)
    np.testing.assert_allclose(res.history["objective"], values, rtol=1e-11)
    np.testing.assert_allclose(res.history["grad_norm"], gnorms, rtol=1e-11)
    np.testing.assert_array_equal(res.history["learning_rate"], lr)
    assert res.n_grad_evals == 40


def test_counts_with_a_short_last_batch_and_seeding():
    obj, *_ = least_squares()
    kw = dict(n_examples=400, batch_size=30, epochs=3, progress=False)
    a = train(obj, np.zeros(6), sgd(0.01), seed=7, **kw)
    assert a.n_grad_evals == 3 * 14 and a.n_examples == 3 * 400   # 13 batches of 30 and one of 10
    b = train(obj, np.zeros(6), sgd(0.01), seed=np.random.default_rng(7), **kw)
    np.testing.assert_array_equal(a.theta_last, b.theta_last)
    c = train(obj, np.zeros(6), sgd(0.01), seed=8, **kw)
    assert np.linalg.norm(a.theta_last - c.theta_last) > 1e-8


def test_batches_are_a_permutation_each_epoch():
    seen = []

    def obj(theta, idx):
        seen.append(idx.copy())
        return Evaluation(float(theta @ theta), 2 * theta)

    train(obj, np.ones(2), sgd(0.1), n_examples=10, batch_size=4, epochs=3, seed=0)
    assert [len(i) for i in seen] == [4, 4, 2] * 3
    epochs = [np.concatenate(seen[3 * e:3 * e + 3]) for e in range(3)]
    for order in epochs:
        np.testing.assert_array_equal(np.sort(order), np.arange(10))
    assert not np.array_equal(epochs[0], epochs[1])


def test_best_iterate_by_validation():
    """Validation = distance to θ_ls/2, passed on the way from 0 to θ_ls: best is mid-way."""
    obj, _, _, x_ls = least_squares()
    iterates = []
    res = train(obj, np.zeros(6), sgd(0.002), n_examples=400, batch_size=40, epochs=25, seed=1,
                validation=lambda th: float(np.linalg.norm(th - 0.5 * x_ls)),
                callback=lambda epoch, th, rec: iterates.append(th))
    val = res.history["validation"]
    assert res.best_epoch == int(np.argmin(val)) + 1
    assert 1 < res.best_epoch < 25
    assert res.best_value == val.min()
    np.testing.assert_array_equal(res.theta, iterates[res.best_epoch - 1])
    np.testing.assert_array_equal(res.theta_last, iterates[-1])
    assert np.linalg.norm(res.theta_last - x_ls) < np.linalg.norm(res.theta - x_ls)


def test_best_iterate_can_be_the_start():
    obj, *_ = least_squares()
    theta0 = np.zeros(6)
    res = train(obj, theta0, sgd(0.01), n_examples=400, batch_size=40, epochs=3, seed=0,
                validation=lambda th: float(np.linalg.norm(th)))
    assert res.best_epoch == 0 and res.best_value == 0.0
    np.testing.assert_array_equal(res.theta, theta0)


def test_best_iterate_without_validation_uses_training_objective():
    obj, *_ = least_squares()
    # a learning rate that is fine for 5 epochs and then too large: the objective goes up
    lr = lambda k: 0.02 if k < 5 * 20 else 0.6  # noqa: E731
    res = train(obj, np.zeros(6), sgd(lr), n_examples=400, batch_size=20, epochs=10, seed=0)
    h = res.history["objective"]
    assert res.best_epoch == int(np.argmin(h)) + 1 == 5
    assert h[-1] > 1e6 * h[4] and np.isfinite(h[-1]) and not res.stopped_early
    assert "validation" not in res.history


def test_divergence_stops_with_the_epoch_and_keeps_the_best_iterate():
    obj, _, _, x_ls = least_squares()
    lr = lambda k: 0.02 if k < 5 * 20 else 50.0  # noqa: E731
    val = lambda th: float(np.linalg.norm(th - x_ls))  # noqa: E731
    with pytest.warns(ConvergenceWarning, match=r"diverged.*epoch \d+.*best iterate \(epoch 5\)"):
        res = train(obj, np.zeros(6), sgd(lr), n_examples=400, batch_size=20, epochs=50, seed=0,
                    validation=val)
    assert res.stopped_early and res.reason.startswith("diverged")
    epoch = int(res.reason.split("epoch ")[1].split()[0])
    assert 6 <= epoch < 50 and res.n_epochs == epoch - 1
    assert res.best_epoch == 5 and np.all(np.isfinite(res.theta))
    assert val(res.theta) == res.best_value == res.history["validation"][4] < val(np.zeros(6))
    assert np.all(np.isfinite(res.theta_last))
    assert len(res.history["validation"]) == epoch - 1


def test_divergence_in_the_first_epoch_returns_the_start():
    obj, *_ = least_squares()
    theta0 = np.full(6, 0.1)
    with pytest.warns(ConvergenceWarning, match="epoch 1 "):
        res = train(obj, theta0, sgd(1e30), n_examples=400, batch_size=20, epochs=5, seed=0)
    assert res.best_epoch == 0 and res.n_epochs == 0 and res.best_value == np.inf
    np.testing.assert_array_equal(res.theta, theta0)
    assert res.history["objective"].shape == (0,)


def test_callback_can_stop_training():
    obj, *_ = least_squares()
    records = []

    def callback(epoch, theta, record):
        records.append(record)
        return epoch == 3

    res = train(obj, np.zeros(6), adam(0.01), n_examples=400, batch_size=50, epochs=10, seed=0,
                callback=callback)
    assert res.n_epochs == 3 and res.stopped_early and "callback" in res.reason
    assert [r["epoch"] for r in records] == [1, 2, 3]
    assert set(records[0]) == {"epoch", "objective", "grad_norm", "learning_rate",
                               "n_grad_evals", "n_examples"}


def test_learning_rate_history_follows_the_schedule():
    obj, *_ = least_squares()
    res = train(obj, np.zeros(6), sgd(step_decay(0.04, 0.5, 20)), n_examples=400, batch_size=20,
                epochs=4, seed=0)
    np.testing.assert_allclose(res.history["learning_rate"], 0.04 * 0.5 ** np.arange(4), rtol=1e-15)


def orthogonal_lasso(n=40, p=8, seed=0):
    """Mean least squares with AᵀA = I: min (1/n)·½‖Aθ − b‖² + λ‖θ‖₁ is solved by S_{nλ}(Aᵀb)."""
    rng = np.random.default_rng(seed)
    A, _ = np.linalg.qr(rng.standard_normal((n, p)))
    b = A @ np.array([3.0, -2.0, 0.0, 0.0, 0.5, 0.0, -0.2, 1.0]) + 0.1 * rng.standard_normal(n)

    def objective(theta, idx):
        r = A[idx] @ theta - b[idx]
        return Evaluation(0.5 * float(r @ r) / idx.size, A[idx].T @ r / idx.size)

    return objective, A, b


def test_proximal_training_is_the_lasso_solution_with_exact_zeros():
    obj, A, b = orthogonal_lasso()
    n, lam = 40, 0.015
    exact = soft_threshold(A.T @ b, n * lam)
    assert 0 < np.count_nonzero(exact) < 8
    res = train(obj, np.zeros(8), sgd(n / 2), n_examples=n, batch_size=n, epochs=80, seed=0,
                prox=L1Prox(lam))
    np.testing.assert_allclose(res.theta_last, exact, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(res.theta_last == 0, exact == 0)


def test_proximal_sgd_with_minibatches_gives_sparse_iterates():
    obj, A, b = orthogonal_lasso()
    n, lam = 40, 0.015
    exact = soft_threshold(A.T @ b, n * lam)
    res = train(obj, np.zeros(8), sgd(cosine_decay(4.0, 400)), n_examples=n, batch_size=4,
                epochs=40, seed=0, prox=L1Prox(lam, mask=np.arange(8)))
    assert np.count_nonzero(res.theta_last == 0) >= 1                 # exact zeros
    np.testing.assert_allclose(res.theta_last, exact, atol=0.05)


def test_linear_classifier_reaches_the_lbfgs_objective():
    """Adam on mini-batches of a softmax objective gets close to the deterministic optimum."""
    rng = np.random.default_rng(0)
    Y = rng.standard_normal((4, 300))
    labels = np.argmax(rng.standard_normal((3, 4)) @ Y + 0.5 * rng.standard_normal((3, 300)), axis=0)
    C = np.eye(3)[:, labels]
    obj = LinearClassifierObjective(Y, C, lam=1e-2)
    ref = minimize(lambda t: (obj(t).value, obj(t).grad), np.zeros(obj.n_params), jac=True,
                   method="L-BFGS-B", options={"gtol": 1e-10})
    res = train(obj, np.zeros(obj.n_params), adam(cosine_decay(0.05, 600)), n_examples=300,
                batch_size=20, epochs=40, seed=0)
    assert obj(res.theta).value <= ref.fun + 1e-3


def test_float32_parameters_stay_float32():
    obj, *_ = least_squares()

    def obj32(theta, idx):
        ev = obj(theta.astype(np.float64), idx)
        return Evaluation(ev.value, ev.grad.astype(np.float32))

    res = train(obj32, np.zeros(6, np.float32), adam(0.01), n_examples=400, batch_size=40,
                epochs=3, seed=0)
    assert res.theta.dtype == np.float32 and res.theta_last.dtype == np.float32


@pytest.mark.parametrize("change, name", [
    (dict(batch_size=0), "batch_size"),
    (dict(batch_size=401), "batch_size"),
    (dict(batch_size=2.5), "batch_size"),
    (dict(epochs=0), "epochs"),
    (dict(n_examples=0), "n_examples"),
    (dict(theta0=np.zeros((6, 1))), "theta0"),
    (dict(theta0=np.full(6, np.nan)), "theta0"),
    (dict(objective="f"), "objective"),
    (dict(objective=lambda th, idx: Evaluation(0.0, np.zeros(5))), "objective"),
    (dict(optimizer=sgd), "optimizer"),
    (dict(validation=3.0), "validation"),
    (dict(validation=lambda th: float("nan")), "validation"),
    (dict(prox=L1Prox(0.1), optimizer=chain(scale(-0.1))), "prox"),
    (dict(seed="s"), "seed"),
])
def test_bad_arguments(change, name):
    obj, *_ = least_squares()
    kw = dict(objective=obj, theta0=np.zeros(6), optimizer=sgd(0.01), n_examples=400,
              batch_size=20, epochs=2, seed=0)
    kw.update(change)
    with pytest.raises(ValueError, match=name):
        train(kw.pop("objective"), kw.pop("theta0"), kw.pop("optimizer"), **kw)
