import { describe, expect, it } from 'vitest';
import { activeFaults, clockTime, formatLatency, headerLines, NO_FAULTS, parseFaultNumber, prettyBody, splitUrl, statusClass, statusText } from './inspector-format';

describe('inspector formatting', () => {
  it('classifies statuses', () => {
    expect(statusClass({ status: 200, error: null })).toBe('ok');
    expect(statusClass({ status: 302, error: null })).toBe('redirect');
    expect(statusClass({ status: 429, error: null })).toBe('client');
    expect(statusClass({ status: 503, error: null })).toBe('server');
    expect(statusClass({ status: null, error: 'connection refused' })).toBe('failed');
    expect(statusText({ status: null, error: 'x' })).toBe('failed');
    expect(statusText({ status: 201, error: null })).toBe('201');
  });

  it('formats latency and time', () => {
    expect(formatLatency(87.4)).toBe('87 ms');
    expect(formatLatency(1234)).toBe('1.23 s');
    expect(formatLatency(12_345)).toBe('12.3 s');
    expect(clockTime(new Date(2026, 10, 20, 9, 5, 7, 42).getTime())).toBe('09:05:07.042');
  });

  it('splits URLs into host and path', () => {
    expect(splitUrl('http://127.0.0.1:4123/v2/usercollection/sleep?start_date=2026-11-01')).toEqual({ host: '127.0.0.1:4123', path: '/v2/usercollection/sleep?start_date=2026-11-01' });
    expect(splitUrl('[unparseable URL]')).toEqual({ host: '', path: '[unparseable URL]' });
  });

  it('pretty-prints JSON, splits form bodies, keeps other text, keeps the truncation note', () => {
    expect(prettyBody(null)).toEqual({ kind: 'empty', text: '' });
    expect(prettyBody('{"a":1,"b":[true]}')).toEqual({ kind: 'json', text: '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}' });
    const form = prettyBody('grant_type=refresh_token&refresh_token=EFGH%E2%80%A6STUV+%2832+chars%29&client_id=x');
    expect(form.kind).toBe('form');
    expect(form.text).toBe('grant_type = refresh_token\nrefresh_token = EFGH…STUV (32 chars)\nclient_id = x');
    expect(prettyBody('<html>oops</html>')).toEqual({ kind: 'text', text: '<html>oops</html>' });
    const cut = prettyBody('{"data":[1,2]}… (90000 bytes in all)');
    expect(cut.kind).toBe('json');
    expect(cut.text.endsWith('… (90000 bytes in all)')).toBe(true);
    expect(prettyBody('{"data":[1,2').kind).toBe('text');
  });

  it('lists headers one per line', () => {
    expect(headerLines([['authorization', 'Bearer ABCD…WXYZ (32 chars)'], ['accept', '*/*']])).toBe('authorization: Bearer ABCD…WXYZ (32 chars)\naccept: */*');
    expect(headerLines(null)).toBe('');
  });

  it('summarises the fault switches that are on and reads number fields', () => {
    expect(activeFaults(NO_FAULTS)).toEqual([]);
    expect(activeFaults({ ...NO_FAULTS, server_error: true, slow_ms: 800, after_pages: 0 })).toEqual(['server_error', 'slow_ms 800 ms', 'after_pages 0 pages']);
    expect(parseFaultNumber('')).toBeNull();
    expect(parseFaultNumber(' 30 ')).toBe(30);
    expect(parseFaultNumber('-1')).toBe('invalid');
    expect(parseFaultNumber('1.5')).toBe('invalid');
  });
});
