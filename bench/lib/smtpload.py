#!/usr/bin/python3
"""One SMTP load against one server, measured from outside. Prints `name: value unit` lines.

The load: Postfix's smtp-source, `sessions` at a time, `messages` messages of `size` bytes spread evenly
over u001..u100 (one smtp-source process per user, one SMTP session each, messages sent one after the
other over it). Meanwhile a probe sends one message every `probe_interval` s to probe@ (own session,
unique Subject) and watches probe@'s INBOX over IMAP: time from its 250 to its visibility over IMAP
gives the latency percentiles, with the probe queued among the load's messages.

delivered/s: messages / (time from the start of the load until the INBOX counts of the 100 users,
polled over IMAP STATUS every second, show all of them). CPU: utime+stime of the given processes and
their descendants (plus what they reaped, cutime+cstime), end minus start. Memory: the sum of the
proportional set sizes (Pss, /proc/<pid>/smaps_rollup: shared pages divided among the processes sharing
them, so that Postfix's and Dovecot's many processes are not counted once per process) of those
processes, sampled every 0.5 s, maximum; for a JVM Pss is its RSS.
"""
import argparse, imaplib, os, re, smtplib, subprocess, sys, threading, time

from procstats import ProcessTrees

ap = argparse.ArgumentParser()
ap.add_argument('--name', required=True)
ap.add_argument('--smtp-port', type=int, required=True)
ap.add_argument('--imap-port', type=int, required=True)
ap.add_argument('--pids', required=True, help='comma-separated root pids whose trees count as the server')
ap.add_argument('--labels', help='comma-separated names of the root pids, to print CPU per process tree')
ap.add_argument('--messages', type=int, default=20000)
ap.add_argument('--sessions', type=int, default=20)
ap.add_argument('--size', type=int, default=5120)
ap.add_argument('--users', type=int, default=100)
ap.add_argument('--domain', default='bench.example')
ap.add_argument('--password', default='bench')
ap.add_argument('--probe-interval', type=float, default=0.25)
ap.add_argument('--timeout', type=float, default=1800, help='give up waiting for delivery after this long')
ap.add_argument('--sender', default='bench@sender.test', help='envelope sender and From: of the load')
ap.add_argument('--to', help='send the whole load to this one user instead (IMAP content); no probes')
args = ap.parse_args()
name = args.name
trees = ProcessTrees(args.pids)


def out(key, value, unit=''):
    print(f'{name}_{key}: {value} {unit}'.rstrip(), flush=True)


# --- IMAP -----------------------------------------------------------------------------------------
def imap_login(user):
    imap = imaplib.IMAP4('127.0.0.1', args.imap_port)
    imap.login(f'{user}@{args.domain}', args.password)
    return imap


def inbox_count(imap):
    typ, data = imap.status('INBOX', '(MESSAGES)')
    return int(data[0].decode().split('MESSAGES')[1].strip(' )'))


# --- probes ---------------------------------------------------------------------------------------
sent_at = {}      # subject -> time of the 250
seen_at = {}      # subject -> time first visible over IMAP
probing = threading.Event()


