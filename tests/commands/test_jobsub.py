from __future__ import annotations

import pytest

from jobsub_compat.commands import jobsub


def test_legacy_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert jobsub.main([], {}) == 0
    assert "jobsub has been replaced" in capsys.readouterr().out


def test_umbrella_subcommand_goes_to_the_drop_in(capsys: pytest.CaptureFixture[str]) -> None:
    env = {"PATH": "/usr/bin", "JOBSUB_COMPAT_DRY_RUN": "1", "JOBSUB_COMPAT_BACKEND": "/x"}
    assert jobsub.main(["submit", "-G", "gm2", "-M", "file:///x.sh"], env) == 0
    assert "--mail_always" in capsys.readouterr().out
