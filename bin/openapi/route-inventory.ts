/** One method and path an express app answers, in OpenAPI form (`/v1/leads/{id}/close`). */
export interface RouteEntry {
  method: string;
  path: string;
}

interface LayerLike {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: string | string[];
}

const toOpenApi = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

function walk(stack: readonly LayerLike[], prefix: string, out: RouteEntry[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const p of paths) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: toOpenApi(`${prefix}${p}`) });
          if (on && method === '_all') out.push({ method: 'ALL', path: toOpenApi(`${prefix}${p}`) });
        }
      }
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      walk(layer.handle.stack, `${prefix}${mount}`, out);
    }
  }
}

/**
 * Every route registered on an express 5 app, found by walking its router stack (mounted routers
 * included), so a route added anywhere shows up without anyone listing it by hand.
 */
export function listRoutes(app: { router: { stack: unknown[] } }): RouteEntry[] {
  const out: RouteEntry[] = [];
  walk(app.router.stack as LayerLike[], '', out);
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
