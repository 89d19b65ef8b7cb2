"""A look at the data sets of the course: the synthetic 2-D sets and the digits."""

from __future__ import annotations

import numpy as np

from numdl.data import SYNTHETIC, digits_images, shapes_segmentation, to_labels
from numdl.experiments.registry import experiment
from numdl.plot import plot_montage, plot_point_sets


@experiment("data-gallery", "Figures of every synthetic 2-D data set, a digits montage and segmentation samples", lecture=1)
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
    seg = shapes_segmentation(ctx.size(64, 8), size=32, seed=ctx.rng)
    k = min(8, seg.images.shape[-1])
    pairs = np.concatenate([seg.images[..., :k],
                            np.repeat(seg.labels[None, ..., :k] / (seg.n_classes - 1), 3, axis=0)], axis=-1)
    plot_montage(pairs, ctx.figure_path("segmentation_samples"), ncols=k,
                 labels=[f"image {j}" for j in range(k)] + [f"labels {j}" for j in range(k)],
                 title="Segmentation shapes: images and per-pixel labels "
                       "(black background, then disc, rectangle, triangle)")
    pixel_share = np.bincount(seg.labels.ravel(), minlength=seg.n_classes) / seg.labels.size
    rows.append({"data set": "segmentation shapes", "examples": seg.images.shape[-1],
                 "classes": seg.n_classes, "per class (min-max)": "pixel share "
                 + " / ".join(f"{p:.0%}" for p in pixel_share)})
    metrics.update(segmentation_examples=seg.images.shape[-1],
                   **{f"segmentation_pixel_share_{name}": float(p)
                      for name, p in zip(seg.class_names, pixel_share)})
    ctx.table(rows, title="Data sets")
    return metrics
