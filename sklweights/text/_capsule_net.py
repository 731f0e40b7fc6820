"""The capsule network for text (torch). Imported lazily, only by ``_capsule``.

Written from the equations of Sabour, Frosst & Hinton (2017) and Zhao et al.
(2018): embedding -> n-gram convolution -> primary capsules -> dynamic routing
-> class capsules.
"""

from sklweights.utils._optional import import_torch

torch = import_torch("DomainWeightedCapsuleClassifier")
nn = torch.nn
F = torch.nn.functional

__all__ = ["CapsuleTextNet", "squash", "margin_loss"]


def squash(s, dim=-1, eps=1e-8):
    """``v = |s|^2 / (1 + |s|^2) * s / |s|``, with ``eps`` inside the root."""
    sq = (s * s).sum(dim=dim, keepdim=True)
    return s * (sq / (1.0 + sq)) / torch.sqrt(sq + eps)


def margin_loss(lengths, target, m_plus=0.9, m_minus=0.1, lam=0.5):
    """Per-sample margin loss of Sabour et al. (2017), shape (batch,)."""
    t = F.one_hot(target, lengths.shape[1]).to(lengths.dtype)
    pos = t * F.relu(m_plus - lengths) ** 2
    neg = lam * (1.0 - t) * F.relu(lengths - m_minus) ** 2
    return (pos + neg).sum(dim=1)


class CapsuleTextNet(nn.Module):
    """Capsule network over token ids; ``forward`` returns class-capsule lengths.

    Parameters
    ----------
    vocab_size : int
        Including the padding id 0 and the unknown-word id 1.
    n_classes : int
        Number of classes (class capsules).
    embed_dim, n_filters, kernel_size : int
        Embedding size; n-gram convolution filters and width (same padding).
    n_channels, capsule_dim : int
        Primary capsule channels and their pose size. A document of L tokens
        has ``L * n_channels`` primary capsules.
    class_dim : int
        Pose size of the class capsules.
    routing_iterations : int
        Rounds of dynamic routing.
    dropout : float
        Dropout on the embeddings.
    normalize_routing : bool
        Divide the routed sum by the number of token positions.
    embed_init : ndarray of shape (vocab_size, embed_dim) or None
        Initial word vectors; rows of NaN (and every row when None) are drawn
        from N(0, embed_std^2). The padding row is always zero.
    embed_std : float or None
        Standard deviation of the drawn word vectors; None: ``embed_dim**-0.5``.
    """

    def __init__(
        self,
        vocab_size,
        n_classes,
        *,
        embed_dim=64,
        n_filters=64,
        kernel_size=3,
        n_channels=8,
        capsule_dim=8,
        class_dim=16,
        routing_iterations=3,
        dropout=0.2,
        normalize_routing=True,
        embed_init=None,
        embed_std=None,
    ):
        super().__init__()
        self.n_classes = n_classes
        self.n_channels = n_channels
        self.capsule_dim = capsule_dim
        self.class_dim = class_dim
        self.routing_iterations = routing_iterations
        self.normalize_routing = normalize_routing
        self.kernel_size = kernel_size
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        with torch.no_grad():
            # N(0, 1/embed_dim): unit expected norm per word. torch's N(0, 1)
            # (the package's first default) gives norms of sqrt(embed_dim),
            # which the convolution then has to shrink (see the user guide)
            w = self.embedding.weight
            w.normal_(0.0, embed_dim**-0.5 if embed_std is None else embed_std)
            if embed_init is not None:
                init = torch.as_tensor(embed_init, dtype=w.dtype)
                known = ~torch.isnan(init).any(dim=1)
                w[known] = init[known]
            w[0].zero_()
        self.drop = nn.Dropout(dropout)
        self.conv = nn.Conv1d(
            embed_dim, n_filters, kernel_size, padding=kernel_size // 2
        )
        self.primary = nn.Conv1d(n_filters, n_channels * capsule_dim, 1)
        # One transformation per (capsule channel, class): shared over
        # positions, so any document length works with the same weights.
        self.weight = nn.Parameter(
            torch.randn(n_channels, n_classes, class_dim, capsule_dim)
            / capsule_dim**0.5
        )

    def forward(self, ids):
        batch, length = ids.shape
        mask = ids != 0  # (B, L); padding never votes
        e = self.drop(self.embedding(ids))  # (B, L, E)
        h = F.relu(self.conv(e.transpose(1, 2)))[..., :length]  # (B, F, L)
        u = self.primary(h).transpose(1, 2)  # (B, L, K*P)
        u = squash(u.reshape(batch, length, self.n_channels, self.capsule_dim))
        # prediction vectors u_hat_{j|i} = W_{k(i), j} u_i: (B, L, K, C, D)
        u_hat = torch.einsum("blkp,kcdp->blkcd", u, self.weight)
        u_hat = u_hat.reshape(batch, length * self.n_channels, self.n_classes, -1)
        m = mask.repeat_interleave(self.n_channels, dim=1).to(u_hat.dtype)
        v = self.route(u_hat, m)
        return torch.sqrt((v * v).sum(-1) + 1e-12)  # (B, C) capsule lengths

    def route(self, u_hat, m):
        """Dynamic routing by agreement (Sabour et al. 2017, procedure 1)."""
        logits = torch.zeros(u_hat.shape[:3], dtype=u_hat.dtype, device=u_hat.device)
        scale = 1.0
        if self.normalize_routing:
            # average over token positions (sum over channels): the class
            # capsules' input no longer grows with the document's length
            scale = self.n_channels / m.sum(dim=1).clamp(min=1.0)[:, None, None]
        for it in range(self.routing_iterations):
            c = torch.softmax(logits, dim=2) * m[..., None]  # (B, N, C)
            s = (c[..., None] * u_hat).sum(dim=1) * scale  # (B, C, D)
            v = squash(s)
            if it < self.routing_iterations - 1:
                logits = logits + (u_hat * v[:, None]).sum(-1)
        return v
