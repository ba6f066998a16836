import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPortClashes, formatPort, parsePort } from '../../src/model/ports.js';
import type { PortSpec } from '../../src/model/spec.js';
import { errorsOf, specOf, withLines } from './spec-helpers.js';

const port = (text: string): PortSpec => {
  const p = parsePort(text);
  assert.ok(!('error' in p), `expected ${text} to parse, got ${JSON.stringify(p)}`);
  return p;
};
const problem = (text: string): string => {
  const p = parsePort(text);
  assert.ok('error' in p, `expected ${text} to be refused`);
  return p.error;
};

test('an ingress port can be just the container port, http by default', () => {
  assert.deepEqual(port('80'), { mode: 'ingress', container: 80, protocol: 'http' });
  assert.deepEqual(port('8443/https'), { mode: 'ingress', container: 8443, protocol: 'https' });
  assert.deepEqual(port('80/HTTP'), { mode: 'ingress', container: 80, protocol: 'http' });
});

test('an ingress port takes a published port, a hostname, or both', () => {
  assert.deepEqual(port('8080:80'), { mode: 'ingress', container: 80, protocol: 'http', published: 8080 });
  assert.deepEqual(port('web.example.com:80'), { mode: 'ingress', container: 80, protocol: 'http', hostname: 'web.example.com' });
  assert.deepEqual(port('Web.Example.com:443:8443/https'), {
    mode: 'ingress',
    container: 8443,
    protocol: 'https',
    hostname: 'web.example.com',
    published: 443,
  });
  assert.deepEqual(port('api:80'), { mode: 'ingress', container: 80, protocol: 'http', hostname: 'api' });
});

test('a host-mode port needs the published port and is tcp by default', () => {
  assert.deepEqual(port('8080:80@host'), { mode: 'host', container: 80, protocol: 'tcp', published: 8080 });
  assert.deepEqual(port('53:53/udp@host'), { mode: 'host', container: 53, protocol: 'udp', published: 53 });
  assert.deepEqual(port('127.0.0.1:5432:5432/tcp@host'), { mode: 'host', container: 5432, protocol: 'tcp', host_ip: '127.0.0.1', published: 5432 });
  assert.deepEqual(port('[::1]:80:80@host'), { mode: 'host', container: 80, protocol: 'tcp', host_ip: '::1', published: 80 });
});

test('0.0.0.0 is the same as no address and is not kept', () => {
  assert.deepEqual(port('0.0.0.0:80:80@host'), port('80:80@host'));
});

test('an ingress port with tcp or udp is refused with what to do', () => {
  assert.equal(problem('5432:5432/tcp'), 'ingress ports must be http or https; add @host for a host-mode tcp port');
  assert.equal(problem('53/udp'), 'ingress ports must be http or https; add @host for a host-mode tcp port');
});

test('a host-mode port with http, or without a published port, is refused', () => {
  assert.equal(problem('80:80/http@host'), 'host-mode ports are tcp or udp; remove @host for an http ingress port');
  assert.equal(problem('80@host'), 'host-mode ports need the published port: published:container@host');
});

test('port numbers out of range, ranges, bad protocols, modes and addresses are refused', () => {
  assert.equal(problem('0'), 'container port "0" is not a port number 1..65535');
  assert.equal(problem('70000:80'), 'published port "70000" is not a port number 1..65535');
  assert.equal(problem('8000-8010:80'), 'published port "8000-8010" is a range; list each port on its own');
  assert.equal(problem('80/sctp'), 'unknown protocol "sctp"; ingress ports are http or https, host-mode ports (@host) tcp or udp');
  assert.equal(problem('80:80/sctp@host'), 'unknown protocol "sctp"; host-mode ports are tcp or udp');
  assert.equal(problem('80:80@swarm'), 'unknown port mode "@swarm"; the only mode is @host (leave it out for ingress)');
  assert.equal(problem('300.1.1.1:80:80@host'), '"300.1.1.1" is not an IP address (write IPv6 in brackets: [::1]:80:80@host)');
  assert.equal(problem('[nope]:80:80@host'), '"[nope]" is not an IPv6 address');
  assert.equal(problem('bad_host:80'), '"bad_host" is not a valid hostname');
  assert.equal(problem('a:b:c:d'), 'expected [hostname:][published:]container[/http|https] for ingress, or [ip:]published:container[/tcp|udp]@host');
  assert.equal(problem('10.0.0.1:80:80'), 'ingress ports take a hostname, not an IP address ("10.0.0.1"); to bind on an IP use host mode: 10.0.0.1:80:80/tcp@host');
});

