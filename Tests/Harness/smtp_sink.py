#!/usr/bin/env python3
"""Loopback SMTP sink for Rapport's mail integration tests (aiosmtpd >= 1.4).

Every accepted message is written to OUTDIR as NNNNNN.eml (the exact DATA bytes)
plus NNNNNN.json (envelope: peer, HELO/EHLO name, MAIL FROM + options, RCPT TO
list + options, SMTPUTF8 flag, AUTH user).  With --maildir the message is also
delivered into a Maildir (e.g. the throw-away Dovecot's), so that an IMAP
fetcher test can read back what an SMTP client test sent.

Fault injection by recipient local part (handy for SMTP-client error paths):
  reject-*@...   -> 550 5.1.1 at RCPT        tempfail-*@... -> 451 4.3.0 at RCPT
  datafail-*@... -> 554 5.6.0 after DATA     slow-*@...     -> 3 s delay before 250

  python3 smtp_sink.py --port 10025 --outdir /tmp/sink [--maildir DIR]
                       [--auth user:pass] [--starttls CERT KEY] [--pidfile F]
Binds 127.0.0.1 only.  Stop with: kill $(cat PIDFILE)   (SIGTERM -> clean stop)
"""
import argparse, asyncio, json, mailbox, os, signal, ssl, sys, threading, time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class FolderSink:
    def __init__(self, outdir, maildir=None):
        self.outdir, self.maildir = outdir, maildir
        self.n = 0
        self.lock = threading.Lock()
        os.makedirs(outdir, exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split('@', 1)[0].lower()
        if local.startswith('reject-'):
            return '550 5.1.1 <%s>: Recipient address rejected' % address
        if local.startswith('tempfail-'):
            return '451 4.3.0 <%s>: Temporary failure, try again later' % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server, session, envelope):
        locals_ = [a.split('@', 1)[0].lower() for a in envelope.rcpt_tos]
        if any(l.startswith('datafail-') for l in locals_):
            return '554 5.6.0 Message content rejected'
        if any(l.startswith('slow-') for l in locals_):
            await asyncio.sleep(3)
        data = envelope.original_content or envelope.content  # raw bytes as sent
        if isinstance(data, str):
            data = data.encode('utf-8', 'surrogateescape')
        with self.lock:
            self.n += 1
            base = os.path.join(self.outdir, '%06d' % self.n)
        with open(base + '.eml.tmp', 'wb') as f:
            f.write(data)
        meta = {
            'peer': list(session.peer) if session.peer else None,
            'helo': session.host_name,
            'mail_from': envelope.mail_from,
            'mail_options': envelope.mail_options,
            'rcpt_tos': envelope.rcpt_tos,
            'rcpt_options': envelope.rcpt_options,
            'smtputf8': envelope.smtp_utf8,
            'auth_user': (session.auth_data.login.decode()
                          if isinstance(session.auth_data, LoginPassword) else None),
            'tls': session.ssl is not None,
            'received_at': time.time(),
        }
        with open(base + '.json', 'w') as f:
            json.dump(meta, f, indent=1)
        os.rename(base + '.eml.tmp', base + '.eml')   # .eml appears atomically, last
        if self.maildir:
            md = mailbox.Maildir(self.maildir, create=True)
            md.add(data)
            md.close()
        return '250 2.0.0 Message accepted for delivery as %06d' % self.n


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticator


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, default=10025)
    ap.add_argument('--outdir', required=True)
    ap.add_argument('--maildir')
    ap.add_argument('--auth', help='user:password; enables AUTH PLAIN/LOGIN (no TLS required)')
    ap.add_argument('--starttls', nargs=2, metavar=('CERT', 'KEY'))
    ap.add_argument('--pidfile')
    a = ap.parse_args()

    kw = dict(hostname='127.0.0.1', port=a.port, enable_SMTPUTF8=True,
              decode_data=False, data_size_limit=25 * 1024 * 1024,
              server_hostname='sink.test', ident='test-smtp-sink')
    if a.auth:
        u, p = a.auth.split(':', 1)
        kw.update(authenticator=make_authenticator(u, p), auth_require_tls=False,
                  auth_exclude_mechanism=['DONT'])
    if a.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*a.starttls)
        kw.update(tls_context=ctx, require_starttls=False)

    ctl = Controller(FolderSink(a.outdir, a.maildir), **kw)
    ctl.start()
    if a.pidfile:
        with open(a.pidfile, 'w') as f:
            f.write(str(os.getpid()))
    print('smtp sink on 127.0.0.1:%d pid %d -> %s' % (a.port, os.getpid(), a.outdir), flush=True)

    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    while not stop.wait(0.2):  # a timed wait lets the signal handler run
        pass
    ctl.stop()
    if a.pidfile and os.path.exists(a.pidfile):
        os.unlink(a.pidfile)


if __name__ == '__main__':
    main()
