"""Analyses: specification files, effect extraction, pooling, verdicts."""
