#!/usr/bin/python3
"""Writes the benchmark's copy of our conf/: every listener on 127.0.0.1 and its port + 3000
(25 -> 3025, 143 -> 3143, ...), WebAdmin on 3800, rate limits raised, and optionally our own mailets
and hooks removed. Usage: benchconf.py SRC_CONF DEST_CONF [--bare] [--authorize-loopback]

  (default)             the pipeline as shipped; every rate limit (conf/ratelimit.properties and the
                        RateLimit mailet) multiplied by 1000, so the same counters are read and written
                        per message (same Cassandra work) but a benchmark load is never refused
  --bare                also remove our mailets and hooks: DkimSign, RateLimit, RateLimitHook,
                        VerpBounceRecipientHook, SuppressedRecipientHook, BounceProcessor and the VERP
                        routing (RemoteDeliveryWithDsn stays: it is the only remote delivery, and
                        local mail never reaches it)
  --authorize-loopback  127.0.0.0/8 may relay on the MX port, as a trusted submitter: its mail then
                        goes through DkimSign in local-delivery (smtp-source cannot authenticate)
IMAP: LOGIN is allowed without STARTTLS on 143 so that neither server pays for TLS (the peer has none).
"""
import re, shutil, sys, xml.etree.ElementTree as ET

src, dest = sys.argv[1], sys.argv[2]
bare = '--bare' in sys.argv
authorize = '--authorize-loopback' in sys.argv
FACTOR = 1000
OUR_CLASSES = ('dev.mailserver.dkim.DkimSign', 'dev.mailserver.ratelimit.RateLimit',
               'dev.mailserver.ratelimit.RateLimitHook', 'dev.mailserver.bounce.VerpBounceRecipientHook',
               'dev.mailserver.bounce.SuppressedRecipientHook', 'dev.mailserver.bounce.BounceProcessor')

shutil.rmtree(dest, ignore_errors=True)
shutil.copytree(src, dest)

def shift_binds(text):
    return re.sub(r'<bind>[^<]*:(\d+)</bind>', lambda m: '<bind>127.0.0.1:%d</bind>' % (int(m.group(1)) + 3000), text)

for name in ('smtpserver.xml', 'imapserver.xml', 'pop3server.xml'):
    path = f'{dest}/{name}'
    text = shift_binds(open(path).read())
    if name == 'imapserver.xml':
        text = text.replace('<plainAuthDisallowed>true</plainAuthDisallowed>', '<plainAuthDisallowed>false</plainAuthDisallowed>')
    open(path, 'w').write(text)

def rewrite(path, edit):
    text = open(path).read()
    open(path, 'w').write(edit(text))

rewrite(f'{dest}/webadmin.properties', lambda t: re.sub(r'(?m)^port=\d+', 'port=3800', t))

def raise_value(m):
    number, unit = m.group(2), m.group(3) or ''
    return f'{m.group(1)}{int(number) * FACTOR}{unit}'

rewrite(f'{dest}/ratelimit.properties',
        lambda t: re.sub(r'(?m)^([a-z]+\.per[A-Za-z]+\.[a-z]+=)(\d+)([KMG]?)$', raise_value, t))

def drop(parent, pred):
    for child in list(parent):
        if pred(child):
            parent.remove(child)
        else:
            drop(child, pred)

mc_path = f'{dest}/mailetcontainer.xml'
mc = ET.parse(mc_path)
for mailet in mc.iter('mailet'):
    if mailet.get('class') == 'dev.mailserver.ratelimit.RateLimit':
        for window in ('perMinute', 'perHour', 'perDay'):
            el = mailet.find(window)
            if el is not None:
                el.text = re.sub(r'=(\d+)', lambda m: '=%d' % (int(m.group(1)) * FACTOR), el.text)
if bare:
    drop(mc.getroot(), lambda e: (e.tag == 'mailet' and (e.get('class') in OUR_CLASSES
                                                         or 'RecipientIsVerpAddress' in (e.get('match') or '')))
                                 or (e.tag == 'processor' and e.get('state') == 'inbound-bounces'))
mc.write(mc_path)

smtp_path = f'{dest}/smtpserver.xml'
smtp = ET.parse(smtp_path)
if bare:
    drop(smtp.getroot(), lambda e: e.tag == 'handler' and e.get('class') in OUR_CLASSES)
if authorize:
    mx = smtp.getroot().find('smtpserver')
    ET.SubElement(mx, 'authorizedAddresses').text = '127.0.0.0/8'
smtp.write(smtp_path)
