import fs from 'node:fs';
import crypto from 'node:crypto';
import { openDecompressed } from '../../../platform/files.js';
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';

/** What identifies a file for resuming: the same bytes at the same path give the same run. */
export interface FileFingerprint {
  path: string;
  size: number;
  mtimeMs: number;
  headSha256: string;
}

export async function fingerprint(path: string): Promise<FileFingerprint> {
  const stat = await fs.promises.stat(path);
  const fd = await fs.promises.open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(stat.size, 64 * 1024));
    await fd.read(head, 0, head.length, 0);
    return { path, size: stat.size, mtimeMs: Math.trunc(stat.mtimeMs), headSha256: crypto.createHash('sha256').update(head).digest('hex') };
  } finally {
    await fd.close();
  }
}

/**
 * The file's bytes, gunzipped when it is gzip (by its magic bytes, whatever its name), and how
 * many bytes of the file have been read so far (for the progress bar).
 */
export async function openBytes(path: string): Promise<{ stream: Readable; bytesRead: () => number }> {
  const { stream, raw } = openDecompressed(path, { highWaterMark: 1 << 20 });
  return { stream, bytesRead: () => raw.bytesRead };
}

export interface TextPiece {
  text: string;
  /** Line number of the first line in `text`. */
  firstLine: number;
  /** Lines whose bytes are not valid in the encoding (decoded with U+FFFD in their place). */
  badLines: number[];
  final: boolean;
}

/**
 * Decode the byte stream in pieces that end on a line feed. 0x0A never occurs inside a multi-byte
 * character of UTF-8 or of the GB/Big5 family, so each piece decodes on its own and a bad byte
 * can be pinned to its line.
 */
export async function* decodeLines(bytes: AsyncIterable<Buffer>, encoding: string): AsyncGenerator<TextPiece> {
  const utf8 = isUtf8Label(encoding);
  const strict = new TextDecoder(encoding, { fatal: true });
  const lenient = new TextDecoder(encoding, { fatal: false });
  let carry: Buffer | undefined;
  let line = 1;
  let first = true;
  const decode = (buf: Buffer, final: boolean): TextPiece => {
    const start = line;
    let badLines: number[] = [];
    let text = utf8 ? (isUtf8(buf) ? buf.toString('utf8') : undefined) : tryDecode(strict, buf);
    if (text === undefined) {
      badLines = findBadLines(buf, start, utf8 ? (b) => isUtf8(b) : (b) => tryDecode(strict, b) !== undefined);
      text = lenient.decode(buf);
    }
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    line += countByte(buf, 0x0a);
    return { text, firstLine: start, badLines, final };
  };
  for await (const chunk of bytes) {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    const cut = buf.lastIndexOf(0x0a);
    if (cut === -1) {
      carry = buf;
      continue;
    }
    carry = cut + 1 < buf.length ? buf.subarray(cut + 1) : undefined;
    yield decode(buf.subarray(0, cut + 1), false);
  }
  yield decode(carry ?? Buffer.alloc(0), true);
}

function isUtf8Label(encoding: string): boolean {
  return /^utf-?8$/i.test(encoding);
}

function tryDecode(decoder: { decode(b: Buffer): string }, buf: Buffer): string | undefined {
  try {
    return decoder.decode(buf);
  } catch {
    return undefined;
  }
}

function findBadLines(buf: Buffer, firstLine: number, valid: (b: Buffer) => boolean): number[] {
  const bad: number[] = [];
  let from = 0;
  let line = firstLine;
  while (from < buf.length) {
    let nl = buf.indexOf(0x0a, from);
    if (nl === -1) nl = buf.length - 1;
    if (!valid(buf.subarray(from, nl + 1))) bad.push(line);
    from = nl + 1;
    line++;
  }
  return bad;
}

function countByte(buf: Buffer, byte: number): number {
  let n = 0;
  let k = buf.indexOf(byte);
  while (k !== -1) {
    n++;
    k = buf.indexOf(byte, k + 1);
  }
  return n;
}

/** Fail early on a label TextDecoder does not know (or one that is not ASCII-compatible). */
export function checkEncoding(encoding: string): string | undefined {
  try {
    const label = new TextDecoder(encoding).encoding;
    if (label.startsWith('utf-16')) return `${encoding} is not supported: convert the file to UTF-8`;
    return undefined;
  } catch {
    return `unknown encoding "${encoding}" (use utf8, gbk, gb18030, big5, …)`;
  }
}
