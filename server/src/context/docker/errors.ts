// Errors of the Docker Engine API client: one kind per situation a user must tell apart, and a one-line message.

export type DockerErrorKind =
  /** Endpoint settings are wrong or unsupported (DOCKER_HOST, a context, TLS files). */
  | 'config'
  /** Nothing listens (no socket file, connection refused, host unreachable). */
  | 'no-daemon'
  /** Permission denied on the socket (EACCES). */
  | 'permission'
  /** Connected, but no (complete) answer in time. */
  | 'timeout'
  /** The daemon answered with an error status. */
  | 'api'
  /** The answer is not what the API says (not JSON, too large, connection cut). */
  | 'protocol';

export class DockerError extends Error {
  constructor(readonly kind: DockerErrorKind, message: string, readonly status?: number) {
    super(message);
    this.name = 'DockerError';
  }
}
