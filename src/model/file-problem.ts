// Why a file could not be read or written, in words a person can act on (for every file dockplan
// reads: specs, cluster files, plan files). Pure: it only reads the error's code.

/**
 * The reason in `err` (a Node fs error) as a few words: `no such file`, `permission denied`,
 * `it is a folder`, `it is not a folder` (a path through a file), `too many links`, else the
 * error's own message. Never throws.
 */
export function fileProblem(err: unknown): string {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return 'a part of its path is not a folder';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
