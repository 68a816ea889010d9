"""The real jobsub_lite 1.12 in the test loop: run it, get back the job it would submit.

Where the tree is: $JOBSUB_LITE_SRC, else `<repo>/../shared/vendor/jobsub_lite-1.12`
(`tree()`; None when absent: the tests then skip with one line naming JOBSUB_LITE_SRC,
and fail under CI=true). jobsub_lite runs unmodified, from a copy in a temporary
directory (bytecode compiled there; the tree itself is never written).

API (fixtures in conftest.py: `lite` is the session's Sandbox, `probe` a job script):

    sandbox = Sandbox.create(workdir)          # once per session (the `lite` fixture)
    render = sandbox.submit(argv, env={...}, cwd=..., group="gm2", role=None,
                            command="jobsub_submit" | "jobsub_submit_dag")
    renders = sandbox.submit_many([Request(argv, ...), ...])   # run in parallel
    render = sandbox.dropin(argv, ...)         # OUR bin/jobsub_submit (or _dag), with
                                               # this jobsub_lite as its backend
    parsed = sandbox.parse(argv)               # jobsub_lite's own get_parser (after its
    parsed_list = sandbox.parse_many([argv, ...])   # quote layer); ParseResult
    sandbox.token(group, role) -> Path         # a valid token for that group/role
    sandbox.pnfs(path) -> Path                 # local stand-in of a /pnfs/... path

    render.status, render.stdout, render.stderr
    render.submissions      # one Submission per condor_submit call (usually one)
    render.cmd, render.wrapper      # text of the rendered .cmd and wrapper .sh (the job's;
                                    # for a DAG, the first node's)
    render.ad, render.ads           # job ClassAd(s) HTCondor made of the .cmd
    render.files                    # {name: text} of the submit directory
    render.nodes                    # DAG: {node: {"file", "ads" | "error"}}
    render.job_id                   # from "Use job id ... to retrieve output"
    render.run_job(node=None, proc=0) -> JobRun   # run the wrapper as the worker would

    job.status, job.argv, job.env, job.cwd_files, job.output, job.ifdh, job.root

Every replaced piece of the outside world is in standins/ and says so in its docstring:
the collector and schedd (pool.py: htcondor.Collector/Schedd only), condor_submit and
condor_submit_dag (HTCondor's own submit library parses what jobsub_lite hands them),
klist and htgettoken (standins/bin on PATH; absolute /usr/bin paths redirected by
launcher.py), the RCDS dropbox and the issuer's keys (rcds.py, HTTPS on 127.0.0.1), and,
for run_job only, ifdh on the worker (worker/ifdh). The venv with jobsub_lite's own
imports (REQUIREMENTS: HTCondor 24's v1 `htcondor`/`classad`, jinja2, scitokens, pyjwt,
cryptography, requests) is made once, under `<repo>/.venv-jobsub_lite/<key>/` (key: a
hash of the requirement set), and reused.

To add jobsub_q/rm/history/fetchlog: job ads go in the pool file (pool.py's docstring),
condor_q/... stand-ins next to condor_submit in standins/bin (launcher.py already
redirects their /usr/bin paths), and `Sandbox.run(command, argv)` runs any bin/ script.
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"
REQUIREMENTS = ("htcondor>=24,<25", "jinja2", "scitokens", "pyjwt", "cryptography",
                "requests")
SCHEDD = "jobsub01.fnal.gov"
USER = "alice"
SKIP_REASON = ("jobsub_lite 1.12 tree not found: set JOBSUB_LITE_SRC to a jobsub_lite 1.12 "
               "checkout (default <repo>/../shared/vendor/jobsub_lite-1.12)")
DEFAULT_POOL = {
    "schedds": [
        {"Name": SCHEDD, "Machine": SCHEDD, "IsJobsubLite": True, "InDownTime": False,
         "SupportedVOList": "fermilab,gm2,nova,dune,minerva,mu2e,uboone,icarus,sbnd,samdev",
         "RecentDaemonCoreDutyCycle": 0.2, "Jobsub_Max_Jobs_Per_Submission": 10000,
         "MyAddress": f"<127.0.0.1:9618?alias={SCHEDD}>"},
        {"Name": "jobsub02.fnal.gov", "Machine": "jobsub02.fnal.gov", "IsJobsubLite": True,
         "InDownTime": True, "SupportedVOList": "fermilab,gm2,nova,dune",
         "RecentDaemonCoreDutyCycle": 0.1},
        {"Name": "jobsubdevgpvm01.fnal.gov", "Machine": "jobsubdevgpvm01.fnal.gov",
         "IsJobsubLite": True, "InDownTime": False, "SupportedVOList": "fermilab,gm2",
         "RecentDaemonCoreDutyCycle": 0.1},
    ],
    "jobs": {},
}


def tree() -> Path | None:
    """The jobsub_lite 1.12 tree to test against, or None."""
    given = os.environ.get("JOBSUB_LITE_SRC")
    path = Path(given) if given else ROOT.parent / "shared" / "vendor" / "jobsub_lite-1.12"
    if (path / "bin" / "jobsub_submit").is_file() and (path / "lib" / "get_parser.py").is_file():
        return path.resolve()
    return None


def ensure_venv() -> Path:
    """The interpreter of the venv with jobsub_lite's imports (made once, then reused)."""
    key = hashlib.sha256(("\n".join(REQUIREMENTS) + sys.version).encode()).hexdigest()[:12]
    base = ROOT / ".venv-jobsub_lite"
    venv = base / key
    python = venv / "bin" / "python"
    done = venv / ".complete"
    base.mkdir(exist_ok=True)
    with open(base / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers and parallel runs wait here
        if not done.exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", *REQUIREMENTS],
                           check=True)
            done.write_text("\n".join(REQUIREMENTS) + "\n")
    return python


