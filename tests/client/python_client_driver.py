#!/usr/bin/env python3
"""XSIME client driver (protocol v1) written from docs/client-driver.md alone: a small
plain-transport XSIME client library plus the driver loop. --defect NAME switches on one
plausible client bug, to show the harness catches it; `none` (default) follows the doc.
Usage: python_client_driver.py HOST PORT [--defect NAME]"""

import argparse
import contextlib
import json
import queue
import re
import socket
import struct
import sys
import threading
import time

CLIENT = "pyxsime-driver 0.1"
MAX_BUF = 16 * 1024  # spec: buffer limit on every XSIME payload, both directions
MAX_USER = 128  # spec: user name limit in bytes
MAX_TF_FRAME = 1 << 20  # TF replies are short texts; a bigger length is garbage
WAIT = 4.0  # deadline for any reply: under the harness's default 5 s step deadline
EOF_GRACE = 1.0  # once stdin ends, waits are cut to this so `done` comes in time
INTERVAL_SZ = 8  # opcode 7 `sz`: the docs do not say; we count the 8 bytes that follow
DEFECTS = ("none", "framing_extra_tf_prefix", "length_counts_chars", "order_user_first",
           "exit_no_echo_wait", "hostile_trusts_sz")
HEX_RE = re.compile(r"^(?:[0-9a-fA-F]{2})*$")


def log(msg):
    print(f"[pydriver] {msg}", file=sys.stderr, flush=True)


class Refused(Exception):
    """A command failed (locally refused, server refused, or no reply in time)."""


class Closed(Exception):
    """The connection ended while the reader was reading."""


def text_field(data, base="text"):
    """Bytes as the event wants them: `text` if valid UTF-8, `text_hex` otherwise."""
    try:
        return {base: data.decode("utf-8")}
    except UnicodeDecodeError:
        return {base + "_hex": data.hex()}


def parse_push(payload):
    """`timestamp:user:message` -> (int, bytes, bytes); ValueError when malformed."""
    parts = payload.split(b":", 2)
    if len(parts) != 3:
        raise ValueError("push is not timestamp:user:message")
    stamp, sender, text = parts
    if not stamp.isdigit() or int(stamp) >= 1 << 64:
        raise ValueError(f"push timestamp {stamp[:32]!r} is not an unsigned decimal")
    if not sender:
        raise ValueError("push has an empty sender")
    return int(stamp), sender, text


