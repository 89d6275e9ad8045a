#!/usr/bin/env python3
"""Writes a real-world-shaped corpus of Windows and Zeek logs (our own records, made up from the
vendors' documented formats) for measuring what `panther ingest` parses and quarantines:

  python3 tools/realworld/gen.py OUTDIR [N]

Windows: events pretty-printed over lines (Event Viewer's XML view, one file per event set), a
saved <Events> document, a wevtutil-style file of events one after another, Winlogbeat 8/7/6 and
Elastic Agent NDJSON. Zeek: conn, dns, http, ssl, files, x509, notice, weird, dhcp, ssh and smtp
logs in both the tab-separated ASCII format (with #fields/#types headers) and JSON, plus a conn.log
with a few damaged lines (wrong column counts). Syslog as it lands on disk (rsyslog's traditional
and high-precision file formats across the December/January roll-over, BSD/appliance lines with a
PRI and no host, macOS system.log, `last message repeated`, Java/Python stack traces on continuation
lines), web server logs (Apache vhost_combined, X-Forwarded-For lists, IPv6, "-" and empty requests,
nginx's `main` format with $http_x_forwarded_for), VPC Flow records in the default v2 layout without
a header, Cisco Umbrella DNS logs of versions 2/3, 4 and 11 (quoted, unquoted, with a header row).

It also writes OUTDIR/manifest.json: for every file, the log types its records belong to (two for
the documented Apache/Nginx tie) and how many records it holds (a multi-line record counts once;
a line the vendor itself writes malformed counts as a record that should be quarantined, under
"bad"). tools/realworld/run.py ingests the files and reports parsed and quarantined per type.
Deterministic (seeded)."""
import json, os, random, sys

out = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200
rnd = random.Random(11)
os.makedirs(out, exist_ok=True)
MANIFEST = []
def manifest(name, types, records, bad=0):
    MANIFEST.append({'file': name, 'types': types, 'records': records, 'bad': bad})
NS = 'xmlns="http://schemas.microsoft.com/win/2004/08/events/event"'
T0 = 1728993600.0

def ip4(): return '192.0.2.%d' % rnd.randint(1, 254)
def ipx(): return rnd.choice(['198.51.100.%d', '203.0.113.%d']) % rnd.randint(1, 254)
def uid(): return 'C' + ''.join(rnd.choice('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789') for _ in range(17))
def fuid(): return 'F' + uid()[1:]
def iso(t):
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f0Z')

# --- Windows -----------------------------------------------------------------------------
SEC = [(4624, 'Logon', 12544, {'TargetUserName': None, 'LogonType': '3', 'IpAddress': None, 'WorkstationName': 'WKS-%03d'}),
       (4625, 'Logon', 12544, {'TargetUserName': None, 'Status': '0xc000006d', 'IpAddress': None}),
       (4688, 'Process Creation', 13312, {'SubjectUserName': None, 'NewProcessName': 'C:\\Windows\\System32\\cmd.exe', 'CommandLine': 'cmd.exe /c "whoami & hostname"'}),
       (4720, 'User Account Management', 13824, {'TargetUserName': None, 'SubjectUserName': 'admin'})]
USERS = ['alice', 'bob', 'carol', 'svc-backup', 'administrator']

