#!/usr/bin/python3
"""IMAP reading, measured from outside: the same mailbox on any server, 20 clients at once.
Prints `name: value unit` lines.

fill:    APPENDs `count` generated messages (identical on every server: same seed, subjects, senders,
         dates, ~5 KB bodies) to reader@'s INBOX, `clients` connections at once, unless it already holds them.
measure: `clients` connections log in, wait for each other, then each times, one after the other:
         SELECT INBOX; FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE); FETCH of 1,000 full bodies
         (BODY.PEEK[], each client its own range); UID SEARCH SUBJECT "topic-7" (1 message in 50).
         Per command: median and slowest over the clients; wall: from the start until the last
         client is done. The client reads raw bytes (no parsing) so that Python is not what is measured.
"""
import argparse, imaplib, random, socket, sys, threading, time

from procstats import ProcessTrees

ap = argparse.ArgumentParser()
ap.add_argument('--name', required=True)
ap.add_argument('--port', type=int, required=True)
ap.add_argument('--pids', required=True)
ap.add_argument('--count', type=int, default=10000)
ap.add_argument('--clients', type=int, default=20)
ap.add_argument('--bodies', type=int, default=1000)
ap.add_argument('--user', default='reader@bench.example')
ap.add_argument('--password', default='bench')
ap.add_argument('--phase', choices=('fill', 'measure', 'both'), default='both')
args = ap.parse_args()


def out(key, value, unit=''):
    print(f'{args.name}_{key}: {value} {unit}'.rstrip(), flush=True)


WORDS = ('mail server queue delivery mailbox invoice meeting budget report quarter project status '
         'customer release schedule review contract travel office network backup policy').split()


def message(i):
    rnd = random.Random(i)
    body_lines = []
    size = 0
    while size < 5000:
        line = ' '.join(rnd.choice(WORDS) for _ in range(12))
        body_lines.append(line)
        size += len(line) + 2
    day = 1 + i % 28
    return ('From: Sender %d <sender%d@example.org>\r\n'
            'To: Reader <reader@bench.example>\r\n'
            'Subject: Report %d on topic-%d\r\n'
            'Date: Mon, %02d Sep 2026 10:%02d:%02d +0000\r\n'
            'Message-ID: <bench-%d@example.org>\r\n'
            'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n'
            % (i % 37, i % 37, i, i % 50, day, i % 60, i % 60, i) + '\r\n'.join(body_lines) + '\r\n').encode()


def login_imaplib():
    imap = imaplib.IMAP4('127.0.0.1', args.port)
    imap.login(args.user, args.password)
    return imap


def fill():
    imap = login_imaplib()
    typ, data = imap.select('INBOX')
    have = int(data[0])
    imap.logout()
    if have >= args.count:
        out('messages', have)
        return
    todo = list(range(have, args.count))
    lock = threading.Lock()

    def worker():
        conn = login_imaplib()
        while True:
            with lock:
                if not todo:
                    break
                i = todo.pop(0)
            conn.append('INBOX', None, imaplib.Time2Internaldate(1788000000 + i * 60), message(i))
        conn.logout()

    t0 = time.time()
    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out('append_per_s', f'{(args.count - have) / (time.time() - t0):.1f}', 'msg/s')
    out('messages', args.count)


class RawImap:
    """Sends a command and reads until its tagged reply, without parsing what comes before."""

    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", args.port), timeout=900)
        self.n = 0
        self.buf = b''
        self._until(lambda line: line.startswith(b'* OK'))

    def _until(self, done):
        """Reads until the last complete line received satisfies done; keeps only the stream's tail."""
        while True:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError('connection closed')
            self.buf = (self.buf + chunk)[-(1 << 15):]
            if self.buf.endswith(b'\r\n'):
                previous = self.buf.rfind(b'\r\n', 0, len(self.buf) - 2)
                last = self.buf[previous + 2:] if previous >= 0 else self.buf
                if done(last):
                    self.buf = b''
                    return last

    def command(self, text):
        self.n += 1
        tag = b'T%d ' % self.n
        self.sock.sendall(tag + text.encode() + b'\r\n')
        last = self._until(lambda line: line.startswith(tag))
        if not last.startswith(tag + b'OK'):
            raise RuntimeError(f'{text!r}: {last!r}')


def measure():
    times = {op: [] for op in ('select', 'fetch_all_envelopes', 'fetch_bodies', 'search')}
    errors = []
    ready = threading.Barrier(args.clients + 1)
    finished = []

    def client(k):
        try:
            conn = RawImap()
            conn.command(f'LOGIN {args.user} {args.password}')
        except Exception as e:
            errors.append(repr(e)); ready.wait(); return
        ready.wait()
        try:
            first = 1 + (k * 487) % max(1, args.count - args.bodies)
            for op, cmd in (('select', 'SELECT INBOX'),
                            ('fetch_all_envelopes', 'FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)'),
                            ('fetch_bodies', f'FETCH {first}:{first + args.bodies - 1} BODY.PEEK[]'),
                            ('search', 'UID SEARCH SUBJECT "topic-7"')):
                t = time.time()
                conn.command(cmd)
                times[op].append(time.time() - t)
            conn.command('LOGOUT')
        except Exception as e:
            errors.append(repr(e))
        finished.append(time.time())

    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
    for t in threads:
        t.start()
    trees = ProcessTrees(args.pids)
    cpu0 = sum(trees.cpu())
    trees.start_sampling()
    ready.wait()
    t0 = time.time()
    for t in threads:
        t.join()
    wall = max(finished) - t0 if finished else float('nan')
    cpu1 = sum(trees.cpu())
    trees.stop_sampling()
    out('clients', args.clients)
    for op, values in times.items():
        if values:
            values.sort()
            out(f'{op}_p50', f'{values[len(values) // 2] * 1000:.0f}', 'ms')
            out(f'{op}_max', f'{values[-1] * 1000:.0f}', 'ms')
    out('wall', f'{wall:.2f}', 's')
    out('cpu', f'{cpu1 - cpu0:.1f}', 's')
    out('peak_memory_pss', f'{trees.peak_memory / 1048576:.0f}', 'MB')
    if errors:
        out('errors', len(errors), errors[0][:200])
        sys.exit(1)


if args.phase in ('fill', 'both'):
    fill()
if args.phase in ('measure', 'both'):
    measure()