class XsimeClient:
    """Plain-transport XSIME client: the caller's thread writes, one thread reads.
    Pushed messages and problems go to on_event(name, **fields)."""

    def __init__(self, on_event, defect="none"):
        self.on_event, self.defect = on_event, defect
        self.cv = threading.Condition()
        self.sock = self.reader = self.ending_at = None
        self.state = "idle"  # idle | open | closed (ended by the peer or by the library)
        self.xsime = False  # from XSIME_START's OK to the exit echo; set by the reader
        self.closing = False  # a close we asked for: no `closed` event
        self.expect, self.got = [], {}  # replies awaited ("start", 0, 1, 2) and arrived

    def connect(self, host, port, transport):
        if transport != "plain":
            raise Refused("tf transport not supported by this driver")
        if self.state == "open":
            raise Refused("already connected")
        try:
            sock = socket.create_connection((host, port), timeout=WAIT)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as e:
            raise Refused(f"connect failed: {e}") from None
        with self.cv:
            self.sock, self.state, self.xsime, self.closing = sock, "open", False, False
            self.expect, self.got = [], {}
        self.reader = threading.Thread(target=self._read_loop, args=(sock,), daemon=True)
        self.reader.start()

    def start(self):
        if self.state != "open" or self.xsime:
            raise Refused("not connected" if self.state != "open" else "XSIME already started")
        reply = self._request("start", struct.pack(">I", 11) + b"XSIME_START")
        if reply != b"OK":  # `FAILED ...`: the server's text is the reason
            raise Refused(reply.decode("utf-8", "replace") or "empty reply to XSIME_START")

    def setup(self, unique, auto_delete, timestamp):
        self.require_xsime()
        flags = (1 if unique else 0) | (2 if auto_delete else 0)
        self._write(self._frame(4, flags, struct.pack(">Q", timestamp)))

    def org_unit(self, path):
        self.require_xsime()
        if len(path) > MAX_BUF:
            raise Refused(f"path of {len(path)} bytes exceeds the {MAX_BUF}-byte buffer")
        self._status_command(1, path)

    def user(self, name):
        self.require_xsime()
        if len(name) > MAX_USER:
            raise Refused(f"user name of {len(name)} bytes exceeds {MAX_USER} bytes")
        self._status_command(2, name)

    def send(self, to, text):
        self.require_xsime()
        if any(b":" in name for name in to):
            raise Refused("a recipient name contains ':'")
        payload = b"".join(name + b":" for name in to) + b" " + text
        if len(payload) > MAX_BUF:
            raise Refused(f"payload of {len(payload)} bytes exceeds the {MAX_BUF}-byte buffer")
        self._write(self._frame(5, self._sz(payload), payload))

    def interval(self, ns):
        self.require_xsime()
        self._write(self._frame(7, INTERVAL_SZ, struct.pack(">Q", ns)))

    def exit(self):
        self.require_xsime()
        if self.defect == "exit_no_echo_wait":  # bug: no wait for the echo, pushes lost
            self._write(self._frame(0, 0))
            return self.close("closed")
        if self._request(0, self._frame(0, 0)) != 0:
            raise Refused("exit echo carried a non-zero sz")

    def disconnect(self):
        if self.state == "idle":
            raise Refused("not connected")
        self.close("idle")

    def close(self, final_state="idle"):
        """Our own close: shut the socket, let the reader stop, report nothing."""
        with self.cv:
            sock, reader, self.closing = self.sock, self.reader, True
            self.cv.notify_all()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reader's recv
            if reader is not None:
                reader.join(1.0)
            sock.close()
        with self.cv:
            self.sock, self.reader, self.state, self.xsime = None, None, final_state, False

    def stdin_ended(self):
        with self.cv:
            self.ending_at = time.monotonic() + EOF_GRACE
            self.cv.notify_all()

    def require_xsime(self):
        if self.state != "open" or not self.xsime:
            raise Refused("not connected" if self.state != "open" else "XSIME not started")

    def _sz(self, payload):
        if self.defect == "length_counts_chars":  # bug: counts code points, not bytes
            return len(payload.decode("utf-8", "surrogateescape"))
        return len(payload)

    def _frame(self, opcode, sz, payload=b""):
        data = struct.pack(">Bi", opcode, sz) + payload
        if self.defect == "framing_extra_tf_prefix":  # bug: TF framing kept after START
            data = struct.pack(">I", len(data)) + data
        return data

    def _status_command(self, opcode, payload):
        status = self._request(opcode, self._frame(opcode, self._sz(payload), payload))
        if status != 0:
            raise Refused(f"server answered opcode {opcode} with sz {status}")

    def _request(self, kind, data):
        """Writes data, then waits for the reply `kind` until WAIT (or the EOF grace)."""
        with self.cv:
            self.got.pop(kind, None)
            self.expect.append(kind)  # before writing: the reply may come at once
        deadline = time.monotonic() + WAIT
        try:
            self._write(data)
            with self.cv:
                while kind not in self.got:
                    if self.state != "open" or self.closing:
                        raise Refused("connection closed before the reply")
                    end = deadline if self.ending_at is None else min(deadline, self.ending_at)
                    if end <= time.monotonic():
                        raise Refused("no reply before the deadline")
                    self.cv.wait(end - time.monotonic())
                return self.got.pop(kind)
        finally:
            with self.cv:
                if kind in self.expect:
                    self.expect.remove(kind)

    def _write(self, data):
        if self.state != "open" or self.sock is None:
            raise Refused("connection closed")
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise Refused(f"write failed: {e}") from None

    # ---- reader thread ----
    def _read_loop(self, sock):
        try:
            while True:
                self._read_xsime(sock) if self.xsime else self._read_tf(sock)
        except Closed as e:
            reason = str(e)
        with self.cv:
            ours = self.closing or sock is not self.sock
        if not ours:  # report `closed` before a waiting command reports `failed`
            sock.close()
            self.on_event("closed", reason=reason)
        with self.cv:
            if not ours:
                self.state, self.xsime = "closed", False
            self.cv.notify_all()

    def _recv(self, sock, n, exact=True):
        buf = b""
        while len(buf) < n:
            try:
                chunk = sock.recv(n - len(buf))
            except socket.timeout:
                if self.closing:
                    raise Closed("closed by the driver") from None
                continue
            except OSError as e:
                raise Closed(f"connection error: {e}") from None
            if not exact:
                return chunk
            if not chunk:
                raise Closed("peer closed the connection" + (" mid-frame" if buf else ""))
            buf += chunk
        return buf

    def _deliver(self, kind, value, xsime):
        """Hands a reply to the command awaiting it; False when none awaits it."""
        with self.cv:
            self.xsime = xsime  # switched before the next byte is read
            if kind not in self.expect:
                return False
            self.expect.remove(kind)
            self.got[kind] = value
            self.cv.notify_all()
            return True

    def _read_tf(self, sock):
        (n,) = struct.unpack(">I", self._recv(sock, 4))
        if n > MAX_TF_FRAME:
            self.on_event("error", reason=f"TF frame length {n} is implausible")
            raise Closed("library closed the connection after an unreadable TF frame")
        body = self._recv(sock, n)
        if not self._deliver("start", body, "start" in self.expect and body == b"OK"):
            self.on_event("error", reason=f"unexpected TF frame {body[:64]!r}")

    def _read_xsime(self, sock):
        opcode, sz = struct.unpack(">Bi", self._recv(sock, 5))
        if opcode == 5:
            return self._on_push(sock, sz)
        if opcode in (0, 1, 2):  # a status, or the exit echo (back at the TF level)
            expected = self._deliver(opcode, sz, opcode != 0)
            if sz not in (0, -1) or (opcode == 0 and sz != 0):
                self.on_event("error", reason=f"reply opcode {opcode} with unexpected sz {sz}")
            elif not expected:
                self.on_event("error", reason=f"unexpected reply opcode {opcode} sz {sz}")
            return
        self.on_event("error", reason=f"unexpected opcode 0x{opcode:02x} with sz {sz}")
        if not 0 <= sz <= MAX_BUF:
            raise Closed("library closed the connection after an unreadable frame")
        self._recv(sock, sz)  # skip its payload and stay in step

    def _on_push(self, sock, sz):
        if sz == -1:
            return self.on_event("send_refused")
        trusting = self.defect == "hostile_trusts_sz"  # bug: believes any sz
        if 0 <= sz <= MAX_BUF:
            payload = self._recv(sock, sz)
        elif not trusting:
            self.on_event("error", reason=f"push with sz {sz} outside 0..{MAX_BUF}")
            raise Closed("library closed the connection after an unreadable push")
        else:  # takes whatever one read returns
            payload = self._recv(sock, min(sz, 1 << 20), exact=False) if sz > 0 else b""
        try:
            stamp, sender, text = parse_push(payload)
        except ValueError as e:
            if not trusting:
                return self.on_event("error", reason=f"malformed push: {e}")
            stamp, sender, text = 0, b"", payload
        self.on_event("message", timestamp=stamp, **text_field(sender, "from"), **text_field(text))