test('every port form writes back to a string that parses to the same port', () => {
  for (const text of ['80', '8443/https', '8080:80', 'web.example.com:80', 'a.b:443:8443/https', '8080:80@host', '53:53/udp@host', '127.0.0.1:5432:5432@host', '[::1]:80:80/udp@host']) {
    const p = port(text);
    assert.deepEqual(port(formatPort(p)), p, text);
  }
  assert.equal(formatPort(port('8080:80@host')), '8080:80/tcp@host');
  assert.equal(formatPort(port('[::1]:80:80@host')), '[::1]:80:80/tcp@host');
  assert.equal(formatPort(port('a.b:443:8443/https')), 'a.b:443:8443/https');
});

test('the same host port twice, or a wildcard and a specific address, clash', () => {
  const clashes = findPortClashes(['8080:80@host', '8080:81@host', '10.0.0.1:9090:90@host', '9090:91@host', '8080:80/udp@host', '10.0.0.2:9090:92@host'].map(port));
  assert.deepEqual(clashes.map((c) => [c.index, c.with]), [[1, 0], [3, 2], [5, 3]]);
  assert.equal(clashes[0].message, 'host port 8080/tcp is already bound by ports[0] (all addresses); a host port can be bound only once per machine');
  assert.equal(clashes[1].message, 'host port 9090/tcp is already bound by ports[2] (10.0.0.1); a host port can be bound only once per machine');
});

test('different addresses, protocols or ports do not clash', () => {
  assert.deepEqual(findPortClashes(['10.0.0.1:80:80@host', '10.0.0.2:80:80@host', '80:80/udp@host', '81:80@host', '80'].map(port)), []);
});

test('the same ingress route twice clashes', () => {
  const clashes = findPortClashes(['a.b:80', 'a.b:81', 'c.d:80'].map(port));
  assert.deepEqual(clashes.map((c) => c.message), [
    'the ingress route a.b:(default port)/http is already taken by ports[0]; give this port its own hostname or published port',
  ]);
});

test('spec ports are read from strings and bare numbers', () => {
  assert.deepEqual(specOf(withLines('ports: [80, "8080:8080@host"]')).ports, [
    { mode: 'ingress', container: 80, protocol: 'http' },
    { mode: 'host', container: 8080, protocol: 'tcp', published: 8080 },
  ]);
});

test('spec port errors point at each bad port, clashes at the later one', () => {
  assert.deepEqual(errorsOf(withLines('ports:', '  - 5432:5432/tcp', '  - 8080:8080@host', '  - 0.0.0.0:8080:80@host', '  - {a: 1}')), [
    'svc.yaml:3:5: ports[0]: ingress ports must be http or https; add @host for a host-mode tcp port',
    'svc.yaml:5:5: ports[2]: host port 8080/tcp is already bound by ports[1] (all addresses); a host port can be bound only once per machine',
    'svc.yaml:6:5: ports[3]: expected a port string like 8080:80 or 5432:5432@host, got a mapping',
  ]);
});

test('a clash is reported against the right index when earlier ports are invalid', () => {
  assert.deepEqual(errorsOf(withLines('ports: [bad, "1:1@host", "1:2@host"]')), [
    'svc.yaml:2:9: ports[0]: container port "bad" is not a port number 1..65535',
    'svc.yaml:2:26: ports[2]: host port 1/tcp is already bound by ports[1] (all addresses); a host port can be bound only once per machine',
  ]);
});
