// How a dial-stdio channel that ended badly and a refused login read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialStdioFailure } from '../../src/cluster/ssh/ssh-transport.js';
import { describeOffered } from '../../src/cluster/ssh/ssh-identities.js';
import { describeEngineError, isTransportError } from '../../src/cluster/errors.js';

const WHERE = 'deploy@10.0.0.3:22';

describe('dial-stdio failures', () => {
  it('exit 127 from a shell: the docker CLI is missing, with what the shell said', () => {
    const err = dialStdioFailure({ code: 127 }, 'bash: line 1: docker: command not found\n', WHERE);
    assert.equal(err?.failure, 'docker-missing');
    assert.match(err!.message, /^the docker CLI is missing on deploy@10\.0\.0\.3:22 \(`docker system dial-stdio` exited 127: bash: line 1: docker: command not found\); install it there/);
  });

  it('a POSIX sh\'s "not found" and env\'s "No such file" count too', () => {
    assert.equal(dialStdioFailure({ code: 127 }, 'sh: 1: docker: not found', WHERE)?.failure, 'docker-missing');
    assert.equal(dialStdioFailure({ code: 127 }, "env: 'docker': No such file or directory", WHERE)?.failure, 'docker-missing');
  });

  it('the CLI cannot reach its daemon: daemon down, in the CLI\'s words', () => {
    const err = dialStdioFailure({ code: 1 }, 'failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: connection refused\n', WHERE);
    assert.equal(err?.failure, 'daemon-down');
    assert.match(err!.message, /^the docker daemon on deploy@10\.0\.0\.3:22 is not reachable by its docker CLI: failed to open the raw stream connection: .*connection refused; is dockerd running there/);
    assert.equal(dialStdioFailure({ code: 1 }, 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', WHERE)?.failure, 'daemon-down');
    // A socket that is not there names docker.sock and "no such file": still the daemon, not the CLI.
    assert.equal(dialStdioFailure({ code: 1 }, 'failed to open the raw stream connection: dial unix /run/docker.sock: connect: no such file or directory', WHERE)?.failure, 'daemon-down');
  });

  it('another non-zero exit or a signal says so; a clean end is no failure', () => {
    assert.equal(dialStdioFailure({ code: 2 }, 'unknown flag', WHERE)?.message, '`docker system dial-stdio` on deploy@10.0.0.3:22 exited 2: unknown flag');
    assert.equal(dialStdioFailure({ signal: 'KILL' }, '', WHERE)?.message, '`docker system dial-stdio` on deploy@10.0.0.3:22 was killed by SIGKILL');
    assert.equal(dialStdioFailure({ code: 0 }, '', WHERE), undefined);
    assert.equal(dialStdioFailure(undefined, '', WHERE), undefined);
  });

  it('an ssh failure is an unreachable machine whose reason is the message itself', () => {
    const err = dialStdioFailure({ code: 127 }, 'docker: command not found', WHERE)!;
    assert.equal(isTransportError(err), true);
    assert.equal(describeEngineError(err, 'ssh://deploy@10.0.0.3'), err.message);
  });
});

describe('identities offered', () => {
  it('lists what was tried and skipped', () => {
    assert.equal(
      describeOffered({ tried: ['ssh-agent /run/a.sock (2 keys)', '/home/me/.ssh/id_ed25519'], skipped: ['/home/me/.ssh/id_rsa (encrypted: load it into ssh-agent with ssh-add)'], serverAccepts: ['publickey'] }),
      'tried ssh-agent /run/a.sock (2 keys), /home/me/.ssh/id_ed25519; skipped /home/me/.ssh/id_rsa (encrypted: load it into ssh-agent with ssh-add)',
    );
  });

  it('says when there was nothing to offer, and when the server takes no keys', () => {
    assert.match(describeOffered({ tried: [], skipped: [], serverAccepts: [] }), /^no identity to offer/);
    assert.match(describeOffered({ tried: ['/k'], skipped: [], serverAccepts: ['password'] }), /the server accepts only password, not keys$/);
  });
});
