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


# tf_call_splitter_fuzz mode byte: bits 0-5 write size-1, bit 6 the direction (0 to_server,
# 1 to_client), bit 7 start in the XSIME layer.
def split_mode(chunk, to_client=False, xsime=False):
    return bytes([(chunk - 1) | (0x40 if to_client else 0) | (0x80 if xsime else 0)])


CLIENT_LOGIN = setup(0, 1700000000) + frame(1, b"/ime") + frame(2, b"alice")

SPLIT = {
    "client_session": split_mode(3) + tf(b"MKDIR /org") + tf(b"XSIME_START") + CLIENT_LOGIN
    + frame(5, b"bob: hi") + interval(25000000) + hdr(0, 0) + tf(b"TOUCH /org/x") + tf(b"END"),
    "client_session_whole": split_mode(64) + tf(b"XSIME_START") + CLIENT_LOGIN + hdr(0, 0)
    + tf(b"XSIME_START") + frame(5, b"bob: again") + hdr(0, 0) + tf(b""),
    "empty_units": split_mode(1) + tf(b"") + tf(b"XSIME_START") + frame(5, b"") + hdr(3, 0)
    + hdr(0, 0) + tf(b"OK"),
    "negative_tf_length": split_mode(2) + tf(b"OK") + b"\xff\xff\xff\xff" + tf(b"OK"),
    "oversized_tf_length": split_mode(5) + tf(b"DEL /a") + struct.pack(">I", 65537) + b"x" * 9,
    "negative_sz": split_mode(7, xsime=True) + frame(1, b"/ime") + hdr(2, -1) + frame(2, b"a"),
    "unknown_opcode": split_mode(4, xsime=True) + frame(9, b"zz") + hdr(3, 0) + frame(5, b"b: x")
    + hdr(9, -1) + b"rest",
    "server_replies": split_mode(2, to_client=True, xsime=True) + hdr(1, 0) + hdr(2, 0)
    + frame(5, b"1700000000:alice:hello") + hdr(5, -1) + hdr(0, 0) + tf(b"OK"),
    "server_tf": split_mode(6, to_client=True) + tf(b"OK")
    + tf(b"FAILED XSIME 1 : Thread allocation failed.") + tf(b"XSIME_START") + tf(b"UNKNOWN"),
    "server_oversized": split_mode(11, to_client=True, xsime=True) + frame(5, b"1:a:b")
    + hdr(5, 16385) + b"tail",
}


# tf_channel_fuzz mode byte: bits 0-5 wire chunk size-1, bit 7 the handshake stage (the rest goes
# to a fresh channel as it is); without it the rest is the client's plaintext after the
# handshake the target runs itself (version "0.0", hash "xsime-fuzz-hash"), or with bit 6 after
# a copy of one it ran once.
def channel_mode(chunk, handshake=False, reuse=False):
    return bytes([(chunk - 1) | (0x40 if reuse else 0) | (0x80 if handshake else 0)])


LOGIN = tf(b"XSIME_START") + CLIENT_LOGIN

