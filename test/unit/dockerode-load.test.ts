// Loading the Docker client leaves out dockerode's BuildKit session (grpc) until it is called, and
// the stand-in then runs the real module. In a child process: this one may have loaded dockerode.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

const script = `
import { createRequire } from 'node:module';
const { Docker } = await import('./src/cluster/dockerode.ts');
const require = createRequire(import.meta.url);
const loaded = () => Object.keys(require.cache).filter((f) => f.includes('@grpc')).length;
const before = loaded();
const ssh2 = Object.keys(require.cache).filter((f) => /[\\/]ssh2[\\/]/.test(f)).length;
const withSession = require('dockerode/lib/session');
const fake = { modem: { dial: (_opts, cb) => cb(new Error('no engine here')) } };
const answer = await new Promise((resolve) => withSession(fake, undefined, (err) => resolve(err?.message)));
console.log(JSON.stringify({ before, ssh2, after: loaded(), answer, docker: typeof Docker, handle: typeof new Docker({ socketPath: '/nowhere' }).listContainers }));
`;

describe('dockerode as dockplan loads it', () => {
  it('loads no grpc (nor ssh2) until the BuildKit session is used, then runs the real session code', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('../../', import.meta.url), encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { before: number; ssh2: number; after: number; answer: string; docker: string; handle: string };
    assert.equal(r.before, 0, 'grpc was loaded with dockerode');
    assert.equal(r.ssh2, 0, 'ssh2 was loaded with dockerode');
    assert.ok(r.after > 0, 'the session call did not load the real module');
    assert.equal(r.answer, 'no engine here', 'the real withSession passes the dial error to its handler');
    assert.deepEqual([r.docker, r.handle], ['function', 'function']);
  });
});
