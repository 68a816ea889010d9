"""The credential pre-flight as part of a drop-in call (tokens.preflight through
dropin.plan_for): what the legacy role semantics and token files do to the Plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobsub_compat import dropin
from jobsub_compat.commands import q, submit
from tests.test_proxies import make_proxy
from tests.test_tokens import make_token, token_environ, write_token


@pytest.fixture
def env(environ: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> dict[str, str]:
    return token_environ(environ, tmp_path, monkeypatch)


def plan_of(argv: list[str], env: dict[str, str], module: object = submit) -> dropin.Plan:
    command: str = module.COMMAND  # type: ignore[attr-defined]
    plan, _, _ = dropin.plan_for(command, module.translate, argv, env)  # type: ignore
    return plan


def test_role_of_the_proxy_is_passed_when_no_role_given(env: dict[str, str],
                                                        tmp_path: Path) -> None:
    proxy = make_proxy(tmp_path / "proxy", ["/fermilab/gm2/Role=Production/Capability=NULL"])
    plan = plan_of(["-G", "gm2", "file:///x.sh"], {**env, "X509_USER_PROXY": str(proxy)})
    assert plan.backend_argv[1] == "--role=Production"
    assert "JC505" in [w.code for w in plan.warnings]


def test_explicit_role_wins_over_the_proxy(env: dict[str, str], tmp_path: Path) -> None:
    proxy = make_proxy(tmp_path / "proxy", ["/fermilab/gm2/Role=Production/Capability=NULL"])
    plan = plan_of(["-G", "gm2", "--role=Analysis", "file:///x.sh"],
                   {**env, "X509_USER_PROXY": str(proxy)})
    assert "--role=Production" not in plan.backend_argv


def test_another_groups_token_file_is_not_used(env: dict[str, str], tmp_path: Path) -> None:
    other = write_token(tmp_path / "nova.token", make_token(["/nova"]))
    plan = plan_of(["-G", "gm2", "file:///x.sh"], {**env, "BEARER_TOKEN_FILE": str(other)})
    assert plan.env["BEARER_TOKEN_FILE"] != str(other)
    assert "JC501" in [w.code for w in plan.warnings]
    assert make_token(["/nova"])[:20] not in plan.as_text()


def test_management_commands_check_too(env: dict[str, str], tmp_path: Path) -> None:
    other = write_token(tmp_path / "nova.token", make_token(["/nova"]))
    plan = plan_of(["-G", "gm2", "--user", "alice"], {**env, "BEARER_TOKEN_FILE": str(other)},
                   q)
    assert "JC501" in [w.code for w in plan.warnings]


def test_no_credentials_no_change(env: dict[str, str]) -> None:
    plan = plan_of(["-G", "gm2", "file:///x.sh"], env)
    assert plan.env == {} and plan.warnings == []
