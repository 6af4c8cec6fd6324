import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { LeadgateError } from '../../contracts/errors.js';
import { safeEqual } from './signatures.js';

/** `admin.operators[]`: a read-only console token for the operators of one owner. */
export interface OperatorToken {
  ownerId: string;
  token: string;
}

/** Who a bearer token belongs to: the administrator, or the operators of one owner (read-only). */
export type AdminPrincipal = { role: 'admin' } | { role: 'operator'; ownerId: string };

/**
 * Resolves a presented token against the admin token and every operator token. Each is compared in
 * constant time, and all of them always are, so neither the answer time nor an early exit tells which
 * token came close or how many operators exist.
 */
export function identifyToken(presented: string, adminToken: string | undefined, operators: readonly OperatorToken[]): AdminPrincipal | undefined {
  if (!presented) return undefined;
  let found: AdminPrincipal | undefined;
  if (adminToken && safeEqual(presented, adminToken)) found = { role: 'admin' };
  for (const operator of operators) {
    if (safeEqual(presented, operator.token) && found === undefined) found = { role: 'operator', ownerId: operator.ownerId };
  }
  return found;
}

function bearer(req: Request): string {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? header.slice(7).trim() : '';
}

function unauthorized(adminToken: string | undefined, operators: readonly OperatorToken[]): LeadgateError {
  const enabled = Boolean(adminToken) || operators.length > 0;
  return new LeadgateError('UNAUTHORIZED', 'a valid admin token is required (Authorization: Bearer …)', { details: { reason: enabled ? 'bad_token' : 'admin_api_disabled' } });
}

/**
 * Guards the admin API: `Authorization: Bearer <admin token>`, compared in constant time. With no token
 * configured the admin API is closed, not open: every request gets 401. An operator token is known but
 * read-only: it gets 403 `operator_read_only` here, so the console can say why instead of signing out.
 */
export function requireAdminToken(token: string | undefined, operators: readonly OperatorToken[] = []): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const principal = identifyToken(bearer(req), token, operators);
    if (principal === undefined) return next(unauthorized(token, operators));
    if (principal.role !== 'admin') {
      return next(new LeadgateError('FORBIDDEN', 'operator tokens are read-only: this needs the admin token', { details: { reason: 'operator_read_only', ownerId: principal.ownerId } }));
    }
    next();
  };
}

/**
 * Guards the console's reads open to operators too (lookup, reports, masked dead letters, own callbacks).
 * The principal is left in `res.locals.principal` for the route to narrow what it answers.
 */
export function requireConsoleReader(token: string | undefined, operators: readonly OperatorToken[] = []): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const principal = identifyToken(bearer(req), token, operators);
    if (principal === undefined) return next(unauthorized(token, operators));
    res.locals.principal = principal;
    next();
  };
}

/** The principal `requireConsoleReader` resolved; admin when the route is behind `requireAdminToken` only. */
export function principalOf(res: Response): AdminPrincipal {
  return (res.locals.principal as AdminPrincipal | undefined) ?? { role: 'admin' };
}
