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