def field(cmd, key, kind):
    """A command field of the given kind (bool, int = u64, bytes = UTF-8 string)."""
    value = cmd.get(key)
    if kind is bool and type(value) is bool:
        return value
    if kind is int and type(value) is int and 0 <= value < 1 << 64:
        return value
    if kind is bytes and isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate escaped in the JSON
            raise Refused(f"field {key!r} is not valid Unicode") from None
    kinds = {bool: "a boolean", int: "an integer in 0..2^64-1", bytes: "a string"}
    raise Refused(f"field {key!r} must be {kinds[kind]}")


def text_of(cmd):
    if "text_hex" not in cmd:
        return field(cmd, "text", bytes)
    if not isinstance(cmd["text_hex"], str) or not HEX_RE.match(cmd["text_hex"]):
        raise Refused("field 'text_hex' is not hex")
    return bytes.fromhex(cmd["text_hex"])


class Driver:
    """The v1 loop: stdin thread -> command queue -> this thread -> the library."""

    DEFERRED = object()  # order_user_first: org_unit's outcome comes with `user`

    def __init__(self, host, port, defect):
        self.host, self.port, self.defect = host, port, defect
        self.lock, self.finished = threading.Lock(), False
        self.lib = XsimeClient(self.emit, defect)
        self.commands = queue.Queue()
        self.deferred_org = None  # (id, path) under order_user_first
        lib = self.lib
        self.handlers = {
            "connect": self.do_connect, "org_unit": self.do_org_unit, "user": self.do_user,
            "send": self.do_send, "start": lambda c: lib.start(), "exit": lambda c: lib.exit(),
            "disconnect": lambda c: lib.disconnect(),
            "interval": lambda c: lib.interval(field(c, "ns", int)),
            "setup": lambda c: lib.setup(field(c, "unique", bool), field(c, "auto_delete", bool),
                                         field(c, "timestamp", int)),
        }

    def emit(self, event, **fields):
        """One JSON line on stdout, lock-guarded, flushed; nothing after `done`."""
        line = json.dumps({"event": event, **fields}, ensure_ascii=False, separators=(",", ":"))
        with self.lock:
            if not self.finished:
                sys.stdout.buffer.write(line.encode("utf-8") + b"\n")
                sys.stdout.buffer.flush()
                self.finished = event == "done"

    def outcome(self, cid, name, failure=None):
        if failure is None:
            self.emit("ok", id=cid, cmd=name)
        else:
            self.emit("failed", id=cid, cmd=name, reason=failure)

    def read_stdin(self):
        for line in sys.stdin.buffer:
            self.commands.put(line)
        self.lib.stdin_ended()
        self.commands.put(None)

    def run(self):
        self.emit("hello", protocol=1, client=f"{CLIENT} (defect {self.defect})")
        threading.Thread(target=self.read_stdin, daemon=True).start()
        while (line := self.commands.get()) is not None:
            self.execute(line)
        if self.deferred_org is not None:
            self.outcome(self.deferred_org[0], "org_unit", "never sent: no user command followed")
        self.lib.close()
        self.emit("done")
        return 0

    def execute(self, line):
        try:
            cmd = json.loads(line)
        except ValueError as e:
            return log(f"ignoring a line that is not JSON ({e}): {line[:200]!r}")
        if not isinstance(cmd, dict) or type(cmd.get("id")) is not int:
            return log(f"ignoring a command without an integer id: {line[:200]!r}")
        name = cmd.get("cmd")
        try:
            handler = self.handlers.get(name) if isinstance(name, str) else None
            if handler is None:
                raise Refused(f"unknown command {name!r}")
            if handler(cmd) is not self.DEFERRED:
                self.outcome(cmd["id"], name)
        except Refused as e:
            self.outcome(cmd["id"], name, str(e))
        except Exception as e:  # a driver bug must still give one outcome, and `done`
            log(f"internal error on {name!r}: {e!r}")
            self.outcome(cmd["id"], name, f"driver internal error: {e!r}")

    def do_connect(self, cmd):
        port = cmd.get("port", self.port)
        if type(port) is not int:
            raise Refused("field 'port' must be an integer")
        self.lib.connect(str(cmd.get("host", self.host)), port, cmd.get("transport"))

    def do_send(self, cmd):
        to = cmd.get("to")
        if not isinstance(to, list):
            raise Refused("field 'to' must be an array of strings")
        self.lib.send([field({"to": n}, "to", bytes) for n in to], text_of(cmd))

    def do_org_unit(self, cmd):
        path = field(cmd, "path", bytes)
        if self.defect != "order_user_first":
            return self.lib.org_unit(path)
        self.lib.require_xsime()
        self.deferred_org = (cmd["id"], path)  # bug: keeps it for later
        return self.DEFERRED

    def do_user(self, cmd):
        name = field(cmd, "name", bytes)
        if self.defect != "order_user_first" or self.deferred_org is None:
            return self.lib.user(name)
        (org_id, path), self.deferred_org = self.deferred_org, None
        user_failure = attempt(self.lib.user, name)  # bug: user first, then org unit
        self.outcome(org_id, "org_unit", attempt(self.lib.org_unit, path))
        self.outcome(cmd["id"], "user", user_failure)
        return self.DEFERRED


def attempt(call, arg):
    """None when call(arg) succeeds, the failure reason otherwise."""
    try:
        call(arg)
    except Refused as e:
        return str(e)
    return None


def main():
    parser = argparse.ArgumentParser(description="XSIME client driver, protocol v1")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--defect", choices=DEFECTS, default="none")
    args = parser.parse_args()
    return Driver(args.host, args.port, args.defect).run()


if __name__ == "__main__":
    sys.exit(main())
