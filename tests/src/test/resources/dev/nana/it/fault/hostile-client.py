#!/usr/bin/env python3
"""A hostile client of the daemon's forwarding socket (<address>.cli), for the fault suite.

It speaks the thin client's protocol (native/src/client/forward.h) and breaks it on purpose:
  hostile-client.py SOCK request ARG...      a well-formed request; prints the daemon's exit code
  hostile-client.py SOCK claim ARGC          20 bytes that claim ARGC arguments
  hostile-client.py SOCK length N            a request that claims N bytes and sends 8
  hostile-client.py SOCK hold N              N connections, each sending 1 MiB less one byte of a
                                             1 MiB request, held until stdin closes
  hostile-client.py SOCK idle N              N connections that send nothing, held until stdin closes
  hostile-client.py SOCK nofds               a request without its stdio descriptors
  hostile-client.py SOCK signals N SIG ARG... a well-formed request, then a second later N signal
                                             frames at once
Each prints one JSON line: what the daemon answered (frames, exit code) and how long it took.
"""
import json
import os
import socket
import struct
import sys
import time

VERSION = 2


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def frames(s, timeout):
    """Reads 5-byte frames until the daemon closes or the timeout passes."""
    s.settimeout(timeout)
    got, buf = [], b""
    try:
        while True:
            chunk = s.recv(64)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 5:
                t, v = buf[0:1].decode(), struct.unpack(">I", buf[1:5])[0]
                got.append([t, v])
                buf = buf[5:]
    except (socket.timeout, ConnectionResetError):
        pass
    return got


def body(args, env=(), cwd="/"):
    def strings(items):
        out = struct.pack(">I", len(items))
        for x in items:
            b = x.encode()
            out += struct.pack(">I", len(b)) + b
        return out

    b = cwd.encode()
    return b"NANA" + struct.pack(">I", VERSION) + strings(args) + strings(env) + struct.pack(">I", len(b)) + b


def send_with_stdio(s, data):
    socket.send_fds(s, [data], [0, 1, 2])


def exit_code(fs):
    codes = [v for t, v in fs if t == "X"]
    return codes[0] if codes else None


def main():
    path, mode, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    t0 = time.monotonic()
    out = {"mode": mode}
    if mode == "request":
        s = connect(path)
        b = body(rest, [k + "=" + v for k, v in os.environ.items() if k.startswith("NANA_")])
        send_with_stdio(s, struct.pack(">I", len(b)) + b)
        fs = frames(s, 30)
        out.update(frames=fs, exit=exit_code(fs))
    elif mode == "signals":
        n, sig, args = int(rest[0]), int(rest[1]), rest[2:]
        s = connect(path)
        b = body(args, [k + "=" + v for k, v in os.environ.items() if k.startswith("NANA_")])
        send_with_stdio(s, struct.pack(">I", len(b)) + b)
        time.sleep(1)  # the command is under way: its container runs
        s.sendall((b"S" + struct.pack(">I", sig)) * n)
        fs = frames(s, 60)
        out.update(frames=fs, exit=exit_code(fs))
    elif mode == "claim":
        s = connect(path)
        b = b"NANA" + struct.pack(">II", VERSION, int(rest[0])) + b"\0" * 8
        send_with_stdio(s, struct.pack(">I", len(b)) + b)
        fs = frames(s, 10)
        out.update(frames=fs, exit=exit_code(fs))
    elif mode == "length":
        s = connect(path)
        send_with_stdio(s, struct.pack(">I", int(rest[0]) & 0xFFFFFFFF) + b"NANA" + struct.pack(">I", VERSION))
        fs = frames(s, 10)
        out.update(frames=fs, exit=exit_code(fs))
    elif mode == "nofds":
        s = connect(path)
        b = body(["ps"])
        s.sendall(struct.pack(">I", len(b)) + b)
        fs = frames(s, 10)
        out.update(frames=fs, exit=exit_code(fs))
    elif mode in ("hold", "idle"):
        n = int(rest[0])
        conns, refused, failed = [], 0, 0
        for _ in range(n):
            try:
                s = connect(path)
            except OSError:
                failed += 1
                continue
            if mode == "hold":
                size = 1 << 20
                try:
                    send_with_stdio(s, struct.pack(">I", size) + b"\0" * (size - 1))
                except OSError:
                    failed += 1
            conns.append(s)
        # the daemon answers a client over its cap at once ('B'); the others it leaves waiting
        for s in conns:
            s.setblocking(False)
            try:
                data = s.recv(5)
                if data[:1] == b"B":
                    refused += 1
            except (BlockingIOError, ConnectionResetError):
                pass
        out.update(opened=len(conns), refused=refused, failed=failed)
        print(json.dumps(out), flush=True)
        sys.stdin.read()  # hold them until told to let go
        for s in conns:
            s.close()
        return
    out["seconds"] = round(time.monotonic() - t0, 3)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
