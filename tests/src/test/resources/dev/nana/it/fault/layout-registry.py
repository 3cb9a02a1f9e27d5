#!/usr/bin/env python3
"""A registry on the loopback that serves whatever OCI image layout is in DIR now.

  layout-registry.py DIR    prints its port, then serves until killed:
    /v2/                         200
    /v2/<repo>/manifests/<any>   the layout's first manifest (index.json's), as its media type
    /v2/<repo>/blobs/<digest>    DIR/blobs/sha256/<hex>, or 404
The test rewrites DIR between pulls; a malformed layout is served as it is.
A TLS hello gets a 400 at once (a plain HTTP server), so the client falls back to HTTP.
"""
import http.server
import json
import os
import sys

ROOT = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", media=None, digest=None):
        self.send_response(code)
        if media:
            self.send_header("Content-Type", media)
        if digest:
            self.send_header("Docker-Content-Digest", digest)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def blob(self, digest):
        if not digest.startswith("sha256:") or "/" in digest:
            return None
        try:
            with open(os.path.join(ROOT, "blobs", "sha256", digest[7:]), "rb") as f:
                return f.read()
        except OSError:
            return None

    def do_GET(self):
        path = self.path
        if path == "/v2/":
            return self.send(200)
        if "/manifests/" in path:
            try:
                with open(os.path.join(ROOT, "index.json"), "rb") as f:
                    d = json.load(f)["manifests"][0]
                body = self.blob(d["digest"])
            except (OSError, ValueError, KeyError, IndexError, TypeError):
                body = None
            if body is None:
                return self.send(404)
            return self.send(200, body, d.get("mediaType"), d["digest"])
        if "/blobs/" in path:
            digest = path.rsplit("/", 1)[1]
            body = self.blob(digest)
            return self.send(404) if body is None else self.send(200, body, None, digest)
        return self.send(404)

    do_HEAD = do_GET


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