def win_event(i, pretty):
    eid, task, tasknum, data = rnd.choice(SEC)
    t = T0 + i * 7.3
    d = {}
    for k, v in data.items():
        if v is None:
            v = rnd.choice(USERS) if 'User' in k else ipx()
        elif '%' in v:
            v = v % rnd.randint(1, 300)
        d[k] = v
    nl, ind = ('\n', '  ') if pretty else ('', '')
    parts = ['<Event %s>' % NS, ind + '<System>',
             ind * 2 + '<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}" />',
             ind * 2 + '<EventID>%d</EventID>' % eid, ind * 2 + '<Version>2</Version>', ind * 2 + '<Level>0</Level>',
             ind * 2 + '<Task>%d</Task>' % tasknum, ind * 2 + '<Keywords>0x8020000000000000</Keywords>',
             ind * 2 + '<TimeCreated SystemTime="%s" />' % iso(t), ind * 2 + '<EventRecordID>%d</EventRecordID>' % (900000 + i),
             ind * 2 + '<Execution ProcessID="788" ThreadID="%d" />' % rnd.randint(1000, 9000),
             ind * 2 + '<Channel>Security</Channel>', ind * 2 + '<Computer>DC01.corp.example.com</Computer>', ind * 2 + '<Security />',
             ind + '</System>', ind + '<EventData>']
    for k, v in d.items():
        v = v.replace('&', '&amp;').replace('"', '&quot;')
        parts.append(ind * 2 + '<Data Name="%s">%s</Data>' % (k, v))
    parts.append(ind + '</EventData>')
    if pretty:
        parts += [ind + '<RenderingInfo Culture="en-US">', ind * 2 + '<Message>Event %d.\n\nSubject:\n\tAccount Name:\t\t%s</Message>' % (eid, d.get('TargetUserName', d.get('SubjectUserName', '-'))),
                  ind * 2 + '<Level>Information</Level>', ind * 2 + '<Task>%s</Task>' % task, ind * 2 + '<Keywords>', ind * 3 + '<Keyword>Audit Success</Keyword>', ind * 2 + '</Keywords>', ind + '</RenderingInfo>']
    parts.append('</Event>')
    return nl.join(parts)

