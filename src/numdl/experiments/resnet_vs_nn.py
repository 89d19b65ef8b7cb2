"""Lectures 9–10: a residual network is easier to train than a plain network of the same size.

Two networks of equal width ``m`` and depth ``N`` share one parameter layout
``θ = (K_0, …, K_{N−1}, b_0, …, b_{N−1})``:

* ResNet: ``Y_{j+1} = Y_j + h tanh(K_j Y_j + b_j)`` with ``h = T/N`` (forward Euler);
* plain network: ``Y_{j+1} = tanh(K_j Y_j + b_j)`` (``P = 0``, ``h = 1``).

Both read the same inputs ``Y_0`` (peaks points lifted to ``m`` features by a fixed
random opening layer) and feed the same fixed random softmax classifier ``W``; the
objective is ``E(θ) = CE(W [Y_N(θ); eᵀ], C)``. At random weights
``K_j ~ N(0, g²/m)``, ``b_j ~ N(0, 0.1²)`` with a small (``g = 0.5``) and a large
(``g = 3``) gain, the experiment shows:

* **the objective along a line** ``θ(t) = (1 − t) θ₀ + t θ₁``, ``t ∈ [0, 1]``, between
  two such draws. Its roughness is measured on ``n_t`` equispaced ``t``:

      roughness = Σ_i |f_{i+1} − 2 f_i + f_{i−1}| / (max f − min f),

  the total variation of the first differences (the slope) relative to the range of
  ``f``. It is scale-free; for a smooth curve it is about ``Δt ∫|f''| / range`` and
  goes to zero as the grid is refined, for a wiggly curve it stays of order one or
  more (each oscillation adds about twice its relative height).
* **the gradient** ``∇_θ E`` at ``θ₀``: histograms of its entries and the norms
  ``‖∇K_j‖_F`` per layer. Backpropagation multiplies by the layer Jacobians
  ``diag(σ'_j) K_j`` (plain) or ``I + h diag(σ'_j) K_j`` (ResNet): for the plain
  network the products shrink (small gain: the gradient *vanishes* in the first
  layers) or grow (large gain: it *explodes*) geometrically with depth, while the
  ResNet's stay near the identity. ``first/last`` is ``‖∇K_0‖ / ‖∇K_{N−1}‖``.
"""

from __future__ import annotations

import numpy as np

from numdl.data import Standardizer, peaks
from numdl.experiments.registry import experiment
from numdl.layers import SingleLayer
from numdl.networks import ResidualNetwork
from numdl.objectives import NetworkObjective
from numdl.plot import plot_curves, plot_histograms

GAINS = {"small": 0.5, "large": 3.0}
T_FINAL = 4.0
N_CLASSES = 5


def roughness(f: np.ndarray) -> float:
    """``Σ_i |f_{i+1} − 2f_i + f_{i−1}| / (max f − min f)`` (see the module docstring)."""
    f = np.asarray(f, dtype=np.float64)
    spread = float(np.ptp(f))
    return float(np.abs(np.diff(f, 2)).sum() / spread) if spread > 0 else 0.0


def random_theta(net: ResidualNetwork, gain: float, rng) -> np.ndarray:
    """Kernels ``N(0, gain²/m)`` and biases ``N(0, 0.1²)`` in the network's layout."""
    kernels = gain * rng.standard_normal((net.depth, net.width * net.width)) / np.sqrt(net.width)
    return net.layout.join(kernels, 0.1 * rng.standard_normal((net.depth, net.width)))


@experiment("resnet-vs-nn", "ResNet vs. plain network: objective along a line, vanishing/exploding gradients",
            lecture=10)
def resnet_vs_nn(ctx):
    rng = ctx.rng
    width, depth = 8, ctx.size(16, 8)
    n, n_t = ctx.size(500, 200), ctx.size(401, 101)
    Y, C = peaks(n, N_CLASSES, seed=rng)
    Y = Standardizer().fit(Y).transform(Y)
    opening = SingleLayer(2, width, "tanh")
    Y0 = opening.forward(np.concatenate([rng.standard_normal(2 * width), rng.uniform(-1, 1, width)]), Y)[0]
    W = np.zeros((N_CLASSES, width + 1))
    W[:, :width] = rng.standard_normal((N_CLASSES, width)) / np.sqrt(width)
    nets = {"ResNet": ResidualNetwork(width, depth, T=T_FINAL),
            "plain": ResidualNetwork(width, depth, h=1.0, P="zero")}
    objectives = {name: NetworkObjective(net, Y0, C) for name, net in nets.items()}
    layout = nets["ResNet"].layout
    ts = np.linspace(0.0, 1.0, n_t)

    rows, metrics, layer_norms = [], {"width": width, "depth": depth, "h_resnet": nets["ResNet"].h}, {}
    for label, gain in ctx.progress(GAINS.items(), desc="gains"):
        theta0 = random_theta(nets["ResNet"], gain, rng)
        theta1 = random_theta(nets["ResNet"], gain, rng)
        curves, grads = {}, {}
        for name, obj in objectives.items():
            curves[name] = np.array([obj(obj.join((1 - t) * theta0 + t * theta1, W)).value for t in ts])
            grads[name] = obj(obj.join(theta0, W)).grad[:obj.n_theta]
            gK = np.linalg.norm(layout.split(grads[name], "grad")[0], axis=1)
            layer_norms[f"{name}, gain {gain:g}"] = gK
            key = f"{name.lower()}_{label}"
            metrics.update({f"roughness_{key}": roughness(curves[name]), f"range_{key}": float(np.ptp(curves[name])),
                            f"grad_norm_{key}": float(np.linalg.norm(grads[name])),
                            f"grad_first_over_last_{key}": float(gK[0] / gK[-1])})
            rows.append({"gain": gain, "network": name, "roughness": metrics[f"roughness_{key}"],
                         "range of E": metrics[f"range_{key}"], "‖∇θ E‖": metrics[f"grad_norm_{key}"],
                         "‖∇K_0‖": gK[0], "‖∇K_N−1‖": gK[-1], "first/last": gK[0] / gK[-1]})
        plot_curves(ts, curves, ctx.figure_path(f"line_{label}_gain"), xlabel="t", ylabel="E(θ(t))",
                    markers=False, title=f"objective along θ(t) = (1−t)θ₀ + tθ₁, gain {gain:g}")
        plot_histograms({f"{name}: ‖∇θE‖ = {np.linalg.norm(g):.2g}": g for name, g in grads.items()},
                        ctx.figure_path(f"gradient_histogram_{label}_gain"), logy=True, xlabel="entry of ∇θ E",
                        title=f"gradient entries at random θ, gain {gain:g} (N = {depth})")
    plot_curves(np.arange(depth), layer_norms, ctx.figure_path("gradient_norms_per_layer"), xlabel="layer j",
                ylabel="‖∇K_j E‖_F", logy=True, title=f"gradient per layer, m = {width}, N = {depth}")
    ctx.table(rows, title=f"ResNet (h = {nets['ResNet'].h:g}) vs. plain network, m = {width}, N = {depth}, "
                          f"random weights")
    return metrics
