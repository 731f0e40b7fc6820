"""The one optimizer policy of the torch estimators.

``make_optimizer(params, name=..., learning_rate=..., weight_decay=...,
momentum=...)`` is the only place an optimizer is built:

``"adam"``
    Adam (Kingma & Ba, 2015) with L2 ``weight_decay`` added to the gradient
    (``torch.optim.Adam``'s convention, not AdamW's decoupled decay).
``"sgd"``
    Stochastic gradient descent with heavy-ball ``momentum`` (torch's
    convention: ``b <- momentum * b + g``, ``p <- p - lr * b``, the first
    step taking ``b = g``) and the same L2 decay.

On a CUDA device these are torch's own optimizers (fused Adam: one kernel per
step instead of several per parameter; small models are launch-bound on a
GPU). On the CPU they are the two small classes below, which apply the same
updates (tested against torch's to float rounding): constructing any
``torch.optim.Optimizer`` imports ``torch._dynamo``, 1.5-2.5 s of start-up on
a loaded 2-core machine, paid by every first fit of a process.

Both kinds expose ``param_groups`` (a list of dicts with an ``"lr"`` key) so
that one learning-rate schedule drives either.
"""

from sklweights.utils._optional import import_torch

__all__ = ["OPTIMIZERS", "make_optimizer"]

#: The accepted values of an estimator's ``optimizer`` parameter.
OPTIMIZERS = ("adam", "sgd")

#: Adam's moment decay rates and denominator guard (torch's defaults).
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


class _CPUOptimizer:
    """Parameters in one group, ``zero_grad`` and per-parameter state."""

    def __init__(self, params, **group):
        self.param_groups = [{"params": list(params), **group}]
        self.state = {}

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def _grads(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if group["weight_decay"]:
                    g = g.add(p, alpha=group["weight_decay"])
                yield group, p, g, self.state.setdefault(id(p), {})


class Adam(_CPUOptimizer):
    """Adam with L2 weight decay; the update of ``torch.optim.Adam``."""

    def __init__(self, params, *, lr, weight_decay=0.0):
        super().__init__(params, lr=lr, weight_decay=weight_decay)
        self.t = 0

    def step(self):
        torch = import_torch()
        self.t += 1
        b1, b2 = ADAM_BETAS
        c1 = 1 - b1**self.t
        c2 = 1 - b2**self.t
        with torch.no_grad():
            for group, p, g, st in self._grads():
                if not st:
                    st["m"] = torch.zeros_like(p)
                    st["v"] = torch.zeros_like(p)
                m, v = st["m"], st["v"]
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = (v / c2).sqrt_().add_(ADAM_EPS)
                p.addcdiv_(m, denom, value=-group["lr"] / c1)


class SGD(_CPUOptimizer):
    """SGD with heavy-ball momentum and L2 decay; the update of ``torch.optim.SGD``."""

    def __init__(self, params, *, lr, weight_decay=0.0, momentum=0.0):
        super().__init__(params, lr=lr, weight_decay=weight_decay, momentum=momentum)

    def step(self):
        torch = import_torch()
        with torch.no_grad():
            for group, p, g, st in self._grads():
                mu = group["momentum"]
                if mu:
                    if "buf" not in st:
                        st["buf"] = g.detach().clone()
                    else:
                        st["buf"].mul_(mu).add_(g)
                    g = st["buf"]
                p.add_(g, alpha=-group["lr"])


def make_optimizer(
    params, *, name="adam", learning_rate, weight_decay=0.0, momentum=0.0
):
    """The optimizer of one set of parameters, by the package's one policy.

    Parameters
    ----------
    params : iterable of torch.nn.Parameter
        The parameters to optimise.
    name : {"adam", "sgd"}, default="adam"
        Adam, or stochastic gradient descent with momentum.
    learning_rate : float
        Step size.
    weight_decay : float, default=0.0
        L2 penalty added to the gradient.
    momentum : float, default=0.0
        SGD's momentum (Adam has none; a non-zero value is an error there).

    Returns
    -------
    optimizer : object
        With ``zero_grad()``, ``step()`` and ``param_groups``.
    """
    torch = import_torch()
    params = list(params)
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {name!r}.")
    if name == "adam" and momentum:
        raise ValueError(
            f"momentum={momentum} applies to optimizer='sgd' only; Adam's "
            "moment estimates replace it."
        )
    cuda = bool(params) and params[0].device.type == "cuda"
    if name == "adam":
        if cuda:
            return torch.optim.Adam(
                params, lr=learning_rate, weight_decay=weight_decay, fused=True
            )
        return Adam(params, lr=learning_rate, weight_decay=weight_decay)
    if cuda:
        return torch.optim.SGD(
            params, lr=learning_rate, weight_decay=weight_decay, momentum=momentum
        )
    return SGD(params, lr=learning_rate, weight_decay=weight_decay, momentum=momentum)
