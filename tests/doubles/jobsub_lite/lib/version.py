# Where a jobsub_lite install keeps its version (/opt/jobsub_lite/lib/version.py).
__version__ = "1.12"
