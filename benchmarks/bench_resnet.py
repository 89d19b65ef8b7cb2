"""ResNet gradient (forward + adjoint sweep) vs PyTorch autograd (CPU); FLOP rate; reversible memory.

Same work on both sides, same data: the residual network ``Y_{j+1} = Y_j + h tanh(K_j Y_j
+ b_j eᵀ)``, depth ``N = 16``, ``T = 4``, widths ``m ∈ {8, 64, 512}``, batch ``n = 1000``;
scores ``W Y_N`` with a fixed ``W (10, m)``; softmax cross-entropy against random
labels; gradient in ``θ = (K_0, …, K_{N−1}, b_0, …, b_{N−1})``. Ours:
``ResidualNetwork.forward``, :func:`numdl.losses.softmax_cross_entropy`, ``Wᵀ ∇_S E``
and ``ResidualNetwork.jac_theta_tmv`` (one adjoint sweep). PyTorch: the same loop of
``addmm`` and ``tanh`` with ``requires_grad`` on ``K`` and ``b``, ``F.cross_entropy``
and ``loss.backward()``. float32 and float64. PyTorch runs with as many threads as
NumPy's BLAS (``torch.set_num_threads``); every case is repeated with one thread on
both sides (``threadpoolctl``), the steadier comparison on a shared machine. The
notes give the relative difference of the two gradients.

Two more kinds of rows:

* ``matmul bound`` (width 512): ours against the bare matrix products our gradient
  cannot avoid — ``3N − 1`` products ``(m × m)(m × n)`` (forward ``K_j Y_j``, adjoint
  ``G_j Y_jᵀ`` and ``K_jᵀ G_j``, the last one not needed for ``j = 0``), timed as
  ``A @ B`` of the same shapes; the ratio is ``1 / (fraction of the matmul FLOP rate
  reached)``; the notes give both rates.
* ``leapfrog reversible vs stored`` (width 64, depth 8 and 64, one thread): time of one
  gradient of ``½‖Y_N‖²`` with the states recomputed backwards vs stored; the notes give the
  peak memory of each (``tracemalloc``, which sees NumPy's allocations, in a separate
  untimed run).

Skipped, with a message, when PyTorch is not installed (``pip install -e .[bench]``).
"""

from __future__ import annotations

import tracemalloc
from dataclasses import replace

import numpy as np
from harness import Comparison, compare
from threadpoolctl import threadpool_info, threadpool_limits

from numdl.losses import softmax_cross_entropy
from numdl.networks import HyperbolicNetwork, ResidualNetwork

DEPTH, T, N, N_C = 16, 4.0, 1000, 10
WIDTHS = (8, 64, 512)


def _blas_threads() -> int:
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts) if counts else 1


def _problem(width, dtype, rng):
    net = ResidualNetwork(width, DEPTH, T=T)
    theta = net.init_theta(rng, dtype=dtype)
    theta[DEPTH * width * width:] = 0.1 * rng.standard_normal(DEPTH * width)
    Y = rng.standard_normal((width, N)).astype(dtype)
    W = (rng.standard_normal((N_C, width)) / np.sqrt(width)).astype(dtype)
    labels = rng.integers(0, N_C, size=N)
    return net, theta, Y, W, labels


def _ours(net, theta, Y, W, C):
    """Loss and ``∇_θ`` by one forward and one adjoint sweep."""
    Z, cache = net.forward(theta, Y)
    loss = softmax_cross_entropy(W @ Z, C)
    return loss.value, net.jac_theta_tmv(W.T @ loss.grad, theta, Y, cache)