class Request:
    """One run of a jobsub_lite command (or of our drop-in)."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None,
                 cwd: str | Path | None = None, group: str | None = "gm2",
                 role: str | None = None, command: str = "jobsub_submit",
                 dropin: bool = False) -> None:
        self.argv, self.env, self.cwd = list(argv), dict(env or {}), cwd
        self.group, self.role, self.command, self.dropin = group, role, command, dropin


class Submission:
    """One condor_submit call: what jobsub_lite handed HTCondor and what HTCondor made of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.call: dict[str, Any] = json.loads((path / "call.json").read_text())
        self.ads: list[dict[str, Any]] = json.loads((path / "ads.json").read_text())
        nodes = path / "nodes.json"
        self.nodes: dict[str, Any] = json.loads(nodes.read_text()) if nodes.exists() else {}
        self.dir = path / "files"

    @property
    def files(self) -> dict[str, str]:
        return {p.name: p.read_text(errors="replace") for p in sorted(self.dir.iterdir())
                if p.is_file()}


class Render:
    """What one run printed, and the job(s) it submitted."""

    def __init__(self, sandbox: Sandbox, request: Request, status: int, stdout: str,
                 stderr: str, record: Path) -> None:
        self.sandbox, self.request = sandbox, request
        self.status, self.stdout, self.stderr = status, stdout, stderr
        self.submissions = [Submission(p) for p in sorted(
            (p for p in record.iterdir() if p.is_dir()), key=lambda p: int(p.name))
        ] if record.exists() else []

    def __repr__(self) -> str:
        return (f"Render(status={self.status}, argv={self.request.argv!r},\n"
                f"stdout={self.stdout[-2000:]!r},\nstderr={self.stderr[-3000:]!r})")

    @property
    def submission(self) -> Submission:
        assert len(self.submissions) == 1, self
        return self.submissions[0]

    @property
    def job_id(self) -> str | None:
        match = re.search(r"Use job id (\S+) to retrieve output", self.stdout)
        return match.group(1) if match else None

    @property
    def nodes(self) -> dict[str, Any]:
        return self.submission.nodes

    @property
    def files(self) -> dict[str, str]:
        return self.submission.files

    def _job_cmd_name(self, node: str | None = None) -> str:
        sub = self.submission
        if sub.nodes:
            names = list(sub.nodes)
            return str(sub.nodes[node or names[0]]["file"])
        return str(sub.call["file"])

    @property
    def cmd(self) -> str:
        return self.files[self._job_cmd_name()]

    def node_cmd(self, node: str) -> str:
        return self.files[self._job_cmd_name(node)]

    def node_ads(self, node: str) -> list[dict[str, Any]]:
        entry = self.submission.nodes[node]
        assert "ads" in entry, entry
        return list(entry["ads"])

    @property
    def ads(self) -> list[dict[str, Any]]:
        sub = self.submission
        if sub.nodes:
            return self.node_ads(next(iter(sub.nodes)))
        return sub.ads

    @property
    def ad(self) -> dict[str, Any]:
        return self.ads[0]

    def wrapper_name(self, node: str | None = None) -> str:
        match = re.search(r"^executable\s*=\s*(\S+)", self.files[self._job_cmd_name(node)],
                          re.MULTILINE)
        assert match, self.cmd
        return os.path.basename(match.group(1))

    @property
    def wrapper(self) -> str:
        return self.files[self.wrapper_name()]

    def run_job(self, probe: Path | None = None, node: str | None = None, proc: int = 0,
                timeout: float = 120) -> JobRun:
        """Run the job; `probe` is the probe_script() the job runs, whose record is read."""
        return run_job(self, probe, node, proc, timeout)


