import { describe, expect, it } from 'vitest';
import { ago, bytes, duration, parseRange, sqlString, tableName, userName } from './format';
import { toCSV, toJSON } from './export';
import { match, withParams } from './router';

describe('parseRange', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  it('reads a preset, falling back to the default for unknown ones', () => {
    const r = parseRange(new URLSearchParams('range=6h'), '24h', now);
    expect(r.preset).toBe('6h');
    expect(r.to.getTime()).toBe(now);
    expect(r.from.getTime()).toBe(now - 6 * 3600e3);
    expect(parseRange(new URLSearchParams('range=13y'), '7d', now).preset).toBe('7d');
    expect(parseRange(new URLSearchParams(''), '24h', now).preset).toBe('24h');
  });
  it('reads an absolute range, and ignores one that ends before it starts', () => {
    const r = parseRange(new URLSearchParams('from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z'), '24h', now);
    expect(r.preset).toBeUndefined();
    expect(r.from.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(r.to.toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(parseRange(new URLSearchParams('from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z'), '1h', now).preset).toBe('1h');
    expect(parseRange(new URLSearchParams('from=yesterday&to=today'), '1h', now).preset).toBe('1h');
  });
});

describe('formatting', () => {
  it('says how long ago', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(ago(null)).toBe('—');
    expect(ago('2026-12-07T11:55:00Z', now)).toBe('5 minutes ago');
    expect(ago('2026-12-07T09:00:00Z', now)).toBe('3 hours ago');
    expect(ago('2026-12-06T12:00:00Z', now)).toBe('yesterday');
    expect(ago('not a time', now)).toBe('not a time');
  });
  it('formats sizes and durations', () => {
    expect(bytes(undefined)).toBe('—');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KB');
    expect(bytes(200 * 1024 * 1024)).toBe('200 MB');
    expect(duration(250)).toBe('250 ms');
    expect(duration(2500)).toBe('2.5 s');
    expect(duration(125000)).toBe('2 min 5 s');
  });
  it('names tables, quotes SQL strings and people', () => {
    expect(tableName('AWS.CloudTrail')).toBe('aws_cloudtrail');
    expect(tableName('GCP.AuditLog')).toBe('gcp_auditlog');
    expect(tableName('Custom.My-App')).toBe('custom_my_app');
    expect(sqlString("O'Brien")).toBe("'O''Brien'");
    expect(userName({ givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.com' })).toBe('Ada Lovelace');
    expect(userName({ email: 'ada@example.com' })).toBe('ada@example.com');
    expect(userName(null)).toBe('');
  });
});

describe('exports', () => {
  const cols = ['name', 'n', 'obj'];
  const rows = [
    { name: 'plain', n: 1, obj: { a: 1 } },
    { name: 'with, comma and "quotes"', n: null, obj: null },
    { name: 'two\nlines', n: 3 },
  ];
  it('writes RFC 4180 CSV', () => {
    expect(toCSV(cols, rows)).toBe('name,n,obj\r\nplain,1,"{""a"":1}"\r\n"with, comma and ""quotes""",,\r\n"two\nlines",3,\r\n');
  });
  it('writes JSON with every column, missing ones as null', () => {
    expect(JSON.parse(toJSON(cols, rows))).toEqual([
      { name: 'plain', n: 1, obj: { a: 1 } },
      { name: 'with, comma and "quotes"', n: null, obj: null },
      { name: 'two\nlines', n: 3, obj: null },
    ]);
  });
});

describe('router', () => {
  it('matches patterns and decodes parameters', () => {
    expect(match('/alerts/:id', '/alerts/a%2Fb')).toEqual({ id: 'a/b' });
    expect(match('/alerts/:id', '/alerts')).toBeNull();
    expect(match('/alerts/:id', '/detections/x')).toBeNull();
    expect(match('/log-types/:name', '/log-types/%E0%A4%A')).toBeNull();
    expect(match('/', '/')).toEqual({});
  });
  it('sets, replaces and removes query parameters', () => {
    const cur = new URLSearchParams('severity=HIGH&severity=LOW&q=root&cursor=abc');
    expect(withParams('/alerts', cur, { cursor: null, q: 'admin' })).toBe('/alerts?severity=HIGH&severity=LOW&q=admin');
    expect(withParams('/alerts', cur, { severity: ['CRITICAL', ''], q: '', cursor: undefined })).toBe('/alerts?severity=CRITICAL');
    expect(withParams('/alerts', new URLSearchParams(), {})).toBe('/alerts');
  });
});
