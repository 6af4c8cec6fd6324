import type { Router } from 'express';

/**
 * A router another part of Leadgate (the router's DLQ and destination admin, the normalizer's identity
 * admin) hands the composition root to mount on the gateway; `path` is its prefix. It lives in platform
 * so that stages can offer routes without importing the gateway.
 */
export interface ExtraRouter {
  path: string;
  router: Router;
}