with open(os.path.join(out, 'windows-xmlview.xml'), 'w') as f:
    for i in range(N // 4):
        f.write('<?xml version="1.0" encoding="utf-8"?>\n' + win_event(i, True) + '\n')
with open(os.path.join(out, 'windows-saved-events.xml'), 'w') as f:
    f.write('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<Events>\n')
    for i in range(N // 4):
        f.write('  ' + win_event(N + i, True).replace('\n', '\n  ') + '\n')
    f.write('</Events>\n')
with open(os.path.join(out, 'windows-wevtutil.xml'), 'w') as f:
    f.write(''.join(win_event(2 * N + i, False) for i in range(N // 4)) + '\n')

def beat(i, version):
    eid, task, _, data = rnd.choice(SEC)
    t = T0 + 3600 + i * 5.1
    ed = {k: (rnd.choice(USERS) if v is None and 'User' in k else ipx() if v is None else v.replace('%03d', '%03d' % rnd.randint(1, 300))) for k, v in data.items()}
    ts = iso(t)[:23] + 'Z'
    if version == 6:
        return {'@timestamp': ts, 'beat': {'hostname': 'DC01', 'version': '6.8.23'}, 'computer_name': 'DC01.corp.example.com', 'event_id': eid,
                'level': 'Information', 'log_name': 'Security', 'record_number': str(100000 + i), 'source_name': 'Microsoft-Windows-Security-Auditing',
                'type': 'wineventlog', 'keywords': ['Audit Success'], 'event_data': ed, 'message': 'Event %d' % eid}
    w = {'api': 'wineventlog', 'channel': 'Security', 'computer_name': 'DC01.corp.example.com', 'event_id': str(eid) if version == 8 else eid,
         'provider_name': 'Microsoft-Windows-Security-Auditing', 'provider_guid': '{54849625-5478-4994-a5ba-3e3b0328c30d}',
         'record_id': 200000 + i, 'process': {'pid': 788, 'thread': {'id': rnd.randint(1000, 9000)}}, 'task': task, 'opcode': 'Info',
         'keywords': ['Audit Success'], 'event_data': ed}
    return {'@timestamp': ts, 'agent': {'type': 'winlogbeat', 'version': '%d.17.0' % version}, 'ecs': {'version': '8.0.0'},
            'event': {'code': str(eid), 'kind': 'event', 'provider': 'Microsoft-Windows-Security-Auditing'},
            'host': {'name': 'dc01.corp.example.com'}, 'log': {'level': 'information'}, 'message': 'Event %d' % eid, 'winlog': w}

with open(os.path.join(out, 'winlogbeat.ndjson'), 'w') as f:
    for i in range(N):
        f.write(json.dumps(beat(i, rnd.choice([6, 7, 8, 8])), separators=(',', ':')) + '\n')
for name in ('windows-xmlview.xml', 'windows-saved-events.xml', 'windows-wevtutil.xml'):
    manifest(name, ['Windows.EventLogs'], N // 4)
manifest('winlogbeat.ndjson', ['Windows.EventLogs'], N)

# --- Zeek --------------------------------------------------------------------------------
def cid(): return {'id.orig_h': ip4(), 'id.orig_p': rnd.randint(1024, 65535), 'id.resp_h': ipx(), 'id.resp_p': rnd.choice([22, 25, 53, 80, 443])}
ZEEK = {
 'conn': ([('ts', 'time'), ('uid', 'string'), ('id.orig_h', 'addr'), ('id.orig_p', 'port'), ('id.resp_h', 'addr'), ('id.resp_p', 'port'), ('proto', 'enum'),
           ('service', 'string'), ('duration', 'interval'), ('orig_bytes', 'count'), ('resp_bytes', 'count'), ('conn_state', 'string'), ('local_orig', 'bool'),
           ('local_resp', 'bool'), ('missed_bytes', 'count'), ('history', 'string'), ('orig_pkts', 'count'), ('orig_ip_bytes', 'count'), ('resp_pkts', 'count'),
           ('resp_ip_bytes', 'count'), ('tunnel_parents', 'set[string]')],
          lambda: dict(uid=uid(), **cid(), proto=rnd.choice(['tcp', 'udp']), service=rnd.choice(['ssl', 'http', 'dns', None]), duration=rnd.random() * 30,
                       orig_bytes=rnd.randint(0, 9999), resp_bytes=rnd.randint(0, 99999), conn_state=rnd.choice(['SF', 'S0', 'REJ', 'RSTO']), local_orig=True,
                       local_resp=False, missed_bytes=0, history='ShADadFf', orig_pkts=rnd.randint(1, 90), orig_ip_bytes=rnd.randint(40, 9999),
                       resp_pkts=rnd.randint(0, 90), resp_ip_bytes=rnd.randint(0, 99999), tunnel_parents=[])),
 'dns': ([('ts', 'time'), ('uid', 'string'), ('id.orig_h', 'addr'), ('id.orig_p', 'port'), ('id.resp_h', 'addr'), ('id.resp_p', 'port'), ('proto', 'enum'),
          ('trans_id', 'count'), ('rtt', 'interval'), ('query', 'string'), ('qclass', 'count'), ('qclass_name', 'string'), ('qtype', 'count'), ('qtype_name', 'string'),
          ('rcode', 'count'), ('rcode_name', 'string'), ('AA', 'bool'), ('TC', 'bool'), ('RD', 'bool'), ('RA', 'bool'), ('Z', 'count'), ('answers', 'vector[string]'),
          ('TTLs', 'vector[interval]'), ('rejected', 'bool')],
         lambda: dict(uid=uid(), **cid(), proto='udp', trans_id=rnd.randint(0, 65535), rtt=rnd.random() / 10, query=rnd.choice(['www.example.com', 'updates.example.net', 'cdn.example.org']),
                      qclass=1, qclass_name='C_INTERNET', qtype=1, qtype_name='A', rcode=0, rcode_name='NOERROR', AA=False, TC=False, RD=True, RA=True, Z=0,
                      answers=[ipx()], TTLs=[300.0], rejected=False)),
 'http': ([('ts', 'time'), ('uid', 'string'), ('id.orig_h', 'addr'), ('id.orig_p', 'port'), ('id.resp_h', 'addr'), ('id.resp_p', 'port'), ('trans_depth', 'count'),
           ('method', 'string'), ('host', 'string'), ('uri', 'string'), ('version', 'string'), ('user_agent', 'string'), ('request_body_len', 'count'),
           ('response_body_len', 'count'), ('status_code', 'count'), ('status_msg', 'string'), ('tags', 'set[enum]'), ('resp_fuids', 'vector[string]')],
          lambda: dict(uid=uid(), **cid(), trans_depth=1, method=rnd.choice(['GET', 'POST']), host='www.example.com', uri='/p/%d' % rnd.randint(1, 999), version='1.1',
                       user_agent='Mozilla/5.0', request_body_len=0, response_body_len=rnd.randint(0, 99999), status_code=rnd.choice([200, 301, 404]), status_msg='OK', tags=[],
                       resp_fuids=[fuid()])),
 'ssl': ([('ts', 'time'), ('uid', 'string'), ('id.orig_h', 'addr'), ('id.orig_p', 'port'), ('id.resp_h', 'addr'), ('id.resp_p', 'port'), ('version', 'string'),
          ('cipher', 'string'), ('curve', 'string'), ('server_name', 'string'), ('resumed', 'bool'), ('established', 'bool'), ('cert_chain_fps', 'vector[string]')],
         lambda: dict(uid=uid(), **cid(), version='TLSv13', cipher='TLS_AES_128_GCM_SHA256', curve='x25519', server_name='www.example.com', resumed=False, established=True,
                      cert_chain_fps=['%064x' % rnd.getrandbits(256)])),
 'files': ([('ts', 'time'), ('fuid', 'string'), ('uid', 'string'), ('id.orig_h', 'addr'), ('id.orig_p', 'port'), ('id.resp_h', 'addr'), ('id.resp_p', 'port'),
            ('source', 'string'), ('depth', 'count'), ('analyzers', 'set[string]'), ('mime_type', 'string'), ('seen_bytes', 'count'), ('missing_bytes', 'count'),
            ('overflow_bytes', 'count'), ('timedout', 'bool'), ('md5', 'string')],
           lambda: dict(fuid=fuid(), uid=uid(), **cid(), source='HTTP', depth=0, analyzers=['MD5'], mime_type='text/html', seen_bytes=rnd.randint(1, 99999), missing_bytes=0,
                        overflow_bytes=0, timedout=False, md5='%032x' % rnd.getrandbits(128))),
 'x509': ([('ts', 'time'), ('fingerprint', 'string'), ('certificate.version', 'count'), ('certificate.serial', 'string'), ('certificate.subject', 'string'),
           ('certificate.issuer', 'string'), ('certificate.not_valid_before', 'time'), ('certificate.not_valid_after', 'time'), ('san.dns', 'vector[string]'), ('host_cert', 'bool')],
          lambda: {'fingerprint': '%064x' % rnd.getrandbits(256), 'certificate.version': 3, 'certificate.serial': '%X' % rnd.getrandbits(64),
                   'certificate.subject': 'CN=www.example.com', 'certificate.issuer': 'CN=Example CA', 'certificate.not_valid_before': 1719792000.0,
                   'certificate.not_valid_after': 1751328000.0, 'san.dns': ['www.example.com'], 'host_cert': True}),
 'notice': ([('ts', 'time'), ('note', 'enum'), ('msg', 'string'), ('src', 'addr'), ('actions', 'set[enum]'), ('suppress_for', 'interval')],
            lambda: dict(note='Scan::Port_Scan', msg='%s scanned at least 15 unique ports' % ipx(), src=ipx(), actions=['Notice::ACTION_LOG'], suppress_for=3600.0)),
 'weird': ([('ts', 'time'), ('uid', 'string'), ('id.orig_h', 'addr'), ('id.orig_p', 'port'), ('id.resp_h', 'addr'), ('id.resp_p', 'port'), ('name', 'string'),
            ('addl', 'string'), ('notice', 'bool'), ('peer', 'string'), ('source', 'string')],
           lambda: dict(uid=uid(), **cid(), name=rnd.choice(['bad_TCP_checksum', 'dns_unmatched_reply']), addl=None, notice=False, peer='worker-1', source='TCP')),
 'dhcp': ([('ts', 'time'), ('uids', 'set[string]'), ('client_addr', 'addr'), ('server_addr', 'addr'), ('mac', 'string'), ('host_name', 'string'),
           ('assigned_addr', 'addr'), ('lease_time', 'interval'), ('msg_types', 'vector[string]'), ('duration', 'interval')],
          lambda: dict(uids=[uid()], client_addr=ip4(), server_addr='192.0.2.1', mac='00:1a:2b:3c:4d:%02x' % rnd.randint(0, 255), host_name='wks-%d' % rnd.randint(1, 99),
                       assigned_addr=ip4(), lease_time=86400.0, msg_types=['REQUEST', 'ACK'], duration=0.01)),
 'ssh': ([('ts', 'time'), ('uid', 'string'), ('id.orig_h', 'addr'), ('id.orig_p', 'port'), ('id.resp_h', 'addr'), ('id.resp_p', 'port'), ('version', 'count'),
          ('auth_success', 'bool'), ('auth_attempts', 'count'), ('direction', 'enum'), ('client', 'string'), ('server', 'string')],
         lambda: dict(uid=uid(), **cid(), version=2, auth_success=rnd.choice([True, False, None]), auth_attempts=rnd.randint(0, 6), direction='INBOUND',
                      client='SSH-2.0-OpenSSH_9.6', server='SSH-2.0-OpenSSH_9.6p1')),
 'smtp': ([('ts', 'time'), ('uid', 'string'), ('id.orig_h', 'addr'), ('id.orig_p', 'port'), ('id.resp_h', 'addr'), ('id.resp_p', 'port'), ('trans_depth', 'count'),
           ('helo', 'string'), ('mailfrom', 'string'), ('rcptto', 'set[string]'), ('subject', 'string'), ('path', 'vector[addr]'), ('tls', 'bool'), ('fuids', 'vector[string]')],
          lambda: dict(uid=uid(), **cid(), trans_depth=1, helo='mail.example.net', mailfrom='billing@example.net', rcptto=['bob@corp.example.com'], subject='Invoice %d' % rnd.randint(1, 999),
                       path=[ip4(), ipx()], tls=False, fuids=[fuid()])),
}

def asc(v, t):
    if v is None: return '-'
    if isinstance(v, list): return ','.join(asc(x, t[t.index('[') + 1:-1]) for x in v) if v else '(empty)'
    if isinstance(v, bool): return 'T' if v else 'F'
    if isinstance(v, float): return '%.6f' % v
    return str(v)

for path, (fields, make) in ZEEK.items():
    recs = []
    for i in range(N):
        r = make()
        r['ts'] = T0 + 7200 + i * 1.7 + rnd.random()
        recs.append(r)
    with open(os.path.join(out, 'zeek-%s.log' % path), 'w') as f:
        f.write('#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n#open\t2024-10-15-14-00-00\n' % path)
        f.write('#fields\t' + '\t'.join(n for n, _ in fields) + '\n#types\t' + '\t'.join(t for _, t in fields) + '\n')
        for r in recs:
            f.write('\t'.join(asc(r.get(n), t) for n, t in fields) + '\n')
        f.write('#close\t2024-10-15-15-00-00\n')
    with open(os.path.join(out, 'zeek-%s.json' % path), 'w') as f:
        for r in recs:
            f.write(json.dumps({n: r[n] for n, _ in fields if r.get(n) is not None}, separators=(',', ':')) + '\n')
    zt = 'Zeek.' + {'conn': 'Conn', 'dns': 'DNS', 'http': 'HTTP', 'ssl': 'SSL', 'files': 'Files', 'x509': 'X509', 'notice': 'Notice',
                    'weird': 'Weird', 'dhcp': 'DHCP', 'ssh': 'SSH', 'smtp': 'SMTP'}[path]
    manifest('zeek-%s.log' % path, [zt], N)
    manifest('zeek-%s.json' % path, [zt], N)

# A conn.log whose writer was cut off or mixed versions: a few lines with the wrong column count.
fields, make = ZEEK['conn']
with open(os.path.join(out, 'zeek-conn-damaged.log'), 'w') as f:
    f.write('#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2024-10-15-16-00-00\n')
    f.write('#fields\t' + '\t'.join(n for n, _ in fields) + '\n#types\t' + '\t'.join(t for _, t in fields) + '\n')
    for i in range(N // 4):
        r = make()
        r['ts'] = T0 + 9000 + i
        vals = [asc(r.get(n), t) for n, t in fields]
        if i % 10 == 9:
            vals = vals[:rnd.randint(3, len(vals) - 1)]  # cut
        elif i % 10 == 4:
            vals.append('ip_proto?')  # a column the header does not name
        f.write('\t'.join(vals) + '\n')
n = N // 4
manifest('zeek-conn-damaged.log', ['Zeek.Conn'], n, bad=len([i for i in range(n) if i % 10 in (4, 9)]))

# --- Syslog ------------------------------------------------------------------------------
import datetime
HOSTS = ['bastion-1', 'web-3', 'db-2', 'ci-runner-07']
MSGS = [('sshd', 'Accepted publickey for deploy from %s port %d ssh2', lambda: (ipx(), rnd.randint(1024, 65535))),
        ('sshd', 'Invalid user %s from %s port %d', lambda: (rnd.choice(['oracle', 'admin', 'test']), ipx(), rnd.randint(1024, 65535))),
        ('CRON', '(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)', lambda: ()),
        ('systemd', 'Started Session %d of User deploy.', lambda: (rnd.randint(1, 999),)),
        ('sudo', '   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx', lambda: ()),
        ('kernel', '[%d.%06d] audit: type=1400 audit(1735689602.123:88): apparmor="DENIED" operation="open" profile="/usr/sbin/ntpd"', lambda: (rnd.randint(1000, 999999), rnd.randint(0, 999999)))]

def sysmsg():
    prog, fmt, args = rnd.choice(MSGS)
    tag = prog if prog == 'kernel' else '%s[%d]' % (prog, rnd.randint(100, 40000))
    return tag, fmt % args()

def bsd(t):  # Mmm dd hh:mm:ss with the day padded by a space (or, as some writers do, a zero)
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    day = ('%2d' if rnd.random() < 0.8 else '%02d') % d.day
    return d.strftime('%b ') + day + d.strftime(' %H:%M:%S')

YEAR_END = datetime.datetime(2024, 12, 31, 23, 50, tzinfo=datetime.timezone.utc).timestamp()
with open(os.path.join(out, 'syslog-rsyslog-traditional.log'), 'w') as f:  # /var/log/syslog across the new year
    recs = 0
    for i in range(N):
        host = rnd.choice(HOSTS)
        t = YEAR_END + i * 4.7
        if i % 25 == 24:
            f.write('%s %s last message repeated %d times\n' % (bsd(t), host, rnd.randint(2, 9)))
        else:
            tag, msg = sysmsg()
            f.write('%s %s %s: %s\n' % (bsd(t), host, tag, msg))
        recs += 1
manifest('syslog-rsyslog-traditional.log', ['Syslog.RFC3164'], recs)

with open(os.path.join(out, 'syslog-rsyslog-fileformat.log'), 'w') as f:  # RSYSLOG_FileFormat
    for i in range(N):
        t = YEAR_END - 86400 + i * 3.1
        off = rnd.choice([0, 60, -300, 330])
        d = datetime.datetime.fromtimestamp(t, datetime.timezone(datetime.timedelta(minutes=off)))
        ts = d.strftime('%Y-%m-%dT%H:%M:%S') + rnd.choice(['.%06d' % rnd.randint(0, 999999), '.%03d' % rnd.randint(0, 999), ''])
        ts += 'Z' if off == 0 and rnd.random() < 0.5 else d.strftime('%z')[:3] + ':' + d.strftime('%z')[3:]
        tag, msg = sysmsg()
        f.write('%s %s %s: %s\n' % (ts, rnd.choice(HOSTS), tag, msg))
manifest('syslog-rsyslog-fileformat.log', ['Syslog.RFC3164'], N)

with open(os.path.join(out, 'syslog-appliance.log'), 'w') as f:  # <PRI> and no host: dnsmasq, dropbear, ntpd on a router
    for i in range(N):
        t = YEAR_END - 3600 + i * 2.3
        prog, msg = rnd.choice([('dnsmasq', 'query[A] %s from 192.168.1.%d' % (rnd.choice(['example.com', 'updates.example.net']), rnd.randint(2, 250))),
                                ('dnsmasq-dhcp', 'DHCPACK(br-lan) 192.168.1.%d 00:1a:2b:3c:4d:%02x wks' % (rnd.randint(2, 250), rnd.randint(0, 255))),
                                ('dropbear', 'Exit (root): Disconnect received'), ('ntpd', 'Listen normally on 3 br-lan 192.168.1.1:123')])
        f.write('<%d>%s %s[%d]: %s\n' % (rnd.choice([30, 86, 134, 190]), bsd(t), prog, rnd.randint(300, 3000), msg))
manifest('syslog-appliance.log', ['Syslog.RFC3164'], N)

with open(os.path.join(out, 'syslog-macos-system.log'), 'w') as f:
    recs = 0
    for i in range(N):
        t = YEAR_END - 7200 + i * 1.9
        if i % 20 == 19:
            f.write('%s --- last message repeated %d times ---\n' % (bsd(t), rnd.randint(2, 5)))
        else:
            f.write('%s Alices-MacBook-Pro %s\n' % (bsd(t), rnd.choice([
                'syslogd[114]: ASL Sender Statistics',
                'com.apple.xpc.launchd[1] (com.apple.mdworker.shared.%08X-0000-0000-0000-000000000000[%d]): Service exited due to SIGKILL' % (rnd.getrandbits(32), rnd.randint(300, 9000)),
                'loginwindow[155] <Notice>: USER_PROCESS: 155 console',
                'kernel[0]: Sandbox: mdworker_shared(%d) deny(1) mach-lookup com.apple.cfprefsd.daemon' % rnd.randint(300, 9000)])))
        recs += 1
manifest('syslog-macos-system.log', ['Syslog.RFC3164'], recs)

with open(os.path.join(out, 'syslog-multiline.log'), 'w') as f:  # stack traces on continuation lines
    recs = 0
    for i in range(N // 2):
        t = YEAR_END - 600 + i * 6.1
        k = rnd.random()
        if k < 0.3:
            f.write('%s app-1 java[4321]: ERROR Unhandled exception in request /api/orders/%d\n' % (bsd(t), rnd.randint(1, 9999)))
            f.write('java.lang.IllegalStateException: order %d already placed\n'.replace('java.lang', '\tjava.lang') % rnd.randint(1, 9999))
            for fr in range(rnd.randint(2, 8)):
                f.write('\tat com.example.orders.OrderService.place%d(OrderService.java:%d)\n' % (fr, rnd.randint(10, 400)))
        elif k < 0.5:
            f.write('%s app-2 gunicorn[881]: Exception in worker process\n' % bsd(t))
            f.write('  Traceback (most recent call last):\n    File "/srv/app/views.py", line %d, in checkout\n      total = cart.total()\n  ZeroDivisionError: division by zero\n' % rnd.randint(10, 400))
        else:
            tag, msg = sysmsg()
            f.write('%s app-1 %s: %s\n' % (bsd(t), tag, msg))
        recs += 1
manifest('syslog-multiline.log', ['Syslog.RFC3164'], recs)

# --- Web servers -------------------------------------------------------------------------
AGENTS = ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'curl/8.11.0', 'kube-probe/1.31', 'python-requests/2.32.3', '-']
def clf_time(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone(datetime.timedelta(hours=1))).strftime('%d/%b/%Y:%H:%M:%S %z')
def request():
    k = rnd.random()
    if k < 0.04: return '-', 408
    if k < 0.07: return '', 400
    if k < 0.09: return '\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00', 400  # TLS to a plain port, escaped as the servers log it
    return '%s /%s HTTP/%s' % (rnd.choice(['GET', 'GET', 'POST', 'HEAD']), rnd.choice(['', 'index.html', 'api/v2/status', 'cart?id=%d' % rnd.randint(1, 99)]), rnd.choice(['1.1', '1.1', '2.0'])), rnd.choice([200, 200, 301, 304, 404])
def remote():
    k = rnd.random()
    if k < 0.15: return '2001:db8:%x::%x' % (rnd.randint(1, 0xffff), rnd.randint(1, 0xffff))
    if k < 0.25: return '%s, 10.0.4.%d' % (ipx(), rnd.randint(2, 9))
    if k < 0.3: return '"%s, 10.0.4.%d"' % (ipx(), rnd.randint(2, 9))
    return ipx()

with open(os.path.join(out, 'apache-vhost-access.log'), 'w') as f:
    for i in range(N):
        req, st = request()
        line = '%s - %s [%s] "%s" %d %s "%s" "%s"' % (remote(), rnd.choice(['-', '-', 'bob']), clf_time(T0 + i * 0.9), req, st,
                                                   rnd.choice(['-', str(rnd.randint(0, 99999))]), rnd.choice(['-', 'https://www.example.com/']), rnd.choice(AGENTS))
        if rnd.random() < 0.5:
            line = '%s:%d %s' % (rnd.choice(['www.example.com', 'shop.example.org']), rnd.choice([80, 443]), line)
        if rnd.random() < 0.1:
            line += ' "%d"' % rnd.randint(100, 99999)  # an extra trailing field (%D or a cookie)
        f.write(line + '\n')
manifest('apache-vhost-access.log', ['Apache.AccessCombined', 'Nginx.Access'], N)

with open(os.path.join(out, 'nginx-main-access.log'), 'w') as f:  # log_format main ... "$http_x_forwarded_for"
    for i in range(N):
        req, st = request()
        xff = rnd.choice(['-', ipx(), '%s, %s' % (ipx(), ipx())])
        f.write('%s - %s [%s] "%s" %d %d "%s" "%s" "%s"\n' % (rnd.choice([ipx(), '10.0.4.2', '2001:db8:20::5']), rnd.choice(['-', 'alice']), clf_time(T0 + i * 0.7),
                                                            req, st, rnd.randint(0, 99999), rnd.choice(['-', 'https://www.example.com/']), rnd.choice(AGENTS), xff))
manifest('nginx-main-access.log', ['Nginx.Access', 'Apache.AccessCombined'], N)

# --- VPC Flow (default v2 layout, no header, as some exports and CloudWatch streams give it) ----
with open(os.path.join(out, 'vpcflow-default-noheader.log'), 'w') as f:
    for i in range(N):
        st = 1733814000 + (i // 20) * 60
        if i % 40 == 39:
            f.write('2 123456789012 eni-0a1b2c3d4e5f67890 - - - - - - - %d %d - %s\n' % (st, st + 60, rnd.choice(['NODATA', 'SKIPDATA'])))
            continue
        src, dst = rnd.choice([(ip4(), '10.0.2.%d' % rnd.randint(1, 254)), ('2001:db8:1::%x' % rnd.randint(1, 999), '2001:db8:2::%x' % rnd.randint(1, 999))])
        f.write('2 123456789012 eni-%017x %s %s %d %d %d %d %d %d %d %s OK\n' % (rnd.getrandbits(68), src, dst, rnd.randint(1024, 65535), rnd.choice([22, 53, 443, 3389]),
                                                                              rnd.choice([6, 17]), rnd.randint(1, 500), rnd.randint(40, 900000), st, st + 60, rnd.choice(['ACCEPT', 'REJECT'])))
manifest('vpcflow-default-noheader.log', ['AWS.VPCFlow'], N)

# --- Cisco Umbrella DNS logs, versions 2/3 (10 columns), 4+ (13), 11 (15, header row) ---------
def umb_row(version):
    ts = datetime.datetime.fromtimestamp(T0 + rnd.randint(0, 86400), datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S')
    ident = rnd.choice(['laptop-%04d' % rnd.randint(1, 9999), 'CORP\\jsmith', 'jdoe@example.com'])
    blocked = rnd.random() < 0.3
    cats = rnd.choice(['Search Engines', 'Software/Technology,Infrastructure and Content Delivery Networks', 'Malware', 'Phishing,Newly Seen Domains'])
    row = [ts, ident, ident + ',HQ Network', rnd.choice(['10.20.1.%d' % rnd.randint(2, 250), '2001:db8::%x' % rnd.randint(1, 999)]), ipx(),
           'Blocked' if blocked else 'Allowed', rnd.choice(['1 (A)', '28 (AAAA)', '16 (TXT)', '15 (MX)']), rnd.choice(['NOERROR', 'NOERROR', 'NXDOMAIN']),
           rnd.choice(['updates.example.com.', 'www.example.org.', 'c2.malware.example.']), cats]
    if version >= 4:
        row += ['Roaming Computers', 'Roaming Computers,Networks', cats if blocked else '']
    if version >= 11:
        row += [str(rnd.randint(1000000, 9999999)), rnd.choice(['US', 'US,NL', ''])]
    return row
def quoted(row, spaces=False):
    return (', ' if spaces else ',').join('"%s"' % c.replace('"', '""') for c in row)

with open(os.path.join(out, 'umbrella-dnslogs-v11.csv'), 'w') as f:
    f.write(quoted(['Timestamp', 'Most Granular Identity', 'Identities', 'Internal IP', 'External IP', 'Action', 'Query Type', 'Response Code', 'Domain',
                    'Categories', 'Most Granular Identity Type', 'Identity Types', 'Blocked Categories', 'Rule ID', 'Destination Countries']) + '\n')
    for i in range(N):
        f.write(quoted(umb_row(11)) + '\n')
manifest('umbrella-dnslogs-v11.csv', ['CiscoUmbrella.DNS'], N)
with open(os.path.join(out, 'umbrella-dnslogs-mixed.csv'), 'w') as f:  # an S3 prefix holding files of several years
    for i in range(N):
        f.write(quoted(umb_row(rnd.choice([2, 3, 4, 4, 11])), spaces=rnd.random() < 0.2) + '\n')
manifest('umbrella-dnslogs-mixed.csv', ['CiscoUmbrella.DNS'], N)

with open(os.path.join(out, 'manifest.json'), 'w') as f:
    json.dump(MANIFEST, f, indent=1)
