#!/usr/bin/env python3
"""A registry on the loopback that answers every manifest with too much.

  hostile-registry.py    prints its port, then serves until killed:
    /v2/endless/...      a manifest that never ends (256 MiB of layers, fast)
    /v2/huge/...         an index of 200,000 entries (~12.5 MB)
A TLS hello gets a 400 at once (a plain HTTP server), so the client falls back to HTTP.
"""
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/v2/":
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
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