CHANNEL = {
    "login_send_exit_reenter": channel_mode(5) + LOGIN + frame(5, b"bob: hello there")
    + frame(5, b"alice:bob: both") + interval(1000) + hdr(0, 0) + tf(b"XSIME_START")
    + frame(5, b"bob: again") + hdr(0, 0) + tf(b"END"),
    "reused_login_send_exit": channel_mode(2, reuse=True) + LOGIN + frame(5, b"bob: hi")
    + hdr(0, 0) + tf(b"MKDIR /r") + tf(b"RMDIR /r") + tf(b"XSIME_START") + hdr(0, 0),
    "reused_pipelined_garbage": channel_mode(64, reuse=True) + LOGIN + frame(9, b"skip")
    + hdr(7, 0) + b"\x00" * 7 + b"x" + frame(5, b":: no one") + hdr(2, 16385),
    "unique_user_autodelete": channel_mode(64) + tf(b"XSIME_START") + setup(3, 0)
    + frame(1, b"/ime") + frame(2, b"bob") + frame(2, b"bob") + setup(0, 1) + frame(5, b"x")
    + frame(5, b"carol:alice: hi") + hdr(0, 0),
    "not_logged_in": channel_mode(9) + tf(b"XSIME_START") + frame(1, b"/ime") + frame(2, b"a")
    + frame(5, b"bob: hi") + setup(0, 0) + frame(1, b"/../etc") + frame(1, b"/nope")
    + frame(1, b"/ime") + frame(2, b"x" * 129) + frame(2, b"nobody") + hdr(0, 0),
    "fixture_commands": channel_mode(64) + tf(b"MKDIR /org") + tf(b"MKDIR /org/u")
    + tf(b"MKDIR /org/u/messages") + tf(b"MKDIR /org/u/messages/blacklist")
    + tf(b"TOUCH /org/u/messages/blacklist/alice") + tf(b"TOUCH /org/u/messages/blacklist/alice")
    + tf(b"DEL /org/u/messages/blacklist/alice") + tf(b"DEL /org/u/messages/blacklist/alice")
    + tf(b"RMDIR /org") + tf(b"RMDIR /org") + tf(b"MKDIR /ime") + tf(b"MKDIR /a/b")
    + tf(b"RMDIR /") + tf(b"MKDIR /../x") + tf(b"TOUCH /ime") + tf(b"MKDIR")
    + tf(b"MKDIR ") + tf(b"mkdir /x") + tf(b"MKDIR /sp ace\x00\\") + tf(b"NOPE") + tf(b""),
    "garbage_after_login": channel_mode(1) + LOGIN + b"\x07\x00\x00\x00\x08garbage!"
    + b"\x35\x30\x30\x30\x37bob: hi" + b"\xfe" * 12,
    "negative_sz": channel_mode(3) + LOGIN + frame(5, b"bob: before") + hdr(5, -1)
    + frame(5, b"bob: never"),
    "oversized_payload": channel_mode(64) + LOGIN + frame(5, b"bob: " + b"m" * 16370)
    + hdr(5, 16385) + b"rest",
    "tf_negative_length": channel_mode(2) + tf(b"MKDIR /t") + b"\xff\xff\xff\xff" + tf(b"OK"),
    "tf_oversized_length": channel_mode(7) + tf(b"RMDIR /t") + struct.pack(">I", 65537) + b"zz",
    "end_then_more": channel_mode(4) + tf(b"UNKNOWN?") + tf(b"END") + tf(b"MKDIR /late"),
    "hs_good_version_garbage_key": channel_mode(7, True) + tf(b"0.0") + tf(bytes(range(256))),
    "hs_short_key": channel_mode(64, True) + tf(b"0.0") + tf(b"k" * 16) + tf(b"xsime-fuzz-hash"),
    "hs_wrong_version": channel_mode(1, True) + tf(b"9.9") + tf(b"0.0"),
    "hs_oversize_length": channel_mode(3, True) + tf(b"0.0") + struct.pack(">I", 4097)
    + b"k" * 40,
    "hs_negative_length": channel_mode(64, True) + b"\xff\xff\xff\xfe" + tf(b"0.0"),
    "hs_partial_key": channel_mode(16, True) + tf(b"0.0") + struct.pack(">I", 256) + b"k" * 100,
}



# session_core_fuzz mode byte: bits 0-5 chunk size-1, bit 6 another session holds bob (flag 1),
# bit 7 polls after every fourth chunk only. The target's org unit /org holds alice, bob, carol
# (who blocks alice), mallory (a symlink to /other/mallory) and out (a symlink out of the root).
def session_mode(chunk, bob_held=False, poll_rarely=False):
    return bytes([(chunk - 1) | (0x40 if bob_held else 0) | (0x80 if poll_rarely else 0)])


def session_login(user=b"alice", flags=0, since=0, org=b"/org"):
    return tf(b"XSIME_START") + setup(flags, since) + frame(1, org) + frame(2, user)


