import { Router } from 'express';
import { openApiDocument } from './openapi.document.js';

/** `GET /openapi.json`: public, like the webhook URLs it describes (the admin routes need their token anyway). */
export function createOpenApiRouter(): Router {
  const router = Router();
  const text = JSON.stringify(openApiDocument());
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(text);
  });
  return router;
}
