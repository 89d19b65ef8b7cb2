"""Deep networks as discretized ODEs, with explicit Jacobian products (lectures 9–10).

Every network follows the layer protocol of :mod:`numdl.layers.base` (STYLE.md §1)
and exposes ``n_in`` and ``n_out``, so networks, single layers and chains of them plug
into the same objectives, solvers and checks:

* :class:`ResidualNetwork` — ``Y_{j+1} = P Y_j + h σ(K_j Y_j + b_j)`` (ResNet,
  plain network, fixed skip matrix; full or antisymmetric kernels);
* :class:`HyperbolicNetwork` — leapfrog ``Y_{j+1} = 2Y_j − Y_{j−1} − h² K_jᵀσ(K_j Y_j + b_j)``;
* :class:`HamiltonianNetwork` — two-stream symplectic (Verlet) network;
* :class:`Sequential` — blocks chained, e.g. opening layer → ResNet → connector → …;
* :mod:`~numdl.networks.kernels` — kernel parametrizations (full, antisymmetric);
* :mod:`~numdl.networks.stability` — eigenvalues, forward-Euler factors, state norms.

The leapfrog and Hamiltonian networks have a ``reversible`` mode that keeps only the
final states and recomputes the others backwards during the adjoint.
"""

from numdl.networks.hamiltonian import HamiltonianCache, HamiltonianNetwork, HamiltonianReversibleCache
from numdl.networks.hyperbolic import HyperbolicCache, HyperbolicNetwork, HyperbolicReversibleCache
from numdl.networks.kernels import AntisymmetricKernel, FullKernel, make_kernel
from numdl.networks.residual import ResidualCache, ResidualNetwork
from numdl.networks.sequential import Sequential, SequentialCache
from numdl.networks.stability import StabilityReport, stability_report, state_norms

__all__ = [
    "AntisymmetricKernel", "FullKernel", "HamiltonianCache", "HamiltonianNetwork",
    "HamiltonianReversibleCache", "HyperbolicCache", "HyperbolicNetwork", "HyperbolicReversibleCache",
    "ResidualCache", "ResidualNetwork", "Sequential", "SequentialCache", "StabilityReport",
    "make_kernel", "stability_report", "state_norms",
]
