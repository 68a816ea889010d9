"""HTTPS stand-in on 127.0.0.1 for the sandbox web service jobsub_lite 1.12's fetchlog uses.

jobsub_fetchlog (lib/mains/fetchlog.py fetch_from_landscape, the default path) does
`requests.get($JOBSUB_FETCHLOG_URL/job/<jobid>.tar.gz[?partial], stream=True,
headers={"Authorization": "Bearer <first line of $BEARER_TOKEN_FILE>"})`, prints the body
of an answer >= 400 and raises for it, else writes the body to `<cwd or destdir>/<jobid>.tgz`
(and with a destination directory unpacks it with /usr/bin/tar -xzf and removes it). A
real HTTPS server is the narrowest boundary: jobsub_lite's own request, TLS verification
(the harness's certificate, $REQUESTS_CA_BUNDLE) and file handling all run.

Answers: no bearer token, 401 with a JSON body (as the service refuses); a job id with a
sandbox in the pool file (`"sandboxes": {"<jobid>": {"<file name>": "<text>"}}`,
$JOBSUB_LITE_STANDIN_POOL as given to `start`), 200 with a gzip tar of those files, flat,
as the condor path (`tar -C IWD -czf`) makes them; anything else, 404. `?partial` keeps the
files whose name holds the job's CLUSTER.PROC. Every request is kept in `requests`.
"""

from __future__ import annotations

import io
import json
import ssl
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse


class LandscapeServer:
    def __init__(self, pool: str, cert: str, key: str) -> None:
        self.pool = pool
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                status, kind, body = server.answer(self.path,
                                                   self.headers.get("Authorization", ""))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> LandscapeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, path: str, authorization: str) -> tuple[int, str, bytes]:
        url = urlparse(path)
        self.requests.append((url.path, url.query))
        if not authorization.startswith("Bearer ") or len(authorization) < 20:
            return 401, "application/json", json.dumps({"error": "no bearer token"}).encode()
        name = unquote(url.path)
        if not (name.startswith("/job/") and name.endswith(".tar.gz")):
            return 404, "text/plain", b"not found"
        job = name[len("/job/"):-len(".tar.gz")]
        with open(self.pool, encoding="utf-8") as handle:
            files = json.load(handle).get("sandboxes", {}).get(job)
        if files is None:
            return 404, "text/plain", f"no sandbox for job {job}".encode()
        if url.query == "partial":
            wanted = job.partition("@")[0]
            files = {k: v for k, v in files.items() if wanted in k}
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode="w:gz") as archive:
            for file_name, text in sorted(files.items()):
                raw = text.encode()
                info = tarfile.TarInfo(file_name)
                info.size, info.mode, info.mtime = len(raw), 0o644, 1700000000
                archive.addfile(info, io.BytesIO(raw))
        return 200, "application/x-gzip", data.getvalue()
