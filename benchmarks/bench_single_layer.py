"""Single layer Z = σ(K Y + b): gradient in (K, b) of a softmax loss, ours vs PyTorch autograd (CPU).

Same work on both sides, same data: forward ``Z = σ(K Y + b eᵀ)`` with ``K (m, 64)``,
``Y (64, 4096)``; scores ``W Z`` with a fixed ``W (10, m)``; softmax cross-entropy
against integer labels; gradient ``(∇K, ∇b)``. Ours: ``SingleLayer.forward``, the
loss gradient in plain NumPy, ``Wᵀ ∇_S E`` and ``SingleLayer.jac_theta_tmv``.
PyTorch: the same forward with ``requires_grad`` on ``K`` and ``b``,
``F.cross_entropy`` and ``loss.backward()``. Widths ``m ∈ {64, 1024}``, float32 and
float64, ``σ ∈ {tanh, relu}``. PyTorch runs with as many threads as NumPy's BLAS
(``torch.set_num_threads``); NumPy's elementwise operations are single-threaded,
PyTorch's are not. Every case is repeated with one thread on both sides
(``threadpoolctl``): on a machine shared with other jobs the multi-thread timings
of both sides are dominated by descheduled threads (a parallel region waits for
its slowest thread), the one-thread rows are the steadier comparison.
The relative difference of the two gradients is in the notes.
Skipped, with a message, when PyTorch is not installed (``pip install -e .[bench]``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from harness import Comparison, compare
from threadpoolctl import threadpool_info, threadpool_limits

from numdl.layers import SingleLayer

N_IN, N, N_C = 64, 4096, 10


def _blas_threads() -> int:
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts) if counts else 1


def _ours(layer, theta, Y, W, labels):
    """Loss value and flat gradient ``(vec ∇K, ∇b)`` with the layer's transposed Jacobian."""
    n = Y.shape[1]
    cols = np.arange(n)
    Z, cache = layer.forward(theta, Y)
    S = W @ Z
    S -= S.max(axis=0)
    value = -S[labels, cols].sum()
    P = np.exp(S, out=S)
    sums = P.sum(axis=0)
    value = (value + np.log(sums).sum()) / n
    P /= sums
    P[labels, cols] -= 1
    P /= n
    return value, layer.jac_theta_tmv(W.T @ P, theta, Y, cache)


def _cases(max_threads):
    for threads in sorted({max_threads, 1}, reverse=True):
        for activation in ("tanh", "relu"):
            for dtype in (np.float32, np.float64):
                for width in (64, 1024):
                    yield threads, activation, dtype, width


def _compare_case(torch, threads, activation, dtype, width, rng) -> Comparison:
    """Build one case's data, time both sides and note how far their results differ."""
    import torch.nn.functional as F

    layer = SingleLayer(N_IN, width, activation)
    theta = layer.init_theta(rng, dtype=dtype)
    theta[width * N_IN:] = 0.1 * rng.standard_normal(width)
    Y = rng.standard_normal((N_IN, N)).astype(dtype)
    W = (rng.standard_normal((N_C, width)) / np.sqrt(width)).astype(dtype)
    labels = rng.integers(0, N_C, size=N)

    K0, b0 = layer.split_theta(theta)
    K_t, b_t = torch.tensor(K0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    Y_t, W_t, labels_t = torch.from_numpy(Y), torch.from_numpy(W), torch.from_numpy(labels)
    act_t = {"tanh": torch.tanh, "relu": torch.relu}[activation]
    state = {}

    def ours():
        state["ours"] = _ours(layer, theta, Y, W, labels)

    def peer():
        K_t.grad = b_t.grad = None
        Z = act_t(torch.addmm(b_t[:, None], K_t, Y_t))
        loss = F.cross_entropy((W_t @ Z).T, labels_t)
        loss.backward()
        state["peer"] = (loss.item(), K_t.grad, b_t.grad)

    name = f"single layer {activation}, m={width}, n_in={N_IN}, n={N}, {np.dtype(dtype).name}, {threads} thread(s)"
    torch.set_num_threads(threads)
    with threadpool_limits(threads):
        result = compare(name, ours, peer, repeats=9, warmup=2)
    value, grad = state["ours"]
    peer_value, peer_K, peer_b = state["peer"]
    peer_grad = np.concatenate([peer_K.numpy().reshape(-1), peer_b.numpy()])
    rel = np.linalg.norm(grad - peer_grad) / np.linalg.norm(peer_grad)
    return replace(result, detail=f"loss {value:.6f} vs {peer_value:.6f}; grad rel. diff {rel:.1e}")


def run():
    try:
        import torch
    except ImportError:
        print("bench_single_layer: PyTorch is not installed (pip install -e .[bench]); skipped")
        return
    previous = torch.get_num_threads()
    rng = np.random.default_rng(0)
    try:
        for case in _cases(_blas_threads()):
            yield _compare_case(torch, *case, rng)
    finally:
        torch.set_num_threads(previous)
