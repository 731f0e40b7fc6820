"""Instances and expected failures for the common estimator checks.

``tests/test_common.py`` runs scikit-learn's ``parametrize_with_checks`` on
every estimator :func:`~sklweights.utils.all_estimators` finds. Each method
subpackage states, in its own ``_common_checks.py`` module, two tables:

``CHECK_PARAMS``
    ``{"ClassName": {param: value}}``: constructor arguments that keep the
    checks fast (fewer epochs, a small grid). The estimator's behaviour must
    not depend on them.
``EXPECTED_FAILED_CHECKS``
    ``{"ClassName": {"check_name": "reason a reviewer would accept"}}``.

The checks also run on each estimator with its default parameters (a slow
test), with two more optional tables:

``DEFAULTS_CHECK_PARAMS``
    Only the arguments the checks' small random data force even then (e.g. a
    committee size no larger than the checks' 2-5 columns); the reason in a
    comment next to each.
``DEFAULTS_EXPECTED_FAILED_CHECKS``
    Failures of the default configuration only (e.g. a default base model
    from another library), with their reasons, added to the first table.

This module gathers them (the layout of scikit-learn's
``sklearn/utils/_test_common/instance_generator.py``).
"""

import importlib

#: Subpackages that hold shared machinery, not methods.
SHARED_SUBPACKAGES = ("datasets", "losses", "metrics", "plotting", "utils")


def method_subpackages():
    """The method subpackages: every subpackage of sklweights but the shared ones.

    Read from the package's folder, so that a new family is found without
    being added to any list.
    """
    import pkgutil

    import sklweights

    return tuple(
        sorted(
            m.name
            for m in pkgutil.iter_modules(sklweights.__path__)
            if m.ispkg and m.name not in SHARED_SUBPACKAGES
        )
    )


_TABLES = (
    "CHECK_PARAMS",
    "EXPECTED_FAILED_CHECKS",
    "DEFAULTS_CHECK_PARAMS",
    "DEFAULTS_EXPECTED_FAILED_CHECKS",
)


def _tables():
    tables = {name: {} for name in _TABLES}
    for sub in method_subpackages():
        try:
            mod = importlib.import_module(f"sklweights.{sub}._common_checks")
        except ModuleNotFoundError as exc:
            if exc.name == f"sklweights.{sub}._common_checks":
                continue
            raise
        for name in _TABLES:
            tables[name].update(getattr(mod, name, {}))
    return tables


def check_params():
    """The ``{class name: CHECK_PARAMS}`` table of every method subpackage."""
    return _tables()["CHECK_PARAMS"]


def check_instances(defaults=False):
    """One instance per public estimator.

    Built with its ``CHECK_PARAMS`` (fast), or with ``defaults=True`` with its
    default parameters but for the ``DEFAULTS_CHECK_PARAMS`` the checks' data
    force.
    """
    from ._discovery import all_estimators

    params = _tables()["DEFAULTS_CHECK_PARAMS" if defaults else "CHECK_PARAMS"]
    return [cls(**params.get(name, {})) for name, cls in all_estimators()]


def expected_failed_checks(estimator, defaults=False):
    """The ``{check name: reason}`` table for one estimator instance.

    With ``defaults=True``, the failures of the default configuration are
    added.
    """
    tables = _tables()
    name = type(estimator).__name__
    table = dict(tables["EXPECTED_FAILED_CHECKS"].get(name, {}))
    if defaults:
        table.update(tables["DEFAULTS_EXPECTED_FAILED_CHECKS"].get(name, {}))
    for check, reason in table.items():
        if "(" in check:
            raise ValueError(
                f"Expected failure {check!r} of {name}: scikit-learn matches "
                "expected failures by the check's function name, so a name "
                "with arguments never applies; list the plain name."
            )
        if not isinstance(reason, str) or len(reason.strip()) < 10:
            raise ValueError(
                f"Expected failure {check!r} of {name} has "
                "no reason: every entry must say why."
            )
    return table


def default_expected_failed_checks(estimator):
    """:func:`expected_failed_checks` of the default configuration."""
    return expected_failed_checks(estimator, defaults=True)
