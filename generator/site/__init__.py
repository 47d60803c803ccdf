"""Stage 5: the build (which outputs are stale, the cache, writing the site)."""
