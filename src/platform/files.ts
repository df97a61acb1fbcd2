import fs from 'node:fs';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** Does the file start with gzip's magic bytes (whatever its name)? */
export function isGzip(file: string): boolean {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A file's bytes, gunzipped when it is gzip. `raw` is the file stream itself (its `bytesRead` is progress through
 * the file); a read error on it reaches the returned stream.
 */
export function openDecompressed(file: string, opts: { highWaterMark?: number } = {}): { stream: Readable; raw: fs.ReadStream } {
  const gz = isGzip(file);
  const raw = fs.createReadStream(file, opts.highWaterMark ? { highWaterMark: opts.highWaterMark } : {});
  if (!gz) return { stream: raw, raw };
  const gunzip = zlib.createGunzip(opts.highWaterMark ? { chunkSize: opts.highWaterMark } : {});
  raw.on('error', (e) => gunzip.destroy(e));
  return { stream: raw.pipe(gunzip), raw };
}
