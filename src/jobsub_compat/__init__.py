"""jobsub-compat: legacy jobsub_client commands on jobsub_lite and tokens."""

__version__ = "0.1.0"


def site_packages() -> None:
    """Make installed packages importable. The bin/ launchers run `python3 -S`: skipping
    the site module saves milliseconds on every call, and only the rare paths that need
    a third-party package (HTCondor bindings, pyjwt, packaging) pay for it, here."""
    import sys

    if sys.flags.no_site and "site" not in sys.modules:
        import site

        site.main()
