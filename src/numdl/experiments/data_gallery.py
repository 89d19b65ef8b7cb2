"""A look at the data sets of the course: the synthetic 2-D sets and the digits."""

from __future__ import annotations

import numpy as np

from numdl.data import SYNTHETIC, digits_images, to_labels
from numdl.experiments.registry import experiment
from numdl.plot import plot_montage, plot_point_sets


@experiment("data-gallery", "Figures of every synthetic 2-D data set and a digits montage", lecture=1)
def data_gallery(ctx):
    n = ctx.size(2000, 300)
    sets = {}
    rows = []
    metrics = {}
    for name, make in SYNTHETIC.items():
        Y, C = make(n, seed=ctx.rng)
        sets[name] = (Y, C)
        counts = np.bincount(to_labels(C), minlength=C.shape[0])
        rows.append({"data set": name, "examples": Y.shape[1], "classes": C.shape[0],
                     "per class (min-max)": f"{counts.min()}-{counts.max()}"})
        key = name.replace("-", "_")
        metrics[f"{key}_n_classes"] = C.shape[0]
        metrics[f"{key}_min_per_class"] = int(counts.min())
        metrics[f"{key}_max_per_class"] = int(counts.max())
    plot_point_sets(sets, ctx.figure_path("synthetic_sets"))

    images, C = digits_images()
    labels = to_labels(C)
    counts = np.bincount(labels, minlength=10)
    rows.append({"data set": "digits (8x8)", "examples": images.shape[-1], "classes": 10,
                 "per class (min-max)": f"{counts.min()}-{counts.max()}"})
    metrics.update(digits_examples=images.shape[-1], digits_min_per_class=int(counts.min()),
                   digits_max_per_class=int(counts.max()))
    pick = ctx.rng.choice(images.shape[-1], size=ctx.size(48, 16), replace=False)
    plot_montage(images[..., pick], ctx.figure_path("digits_montage"),
                 labels=[str(k) for k in labels[pick]], title="scikit-learn digits (8×8)")
    ctx.table(rows, title="Data sets")
    return metrics
