import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { LeadgateError } from '../../contracts/errors.js';
import { failRequestBody } from '../../platform/http/body-reader.js';
import { drainRequest } from '../../platform/http/request-drain.js';

function upload(): PassThrough & IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, { headers: {}, complete: false });
  return stream as unknown as PassThrough & IncomingMessage;
}

const settledWithin = async (p: Promise<void>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('drainRequest', () => {
  it('waits for the upload to end, reading what arrives meanwhile', async () => {
    const req = upload();
    const drained = drainRequest(req);
    req.write(Buffer.alloc(64 * 1024));
    expect(await settledWithin(drained, 50)).toBe(false);
    req.end(Buffer.alloc(1024));
    expect(await settledWithin(drained, 1_000)).toBe(true);
    expect(req.readableLength).toBe(0);
  });

  it('gives up after maxBytes, so an endless upload cannot hold the answer', async () => {
    const req = upload();
    const drained = drainRequest(req, { maxBytes: 100_000, maxMs: 60_000 });
    for (let i = 0; i < 4; i++) req.write(Buffer.alloc(50_000));
    expect(await settledWithin(drained, 1_000)).toBe(true);
  });

  it('gives up after maxMs for a client that stalls mid-upload', async () => {
    const req = upload();
    const drained = drainRequest(req, { maxMs: 100 });
    req.write('partial');
    expect(await settledWithin(drained, 50)).toBe(false);
    expect(await settledWithin(drained, 1_000)).toBe(true);
  });

  it('does not wait for a body the parser gave up on, nor for one already complete', async () => {
    const broken = upload();
    const drained = drainRequest(broken, { maxMs: 60_000 });
    failRequestBody(broken, new LeadgateError('BAD_REQUEST', 'bad chunk'));
    expect(await settledWithin(drained, 1_000)).toBe(true);
    const done = upload();
    Object.assign(done, { complete: true });
    expect(await settledWithin(drainRequest(done, { maxMs: 60_000 }), 100)).toBe(true);
  });
});
