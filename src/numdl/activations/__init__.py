"""Activation functions with their derivatives: ``act(x) -> (σ(x), σ'(x))`` (lectures 7–8)."""

from numdl.activations.functions import (ACTIVATIONS, Activation, Identity, ReLU, Sigmoid, Sin,
                                         SmoothReLU, Softplus, Tanh, get_activation)

__all__ = [
    "ACTIVATIONS", "Activation", "Identity", "ReLU", "Sigmoid", "Sin", "SmoothReLU",
    "Softplus", "Tanh", "get_activation",
]
