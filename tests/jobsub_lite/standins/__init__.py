"""Process-boundary stand-ins for running the real jobsub_lite 1.12 (see harness.py)."""
