"""Lecture 10: antisymmetric kernels are unstable under forward Euler, stable under leapfrog.

An antisymmetric kernel ``K = U − Uᵀ`` (``γ = 0``) has purely imaginary eigenvalues
``λ = ±iω``: the ODE ``Ẏ = σ(K Y)`` neither grows nor decays near ``Y = 0``. Two
discretizations with the same kernel in every layer and no bias:

* forward Euler (:class:`~numdl.networks.ResidualNetwork` with
  ``kernel="antisymmetric"``): ``Y_{j+1} = Y_j + h tanh(K Y_j)``. Its amplification
  ``|1 + hλ| = √(1 + h²ω²) > 1`` for *every* ``h > 0``: the states grow with the
  depth (geometrically while they are small; once tanh saturates, the energy still
  grows by about ``h²`` per entry and step);
* leapfrog (:class:`~numdl.networks.HyperbolicNetwork`, same ``K``):
  ``Y_{j+1} = 2Y_j − Y_{j−1} − h² Kᵀ tanh(K Y_j)``, a time-reversible, energy-
  conserving scheme, stable for ``h² ‖Kᵀ diag(σ') K‖ ≤ 4`` (here ``h ≤ 2``): the
  states stay bounded at any depth.

``K`` is drawn at random and scaled to ``‖K‖₂ = 1`` (so ``max ω = 1`` and the Euler
factor is ``√(1 + h²)``); ``Y_0 ~ N(0, 0.1²)``, 50 examples, width 8. The growth
``‖Y_N‖_F / ‖Y_0‖_F`` is measured over a range of depths ``N`` at fixed step
``h = 0.5`` (``T = N h`` grows) and at fixed final time ``T = 8`` (``h = T/N``
shrinks: Euler's growth decreases towards 1 but stays above it).
"""

from __future__ import annotations

import numpy as np

from numdl.experiments.registry import experiment
from numdl.networks import HyperbolicNetwork, ResidualNetwork, state_norms
from numdl.plot import plot_curves

H_FIXED = 0.5
T_FIXED = 8.0


def antisymmetric_parameters(width: int, rng) -> np.ndarray:
    """Entries of ``U`` above the diagonal (row by row) with ``‖U − Uᵀ‖₂ = 1``."""
    u = rng.standard_normal(width * (width - 1) // 2)
    net = ResidualNetwork(width, 1, h=1.0, kernel="antisymmetric", bias=None)
    return u / np.linalg.norm(net.kernel_matrices(u)[0], 2)


def networks(width: int, depth: int, u: np.ndarray, *, h: float):
    """Forward Euler and leapfrog networks with the kernel ``K(u)`` in every layer, no bias.

    Returns ``((euler, θ_euler), (leapfrog, θ_leapfrog), K)``.
    """
    euler = ResidualNetwork(width, depth, h=h, kernel="antisymmetric", bias=None)
    theta_e = euler.layout.join(np.tile(u, (depth, 1)), None)
    K = euler.kernel_matrices(theta_e)[0]
    leapfrog = HyperbolicNetwork(width, depth, h=h, bias=None)
    theta_l = leapfrog.layout.join(np.tile(K.reshape(-1), (depth, 1)), None)
    return (euler, theta_e), (leapfrog, theta_l), K


def growth(net, theta, Y0) -> np.ndarray:
    """``‖Y_j‖_F / ‖Y_0‖_F`` for ``j = 0, …, N``."""
    norms = state_norms(net, theta, Y0)
    return norms / norms[0]


@experiment("antisymmetric-euler-vs-leapfrog",
            "Antisymmetric kernels: forward Euler grows for every h, leapfrog stays bounded", lecture=10)
def antisymmetric_euler_vs_leapfrog(ctx):
    rng = ctx.rng
    width, n = 8, 50
    max_log2 = ctx.size(9, 6)
    u = antisymmetric_parameters(width, rng)
    Y0 = 0.1 * rng.standard_normal((width, n))
    euler_factor = float(np.sqrt(1 + H_FIXED**2))

    sweeps = {"fixed_h": (2 ** np.arange(2, max_log2 + 1), lambda N: H_FIXED),
              "fixed_T": (2 ** np.arange(4, max_log2 + 1), lambda N: T_FIXED / N)}
    rows, metrics, results = [], {"width": width, "h_fixed": H_FIXED, "T_fixed": T_FIXED,
                                  "euler_factor_fixed_h": euler_factor}, {}
    for sweep, (depths, step) in sweeps.items():
        out = {"Euler": [], "leapfrog": [], "Euler max": [], "leapfrog max": []}
        for N in ctx.progress(depths, desc=sweep):
            (euler, th_e), (leap, th_l), K = networks(width, int(N), u, h=step(N))
            g_e, g_l = growth(euler, th_e, Y0), growth(leap, th_l, Y0)
            lam = np.linalg.eigvals(K)
            out["Euler"].append(g_e[-1])
            out["leapfrog"].append(g_l[-1])
            out["Euler max"].append(g_e.max())
            out["leapfrog max"].append(g_l.max())
            rows.append({"sweep": sweep.replace("_", " "), "N": int(N), "h": step(N), "T": N * step(N),
                         "max Re λ(K)": float(lam.real.max()),
                         "max |1+hλ|": float(np.abs(1 + step(N) * lam).max()),
                         "Euler ‖Y_N‖/‖Y_0‖": g_e[-1], "leapfrog ‖Y_N‖/‖Y_0‖": g_l[-1],
                         "leapfrog max_j": g_l.max()})
            if sweep == "fixed_h" and N == depths[-1]:
                results["layers"] = {"forward Euler": g_e, "leapfrog": g_l}
        results[sweep] = (depths, out)
        metrics.update({f"euler_growth_{sweep}_deepest": out["Euler"][-1],
                        f"leapfrog_growth_{sweep}_deepest": out["leapfrog"][-1],
                        f"euler_growth_{sweep}_min": float(np.min(out["Euler"])),
                        f"leapfrog_growth_{sweep}_max": float(np.max(out["leapfrog max"])),
                        f"deepest_{sweep}": int(depths[-1])})

    depths, out = results["fixed_h"]
    plot_curves(depths, {"forward Euler": out["Euler"], "leapfrog": out["leapfrog"]},
                ctx.figure_path("growth_fixed_h"), xlabel="depth N", ylabel="‖Y_N‖ / ‖Y_0‖", logx=True,
                logy=True,
                title=f"antisymmetric K, fixed step h = {H_FIXED:g} (T = N h, |1+hλ| ≤ {euler_factor:.3f})")
    depths, out = results["fixed_T"]
    plot_curves(depths, {"forward Euler": out["Euler"], "leapfrog": out["leapfrog"]},
                ctx.figure_path("growth_fixed_T"), xlabel="depth N (h = T/N)", ylabel="‖Y_N‖ / ‖Y_0‖",
                logx=True, logy=True, title=f"antisymmetric K, fixed final time T = {T_FIXED:g}")
    layers = results["layers"]
    plot_curves(np.arange(layers["leapfrog"].size), layers, ctx.figure_path("states_through_depth"),
                xlabel="layer j", ylabel="‖Y_j‖ / ‖Y_0‖", logy=True, markers=False,
                title=f"states through depth, h = {H_FIXED:g}, N = {layers['leapfrog'].size - 1}")
    ctx.table(rows, title=f"antisymmetric kernel (‖K‖₂ = 1, width {width}): forward Euler vs. leapfrog")
    return metrics