def _compare_torch(torch, threads, dtype, width, rng) -> Comparison:
    import torch.nn.functional as F

    net, theta, Y, W, labels = _problem(width, dtype, rng)
    C = np.eye(N_C, dtype=dtype)[:, labels]
    k, b = net.split_theta(theta)
    K_t = torch.tensor(k.reshape(DEPTH, width, width), requires_grad=True)
    b_t = torch.tensor(b, requires_grad=True)
    Y_t, W_t, labels_t = torch.from_numpy(Y), torch.from_numpy(W), torch.from_numpy(labels)
    h, state = net.h, {}

    def ours():
        state["ours"] = _ours(net, theta, Y, W, C)

    def peer():
        K_t.grad = b_t.grad = None
        Z = Y_t
        for j in range(DEPTH):
            Z = Z + h * torch.tanh(torch.addmm(b_t[j][:, None], K_t[j], Z))
        loss = F.cross_entropy((W_t @ Z).T, labels_t)
        loss.backward()
        state["peer"] = (loss.item(), K_t.grad, b_t.grad)

    name = f"ResNet gradient, m={width}, N={DEPTH}, n={N}, {np.dtype(dtype).name}, {threads} thread(s)"
    torch.set_num_threads(threads)
    with threadpool_limits(threads):
        result = compare(name, ours, peer, repeats=5 if width >= 512 else 9, warmup=1)
    value, grad = state["ours"]
    peer_value, peer_K, peer_b = state["peer"]
    peer_grad = np.concatenate([peer_K.numpy().reshape(-1), peer_b.numpy().reshape(-1)])
    rel = np.linalg.norm(grad - peer_grad) / np.linalg.norm(peer_grad)
    return replace(result, detail=f"loss {value:.6f} vs {peer_value:.6f}; grad rel. diff {rel:.1e}")


def _compare_matmul(threads, dtype, width, rng) -> Comparison:
    """Our gradient vs the ``3N − 1`` bare products ``(m × m)(m × n)`` it contains."""
    net, theta, Y, W, labels = _problem(width, dtype, rng)
    C = np.eye(N_C, dtype=dtype)[:, labels]
    A, B = net.kernel_matrices(theta)[0].copy(), Y.copy()
    out = np.empty_like(B)
    n_products = 3 * DEPTH - 1
    flops = n_products * 2.0 * width * width * N

    def ours():
        _ours(net, theta, Y, W, C)

    def matmuls():
        for _ in range(n_products):
            np.matmul(A, B, out=out)

    with threadpool_limits(threads):
        result = compare(f"matmul bound, m={width}, N={DEPTH}, n={N}, {np.dtype(dtype).name}, {threads} thread(s)",
                         ours, matmuls, repeats=5, warmup=1)
    return replace(result, detail=f"{flops / result.ours_s / 1e9:.1f} GFLOP/s of a matmul rate of "
                                  f"{flops / result.peer_s / 1e9:.1f} GFLOP/s: {1 / result.ratio:.0%} reached")


def _leapfrog_gradient(net, theta, Y):
    Z, cache = net.forward(theta, Y)
    return net.jac_theta_tmv(Z, theta, Y, cache)       # gradient of ½‖Y_N‖²


def _peak_bytes(fun) -> int:
    tracemalloc.start()
    try:
        fun()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _compare_reversible(depth, rng, width=64) -> Comparison:
    stored = HyperbolicNetwork(width, depth, T=2.0)
    reversible = HyperbolicNetwork(width, depth, T=2.0, reversible=True)
    theta = stored.init_theta(rng)
    Y = rng.standard_normal((width, N))
    g_rev, g_sto = _leapfrog_gradient(reversible, theta, Y), _leapfrog_gradient(stored, theta, Y)
    rel = np.linalg.norm(g_rev - g_sto) / np.linalg.norm(g_sto)
    mem = {name: _peak_bytes(lambda net=net: _leapfrog_gradient(net, theta, Y)) / 2**20
           for name, net in (("reversible", reversible), ("stored", stored))}
    with threadpool_limits(1):
        result = compare(f"leapfrog reversible vs stored, m={width}, N={depth}, n={N}, float64, 1 thread",
                         lambda: _leapfrog_gradient(reversible, theta, Y),
                         lambda: _leapfrog_gradient(stored, theta, Y), repeats=7, warmup=1)
    return replace(result, detail=f"peak memory {mem['reversible']:.1f} MiB vs {mem['stored']:.1f} MiB; "
                                  f"grad rel. diff {rel:.1e}")


def run():
    try:
        import torch
    except ImportError:
        print("bench_resnet: PyTorch is not installed (pip install -e .[bench]); skipped")
        return
    previous = torch.get_num_threads()
    rng = np.random.default_rng(0)
    threads = sorted({_blas_threads(), 1}, reverse=True)
    try:
        for n_threads in threads:
            for dtype in (np.float32, np.float64):
                for width in WIDTHS:
                    yield _compare_torch(torch, n_threads, dtype, width, rng)
    finally:
        torch.set_num_threads(previous)
    for n_threads in threads:
        for dtype in (np.float32, np.float64):
            yield _compare_matmul(n_threads, dtype, WIDTHS[-1], rng)
    for depth in (8, 64):
        yield _compare_reversible(depth, rng)
