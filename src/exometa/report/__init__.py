"""Reports: a self-contained HTML page and a Markdown twin for each run."""
