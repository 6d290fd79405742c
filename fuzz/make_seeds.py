#!/usr/bin/env python3
# Writes the seed corpora in corpus/<target>/: small realistic XSIME and TF streams.
# The first byte of each seed is the target's mode byte (see the target's source).
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def hdr(op, sz):
    return struct.pack(">Bi", op, sz)


def frame(op, body):
    return hdr(op, len(body)) + body


def setup(flags, ts):
    return hdr(4, flags) + struct.pack(">Q", ts)


def interval(ns):
    return hdr(7, 8) + struct.pack(">Q", ns)


def tf(body):
    return struct.pack(">I", len(body)) + body


# stream_decoder_fuzz mode byte: bit 0 direction (0 to_server, 1 to_client), rest chunk-1.
def sd_mode(to_client, chunk):
    return bytes([((chunk - 1) << 1) | (1 if to_client else 0)])


STREAM = {
    "client_login": sd_mode(False, 3) + setup(3, 1700000000) + frame(1, b"/ime")
    + frame(2, b"alice") + frame(5, b"bob:carol: hello: there") + interval(25000000)
    + hdr(0, 0),
    "client_reconfigure": sd_mode(False, 128) + setup(0, 0) + frame(5, b"a::b: x y\x00\xff")
    + setup(2, 1700000123) + frame(5, b" no recipient") + frame(5, b"bob:") + hdr(0, 0),
    "client_unknown_opcode": sd_mode(False, 1) + frame(9, b"zz") + frame(5, b"bob: hi")
    + hdr(3, 0) + hdr(0, 0),
    "client_ascii_digits": sd_mode(False, 7) + b"50007bob: hi",
    "client_big_message": sd_mode(False, 100) + frame(5, b"bob: " + b"m" * (16384 - 5))
    + hdr(0, 0),
    "client_negative_size": sd_mode(False, 5) + frame(1, b"/ime") + hdr(2, -1) + hdr(0, 0),
    "server_replies": sd_mode(True, 2) + hdr(1, 0) + hdr(2, 0)
    + frame(5, b"1700000000:alice:hello: there") + hdr(5, -1) + frame(5, b"1700000001:bob:")
    + hdr(0, 0),
    "server_failures": sd_mode(True, 11) + hdr(1, -1) + hdr(2, -1) + frame(4, b"12345678")
    + frame(5, b"x:y") + hdr(0, 0),
    "server_oversized": sd_mode(True, 64) + frame(5, b"1:a:b") + hdr(5, 16385) + b"tail",
}

# tf_framing_fuzz mode byte: bits 0-5 chunk-1, bit 6 a 16-byte message limit.
def tf_mode(chunk, small_limit=False):
    return bytes([(chunk - 1) | (0x40 if small_limit else 0)])


TF = {
    "xsime_start_then_frames": tf_mode(4) + tf(b"XSIME_START") + setup(2, 0)
    + frame(1, b"/ime"),
    "replies": tf_mode(1) + tf(b"OK") + tf(b"FAILED 1: Thread allocation failed.")
    + tf(b"UNKNOWN") + tf(b"") + tf(b"END"),
    "reference_failure": tf_mode(9) + tf(b"FAILED XSIME 1 : Thread allocation failed."),
    "over_small_limit": tf_mode(3, True) + tf(b"OK") + tf(b"A" * 17),
    "negative_length": tf_mode(2) + tf(b"OK") + b"\xff\xff\xff\xff" + tf(b"OK"),
    "partial": tf_mode(64) + tf(b"XSIME_START") + b"\x00\x00\x00\x09XSIME",
}


def write(target, seeds):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(folder, name), "wb") as out:
            out.write(data)


write("stream_decoder_fuzz", STREAM)
write("tf_framing_fuzz", TF)
