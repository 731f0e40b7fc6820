"""The unfolded ISTA / FISTA / IHT network (torch). Imported lazily by ``_unfolded``.

Each layer is one proximal-gradient iteration on
``F(x) = 1/2 ||y - x D||^2 + reg * penalty(x)`` (row vectors: ``y`` a
measurement, ``x`` its code, ``D`` the dictionary with one atom per row), with
its own learned step ``alpha_t = theta_t / L`` and, for the FISTA unfolding,
its own learned momentum ``beta_t``:

    z_t     = x_{t-1} + beta_t (x_{t-1} - x_{t-2})            (FISTA only)
    x_t     = prox_{alpha_t reg penalty}(z_t + alpha_t (y - z_t D) D^T)

with ``x_0 = x_{-1} = 0``; the proximal map is the soft threshold at
``alpha_t reg`` (l1) or the hard threshold at ``sqrt(2 alpha_t reg)`` (l0).
"""

import math

import numpy as np

from sklweights.utils._optional import import_torch

torch = import_torch("the unfolded sparse solvers")
nn = torch.nn

__all__ = ["UnfoldedNetwork", "fista_momenta"]

#: Smallest step (in units of 1/L) a layer may learn: a step of zero would
#: freeze its layer, and a negative one is not a gradient step.
MIN_STEP = 1e-6


def fista_momenta(n_layers):
    """FISTA's momentum of each layer (Beck & Teboulle, 2009).

    With ``t_1 = 1`` and ``t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2``, layer
    ``k`` extrapolates with ``(t_{k-1} - 1) / t_k`` (0 for the first two).
    """
    t = [1.0]
    for _ in range(n_layers):
        t.append((1.0 + math.sqrt(1.0 + 4.0 * t[-1] ** 2)) / 2.0)
    return np.array([0.0] + [(t[k - 1] - 1.0) / t[k] for k in range(1, n_layers)])


class UnfoldedNetwork(nn.Module):
    """``n_layers`` proximal-gradient layers with learned steps (and momenta).

    Parameters
    ----------
    dictionary : ndarray of shape (n_atoms, n_features), float64
        One atom per row.
    lipschitz : float
        ``L = ||D||_2^2``; the steps are ``theta / L``.
    reg : float
        Weight of the penalty.
    penalty : {"l1", "l0"}
        The penalty: soft (ISTA) or hard (IHT) thresholding.
    init_step : float
        Initial ``theta`` of every layer (1.0: plain ISTA/IHT's 1/L).
    max_step : float or None
        Largest ``theta`` (projection after each optimizer step).
    accelerated : bool
        FISTA's extrapolation before each layer, with learned momenta
        initialised at FISTA's.
    learn_steps, learn_momenta : bool
        Which parameters train.
    """

    def __init__(
        self,
        dictionary,
        *,
        lipschitz,
        n_layers,
        reg,
        penalty,
        init_step,
        max_step,
        accelerated,
        learn_steps,
        learn_momenta,
    ):
        super().__init__()
        d64 = torch.as_tensor(np.asarray(dictionary, dtype=np.float64))
        self.n_layers = int(n_layers)
        self.lipschitz = float(lipschitz)
        self.reg = float(reg)
        self.penalty = penalty
        self.max_step = None if max_step is None else float(max_step)
        self.accelerated = bool(accelerated)
        n_atoms, n_features = d64.shape
        # the Gram form (u + alpha (y D^T - u G)) costs n_atoms^2 a row and
        # layer, the residual form (u + alpha (y - u D) D^T) 2 n_atoms
        # n_features: take the cheaper one
        self.use_gram = n_atoms <= 2 * n_features
        # float32 copies train (and move to the device with the module);
        # float64 ones, plain attributes (MPS has no float64), serve float64
        # input in transform
        self.register_buffer("dictionary", d64.to(torch.float32))
        self.register_buffer("gram", (d64 @ d64.T).to(torch.float32))
        self._float64 = {"dictionary": d64, "gram": d64 @ d64.T}
        self.steps = nn.Parameter(
            torch.full((self.n_layers,), float(init_step), dtype=torch.float32),
            requires_grad=bool(learn_steps),
        )
        if self.accelerated:
            self.momenta = nn.Parameter(
                torch.as_tensor(fista_momenta(self.n_layers), dtype=torch.float32),
                requires_grad=bool(learn_momenta),
            )
        else:
            self.momenta = None

    # ---------------------------------------------------------------- parts
    def _matrices(self, y):
        if y.dtype == torch.float64:
            return (
                self._float64["dictionary"].to(y.device),
                self._float64["gram"].to(y.device),
            )
        return self.dictionary.to(y.dtype), self.gram.to(y.dtype)

    def step_sizes(self, dtype=torch.float64):
        """The layers' steps ``alpha_t = theta_t / L`` (a tensor of ``dtype``)."""
        return self.steps.to(dtype) / self.lipschitz

    def prox(self, u, alpha):
        """The proximal map of ``alpha * reg * penalty`` at ``u``."""
        if self.penalty == "l1":
            return torch.sign(u) * torch.relu(u.abs() - alpha * self.reg)
        # l0: keep the entries whose magnitude exceeds sqrt(2 alpha reg)
        return u * (u.abs() > torch.sqrt(2.0 * alpha * self.reg)).to(u.dtype)

    @torch.no_grad()
    def project_(self):
        """Clip the learned parameters to their allowed ranges (in place)."""
        self.steps.clamp_(min=MIN_STEP, max=self.max_step)
        if self.momenta is not None:
            self.momenta.clamp_(min=0.0, max=1.0)

    # -------------------------------------------------------------- forward
    def forward(self, y, n_layers=None, all_layers=False):
        """Codes after ``n_layers`` layers (all by default) for measurements ``y``.

        ``all_layers=True`` returns every layer's codes, shape
        ``(batch, n_layers, n_atoms)``.
        """
        depth = self.n_layers if n_layers is None else int(n_layers)
        D, G = self._matrices(y)
        alphas = self.step_sizes(y.dtype)
        betas = None if self.momenta is None else self.momenta.to(y.dtype)
        b = y @ D.T if self.use_gram else None
        x = y.new_zeros((y.shape[0], D.shape[0]))
        previous = x
        outputs = []
        for t in range(depth):
            if betas is not None and t > 0:
                u = x + betas[t] * (x - previous)
            else:
                u = x
            if self.use_gram:
                grad_step = b - u @ G
            else:
                grad_step = (y - u @ D) @ D.T
            previous, x = x, self.prox(u + alphas[t] * grad_step, alphas[t])
            if all_layers:
                outputs.append(x)
        if all_layers:
            return torch.stack(outputs, dim=1)
        return x

    def objective(self, y, x):
        """Per-row objective ``1/2 ||y - x D||^2 + reg * penalty(x)``."""
        D, _ = self._matrices(y)
        fit = 0.5 * ((y - x @ D) ** 2).sum(dim=1)
        if self.penalty == "l1":
            return fit + self.reg * x.abs().sum(dim=1)
        # ||x||_0 has no gradient: it adds to the value only
        return fit + self.reg * (x != 0).sum(dim=1).to(y.dtype)
