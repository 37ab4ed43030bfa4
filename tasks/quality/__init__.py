"""Quality gates: the Great Expectations suites, rejection routing, the extraction report."""
