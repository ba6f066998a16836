// Why an ssh:// machine could not be reached, as one error a person can act on.

/**
 * What went wrong on the way to a machine's engine over ssh:
 * - `config`: ~/.ssh/config (or the host string) asks for something dockplan cannot do;
 * - `refused`, `timeout`, `unreachable`: the TCP connection (to the machine or a jump host);
 * - `auth`: no identity was accepted (the message lists the ones tried);
 * - `unknown-host-key`, `changed-host-key`, `revoked-host-key`: the known_hosts check refused;
 * - `protocol`: the ssh handshake itself failed (no common algorithm, a disconnect);
 * - `session-limit`: sshd refused another channel on the held connection (its MaxSessions);
 * - `docker-missing`: `docker system dial-stdio` could not run (exit 127, command not found);
 * - `daemon-down`: the docker CLI ran but could not reach the remote dockerd;
 * - `dial-stdio`: `docker system dial-stdio` failed otherwise;
 * - `connection-lost`: the held connection dropped while a request was in flight;
 * - `closed`: the client was closed (DockerClient.close()).
 */
export type SshFailure =
  | 'config'
  | 'refused'
  | 'timeout'
  | 'unreachable'
  | 'auth'
  | 'unknown-host-key'
  | 'changed-host-key'
  | 'revoked-host-key'
  | 'protocol'
  | 'session-limit'
  | 'docker-missing'
  | 'daemon-down'
  | 'dial-stdio'
  | 'connection-lost'
  | 'closed';

/**
 * A failure of the ssh transport. The message is the cause in words (what failed, where, what to do),
 * without the machine's name: errors.ts wraps it into an EngineError "verb noun on MACHINE: cause".
 * Every failure makes the machine unreachable, never a wrong request.
 */
export class SshError extends Error {
  override name = 'SshError';
  constructor(readonly failure: SshFailure, message: string) {
    super(message);
  }
}
