"""Optional dependencies: import on first use, with an install hint when missing."""

import importlib

# Which extra of sklweights brings each optional module.
_EXTRA_OF = {
    "torch": "torch",
    "matplotlib": "plot",
    "mapie": "bench",
    "quantile_forest": "test",
    "abcvoting": "test",
    "dask": "test",
    "distributed": "test",
}


def import_optional(name, *, extra=None, purpose=None):
    """Import an optional module or raise an ``ImportError`` with the install hint.

    Parameters
    ----------
    name : str
        Module name, e.g. ``"torch"`` or ``"matplotlib.pyplot"``.
    extra : str, default=None
        The sklweights extra that installs it. Deduced from the top-level
        module name when None.
    purpose : str, default=None
        What needs the module, used in the message (e.g. ``"DebiasedMF"``).

    Returns
    -------
    module : module
        The imported module.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        top = name.split(".")[0]
        extra = extra or _EXTRA_OF.get(top, top)
        what = f"{purpose} requires" if purpose else "This feature requires"
        raise ImportError(
            f"{what} the optional dependency '{top}', which is not installed. "
            f"Install it with: pip install 'sklweights[{extra}]'"
        ) from exc


def import_torch(purpose=None):
    """Import torch or raise ``ImportError`` with the ``sklweights[torch]`` hint.

    Parameters
    ----------
    purpose : str, default=None
        What needs torch, used in the message (e.g. ``"DebiasedMF"``).

    Returns
    -------
    torch : module
        The imported torch.
    """
    return import_optional("torch", extra="torch", purpose=purpose)


def is_available(name):
    """Whether an optional module can be imported (without importing it twice).

    Parameters
    ----------
    name : str
        The module's import name (e.g. ``"torch"``).

    Returns
    -------
    available : bool
        True when the module is found.
    """
    return importlib.util.find_spec(name) is not None