class ParseResult:
    def __init__(self, data: dict[str, Any]) -> None:
        self.status: int = int(data["status"])
        self.words: list[str] = list(data.get("words", []))
        self.args: dict[str, Any] = dict(data.get("args", {}))
        self.stderr: str = str(data.get("stderr", ""))

    def __repr__(self) -> str:
        return f"ParseResult({self.status}, {self.args or self.stderr!r})"


class JobRun:
    """The wrapper run as the worker would run it (see run_job)."""

    def __init__(self, root: Path, status: int, output: str, probe: Path) -> None:
        self.root, self.status, self.output = root, status, output
        self.argv: list[str] | None = None
        self.env: dict[str, str] = {}
        self.cwd_files: list[str] = []
        if (probe / "argv").exists():
            self.argv = (probe / "argv").read_bytes().decode().split("\0")[:-1]
            pairs = (probe / "env").read_bytes().decode().split("\0")[:-1]
            self.env = dict(p.split("=", 1) for p in pairs if "=" in p)
            self.cwd_files = (probe / "ls").read_text().split()
        log = root / "ifdh.log"
        self.ifdh = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() \
            else []

    def __repr__(self) -> str:
        return f"JobRun(status={self.status}, argv={self.argv!r}, output={self.output[-3000:]!r})"


def probe_output(script: Path) -> Path:
    return script.parent / (script.name + ".seen")


def probe_script(path: Path, extra: str = "") -> Path:
    """A job executable that records what the job got: its argv (NUL-separated), its
    environment, and the files in its working directory, into probe_output(path)."""
    out = probe_output(path)
    out.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/bash\n"
                    f"out={shlex.quote(str(out))}\n"
                    'printf "%s\\0" "$@" > "$out/argv"\n'
                    'env -0 > "$out/env"\n'
                    'ls -A > "$out/ls"\n' + extra)
    path.chmod(0o755)
    return path


