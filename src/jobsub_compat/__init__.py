"""jobsub-compat: legacy jobsub_client commands on jobsub_lite and tokens."""

__version__ = "0.1.0"
