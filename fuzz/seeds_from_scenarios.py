#!/usr/bin/env python3
"""Derives fuzz seed corpora from the scenario suite: OUTDIR/<target>/<sha1> for every target.

    fuzz/seeds_from_scenarios.py BIN OUTDIR [--scenarios DIR] [--max-per-target N]

BIN is an xsime-conform binary. It serves a mailbox (`BIN serve`), and `BIN run --target` plays
the suite through a recording proxy in between, so every session's exact bytes are kept, the
passing cases' too (the JSON report keeps transcripts of failures only). From them:

- session_core_fuzz, tf_channel_fuzz (plain mode): mode byte + a session's client bytes;
- tf_call_splitter_fuzz: mode byte + a session's client bytes, or its server bytes;
- stream_decoder_fuzz: mode byte + each stretch of XSIME frames, either direction;
- tf_framing_fuzz: mode byte + a session's TF messages (the XSIME stretches left out);
- scenario_loader_fuzz: each scenario file as it is;
- expand_fuzz: each scenario string holding "${";
- bytes_spec_fuzz: mode 0 + each "hex" string, mode 1 + each byte-source object's JSON.

Each session's org unit is renamed to the one the target's own mailbox has (/org, /ime) and
the run's push and setup times are set to 1700000000, lengths recomputed. Seeds are named by
their SHA-1 (so repeated bytes are one file) and capped per target, chosen
by hash so that the choice is stable. Each mode byte (chunk sizes) is taken from the seed's own
hash: varied, and the same on every run. Python 3 standard library only.
"""
import argparse
import hashlib
import json
import os
import pathlib
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading

HERE = pathlib.Path(__file__).resolve().parent
TF_MAX = 64 * 1024          # protocol/tf_framing.hpp tf_default_max_message
MAX_PAYLOAD = 16 * 1024     # protocol/header.hpp max_payload
U64_BODY = (4, 7)           # setup and interval: an 8-byte body whatever sz says
PAYLOAD = (1, 2, 5)         # org unit, user, message: sz bytes of payload
RUN_TIMEOUT_S = 900
START_TIMEOUT_S = 30


# ---- the recording proxy ----