def session_seeds():
    login = session_login()
    return {
        "send_self": session_mode(5) + login + frame(5, b"alice: hi") + frame(5, b"alice:bob: both"),
        "auto_delete_self": session_mode(64) + session_login(flags=2) + frame(5, b"alice: one")
        + frame(5, b"alice: two") + frame(5, b"alice: three"),
        "unique_bob_held": session_mode(9, bob_held=True) + session_login(b"bob", flags=1)
        + frame(2, b"alice") + frame(5, b"bob:alice: hi"),
        "interval_exit_reenter": session_mode(3) + login + interval(1000) + frame(5, b"alice: a")
        + hdr(0, 0) + tf(b"XSIME_START") + frame(5, b"alice: b") + hdr(0, 0) + tf(b"END"),
        "blacklisted": session_mode(7) + login + frame(5, b"carol: hi")
        + frame(5, b"carol:bob:alice: some") + frame(5, b"nobody: lost"),
        "escaping_recipients": session_mode(11) + login + frame(5, b"mallory: x")
        + frame(5, b"out/victim: x") + frame(5, b"../other/mallory:alice: x")
        + frame(5, b"alice: after"),
        "new_user_by_mkdir": session_mode(13) + tf(b"MKDIR /org/dave") + session_login(b"dave")
        + frame(5, b"dave:alice: from dave"),
        "touched_message_file": session_mode(17) + tf(b"TOUCH /org/alice/messages/1700000005-x")
        + login + frame(5, b"alice: real"),
        "rmdir_messages_reenter": session_mode(6) + login + frame(5, b"alice: first") + hdr(0, 0)
        + tf(b"RMDIR /org/alice/messages") + tf(b"XSIME_START") + frame(5, b"alice: second")
        + hdr(0, 0) + tf(b"XSIME_START"),
        "setup_again_repushes": session_mode(20) + login + frame(5, b"alice: once")
        + setup(0, 0) + frame(5, b"alice: twice") + setup(2, 0),
        "since_filter": session_mode(4) + session_login(since=1700000003)
        + b"".join(frame(5, b"alice: m%d" % i) for i in range(8)),
        "root_org_unit": session_mode(21) + session_login(b"org/alice", org=b"/")
        + frame(5, b"org/bob:org/alice: hi") + frame(5, b".xsime-tmp: x"),
        "refused_org_units": session_mode(2) + tf(b"XSIME_START") + setup(0, 0)
        + frame(1, b"/.xsime-tmp") + frame(1, b"/org/out") + frame(1, b"/../x")
        + frame(1, b"/org/mallory") + frame(1, b"/org") + frame(2, b"out") + frame(2, b"mallory")
        + frame(2, b"..") + frame(2, b"carol") + frame(5, b"carol: self"),
        "read_commands": session_mode(32) + tf(b"FSTAT /org/alice") + tf(b"LS /org") + tf(b"CONT")
        + tf(b"LSR /") + tf(b"BREAK") + tf(b"FSTAT /org/out") + tf(b"LS /.xsime-tmp") + tf(b"DATE")
        + login + frame(5, b"alice: listed"),
        "big_message": session_mode(64) + login + frame(5, b"alice: " + b"m" * 16360)
        + frame(5, b"alice: " + b"m" * 16370),
        "garbage_frames": session_mode(1) + login + hdr(5, -1) + frame(9, b"zz")
        + frame(5, b"alice: still"),
        "colon_user": session_mode(8) + tf(b"MKDIR /org/a:b") + session_login(b"a:b")
        + frame(5, b"a:b: odd"),
        "pile_up": session_mode(1, poll_rarely=True) + login
        + b"".join(frame(5, b"alice:bob: n%d" % i) for i in range(6)),
        "relogin_other_user": session_mode(10) + session_login(flags=1) + hdr(0, 0)
        + tf(b"XSIME_START") + frame(5, b"alice: back") + setup(1, 0) + frame(5, b"alice: again"),
        "pipelined_everything": session_mode(64, poll_rarely=True) + login
        + frame(5, b"alice:bob:carol: all") + interval(0) + hdr(0, 0) + tf(b"MKDIR /org/x")
        + tf(b"XSIME_START") + frame(5, b"alice: end") + hdr(0, 0) + tf(b"END") + tf(b"LS /"),
    }

def write(target, seeds):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(folder, name), "wb") as out:
            out.write(data)


write("stream_decoder_fuzz", STREAM)
write("tf_framing_fuzz", TF)
write("tf_call_splitter_fuzz", SPLIT)
write("tf_channel_fuzz", CHANNEL)
write("session_core_fuzz", session_seeds())
