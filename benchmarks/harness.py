"""Side-by-side timing: ours and a peer alternately, in one process, on the same data."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Comparison:
    name: str
    ours_s: float
    peer_s: float
    detail: str = ""

    @property
    def ratio(self) -> float:
        """Median time ours / peer (below 1: we are faster)."""
        return self.ours_s / self.peer_s

    def row(self) -> str:
        return (f"| {self.name} | {self.ours_s * 1e3:.2f} | {self.peer_s * 1e3:.2f} | "
                f"{self.ratio:.2f} | {self.detail} |")


HEADER = "| case | ours (ms) | peer (ms) | ratio ours/peer | notes |\n|---|---|---|---|---|"


def compare(name: str, ours, peer, *, repeats: int = 7, warmup: int = 1, detail: str = "") -> Comparison:
    """Time ``ours()`` and ``peer()`` alternately and return the median of each."""
    for _ in range(warmup):
        ours()
        peer()
    t_ours, t_peer = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ours()
        t1 = time.perf_counter()
        peer()
        t2 = time.perf_counter()
        t_ours.append(t1 - t0)
        t_peer.append(t2 - t1)
    return Comparison(name, float(np.median(t_ours)), float(np.median(t_peer)), detail)