class Recorder:
    """Listens on 127.0.0.1, forwards each connection to the server, keeps both directions."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.sessions = []  # [client bytes, server bytes] per connection, in accept order
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client):
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        record = [bytearray(), bytearray()]
        with self.lock:
            self.sessions.append(record)
        pumps = [threading.Thread(target=self._pump, args=(client, server, record[0])),
                 threading.Thread(target=self._pump, args=(server, client, record[1]))]
        for pump in pumps:
            pump.start()
        for pump in pumps:
            pump.join()
        client.close()
        server.close()

    @staticmethod
    def _pump(source, sink, record):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            record += data
            try:
                sink.sendall(data)
            except OSError:
                break
        for sock, how in ((sink, socket.SHUT_WR), (source, socket.SHUT_RD)):
            try:
                sock.shutdown(how)
            except OSError:
                pass

    def close(self):
        self.listener.close()


def start_server(binary, root):
    server = subprocess.Popen([binary, "serve", "--root", root, "--port", "0", "--quiet"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    # "listening on 127.0.0.1:PORT" at once, or EOF if it failed; a silent server is given up.
    ready, _, _ = select.select([server.stdout], [], [], START_TIMEOUT_S)
    line = server.stdout.readline() if ready else ""
    match = re.search(r"listening on \S+:(\d+)", line)
    if not match:
        server.kill()
        server.wait()
        sys.exit(f"seeds_from_scenarios: '{binary} serve' did not start (said {line!r})")
    return server, int(match.group(1))


def record_sessions(binary, scenarios):
    """Every session of a run of the suite, as (client bytes, server bytes)."""
    with tempfile.TemporaryDirectory(prefix="xsime-seeds-") as work:
        root = os.path.join(work, "root")
        os.mkdir(root)
        server, port = start_server(binary, root)
        recorder = Recorder(port)
        try:
            command = [binary, "run", "--target", f"127.0.0.1:{recorder.port}", "--root", root,
                       "--json", os.path.join(work, "report.json"), "-j", "2",
                       "--timeout", str(RUN_TIMEOUT_S), str(scenarios)]
            result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True, timeout=RUN_TIMEOUT_S + 60)
            summary = report_summary(os.path.join(work, "report.json"))
        finally:
            recorder.close()
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        # 0 all passed, 1 some failed: the bytes are what matters. Anything else is a problem.
        if result.returncode not in (0, 1):
            print(f"seeds_from_scenarios: run exited {result.returncode}: "
                  f"{result.stderr.strip()[-500:]}", file=sys.stderr)
        with recorder.lock:
            sessions = [(bytes(c), bytes(s)) for c, s in recorder.sessions]
        print(f"seeds_from_scenarios: {summary}, {len(sessions)} sessions recorded")
        return sessions


def report_summary(path):
    try:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        verdicts = {}
        for case in report.get("cases", []):
            verdicts[case.get("verdict")] = verdicts.get(case.get("verdict"), 0) + 1
        return "cases " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items()))
    except (OSError, ValueError) as error:
        return f"no JSON report ({error})"


# ---- splitting a session into its TF and XSIME stretches ----

def frame_end(data, i, to_server):
    """End of the XSIME frame at data[i:], (end, exits); end None when the structure is lost."""
    if len(data) - i < 5:
        return None, False
    opcode = data[i]
    sz = int.from_bytes(data[i + 1:i + 5], "big", signed=True)
    if opcode == 0:
        return i + 5, True
    if opcode in U64_BODY and to_server:
        return i + 5 + 8, False
    carries_payload = opcode in PAYLOAD if to_server else opcode == 5
    if carries_payload and sz < 0:
        return i + 5, False        # a status reply (or a lying client)
    if not carries_payload and not to_server:
        return i + 5, False        # status replies are headers only
    if 0 <= sz <= MAX_PAYLOAD:
        return i + 5 + sz, False   # payload, or an unknown opcode skipped by its sz
    return None, False


def units(data, to_server):
    """The stream as ('tf', body), ('frame', header, body) and, once the structure is lost,
    ('rest', layer, bytes)."""
    i, layer = 0, "tf"
    while i < len(data):
        if layer == "tf":
            n = int.from_bytes(data[i:i + 4], "big") if len(data) - i >= 4 else None
            if n is not None and n > TF_MAX and not to_server:
                layer = "xsime"  # the server's first XSIME reply reads as a huge TF length
                continue
            if n is None or n > TF_MAX or len(data) - i - 4 < n:
                yield ("rest", layer, data[i:])
                return
            body = data[i + 4:i + 4 + n]
            yield ("tf", body)
            i += 4 + n
            if to_server and body == b"XSIME_START":
                layer = "xsime"
        else:
            end, exits = frame_end(data, i, to_server)
            if end is None or end > len(data):
                yield ("rest", layer, data[i:])
                return
            yield ("frame", data[i:i + 5], data[i + 5:end])
            i = end
            if exits:
                layer = "tf"


def encode(unit):
    if unit[0] == "tf":
        return len(unit[1]).to_bytes(4, "big") + unit[1]
    return unit[1] + unit[2] if unit[0] == "frame" else unit[2]


def stretches(data, to_server):
    """[(layer, bytes)]: 'tf' runs of TF messages and 'xsime' runs of frames, in order."""
    out = []
    for unit in units(data, to_server):
        layer = {"tf": "tf", "frame": "xsime"}.get(unit[0]) or unit[1]
        if out and out[-1][0] == layer:
            out[-1] = (layer, out[-1][1] + encode(unit))
        else:
            out.append((layer, encode(unit)))
    return out


def org_unit_of(client):
    """The org unit path of the session's first opcode 1, e.g. b"/xc-delivery-basic-1a2b3c4d"."""
    for unit in units(client, True):
        if unit[0] == "frame" and unit[1][0] == 1 and unit[2]:
            return unit[2]
    return None


PUSH_TIME = re.compile(rb"^[0-9]+:")
FIXED_TIME = 1_700_000_000


def normalised(data, to_server, replace):
    """The stream with `replace` (old, new) applied to every TF body and payload, push and setup
    times of the run set to FIXED_TIME, lengths and sz recomputed: the same seeds on every run
    (org units and times differ), and org unit names the fuzz targets' own mailboxes have."""
    out = b""
    for unit in units(data, to_server):
        if unit[0] == "tf":
            body = unit[1].replace(*replace) if replace else unit[1]
            unit = ("tf", body if len(body) <= TF_MAX else unit[1])
        elif unit[0] == "frame":
            header, body = unit[1], unit[2]
            sz = int.from_bytes(header[1:5], "big", signed=True)
            if to_server and header[0] == 4 and int.from_bytes(body, "big") > FIXED_TIME:
                body = FIXED_TIME.to_bytes(8, "big")  # setup's "since": a time of the run
            elif sz == len(body) and header[0] in PAYLOAD and sz > 0:
                new = body.replace(*replace) if replace else body
                if not to_server and header[0] == 5:
                    new = PUSH_TIME.sub(b"%d:" % FIXED_TIME, new, count=1)
                if len(new) <= MAX_PAYLOAD:
                    header, body = header[:1] + len(new).to_bytes(4, "big"), new
            unit = ("frame", header, body)
        out += encode(unit)
    return out


def normalised_session(client, server, org):
    old = org_unit_of(client)
    replace = (old, org) if old else None
    return normalised(client, True, replace), normalised(server, False, replace)


# ---- the seeds of each target ----

def pick(data, choices):
    return choices[hashlib.sha1(data).digest()[0] % len(choices)]


# The org unit each target's own mailbox has (fuzz/<target>.cpp); the others get /org too.
TARGET_ORG = {"tf_channel_fuzz": b"/ime", "session_core_fuzz": b"/org"}
SESSION_TARGETS = ("session_core_fuzz", "tf_channel_fuzz", "tf_call_splitter_fuzz",
                   "stream_decoder_fuzz", "tf_framing_fuzz")


