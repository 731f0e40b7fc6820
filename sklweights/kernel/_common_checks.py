"""Fast constructor arguments and expected failures for the common checks."""

# the defaults (one step, the one-shot GCV weight) are already fast and
# deterministic, and pass every check
CHECK_PARAMS = {}

EXPECTED_FAILED_CHECKS = {}
