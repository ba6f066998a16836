// Docker's logs endpoint on the wire, as records: the 8-byte frame header of a container without a
// TTY, the raw bytes of one with a TTY, the timestamp Docker puts before every message, and lines
// cut anywhere by the transport. Pure: bytes in, records out.
import { StringDecoder } from 'node:string_decoder';
import type { LogRecord } from '../execute/client.js';

/** Docker's frame header: 1 byte stream (0 stdin, 1 stdout, 2 stderr, 3 systemerr), 3 zero bytes, 4 bytes big-endian payload size. */
const HEADER = 8;

/** `2026-01-01T10:00:00.123456789Z` (Docker's RFC3339NanoFixed), or with an offset. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** A timestamp is at most 35 bytes; the space after it comes before byte 40. */
const TIMESTAMP_MAX = 40;

/** One stream's unfinished record: its text so far and the time of its first piece. */
interface Pending {
  decoder: StringDecoder;
  text: string;
  time?: string;
  /** The time of the last record: for a piece that comes without one. */
  lastTime: string;
}

/**
 * Turns the body of `GET /containers/ID/logs?timestamps=true` into records, whatever the chunks.
 *
 * - Multiplexed (no TTY): chunks are joined into whole frames first (a header or payload may be
 *   split anywhere). With timestamps each frame is one message of the log driver, starting with its
 *   timestamp and a space. Messages over 16 KiB are written by Docker as several partial messages
 *   (the json-file and local drivers), each with its own timestamp and no line feed but the last:
 *   they are joined into one record with the first piece's time.
 * - Raw (TTY): one byte stream, all of it stdout; lines end at `\n` and each starts with its
 *   timestamp.
 *
 * Text is UTF-8; a character split across chunks or partial messages is kept whole. A trailing
 * `\r` (a TTY's line end) is dropped. Unknown stream numbers read as stdout; 3 (systemerr, the
 * daemon's own message) as stderr.
 */
export class LogStreamDecoder {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<LogRecord['stream'], Pending>();

  constructor(private readonly multiplexed: boolean) {}

  /** The records completed by this chunk, in order. */
  push(chunk: Buffer): LogRecord[] {
    const out: LogRecord[] = [];
    if (!this.multiplexed) {
      this.take('stdout', chunk, false, out);
      return out;
    }
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let offset = 0;
    while (this.buffered.length - offset >= HEADER) {
      const size = this.buffered.readUInt32BE(offset + 4);
      if (this.buffered.length - offset - HEADER < size) break;
      const kind = this.buffered[offset]!;
      this.take(kind === 2 || kind === 3 ? 'stderr' : 'stdout', this.buffered.subarray(offset + HEADER, offset + HEADER + size), true, out);
      offset += HEADER + size;
    }
    this.buffered = this.buffered.subarray(offset);
    return out;
  }

  /** The end of the body: records still open (no line feed came) are finished as they are. */
  end(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const [stream, p] of this.pending) {
      const text = p.text + p.decoder.end();
      const line = this.multiplexed ? { rest: text } : timestampOfLine(text);
      if (text !== '') out.push({ time: p.time ?? line.time ?? p.lastTime, stream, text: withoutCR(line.rest) });
      p.text = '';
      p.time = undefined;
    }
    return out;
  }

  /**
   * Adds bytes of one stream. In a multiplexed body, `bytes` is one whole message: its timestamp
   * is cut off as bytes, before decoding, so that a character split across two partial messages
   * joins up again. In a raw body, bytes come as the transport cut them: timestamps are read per line.
   */
  private take(stream: LogRecord['stream'], bytes: Buffer, message: boolean, out: LogRecord[]): void {
    let p = this.pending.get(stream);
    if (!p) {
      p = { decoder: new StringDecoder('utf8'), text: '', lastTime: '' };
      this.pending.set(stream, p);
    }
    let frameTime: string | undefined;
    if (message) {
      const split = leadingTimestamp(bytes);
      frameTime = split.time;
      bytes = split.rest;
    }
    const opening = p.text === '' && p.time === undefined;
    p.text += p.decoder.write(bytes);
    if (message && opening) p.time = frameTime;
    for (let end = p.text.indexOf('\n'); end >= 0; end = p.text.indexOf('\n')) {
      let line = p.text.slice(0, end);
      p.text = p.text.slice(end + 1);
      let time = p.time;
      if (!message) {
        const parsed = timestampOfLine(line);
        time ??= parsed.time;
        line = parsed.rest;
      }
      time ??= frameTime ?? p.lastTime;
      p.lastTime = time;
      out.push({ time, stream, text: withoutCR(line) });
      p.time = message ? frameTime : undefined;
    }
    if (p.text === '') p.time = undefined;
  }
}

/** A message's leading `TIMESTAMP ` cut off at byte level; the bytes as they are when there is none. */
function leadingTimestamp(bytes: Buffer): { time?: string; rest: Buffer } {
  const space = bytes.subarray(0, TIMESTAMP_MAX).indexOf(0x20);
  if (space > 0) {
    const time = bytes.toString('latin1', 0, space);
    if (TIMESTAMP.test(time)) return { time, rest: bytes.subarray(space + 1) };
  }
  return { rest: bytes };
}

/** A raw line's leading `TIMESTAMP `, when it has one. */
function timestampOfLine(line: string): { time?: string; rest: string } {
  const space = line.indexOf(' ');
  if (space > 0 && space < TIMESTAMP_MAX && TIMESTAMP.test(line.slice(0, space))) return { time: line.slice(0, space), rest: line.slice(space + 1) };
  return { rest: line };
}

function withoutCR(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
