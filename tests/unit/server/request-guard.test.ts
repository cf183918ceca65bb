import { describe, expect, it } from 'vitest';
import { checkFetchSite, checkHost, checkJsonContentType, checkOrigin, isLoopback, parseHostHeader } from '../../../main/server/request-guard';

describe('the Host a loopback server answers to', () => {
  const bound = { address: '127.0.0.1', port: 7420 };

  it('parses names, IPv6 brackets and ports', () => {
    expect(parseHostHeader('LocalHost:7420')).toEqual({ name: 'localhost', port: 7420 });
    expect(parseHostHeader('[::1]:80')).toEqual({ name: '[::1]', port: 80 });
    expect(parseHostHeader('127.0.0.1')).toEqual({ name: '127.0.0.1', port: null });
    expect(parseHostHeader('a:b:c')).toBeNull();
    expect(parseHostHeader('')).toBeNull();
  });

  it('accepts 127.0.0.1, localhost and [::1] with the bound port', () => {
    for (const host of ['127.0.0.1:7420', 'localhost:7420', 'LOCALHOST:7420', '[::1]:7420']) expect(checkHost(host, bound), host).toBeNull();
  });

  it('refuses a rebound name, another port, a missing port and no Host at all', () => {
    for (const host of ['rebind.evil.example:7420', '127.0.0.1:7421', '127.0.0.1', 'localhost.evil.example:7420', '127.0.0.2:7420', undefined]) {
      const r = checkHost(host, bound);
      expect(r, String(host)).toMatchObject({ status: 403, code: 'forbidden-host' });
    }
  });

  it('takes a name without a port only on port 80, and the address it is bound to', () => {
    expect(checkHost('localhost', { address: '127.0.0.1', port: 80 })).toBeNull();
    expect(checkHost('127.0.0.5:9000', { address: '127.0.0.5', port: 9000 })).toBeNull();
    expect(checkHost('[::1]:9000', { address: '::1', port: 9000 })).toBeNull();
  });

  it('knows the loopback addresses', () => {
    expect(['localhost', '::1', '127.0.0.1', '127.9.8.7'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '192.168.1.2', '::', '128.0.0.1'].some(isLoopback)).toBe(false);
  });
});

describe('the page behind a request', () => {
  it('lets the studio\'s own page and clients without an Origin through', () => {
    expect(checkOrigin({ host: '127.0.0.1:7420', origin: 'http://127.0.0.1:7420' })).toBeNull();
    expect(checkOrigin({ host: 'localhost:7420', origin: 'http://LOCALHOST:7420' })).toBeNull();
    expect(checkOrigin({ host: '127.0.0.1:7420' })).toBeNull();
    expect(checkOrigin({ host: 'studio.example:443', origin: 'https://studio.example:443' })).toBeNull();
  });

  it('refuses other origins, other ports, other schemes and the opaque "null" origin', () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:7421', 'ws://127.0.0.1:7420', 'null', 'http://localhost:7420', 'http://127.0.0.1:7420.evil.example']) {
      expect(checkOrigin({ host: '127.0.0.1:7420', origin }), origin).toMatchObject({ status: 403, code: 'forbidden-origin' });
    }
  });

  it('refuses cross-site and same-site fetches (another port of the same host is same-site)', () => {
    expect(checkFetchSite({})).toBeNull();
    expect(checkFetchSite({ 'sec-fetch-site': 'same-origin' })).toBeNull();
    expect(checkFetchSite({ 'sec-fetch-site': 'none' })).toBeNull();
    expect(checkFetchSite({ 'sec-fetch-site': 'same-site' })).toMatchObject({ status: 403, code: 'forbidden-site' });
    expect(checkFetchSite({ 'sec-fetch-site': 'cross-site' })).toMatchObject({ status: 403, code: 'forbidden-site' });
  });
});

describe('the body type of API calls', () => {
  it('takes application/json, with or without parameters', () => {
    expect(checkJsonContentType('application/json')).toBeNull();
    expect(checkJsonContentType('Application/JSON; charset=utf-8')).toBeNull();
  });

  it('refuses what a page may send without a preflight, and no type at all', () => {
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', undefined]) {
      expect(checkJsonContentType(type), String(type)).toMatchObject({ status: 415, code: 'unsupported-media-type' });
    }
  });
});
