#!/usr/bin/python3
"""Where a JFR recording's CPU samples (jdk.ExecutionSample) fall. Usage: jfrtop.py FILE.jfr [TOP]

Prints, as `name: value unit` lines:
  - the share of samples per thread group (thread names with digits folded: "pool-3-thread-7" -> "pool-N-thread-N"),
  - the hottest self frames (the top frame of each sample),
  - inclusive shares of the components we care about (a sample counts for every component present
    anywhere in its stack), to tell SMTP parsing, queueing, mailets, mailbox writes and the Cassandra
    driver apart.
"""
import collections, re, subprocess, sys

path = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
text = subprocess.run(['jfr', 'print', '--events', 'jdk.ExecutionSample', '--stack-depth', '64', path],
                      capture_output=True, text=True, check=True).stdout

COMPONENTS = [
    ('smtp server (netty, handlers)', ('org.apache.james.smtpserver', 'org.apache.james.protocols.smtp')),
    ('mail queue (ActiveMQ, JMS)', ('org.apache.activemq', 'org.apache.james.queue')),
    ('mailet pipeline', ('org.apache.james.mailetcontainer',)),
    ('our mailets and hooks (dev.mailserver)', ('dev.mailserver',)),
    ('DKIM signing', ('dev.mailserver.dkim', 'org.apache.james.jdkim')),
    ('rate limiting', ('dev.mailserver.ratelimit',)),
    ('mailbox (append, events)', ('org.apache.james.mailbox',)),
    ('IMAP server', ('org.apache.james.imap',)),
    ('IMAP SELECT (selected mailbox, UID/MSN map)', ('org.apache.james.imap.processor.AbstractSelectionProcessor',
                                                    'org.apache.james.imap.processor.base.SelectedMailboxImpl',
                                                    'org.apache.james.imap.processor.base.UidMsnConverter')),
    ('IMAP FETCH', ('org.apache.james.imap.processor.fetch',)),
    ('search (scanning, no index)', ('org.apache.james.mailbox.store.search',)),
    ('mailbox Cassandra mappers', ('org.apache.james.mailbox.cassandra',)),
    ('blob store', ('org.apache.james.blob',)),
    ('Cassandra driver', ('com.datastax',)),
    ('MIME parsing (mime4j, javax.mail)', ('org.apache.james.mime4j', 'javax.mail', 'jakarta.mail', 'com.sun.mail')),
    ('Reactor', ('reactor.core',)),
    ('Netty', ('io.netty',)),
    ('logging', ('ch.qos.logback', 'org.slf4j')),
    ('TLS/crypto', ('sun.security', 'javax.crypto', 'com.sun.crypto')),
]

samples = 0
threads = collections.Counter()
self_frames = collections.Counter()
inclusive = collections.Counter()
for block in text.split('jdk.ExecutionSample {')[1:]:
    m = re.search(r'sampledThread = "([^"]*)"', block)
    thread = re.sub(r'\d+', 'N', m.group(1)) if m else '?'
    frames = re.findall(r'^\s+([\w$.<>/]+)\(', block.split('stackTrace = [', 1)[-1], re.M)
    if not frames:
        continue
    samples += 1
    threads[thread] += 1
    self_frames[frames[0]] += 1
    for name, prefixes in COMPONENTS:
        if any(f.startswith(prefixes) for f in frames):
            inclusive[name] += 1

print(f'samples: {samples}')
if not samples:
    sys.exit(0)
for thread, n in threads.most_common(top):
    print(f'thread {thread}: {100 * n / samples:.1f} %')
for frame, n in self_frames.most_common(top):
    print(f'self {frame}: {100 * n / samples:.1f} %')
for name, _ in COMPONENTS:
    print(f'inclusive {name}: {100 * inclusive[name] / samples:.1f} %')
