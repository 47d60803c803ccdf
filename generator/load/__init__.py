"""Stage 1: read the inputs (YAML with positions, the checker, config, incidents, results files)."""
