import type { NextFunction, Request, Response } from 'express';
import { LeadgateError } from '../../contracts/errors.js';
import { safeEqual } from './signatures.js';

/**
 * Guards the admin API and the live stream: `Authorization: Bearer <admin token>`, compared in constant
 * time. With no token configured the admin API is closed, not open: every request gets 401.
 */
export function requireAdminToken(token: string | undefined) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token || !presented || !safeEqual(presented, token)) {
      next(new LeadgateError('UNAUTHORIZED', 'a valid admin token is required (Authorization: Bearer …)', { details: { reason: token ? 'bad_token' : 'admin_api_disabled' } }));
      return;
    }
    next();
  };
}
