"""Kernel helpers shared by DebiasedMF and BalancedPropensity (numpy and torch)."""

import numpy as np


def median_gamma(features, rng, *, n_pairs=2000):
    """``1 / median(squared distance)`` over random pairs of rows (median heuristic)."""
    n = features.shape[0]
    a = rng.randint(0, n, size=n_pairs)
    b = rng.randint(0, n, size=n_pairs)
    d2 = ((features[a] - features[b]) ** 2).sum(axis=1)
    d2 = d2[d2 > 0]
    med = float(np.median(d2)) if d2.size else 1.0
    return 1.0 / med if med > 0 else 1.0


def kernel_numpy(a, b, *, kernel, gamma):
    """Gram matrix ``K(a_i, b_j)`` of the rbf or laplacian kernel (numpy)."""
    d2 = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T
    d2 = np.maximum(d2, 0.0)
    if kernel == "rbf":
        return np.exp(-gamma * d2)
    return np.exp(-gamma * np.sqrt(d2))


def kernel_torch(torch, a, b, *, kernel, gamma):
    """Gram matrix ``K(a_i, b_j)`` of the rbf or laplacian kernel (torch)."""
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    d2 = torch.clamp(d2, min=0.0)
    if kernel == "rbf":
        return torch.exp(-gamma * d2)
    return torch.exp(-gamma * torch.sqrt(d2 + 1e-12))
