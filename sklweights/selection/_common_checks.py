"""Common-check instances and expected failures for the selection estimators.

The common checks feed arbitrary real-valued matrices, which are not rankings,
so the instance reads ``X`` as values that rank the candidates
(``input="scores"``: each row is ranked by descending value, ties broken by
column index, with a UserWarning where tied values get different Borda
scores) and selects ``k=1`` candidate so that one-column inputs are valid.
With the default ``input="positions"``, rows must be permutations of
``0..m-1`` and the checks' random floats would be rejected by design.
"""

CHECK_PARAMS = {
    "FairCommitteeSelector": {"k": 1, "input": "scores"},
}

EXPECTED_FAILED_CHECKS = {}

#: The default-parameter run keeps the same two arguments, forced by the
#: checks' data: random floats are not the default input's rankings
#: (``input="positions"`` rejects them by design) and the default committee of
#: ``k=10`` needs at least 10 candidates where the checks give 1-5 columns.
DEFAULTS_CHECK_PARAMS = {"FairCommitteeSelector": {"k": 1, "input": "scores"}}
