#!/usr/bin/env python3
"""A throwaway SMTP submission server for the channel tests (aiosmtpd).

Modes:
  starttls  plain listener that offers STARTTLS and refuses MAIL before it (smtp://)
  implicit  TLS from the first byte (smtps://)
  stall     accepts connections and never says a word (timeout tests)

It makes its own self-signed certificate for 127.0.0.1 in --dir, requires AUTH with
--user/--password (unless --no-auth), and writes every accepted message to
--dir/sink/<n>.json (envelope, raw bytes, headers as Python's email parser decodes
them, body) and to the Maildir --dir/Maildir. When ready it prints one JSON line:
{"port": N, "cert": "/path/cert.pem", "sink": "/path/sink"}. It exits on SIGTERM or
when its standard input closes, so a test that dies does not leave it behind.

Quirk worth knowing: a failing authenticator must return
AuthResult(success=False, handled=False); with handled=True aiosmtpd sends no reply
and the client waits forever.
"""
import argparse
import asyncio
import base64
import email
import email.policy
import json
import mailbox
import os
import signal
import ssl
import subprocess
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def make_certificate(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


class Sink:
    """Records each message as JSON (for assertions) and in a Maildir (for people)."""

    def __init__(self, directory):
        self.directory = os.path.join(directory, "sink")
        os.makedirs(self.directory, exist_ok=True)
        self.maildir = mailbox.Maildir(os.path.join(directory, "Maildir"), create=True)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": (session.auth_data.login.decode()
                          if isinstance(session.auth_data, LoginPassword) else None),
            "tls": session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
            "raw_base64": base64.b64encode(raw).decode(),
            "headers": {name: str(value) for name, value in message.items()},
            "header_names": list(message.keys()),
            "body": message.get_content().replace("\r\n", "\n"),  # text as a reader sees it
        }
        self.maildir.add(raw)
        path = os.path.join(self.directory, "%04d.json" % self.count)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)  # readers never see half a file
        return "250 2.0.0 OK queued as %04d" % self.count


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword)
                and auth_data.login == user.encode() and auth_data.password == password.encode()):
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)
    return authenticate


class Silent(asyncio.Protocol):
    """Accepts and holds the connection without a greeting."""

    def connection_made(self, transport):
        self.transport = transport


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--mode", choices=["starttls", "implicit", "stall"], default="starttls")
    parser.add_argument("--user", default="relance")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--no-auth", action="store_true")
    parser.add_argument("--port", type=int, default=0, help="listen here (default: any free port)")
    args = parser.parse_args()

    loop = asyncio.get_running_loop()
    cert, context = make_certificate(args.dir)
    sink = Sink(args.dir)
    authenticator = None if args.no_auth else make_authenticator(args.user, args.password)

    if args.mode == "stall":
        server = await loop.create_server(Silent, "127.0.0.1", args.port)
    elif args.mode == "starttls":
        server = await loop.create_server(
            lambda: SMTP(sink, hostname="relance-test", tls_context=context, require_starttls=True,
                         authenticator=authenticator, auth_required=authenticator is not None),
            "127.0.0.1", args.port)
    else:
        # Implicit TLS: aiosmtpd does not notice the listener is TLS, so its
        # "AUTH needs TLS" check is off here; nothing reaches this port in clear text.
        server = await loop.create_server(
            lambda: SMTP(sink, hostname="relance-test", authenticator=authenticator,
                         auth_required=authenticator is not None, auth_require_tls=False),
            "127.0.0.1", args.port, ssl=context)

    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)

    def stdin_readable():
        if not os.read(sys.stdin.fileno(), 4096):
            loop.remove_reader(sys.stdin.fileno())
            stop.set()
    loop.add_reader(sys.stdin.fileno(), stdin_readable)

    print(json.dumps({"port": port, "cert": cert, "sink": sink.directory}), flush=True)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
