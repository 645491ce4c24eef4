#!/usr/bin/env python3
"""Local SMTP sink for wfc's email tests (needs `pip install aiosmtpd`).

Started by scripts/start-smtp-sink (see there); crates/testkit's SmtpSink uses it.

Every accepted message is written atomically to OUTDIR as
  NNNNNN.eml   - the raw message as received (DATA)
  NNNNNN.json  - envelope: mail_from, rcpt_tos, peer, auth user, size, time
(.json is written last, so a test can poll for *.json and then read the .eml.)

Options:
  --auth USER:PASS     advertise AUTH PLAIN/LOGIN (allowed without TLS) and
                       require it; wrong credentials get 535.
  --starttls CERT KEY  offer STARTTLS with this cert/key (PEM).
  --smtps CERT KEY     implicit TLS on the port (like port 465) instead.
  --reject-rcpt ADDR   answer 550 for this recipient (repeatable), to test failures.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class FolderHandler:
    def __init__(self, outdir, reject):
        self.outdir = outdir
        self.reject = {r.lower() for r in reject}
        self.lock = threading.Lock()
        self.n = len([f for f in os.listdir(outdir) if f.endswith(".json")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 mailbox unavailable (smtp_sink --reject-rcpt)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.n += 1
            n = self.n
        base = os.path.join(self.outdir, "%06d" % n)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data)
        os.rename(base + ".eml.tmp", base + ".eml")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer": list(session.peer) if session.peer else None,
            "auth_user": (session.auth_data.login.decode()
                          if isinstance(session.auth_data, LoginPassword) else None),
            "size": len(data),
            "time": time.time(),
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2525)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--auth", help="USER:PASS")
    ap.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--smtps", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--reject-rcpt", action="append", default=[])
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)

    kw = {}
    if a.auth:
        user, pw = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode() == user
                  and auth_data.password.decode() == pw)
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        kw.update(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    if a.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.starttls[0], a.starttls[1])
        kw.update(tls_context=ctx, require_starttls=False)

    if a.smtps:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.smtps[0], a.smtps[1])
        kw.update(ssl_context=ctx)
    ctl = Controller(FolderHandler(a.outdir, a.reject_rcpt), hostname=a.host, port=a.port, **kw)
    ctl.start()
    print("smtp_sink listening on %s:%d, writing to %s" % (a.host, a.port, a.outdir), flush=True)
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    stop.wait()
    ctl.stop()


if __name__ == "__main__":
    main()
