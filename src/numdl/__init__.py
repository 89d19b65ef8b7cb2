"""numdl — Numerical Methods for Deep Learning, from scratch.

Conventions (see README): features are columns, ``Y`` has shape ``(n_f, n)``;
labels ``C`` have shape ``(n_c, n)``; image batches are ``(c, h, w, n)``;
all trainable parameters of an object form one flat vector ``theta``.
"""

__version__ = "0.1.0"
