import type { IncomingMessage } from 'node:http';
import { hasFailedBody, onBodyFailed } from './body-reader.js';

export interface DrainLimits {
  maxMs?: number;
  maxBytes?: number;
}

/** A refused upload is read and thrown away for at most this long and this much; past it the answer goes out anyway. */
export const DRAIN_MAX_MS = 5_000;
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Waits until the client has finished sending a body nobody is going to read (an upload refused on its
 * headers, a request refused before its body). Answering first would let Node close the socket while
 * bytes are still arriving; the kernel answers those with a reset, and the client sees a broken upload
 * (EPIPE) instead of its 4xx, so a provider retries a request that can never succeed. nginx calls this a
 * lingering close. Bounded in time and bytes so a client that never stops cannot hold the socket.
 */
export function drainRequest(req: IncomingMessage, limits: DrainLimits = {}): Promise<void> {
  if (req.complete || req.readableEnded || req.destroyed || hasFailedBody(req)) return Promise.resolve();
  const maxBytes = limits.maxBytes ?? DRAIN_MAX_BYTES;
  return new Promise((resolve) => {
    let seen = 0;
    const done = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      req.off('aborted', done);
      stopWatching();
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, limits.maxMs ?? DRAIN_MAX_MS);
    const stopWatching = onBodyFailed(req, done);
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.once('aborted', done);
    req.resume();
  });
}
