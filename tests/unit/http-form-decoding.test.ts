import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { LeadgateError } from '../../contracts/errors.js';
import { failRequestBody, readRawBody } from '../../platform/http/body-reader.js';
import { decodeMultipart } from '../../platform/http/form-decoding.js';

const boundary = 'B0und';
const ct = `multipart/form-data; boundary=${boundary}`;
const body = Buffer.from(
  `--${boundary}\r\nContent-Disposition: form-data; name="phone"\r\n\r\n+79990001122\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="cv"; filename="cv.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 xxxxxxxx\r\n` +
    `--${boundary}--\r\n`,
);

describe('multipart decoding never throws past the request', () => {
  it('a body cut at every byte boundary either decodes or rejects with a 4xx LeadgateError', async () => {
    let rejected = 0;
    for (let cut = 0; cut < body.length; cut++) {
      const outcome = await decodeMultipart(body.subarray(0, cut), ct, undefined).then(
        () => undefined,
        (err: unknown) => err,
      );
      if (outcome === undefined) continue;
      rejected++;
      expect(outcome).toBeInstanceOf(LeadgateError);
      expect((outcome as LeadgateError).status).toBeLessThan(500);
    }
    // Cuts inside the file part are among the refusals (they used to raise an unhandled stream error).
    expect(rejected).toBeGreaterThan(body.length / 2);
    await expect(decodeMultipart(body.subarray(0, body.indexOf('xxxx')), ct, undefined)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      details: { reason: 'malformed_multipart' },
    });
  });

  it('a field name that does not decode is refused, not filed under "undefined"', async () => {
    const bad = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name*=UTF-8''%FF%FE\r\n\r\nx\r\n--${boundary}--\r\n`);
    await expect(decodeMultipart(bad, ct, undefined)).rejects.toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'malformed_multipart', problem: 'undecodable_field_name' } });
  });

  it('the whole body decodes', async () => {
    const { fields, files } = await decodeMultipart(body, ct, undefined);
    expect(fields).toEqual({ phone: '+79990001122' });
    expect(files).toEqual([{ field: 'cv', filename: 'cv.pdf', mimeType: 'application/pdf', sizeBytes: 17 }]);
  });
});

describe('a body the HTTP parser gave up on', () => {
  const request = (): IncomingMessage => {
    const stream = new PassThrough() as unknown as IncomingMessage;
    stream.headers = {};
    return stream;
  };
  const broken = new LeadgateError('BAD_REQUEST', 'The HTTP request body could not be read', { details: { reason: 'malformed_http' } });

  it('fails a read in progress with the given error', async () => {
    const req = request();
    const reading = readRawBody(req, 1024);
    (req as unknown as PassThrough).write('{"a":');
    failRequestBody(req, broken);
    await expect(reading).rejects.toBe(broken);
  });

  it('fails a read that starts afterwards', async () => {
    const req = request();
    failRequestBody(req, broken);
    await expect(readRawBody(req, 1024)).rejects.toBe(broken);
  });
});