def probe_sender():
    smtp = smtplib.SMTP('127.0.0.1', args.smtp_port, local_hostname='probe.test')
    body = 'x' * 72 + '\r\n'
    i = 0
    while probing.is_set():
        subject = f'probe-{os.getpid()}-{i}'
        msg = (f'From: <probe@sender.test>\r\nTo: <probe@{args.domain}>\r\nSubject: {subject}\r\n\r\n'
               + body * (args.size // 74))
        smtp.sendmail('probe@sender.test', [f'probe@{args.domain}'], msg)
        sent_at[subject] = time.time()
        i += 1
        time.sleep(args.probe_interval)
    smtp.quit()


def probe_watcher(deadline):
    imap = imap_login('probe')
    known = 0
    while time.time() < deadline:
        try:
            typ, data = imap.select('INBOX', readonly=True)
            count = int(data[0])
            if count > known:
                now = time.time()
                # n:* rather than n:count: our server (James 3.8.1) may answer a readonly SELECT with a
                # count its session cannot FETCH yet ("BAD Invalid messageset").
                typ, data = imap.fetch(f'{known + 1}:*', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
                # Only the Subject lines count: the server may mix other untagged replies in.
                for item in data:
                    if isinstance(item, tuple):
                        for subject in re.findall(r'probe-\d+-\d+', item[1].decode(errors='replace')):
                            seen_at.setdefault(subject, now)
                known = count
        except Exception as e:  # keep watching: a lost probe would bias the percentiles
            print(f'{name}: probe watcher: {e!r}', file=sys.stderr)
            try:
                imap = imap_login('probe')
            except Exception:
                pass
        if not probing.is_set() and all(s in seen_at for s in list(sent_at)):
            break
        time.sleep(0.05)
    imap.logout()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# --- the run --------------------------------------------------------------------------------------
targets = [args.to] if args.to else [f'u{i:03d}' for i in range(1, args.users + 1)]
per_target = args.messages // len(targets)
total = per_target * len(targets)
pollers = {t: imap_login(t) for t in targets}
baseline = {t: inbox_count(pollers[t]) for t in targets}

cpu0 = trees.cpu()
trees.start_sampling()
t0 = time.time()
if not args.to:
    probing.set()
    threading.Thread(target=probe_sender, daemon=True).start()
    watcher = threading.Thread(target=probe_watcher, args=(t0 + args.timeout,), daemon=True)
    watcher.start()

# One smtp-source per target, `sessions` of them at a time (xargs -P).
script = (f'exec smtp-source -d -s 1 -m {per_target} -l {args.size} -f {args.sender} '
          f'-M client.test -t "$1@{args.domain}" 127.0.0.1:{args.smtp_port}')
load = subprocess.run(['xargs', '-P', str(args.sessions), '-n', '1', 'sh', '-c', script, 'smtp-source'],
                      input='\n'.join(targets) + '\n', text=True, capture_output=True)
t_accepted = time.time()
probing.clear()
if load.returncode != 0:
    print(f'{name}: smtp-source failed: {load.stderr.strip()[-2000:]}', file=sys.stderr)

delivered = 0
t_delivered = None
while time.time() < t0 + args.timeout:
    delivered = sum(inbox_count(pollers[t]) - baseline[t] for t in targets)
    if delivered >= total:
        t_delivered = time.time()
        break
    time.sleep(1)
cpu1 = trees.cpu()
trees.stop_sampling()
if not args.to:
    watcher.join(timeout=120)

out('messages', total)
out('sessions', args.sessions)
out('message_size', args.size, 'bytes')
out('accepted_per_s', f'{total / (t_accepted - t0):.1f}', 'msg/s')
if t_delivered:
    out('delivered_per_s', f'{total / (t_delivered - t0):.1f}', 'msg/s')
    out('delivered_after', f'{t_delivered - t0:.1f}', 's')
else:
    out('delivered_per_s', 'incomplete', f'({delivered} of {total} after {args.timeout:.0f} s)')
latencies = [seen_at[s] - sent_at[s] for s in sent_at if s in seen_at]
if latencies:
    out('probes', f'{len(latencies)} of {len(sent_at)}')
    out('p50_250_to_visible', f'{percentile(latencies, 50) * 1000:.0f}', 'ms')
    out('p99_250_to_visible', f'{percentile(latencies, 99) * 1000:.0f}', 'ms')
out('cpu', f'{sum(cpu1) - sum(cpu0):.1f}', 's')
if args.labels:
    for label, before, after in zip(args.labels.split(','), cpu0, cpu1):
        out(f'cpu_{label}', f'{after - before:.1f}', 's')
out('peak_memory_pss', f'{trees.peak_memory / 1048576:.0f}', 'MB')
for imap in pollers.values():
    try:
        imap.logout()
    except Exception:
        pass
sys.exit(0 if t_delivered and load.returncode == 0 else 1)
