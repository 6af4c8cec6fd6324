import express, { type Express, type RequestHandler } from 'express';
import { safeEqual } from '../http/signatures.js';
import type { Metrics } from './metrics.js';

/** `GET /metrics` in the Prometheus text format. */
export function metricsHandler(metrics: Metrics): RequestHandler {
  return async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.status(200).send(text);
  };
}

/**
 * `Authorization: Bearer <metrics.token>` in constant time (Prometheus `authorization.credentials`).
 * Answers 401 itself, so it works on the bare metrics listener as well as on the gateway.
 */
export function requireMetricsToken(token: string): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (presented && safeEqual(presented, token)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'a valid metrics token is required (Authorization: Bearer …)', details: { reason: 'bad_token' } } });
  };
}

/** The listener for `metrics.port`: only `/metrics`, so scraping needs no route to the public webhook port. */
export function createMetricsApp(metrics: Metrics, token: string | undefined): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', ...(token ? [requireMetricsToken(token)] : []), metricsHandler(metrics));
  return app;
}