def client_seeds(client, server, seeds):
    # tf_channel_fuzz: bits 0-5 wire chunk - 1, bit 6 reuse a handshake, bit 7 clear: plain.
    plain, _ = normalised_session(client, server, TARGET_ORG["tf_channel_fuzz"])
    mode = (pick(plain, (1, 3, 8, 64)) - 1) | pick(plain[::-1], (0, 0x40))
    seeds["tf_channel_fuzz"].append(bytes([mode]) + plain)
    # session_core_fuzz: bits 0-5 chunk - 1, bit 6 bob held elsewhere, bit 7 poll every 4th.
    plain, _ = normalised_session(client, server, TARGET_ORG["session_core_fuzz"])
    mode = pick(plain, (0x00, 0x07, 0x3f, 0x83, 0x47))
    seeds["session_core_fuzz"].append(bytes([mode]) + plain)


def stream_seeds(client, server, seeds):
    client, server = normalised_session(client, server, b"/org")
    for data, to_server in ((client, True), (server, False)):
        if not data:
            continue
        # tf_call_splitter_fuzz: bits 0-5 write size - 1, bit 6 direction (1 to_client).
        mode = (pick(data, (1, 5, 16, 64)) - 1) | (0 if to_server else 0x40)
        seeds["tf_call_splitter_fuzz"].append(bytes([mode]) + data)
        parts = stretches(data, to_server)
        tf = b"".join(b for layer, b in parts if layer == "tf")
        if tf:
            # tf_framing_fuzz: bits 0-5 chunk - 1, bit 6 a 16-byte limit.
            seeds["tf_framing_fuzz"].append(bytes([pick(tf, (1, 4, 64)) - 1]) + tf)
        for layer, stretch in parts:
            if layer == "xsime":
                # stream_decoder_fuzz: bit 0 direction (1 to_client), bits 1-7 chunk - 1.
                mode = ((pick(stretch, (1, 2, 7, 128)) - 1) << 1) | (0 if to_server else 1)
                seeds["stream_decoder_fuzz"].append(bytes([mode]) + stretch)


def session_seeds(sessions):
    seeds = {name: [] for name in SESSION_TARGETS}
    for client, server in sessions:
        if client:
            client_seeds(client, server, seeds)
            stream_seeds(client, server, seeds)
    return seeds


def scenario_files(scenarios):
    for path in sorted(pathlib.Path(scenarios).rglob("*.json")):
        if path.name not in ("schema.json", "clauses.json"):
            yield path


def walk(node, visit):
    visit(node)
    if isinstance(node, dict):
        for value in node.values():
            walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            walk(value, visit)


BYTE_SOURCE_KEYS = {"text", "hex", "frame", "fill"}


def file_seeds(scenarios):
    seeds = {"scenario_loader_fuzz": [], "expand_fuzz": [], "bytes_spec_fuzz": []}

    def visit(node):
        if isinstance(node, str) and "${" in node:
            seeds["expand_fuzz"].append(node.encode())
        if isinstance(node, dict):
            if isinstance(node.get("hex"), str):
                seeds["bytes_spec_fuzz"].append(b"\x00" + node["hex"].encode())
            keys = set(node) - {"count"}
            if len(keys) == 1 and keys <= BYTE_SOURCE_KEYS:
                seeds["bytes_spec_fuzz"].append(b"\x01" + json.dumps(node).encode())

    for path in scenario_files(scenarios):
        text = path.read_bytes()
        seeds["scenario_loader_fuzz"].append(text)
        try:
            walk(json.loads(text), visit)
        except ValueError:
            pass  # a broken file is still a loader seed
    return seeds


def write(outdir, seeds, cap):
    for target, items in sorted(seeds.items()):
        folder = pathlib.Path(outdir) / target
        folder.mkdir(parents=True, exist_ok=True)
        unique = {hashlib.sha1(item).hexdigest(): item for item in items if item}
        chosen = sorted(unique)[:cap]
        for name in chosen:
            (folder / name).write_bytes(unique[name])
        print(f"  {target}: {len(chosen)} seeds ({len(unique)} distinct, cap {cap})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="an xsime-conform binary")
    parser.add_argument("outdir", help="written: OUTDIR/<target>/<sha1>")
    parser.add_argument("--scenarios", default=str(HERE.parent / "scenarios"))
    parser.add_argument("--max-per-target", type=int, default=300)
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"seeds_from_scenarios: {args.binary} is not an executable")
    if not pathlib.Path(args.scenarios).is_dir():
        sys.exit(f"seeds_from_scenarios: {args.scenarios} is not a folder")
    sessions = record_sessions(args.binary, args.scenarios)
    if not sessions:
        sys.exit("seeds_from_scenarios: no session was recorded")
    seeds = session_seeds(sessions)
    seeds.update(file_seeds(args.scenarios))
    write(args.outdir, seeds, args.max_per_target)


if __name__ == "__main__":
    main()
