// Following an image pull's progress stream (JSON lines) to its end.

/** One line of Docker's pull progress. */
export interface PullEvent {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** The pull failed inside the stream (HTTP 200, then an error line): Docker's own message. */
export class PullStreamError extends Error {
  override name = 'PullStreamError';
}

/**
 * Reads the stream to its end. Resolves when the pull finished, rejects with the stream's error
 * message ("manifest unknown", ...) or when the stream stays silent for `idleMs`.
 */
export function followPull(stream: NodeJS.ReadableStream, idleMs: number, onEvent?: (e: PullEvent) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let buffered = '';
    let failure: Error | undefined;
    let done = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      if (err) reject(err);
      else resolve();
    };
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        finish(new PullStreamError(`no progress for ${Math.round(idleMs / 1000)}s`));
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      }, idleMs);
    };
    const handleLine = (line: string) => {
      const text = line.trim();
      if (!text) return;
      let event: PullEvent;
      try {
        event = JSON.parse(text) as PullEvent;
      } catch {
        return; // Not a progress line; Docker only sends JSON here, so this is noise to skip.
      }
      if (event.error || event.errorDetail?.message) {
        failure ??= new PullStreamError((event.errorDetail?.message ?? event.error ?? 'pull failed').trim());
        return;
      }
      onEvent?.(event);
    };
    armIdle();
    stream.on('data', (chunk: Buffer | string) => {
      armIdle();
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        handleLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      handleLine(buffered);
      finish(failure);
    });
    stream.on('close', () => finish(failure ?? (done ? undefined : new PullStreamError('the engine closed the pull stream early'))));
    stream.on('error', (err: Error) => finish(failure ?? err));
  });
}

/** A progress line in words: "a1b2c3: Downloading [==>  ] 1MB/4MB", "Digest: sha256:...". */
export function formatPullEvent(e: PullEvent): string {
  const parts = [e.id ? `${e.id}: ${e.status ?? ''}` : (e.status ?? '')];
  if (e.progress) parts.push(e.progress);
  return parts.join(' ').trim();
}
