"""HTTPS stand-in on 127.0.0.1 for the RCDS publish API and the token issuer's keys.

jobsub_lite 1.12 talks to RCDS with `requests` at
`https://<server>/pubapi/{exists,publish,update,config}?cid=<group>/<sha256>` (lib/
tarfiles.py, servers from $JOBSUB_DROPBOX_SERVER_LIST). A real HTTPS server on a free
port of 127.0.0.1 is the narrowest boundary: jobsub_lite's own request code, retries,
TLS verification (against this server's self-signed certificate, named by
$REQUESTS_CA_BUNDLE) and response parsing all run. Answers follow RCDS: `exists` and
`update` say `PRESENT:<path>` for a published cid, else `NOT_PRESENT`; `publish` takes
the tarball body and publishes it at once, unpacked (with Python's tarfile, as RCDS
unpacks into CVMFS) under `<root>/cvmfs/fifeuser1.opensciencegrid.org/sw/<cid>`, where
<root> stands for `/` (the path in `PRESENT:` is the real /cvmfs one); `config` says
`repos:fifeuser1.opensciencegrid.org`. Every request is counted in `requests`.

The same server answers `/<issuer>/.well-known/openid-configuration` and `/<issuer>/jwks`
with the public key the harness signs its tokens with (tokens name
https://127.0.0.1:<port>/<issuer> as their issuer), so a token check that verifies
signatures has the issuer's keys: jobsub_lite 1.12's scitokens fetches them (with
urllib, which trusts $SSL_CERT_FILE) when it checks $BEARER_TOKEN_FILE.
"""

from __future__ import annotations

import io
import json
import os
import ssl
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

FIFEUSER = "fifeuser1.opensciencegrid.org"


class RcdsServer:
    def __init__(self, root: str, cert: str, key: str, jwks: dict[str, Any]) -> None:
        self.root = root
        self.published: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []
        self.jwks = jwks
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, body: str, status: int = 200,
                        kind: str = "text/plain") -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.handle(self, "GET", b"")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                server.handle(self, "POST", self.rfile.read(length))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> RcdsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def location(self, cid: str) -> str:
        return f"/cvmfs/{FIFEUSER}/sw/{cid}"

    def handle(self, request: Any, method: str, body: bytes) -> None:
        url = urlparse(request.path)
        cid = parse_qs(url.query).get("cid", [""])[0]
        with self.lock:
            self.requests.append((method, request.path))
        if url.path.endswith("/.well-known/openid-configuration"):
            issuer = f"https://{self.address}{url.path[:-len('/.well-known/openid-configuration')]}"
            request._answer(json.dumps({"issuer": issuer, "jwks_uri": f"{issuer}/jwks"}),
                            kind="application/json")
        elif url.path.endswith("/jwks"):
            request._answer(json.dumps(self.jwks), kind="application/json")
        elif url.path in ("/pubapi/exists", "/pubapi/update"):
            with self.lock:
                present = cid in self.published
            request._answer(f"PRESENT:{self.location(cid)}" if present else "NOT_PRESENT")
        elif url.path == "/pubapi/publish" and method == "POST":
            target = os.path.join(self.root, self.location(cid).lstrip("/"))
            os.makedirs(target, exist_ok=True)
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as archive:
                archive.extractall(target)  # noqa: S202 - the tests' own tarballs
            with self.lock:
                self.published[cid] = target
            request._answer(f"PRESENT:{self.location(cid)}")
        elif url.path == "/pubapi/config":
            request._answer(f"repos:{FIFEUSER}")
        else:
            request._answer("not found", 404)
