"""Rendering: every output of the site, from the model only."""
