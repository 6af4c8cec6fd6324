import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { LeadgateError } from '../../contracts/errors.js';
import type { IdentityAdminPort } from '../../contracts/identity-admin.js';

/**
 * `GET /admin/lookup?q=<phone | e-mail | contact id | lead id>` (under `/v1`, admin token): the contact (its
 * survivor when merged), identities, leads, activities, and its lineage (merges and raw events). Erasure
 * stays with `POST /v1/admin/contacts/erase`.
 */
export function createConsoleLookupRouter(deps: { identity: IdentityAdminPort; guard: RequestHandler }): Router {
  const router = Router();
  router.get('/admin/lookup', deps.guard, (req: Request, res: Response, next: NextFunction) => {
    const run = async (): Promise<void> => {
      const query = typeof req.query.q === 'string' ? req.query.q.trim() : '';
      if (query.length < 3 || query.length > 200) throw new LeadgateError('VALIDATION_FAILED', 'q must be 3–200 characters: a phone, an e-mail or an id', { details: { field: 'q', reason: 'invalid_query' } });
      const found = await deps.identity.lookupContact(query);
      if (!found) throw new LeadgateError('NOT_FOUND', 'No contact for that phone, e-mail or id', { details: { reason: 'no_contact' } });
      res.set('cache-control', 'no-store').json(found);
    };
    run().catch(next);
  });
  return router;
}
