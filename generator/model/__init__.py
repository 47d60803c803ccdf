"""Stage 3: the site model at one now (states, timeline, views)."""