def _condor_environment(text: str) -> dict[str, str]:
    """HTCondor's new environment syntax ("A=1 B='x y'") as a dict."""
    env: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] == " ":
            i += 1
        if i >= n:
            break
        word = []
        while i < n and text[i] != " ":
            if text[i] == "'":
                i += 1
                while i < n:
                    if text[i] == "'" and i + 1 < n and text[i + 1] == "'":
                        word.append("'")
                        i += 2
                    elif text[i] == "'":
                        i += 1
                        break
                    else:
                        word.append(text[i])
                        i += 1
            else:
                word.append(text[i])
                i += 1
        name, _, value = "".join(word).partition("=")
        env[name] = value
    return env


def run_job(render: Render, probe: Path | None, node: str | None, proc: int,
            timeout: float) -> JobRun:
    """Run the rendered wrapper as the worker would: the ad's Environment, the transferred
    input files in the job's directory (also $_CONDOR_SCRATCH_DIR), bash (EL9's /bin/sh),
    and an `ifdh` stand-in on PATH (worker/ifdh: /pnfs and /cvmfs paths are local
    directories of the sandbox). The wrapper discards its own arguments (`set - ""`), so
    HTCondor's Arguments are not passed. The one text changed in the wrapper: the RCDS
    path `/cvmfs/fifeuser...` (from the RCDS stand-in) points into the sandbox, since
    jobsub_lite tests it with `test -d` and nothing is mounted at /cvmfs here."""
    sandbox = render.sandbox
    if probe:
        shutil.rmtree(probe_output(probe), ignore_errors=True)
        probe_output(probe).mkdir(parents=True)
    ads = render.node_ads(node) if node else render.ads
    ad = ads[proc]
    root = Path(tempfile.mkdtemp(prefix="job_", dir=sandbox.base / "jobs"))
    iwd = root / "iwd"
    iwd.mkdir()
    (root / "pnfs").symlink_to(sandbox.base / "pnfs")
    (root / "cvmfs").symlink_to(sandbox.base / "cvmfs")
    files_dir = render.submission.dir
    wrapper_name = render.wrapper_name(node)
    inputs = ad.get("TransferInput", "")
    for name in [n.strip() for n in str(inputs).split(",") if n.strip()] + [wrapper_name]:
        source = files_dir / os.path.basename(name)
        if source.exists():
            shutil.copyfile(source, iwd / os.path.basename(name))
    wrapper = iwd / wrapper_name
    text = wrapper.read_text().replace("/cvmfs/fifeuser", f"{sandbox.base}/cvmfs/fifeuser")
    wrapper.write_text(text)
    env_text = ad.get("Environment", "")
    env = _condor_environment(env_text if isinstance(env_text, str) else "")
    worker_bin = root / "bin"
    worker_bin.mkdir()
    (worker_bin / "ifdh").symlink_to(STANDINS / "worker" / "ifdh")
    env.update({"PATH": f"{worker_bin}:/usr/bin:/bin", "HOME": str(iwd), "USER": USER,
                "_CONDOR_SCRATCH_DIR": str(iwd), "_CONDOR_JOB_IWD": str(iwd),
                "JOBSUB_LITE_JOB_ROOT": str(root)})
    done = subprocess.run(["bash", str(wrapper)], cwd=iwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    return JobRun(root, done.returncode, done.stdout.decode(errors="replace"),
                  probe_output(probe) if probe else root / "no-probe")


class Sandbox:
    """One copy of the tree, the venv, the stand-ins and the RCDS server, for a session."""

    def __init__(self, base: Path, source: Path, python: Path) -> None:
        self.base, self.source, self.python = base, source, python
        self.tree = base / "jobsub_lite"
        self.launch = self.tree / "launch"  # our drop-in's backend directory
        self.counter = 0
        self.rcds: Any = None

    @classmethod
    def create(cls, base: Path, source: Path | None = None) -> Sandbox:
        source = source or tree()
        if source is None:
            raise RuntimeError(SKIP_REASON)
        sandbox = cls(base, source, ensure_venv())
        sandbox._prepare()
        return sandbox

    def _prepare(self) -> None:
        shutil.copytree(self.source, self.tree, symlinks=True)
        for path in self.tree.rglob("*"):
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
        for path in (self.tree / "bin").iterdir():
            # bin/jobsub_q, jobsub_rm, ... are git symlinks to jobsub_cmd; a tree unpacked
            # without symlink support holds the target's name as the file's text instead.
            target = path.read_text(errors="replace") if path.stat().st_size < 64 else ""
            if not path.is_symlink() and target and (self.tree / "bin" / target).is_file():
                path.unlink()
                path.symlink_to(target)
        subprocess.run([str(self.python), "-m", "compileall", "-q", str(self.tree / "lib")],
                       check=True)
        self.launch.mkdir()
        for script in sorted((self.tree / "bin").iterdir()):
            launcher = self.launch / script.name
            launcher.write_text(
                "#!/bin/sh\n# jobsub_lite's own bin/" + script.name + " under the test stand-ins "
                "(tests/jobsub_lite/standins/launcher.py)\n"
                f'exec {shlex.quote(str(self.python))} -I -B '
                f'{shlex.quote(str(STANDINS / "launcher.py"))} '
                f'{shlex.quote(str(script))} "$@"\n')
            launcher.chmod(0o755)
        for name in ("runs", "jobs", "pnfs", "cvmfs", "tokens"):
            (self.base / name).mkdir()
        (self.base / "condor_config").write_text(
            "COLLECTOR_HOST = cmssrv-collector.fnal.gov\n"
            "SEC_CREDENTIAL_GETTOKEN_OPTS = -a htvaultprod.fnal.gov\n")
        (self.base / "pool.json").write_text(json.dumps(DEFAULT_POOL))
        self._keys()
        from .standins.rcds import RcdsServer

        self.rcds = RcdsServer(str(self.base), str(self.cert), str(self.cert_key),
                               self.jwks).start()

    def _keys(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.signing_key = self.base / "signing.pem"
        self.signing_key.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        numbers = key.public_key().public_numbers()

        def b64(n: int) -> str:
            raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        self.jwks = {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "test",
                               "n": b64(numbers.n), "e": b64(numbers.e)}]}
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.timezone.utc)
        import ipaddress

        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        self.cert = self.base / "rcds.pem"
        self.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.cert_key = self.signing_key

    def close(self) -> None:
        if self.rcds is not None:
            self.rcds.stop()

    # --- credentials and storage ----------------------------------------------------------
    def token(self, group: str, role: str | None = None, lifetime: int = 3 * 86400) -> Path:
        """A token file for group/role like the vault issues (wlcg.groups, scopes)."""
        import jwt

        role_part = (role or "Analysis").lower()
        path = self.base / "tokens" / f"bt_{group}_{role_part}"
        if path.exists():
            return path
        groups = [f"/{group}"] if role_part == "analysis" else [f"/{group}/{role_part}",
                                                                   f"/{group}"]
        now = int(time.time())
        claims = {"iss": f"https://{self.rcds.address}/{group}", "sub": USER,
                  "aud": "https://wlcg.cern.ch/jwt/v1/any", "iat": now, "nbf": now,
                  "exp": now + lifetime, "wlcg.ver": "1.0", "wlcg.groups": groups,
                  "jti": hashlib.sha256(path.name.encode()).hexdigest()[:16],
                  "scope": f"compute.create compute.read compute.modify compute.cancel "
                           f"storage.read:/{group} storage.create:/{group}/scratch "
                           f"storage.modify:/{group}/scratch"}
        token = jwt.encode(claims, self.signing_key.read_bytes(), algorithm="RS256",
                           headers={"kid": "test"})
        path.write_text(token + "\n")
        path.chmod(0o600)
        return path

    def pnfs(self, path: str) -> Path:
        """The local directory standing for a /pnfs/... path (for files a job copies)."""
        local = self.base / path.lstrip("/")
        local.parent.mkdir(parents=True, exist_ok=True)
        return local

    # --- running --------------------------------------------------------------------------
    def environment(self, run: Path, request: Request) -> dict[str, str]:
        env = {
            "PATH": os.pathsep.join([str(STANDINS / "bin"), os.path.dirname(sys.executable),
                                     "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(run / "home"), "USER": USER, "LOGNAME": USER, "LANG": "C.UTF-8",
            "XDG_CACHE_HOME": str(run / "cache"), "TMPDIR": str(run / "tmp"),
            "JOBSUB_AUTH_METHODS": "token",
            "JOBSUB_DROPBOX_SERVER_LIST": self.rcds.address,
            "REQUESTS_CA_BUNDLE": str(self.cert), "SSL_CERT_FILE": str(self.cert),
            "CONDOR_CONFIG": str(self.base / "condor_config"),
            "JOBSUB_LITE_STANDIN_POOL": str(self.base / "pool.json"),
            "JOBSUB_LITE_STANDIN_RECORD": str(run / "record"),
            "JOBSUB_LITE_STANDIN_PYTHON": str(self.python),
            "HTGETTOKEN_DOUBLE_KEY": str(self.signing_key),
            "JOBSUB_LITE_STANDIN_PNFS": str(self.base / "pnfs"),
            "JOBSUB_COMPAT_LOG": "off",
        }
        for name in ("home", "cache", "tmp"):
            (run / name).mkdir(exist_ok=True)
        if request.group:
            token = run / "tmp" / "bt_token"
            shutil.copyfile(self.token(request.group, request.role), token)
            token.chmod(0o600)
            env["BEARER_TOKEN_FILE"] = str(token)
        if request.dropin:
            env["JOBSUB_COMPAT_BACKEND"] = str(self.launch)
        env.update(request.env)
        return env

    def _new_run(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="run_", dir=self.base / "runs"))

    def execute(self, request: Request, timeout: float = 300) -> Render:
        run = self._new_run()
        env = self.environment(run, request)
        if request.dropin:
            argv = [str(ROOT / "bin" / request.command), *request.argv]
        else:
            argv = [str(self.launch / request.command), *request.argv]
        done = subprocess.run(argv, cwd=str(request.cwd or run), env=env,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout)
        return Render(self, request, done.returncode, done.stdout.decode(errors="replace"),
                      done.stderr.decode(errors="replace"), run / "record")

    def submit_many(self, requests: Iterable[Request], workers: int | None = None
                    ) -> list[Render]:
        """Run several requests at once (each its own processes and directories)."""
        todo = list(requests)
        workers = workers or int(os.environ.get("JOBSUB_LITE_WORKERS", "0")) or max(
            2, min(4, (os.cpu_count() or 2) * 2))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(self.execute, todo))

    def submit(self, argv: list[str], **kwargs: Any) -> Render:
        return self.execute(Request(argv, **kwargs))

    def dropin(self, argv: list[str], **kwargs: Any) -> Render:
        return self.execute(Request(argv, dropin=True, **kwargs))

    def run(self, command: str, argv: list[str], **kwargs: Any) -> Render:
        """Any of jobsub_lite's bin/ scripts (jobsub_q, ... once their stand-ins exist)."""
        return self.execute(Request(argv, command=command, **kwargs))

    def parse_many(self, argvs: Iterable[list[str]], env: dict[str, str] | None = None
                   ) -> list[ParseResult]:
        run = self._new_run()
        request = Request([], env=env, group="gm2")
        payload = json.dumps([{"argv": list(a), "env": dict(env or {})} for a in argvs])
        out = run / "parsed.json"
        done = subprocess.run([str(self.python), "-I", "-B", str(STANDINS / "parse.py"),
                               str(self.tree), str(out)], input=payload.encode(),
                              env=self.environment(run, request), cwd=run,
                              capture_output=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode(errors="replace"))
        return [ParseResult(x) for x in json.loads(out.read_text())]

    def parse(self, argv: list[str], env: dict[str, str] | None = None) -> ParseResult:
        return self.parse_many([argv], env)[0]
