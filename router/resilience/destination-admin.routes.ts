import { Router } from 'express';
import { requireAdminToken, type OperatorToken } from '../../platform/http/admin-auth.js';
import { LeadgateError } from '../../contracts/errors.js';
import type { DestinationParking } from './destination-parking.js';

/**
 * `/v1/admin/destinations` behind the admin token: `GET /` shows the park state of every destination
 * that was ever parked, `POST /:id/resume` lifts a park (router processes see it within seconds).
 */
export function createDestinationAdminRouter(deps: { parking: DestinationParking; adminToken: string | undefined; operators?: readonly OperatorToken[] }): Router {
  const router = Router();
  router.use(requireAdminToken(deps.adminToken, deps.operators));
  router.get('/', async (_req, res) => {
    res.json({ items: await deps.parking.list() });
  });
  router.post('/:id/resume', async (req, res) => {
    const destination = String(req.params.id);
    if (!(await deps.parking.resume(destination))) throw new LeadgateError('NOT_FOUND', `Destination "${destination}" is not parked`);
    res.json({ destination, resumed: true });
  });
  return router;
}
