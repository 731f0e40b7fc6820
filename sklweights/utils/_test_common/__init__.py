"""Instances and expected failures for the common estimator checks.

``tests/test_common.py`` runs scikit-learn's ``parametrize_with_checks`` on
every estimator :func:`~sklweights.utils.all_estimators` finds, with the
constructor arguments and expected failures of one table keyed by class,
:mod:`.instance_generator` (the layout of scikit-learn's
``sklearn/utils/_test_common/instance_generator.py``). The checks also run
on each estimator with its default parameters (a slow test). An estimator
without an entry is checked with its defaults and no expected failure, so a
new family is covered without being added to any list.
"""


def method_subpackages():
    """The method subpackages, from the family registry (``sklweights._families``)."""
    from sklweights._families import METHOD_SUBPACKAGES

    return tuple(METHOD_SUBPACKAGES)


def _tables():
    from . import instance_generator as g

    return g


def check_params():
    """The ``{class: fast constructor arguments}`` table."""
    return dict(_tables().PER_ESTIMATOR_CHECK_PARAMS)


def check_instances(defaults=False):
    """One instance per public estimator.

    Built with its fast constructor arguments, or with ``defaults=True`` with
    its default parameters but for the ``DEFAULTS_CHECK_PARAMS`` the checks'
    data force.
    """
    from sklweights.utils._discovery import all_estimators

    g = _tables()
    params = g.DEFAULTS_CHECK_PARAMS if defaults else g.PER_ESTIMATOR_CHECK_PARAMS
    return [cls(**params.get(cls, {})) for _, cls in all_estimators()]


def expected_failed_checks(estimator, defaults=False):
    """The ``{check name: reason}`` table for one estimator instance.

    With ``defaults=True``, the failures of the default configuration are
    added.
    """
    g = _tables()
    cls = type(estimator)
    name = cls.__name__
    table = dict(g.PER_ESTIMATOR_XFAIL_CHECKS.get(cls, {}))
    if defaults:
        table.update(g.DEFAULTS_XFAIL_CHECKS.get(cls, {}))
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
