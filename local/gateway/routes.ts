/**
 * Route selection as API Gateway HTTP APIs do it: the most specific route wins (a literal
 * segment beats `{param}`, which beats a greedy `{proxy+}`); no match is a 404.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
 */
export interface RouteLike {
  readonly method: string;
  readonly path: string;
}

export interface RouteMatch<R extends RouteLike> {
  readonly route: R;
  readonly routeKey: string;
  readonly pathParameters: Record<string, string>;
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Scores segments so that literals sort before parameters before greedy parameters. */
const specificity = (path: string): number[] =>
  path
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.endsWith('+}') ? 0 : seg.startsWith('{') ? 1 : 2));

const compare = (a: number[], b: number[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (b[i] ?? -1) - (a[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
};

const matchPath = (pattern: string, rawPath: string): Record<string, string> | undefined => {
  const p = pattern.split('/').filter(Boolean);
  const s = rawPath.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg.startsWith('{') && seg.endsWith('+}')) {
      if (i >= s.length) return undefined;
      params[seg.slice(1, -2)] = decode(s.slice(i).join('/'));
      return params;
    }
    const got = s[i];
    if (got === undefined) return undefined;
    if (seg.startsWith('{') && seg.endsWith('}')) params[seg.slice(1, -1)] = decode(got);
    else if (seg !== got) return undefined;
  }
  return p.length === s.length ? params : undefined;
};

/** Finds the route for `method rawPath`, or undefined (API Gateway's 404). */
export const matchRoute = <R extends RouteLike>(routes: readonly R[], method: string, rawPath: string): RouteMatch<R> | undefined => {
  const candidates = routes
    .filter((r) => r.method === method || r.method === 'ANY')
    .map((r) => ({ r, params: matchPath(r.path, rawPath) }))
    .filter((c): c is { r: R; params: Record<string, string> } => c.params !== undefined)
    .sort((a, b) => compare(specificity(a.r.path), specificity(b.r.path)) || (a.r.method === 'ANY' ? 1 : 0) - (b.r.method === 'ANY' ? 1 : 0));
  const best = candidates[0];
  return best ? { route: best.r, routeKey: `${best.r.method} ${best.r.path}`, pathParameters: best.params } : undefined;
};
