"""Layers: maps ``Z = f(θ, Y)`` with forward propagation and explicit Jacobian products.

Every layer follows the protocol of :mod:`numdl.layers.base` (STYLE.md §1).
"""

from numdl.layers.base import Layer, jacobian_operator, linearize
from numdl.layers.dense import SingleLayer, SingleLayerCache

__all__ = ["Layer", "SingleLayer", "SingleLayerCache", "jacobian_operator", "linearize"]
