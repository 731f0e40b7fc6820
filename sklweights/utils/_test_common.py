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


def _tables():
    params, failures = {}, {}
    for sub in method_subpackages():
        try:
            mod = importlib.import_module(f"sklweights.{sub}._common_checks")
        except ModuleNotFoundError as exc:
            if exc.name == f"sklweights.{sub}._common_checks":
                continue
            raise
        params.update(getattr(mod, "CHECK_PARAMS", {}))
        failures.update(getattr(mod, "EXPECTED_FAILED_CHECKS", {}))
    return params, failures


def check_instances():
    """One instance per public estimator, built with its ``CHECK_PARAMS``."""
    from ._discovery import all_estimators

    params, _ = _tables()
    return [cls(**params.get(name, {})) for name, cls in all_estimators()]


def expected_failed_checks(estimator):
    """The ``{check name: reason}`` table for one estimator instance."""
    _, failures = _tables()
    table = failures.get(type(estimator).__name__, {})
    for check, reason in table.items():
        if not isinstance(reason, str) or len(reason.strip()) < 10:
            raise ValueError(
                f"Expected failure {check!r} of {type(estimator).__name__} has "
                "no reason: every entry must say why."
            )
    return dict(table)
