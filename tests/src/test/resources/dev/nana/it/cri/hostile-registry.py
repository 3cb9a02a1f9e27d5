#!/usr/bin/env python3
"""A registry on the loopback that answers manifests with too much, and one real image.

  hostile-registry.py    prints its port, then serves until killed:
    /v2/endless/...      a manifest that never ends (256 MiB of layers, fast)
    /v2/huge/...         an index of 200,000 entries (~12.5 MB)
    /v2/gzipbomb/...     a manifest of 64 MiB gzipped to about 64 KiB (Content-Encoding: gzip)
    /v2/redirect/...     a real image whose 2 MiB layer is served, as large registries do,
                         by a redirect to storage whose URL says nothing of blobs
A TLS hello gets a 400 at once (a plain HTTP server), so the client falls back to HTTP.
"""
import gzip
import hashlib
import http.server
import io
import json
import os
import tarfile


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def redirect_image():
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as t:
        data = os.urandom(2 << 20)  # incompressible: the gzipped layer is over 1 MiB too
        info = tarfile.TarInfo("big")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    layer = gzip.compress(tar.getvalue())
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": [sha256(tar.getvalue())]},
    }).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": sha256(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": sha256(layer), "size": len(layer)}],
    }).encode()
    return manifest, {sha256(config): config, sha256(layer): layer}


MANIFEST, BLOBS = redirect_image()
BOMB = gzip.compress(b'{"schemaVersion":2,"layers":[' + b" " * (64 << 20))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/v2/":
            return self.answer(200)
        if self.path.startswith("/v2/redirect/"):
            if "/manifests/" in self.path:
                return self.answer(200, MANIFEST, [
                    ("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
                    ("Docker-Content-Digest", sha256(MANIFEST))])
            digest = self.path.rsplit("/", 1)[1]
            if digest in BLOBS:
                return self.answer(307, b"", [("Location", "/storage/" + digest[7:])])
            return self.answer(404)
        if self.path.startswith("/storage/"):
            blob = BLOBS.get("sha256:" + self.path[len("/storage/"):])
            return self.answer(200, blob) if blob else self.answer(404)
        if self.path.startswith("/v2/gzipbomb/"):
            return self.answer(200, BOMB, [
                ("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
                ("Content-Encoding", "gzip")])
        huge = self.path.startswith("/v2/huge/")
        self.send_response(200)
        self.send_header(
            "Content-Type",
            "application/vnd.oci.image.index.v1+json" if huge
            else "application/vnd.oci.image.manifest.v1+json")
        self.end_headers()
        try:
            if huge:
                self.wfile.write(b'{"schemaVersion":2,"manifests":[')
                for i in range(200_000):
                    entry = ('{"mediaType":"application/vnd.oci.image.manifest.v1+json",'
                             '"digest":"sha256:%064x","size":1}' % i)
                    self.wfile.write(((',' if i else '') + entry).encode())
                self.wfile.write(b']}')
            else:
                self.wfile.write(b'{"schemaVersion":2,"layers":[')
                chunk = b'{"size":1},' * 6000
                for _ in range(4000):
                    self.wfile.write(chunk)
        except OSError:
            pass  # cut: the client went away
        self.close_connection = True


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
