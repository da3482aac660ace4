"""Figures: forest and funnel plots (layout tables first, drawing second), saved deterministically."""
