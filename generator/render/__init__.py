"""Stage 4: every output of the site, from the model only.

Each renderer module declares its outputs with ``outputs(ctx) -> Iterator[Output]``: a path,
a key of all the output shows (None when it shows ``now``) and a function that makes its
bytes (``output.py``); ``outputs.py`` lists every renderer's. A renderer never knows about
the cache or worker processes: the build (``generator/site/build.py``) decides which outputs
are stale and makes only those.
"""
