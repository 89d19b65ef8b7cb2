"""Lecture 11: derivative (Taylor) and adjoint tests of whole deep networks and of their objective.

For every network ``Z = f(θ, Y)`` (ResNet, plain network, antisymmetric ResNet,
leapfrog, Hamiltonian, the reversible variants, an opening layer chained with a
ResNet) the sensitivity sweep ``J v`` is checked by the Taylor test,

    E0(h) = ‖f(θ + h v) − f(θ)‖ = O(h),    E1(h) = ‖f(θ + h v) − f(θ) − h J_θ v‖ = O(h²),

(and the same in ``Y``), and the adjoint sweep ``Jᵀ w`` by the dot-product test
``|w·(J v) − v·(Jᵀ w)| / scale ≈ 10⁻¹⁶``. The objective
``E(θ, W) = CE(W [Z(θ); 1], C) + R(θ)`` (softmax cross-entropy, smoothness in depth
and weight decay) gets the Taylor test of its gradient and the symmetry test of its
Gauss-Newton mat-vec; VarPro's reduced objective the Taylor test of its gradient.

The experiment prints the Taylor tables in ``θ`` (columns ``E0``, ``E1`` with the
observed orders ``log₂ E(h)/E(h/2)``), a pass/fail summary, and plots ``E0`` and
``E1`` against ``h`` on log-log axes.
"""

from __future__ import annotations

import numpy as np

from numdl.checks import CheckResult, LayerCase, ObjectiveCase, adjoint_test
from numdl.experiments.registry import experiment
from numdl.layers import SingleLayer
from numdl.networks import HamiltonianNetwork, HyperbolicNetwork, ResidualNetwork, Sequential
from numdl.objectives import Evaluation, NetworkObjective, VarProObjective
from numdl.plot import plot_curves
from numdl.regularizers import DepthSmoothness


def _networks(width: int, depth: int) -> dict:
    return {
        "resnet": ResidualNetwork(width, depth, T=2.0),
        "plain": ResidualNetwork(width, depth, h=1.0, P="zero"),
        "antisymmetric": ResidualNetwork(width, depth, T=2.0, kernel="antisymmetric", gamma=0.1),
        "leapfrog": HyperbolicNetwork(width, depth, T=2.0),
        "leapfrog-reversible": HyperbolicNetwork(width, depth, T=2.0, reversible=True),
        "hamiltonian": HamiltonianNetwork(width, depth, T=2.0),
        "hamiltonian-reversible": HamiltonianNetwork(width, depth, T=2.0, reversible=True),
        "opening+resnet": Sequential(SingleLayer(2, width, "tanh"), ResidualNetwork(width, depth, T=2.0)),
    }


def _gradient_only(fun):
    """The objective with its value and gradient only (its GN mat-vec is not the Hessian)."""
    def evaluate(x):
        ev = fun(x)
        return Evaluation(ev.value, ev.grad)
    return evaluate


def _objective_cases(rng, width: int, depth: int, n: int) -> dict:
    model = Sequential(SingleLayer(2, width, "tanh"), ResidualNetwork(width, depth, T=2.0))
    Y = rng.standard_normal((2, n))
    C = np.eye(3)[:, rng.integers(0, 3, n)]
    reg = DepthSmoothness(model, 0.1, lam=0.01)
    obj = NetworkObjective(model, Y, C, lam_W=0.01, reg_theta=reg)
    phi = VarProObjective(model, Y, C, lam_W=0.1, reg_theta=reg, inner_rtol=1e-13)
    return {"objective": (obj, rng.standard_normal(obj.n_params)),
            "varpro": (phi, rng.standard_normal(phi.n_params))}


@experiment("resnet-derivative-test", "Taylor and adjoint tests of whole deep networks and of their objective",
            lecture=11)
def resnet_derivative_test(ctx):
    rng = ctx.rng
    width, depth, n = ctx.size(6, 4), ctx.size(8, 4), ctx.size(10, 5)
    rows, metrics, curves = [], {"width": width, "depth": depth}, {}
    n_checks = n_passed = 0

    def record(name, results):
        nonlocal n_checks, n_passed
        for res in results:
            n_checks += 1
            n_passed += res.passed
            rows.append({"case": name, "test": res.test, "result": "ok" if res.passed else "FAIL",
                         "detail": res.detail})
            key = f"{name}_{res.test}".replace("-", "_").replace("+", "_")
            if res.test.startswith("taylor"):
                if not res.result.roundoff:
                    metrics[f"order_{key}"] = res.result.tail_order
            else:
                metrics[f"rel_error_{key}"] = res.result.rel_error

    for name, net in ctx.progress(_networks(width, depth).items(), desc="networks"):
        theta = 0.5 * rng.standard_normal(net.n_params)
        Y = rng.standard_normal((net.n_in, n))
        results = LayerCase(net, theta, Y).run(name, seed=rng)
        taylor = results[0].result
        ctx.echo(f"\n{name}: Taylor test in θ ({net.n_params} parameters)\n{taylor.table()}")
        curves[name] = taylor
        record(name, results)

    for name, (fun, x) in _objective_cases(rng, width, depth, 3 * n).items():
        results = ObjectiveCase(_gradient_only(fun), x).run(name, seed=rng)
        ctx.echo(f"\n{name}: Taylor test of the gradient ({x.size} unknowns)\n{results[0].result.table()}")
        curves[name] = results[0].result
        if name == "objective":
            hess_mv = fun(x).hess_mv
            sym = adjoint_test(hess_mv, hess_mv, x.shape, x.shape, seed=rng)
            results.append(CheckResult(name, "gn-symmetry", sym.passed, sym.summary(), sym))
        record(name, results)

    ctx.echo("")
    ctx.table(rows, title=f"derivative and adjoint checks (width {width}, depth {depth}, {n} examples)")
    ctx.echo(f"{n_passed} of {n_checks} checks passed")

    h = curves["resnet"].h
    plot_curves(h, {"E0 = ‖f(θ+hv) − f(θ)‖": curves["resnet"].errors[:, 0],
                    "E1 = ‖f(θ+hv) − f(θ) − h J v‖": curves["resnet"].errors[:, 1],
                    "O(h)": h * curves["resnet"].errors[0, 0], "O(h²)": h**2 * curves["resnet"].errors[0, 1]},
                ctx.figure_path("taylor_resnet"), xlabel="h", ylabel="error", logx=True, logy=True,
                title=f"Taylor test of the ResNet in θ (m = {width}, N = {depth})")
    plot_curves({k: t.h for k, t in curves.items()}, {k: t.errors[:, 1] for k, t in curves.items()},
                ctx.figure_path("taylor_all_E1"), xlabel="h", ylabel="E1 (second-order error)",
                logx=True, logy=True, markers=False, title="Taylor tests: E1 of every network and objective")
    metrics.update(n_checks=n_checks, n_passed=n_passed, all_passed=n_passed == n_checks)
    return metrics
