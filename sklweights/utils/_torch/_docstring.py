"""The torch training parameters' docstrings, written once.

A torch estimator's class docstring names a shared parameter by a line that
holds only ``%(name)s`` (imbalanced-learn's ``Substitution`` style);
:func:`fill_torch_docstring` replaces it with the entry below, indented like
the token, with ``default=`` taken from the class's own ``__init__``
signature, so the documented default cannot drift from the real one. Lines
indented under the token after it continue the entry (estimator-specific
detail).
"""

import inspect
import re
import textwrap

__all__ = ["TORCH_PARAMETER_DOCS", "fill_torch_docstring"]

#: ``name -> (type, description)`` of every shared training parameter.
TORCH_PARAMETER_DOCS = {
    "device": (
        '{"auto", "cpu", "cuda", "cuda:N", "mps"} or torch.device',
        """Where the network trains. ``"auto"`` takes the first CUDA device when
        one is visible, else the CPU. Asking for an accelerator that is not
        there is a ``ValueError`` at fit time. Fitted state is kept on the
        CPU, so a model fitted on a GPU unpickles and predicts on a machine
        without one (on the CPU, with a warning).""",
    ),
    "batch_size": (
        "int or None",
        """Rows per mini-batch; ``None`` trains full-batch (one step per
        epoch). The last, partial batch of an epoch is kept.""",
    ),
    "hidden_layer_sizes": (
        "tuple of int",
        "Widths of the hidden layers; ``()`` for none (a linear model).",
    ),
    "activation": (
        '{"relu", "tanh", "logistic", "identity"}',
        "Activation of the hidden layers.",
    ),
    "weight_decay": ("float", "L2 penalty added to the gradient."),
    "max_epochs": ("int", "Maximum number of passes over the training rows."),
    "learning_rate": ("float", "Step size of the optimizer."),
    "optimizer": (
        '{"adam", "sgd"}',
        """Adam (Kingma & Ba), or stochastic gradient descent with
        ``momentum``; ``weight_decay`` is an L2 penalty added to the gradient
        in both (torch's convention).""",
    ),
    "momentum": ("float in [0, 1)", "Heavy-ball momentum of SGD (Adam has none)."),
    "lr_milestones": (
        "tuple of int",
        """Epoch counts after which the learning rate is multiplied by
        ``lr_decay`` (a step schedule); empty: a constant rate.""",
    ),
    "lr_decay": ("float in (0, 1]", "Factor of the step schedule."),
    "early_stopping": (
        "bool",
        """When True, ``validation_fraction`` of the training rows is held out
        and the loss on them is monitored; when False, the epoch's mean
        training loss is. An epoch whose monitored loss is not below the best
        so far minus ``tol`` counts as one without improvement (an
        improvement resets the count), and training stops once the count
        exceeds ``n_iter_no_change``: scikit-learn's ``MLPClassifier`` rule.
        With early stopping the weights of the epoch with the lowest
        validation loss are restored, and reaching ``max_epochs`` first is a
        ``ConvergenceWarning``; without it the last epoch's weights are
        kept.""",
    ),
    "validation_fraction": (
        "float in (0, 1)",
        "Share of the training rows held out when ``early_stopping=True``.",
    ),
    "n_iter_no_change": (
        "int",
        "Epochs without an improvement of ``tol`` tolerated before stopping.",
    ),
    "tol": (
        "float",
        "Smallest decrease of the monitored loss that counts as an improvement.",
    ),
    "random_state": (
        "int, RandomState instance or None",
        """Seeds every random draw of the fit (initialisation, shuffling, the
        validation split, dropout); torch's global random state is restored
        after the fit, so the caller's own torch random stream is untouched.
        The same seed on the CPU gives identical ``history_`` and
        predictions.""",
    ),
    "verbose": ("int", "A tqdm progress bar over the epochs (stderr) when positive."),
}

_TOKEN = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.MULTILINE)


def _entry(name, default, indent):
    kind, text = TORCH_PARAMETER_DOCS[name]
    head = f"{name} : {kind}"
    if default is not inspect.Parameter.empty:
        shown = f'"{default}"' if isinstance(default, str) else repr(default)
        head += f", default={shown}"
    body = textwrap.fill(
        " ".join(textwrap.dedent(text).split()),
        width=max(40, 79 - len(indent) - 4),
    )
    body = textwrap.indent(body, indent + "    ")
    return f"{indent}{head}\n{body}"


def fill_torch_docstring(cls):
    """Class decorator: expand the ``%(name)s`` lines of ``cls.__doc__``."""
    if not cls.__doc__:
        return cls
    params = inspect.signature(cls.__init__).parameters

    def replace(match):
        name = match.group("name")
        if name not in TORCH_PARAMETER_DOCS:
            raise KeyError(f"{cls.__name__}: no shared docstring for {name!r}")
        default = params[name].default if name in params else inspect.Parameter.empty
        return _entry(name, default, match.group("indent"))

    cls.__doc__ = _TOKEN.sub(replace, cls.__doc__)
    return cls
