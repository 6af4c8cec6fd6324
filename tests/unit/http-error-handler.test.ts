import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { LeadgateError } from '../../contracts/errors.js';
import { errorHandler, notFoundHandler } from '../../platform/http/error-handler.js';
import { safeHeaders } from '../../platform/http/request-meta.js';

function appThrowing(err: unknown): express.Express {
  const app = express();
  app.get('/boom', () => {
    throw err;
  });
  app.use(notFoundHandler());
  app.use(errorHandler(pino({ level: 'silent' })));
  return app;
}

describe('errorHandler', () => {
  it('answers a LeadgateError with its status and body', async () => {
    const res = await request(appThrowing(new LeadgateError('VALIDATION_FAILED', 'bad', { details: { field: 'phone' } }))).get('/boom');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: { code: 'VALIDATION_FAILED', message: 'bad', details: { field: 'phone' } } });
    expect(res.headers['retry-after']).toBeUndefined();
  });

  it('adds Retry-After for BUS_UNAVAILABLE and STORE_UNAVAILABLE', async () => {
    const bus = await request(appThrowing(new LeadgateError('BUS_UNAVAILABLE', 'down'))).get('/boom');
    expect(bus.status).toBe(503);
    expect(bus.headers['retry-after']).toBe('5');
    const store = await request(appThrowing(new LeadgateError('STORE_UNAVAILABLE', 'down', { details: { retryAfterSec: 12 } }))).get('/boom');
    expect(store.headers['retry-after']).toBe('12');
  });

  it('turns anything else into a bare 500 without leaking the message', async () => {
    const res = await request(appThrowing(new Error('password=hunter2 at /srv/db'))).get('/boom');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal error' } });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
  });

  it('answers unknown routes with NOT_FOUND JSON', async () => {
    const res = await request(appThrowing(new Error('x'))).get('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('safeHeaders', () => {
  it('keeps the safe subset, names credentials without values and drops cookies and authorization', () => {
    const out = safeHeaders({
      'user-agent': 'Tilda.cc',
      'content-type': 'application/json',
      'x-forwarded-for': '203.0.113.7',
      'x-leadgate-token': 'supersecret',
      'x-leadgate-signature': 'sha256=abc',
      'x-hub-signature-256': 'sha256=abc',
      authorization: 'Bearer abc',
      cookie: 'session=abc',
      'x-custom': 'whatever',
      'idempotency-key': 'evt-1',
    });
    expect(out).toEqual({
      'user-agent': 'Tilda.cc',
      'content-type': 'application/json',
      'x-forwarded-for': '203.0.113.7',
      'x-leadgate-token': '[redacted]',
      'x-leadgate-signature': '[redacted]',
      'x-hub-signature-256': '[redacted]',
      'idempotency-key': 'evt-1',
    });
  });
});
