// staticServer.ts: a tiny static file server for the browser tests, standing in for a static host
// such as GitHub Pages: the site under a subpath, chosen response headers, nothing else. Loopback
// only, GET and HEAD only, no path outside the root, and a bounded number of connections.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.wgsl': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  /** the site's address, ending in the prefix, e.g. http://127.0.0.1:41234/nitp-lab/ */
  url: string;
  /** bodies of POSTs to `${prefix}__csp-report` (a report-uri in the test's policy) */
  cspReports: unknown[];
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** where the site lives on the server, e.g. "/nitp-lab/" */
  prefix: string;
  /** sent with every response */
  headers?: Record<string, string>;
}

/** Serves `root` at `prefix` on 127.0.0.1 (a free port); directories serve their index.html. */
export async function serveStatic(root: string, { prefix, headers = {} }: StaticServerOptions): Promise<StaticServer> {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw new Error(`prefix must start and end with "/", got "${prefix}"`);
  const base = resolve(root);
  const cspReports: unknown[] = [];
  const reportPath = `${prefix}__csp-report`;

  const server: Server = createServer((req, res) => {
    const send = (status: number, body = '', extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', ...extra }).end(req.method === 'HEAD' ? undefined : body);
    };
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (req.method === 'POST' && path === reportPath) return readReport(req.headers, req, (r) => {
      if (r !== undefined && cspReports.length < 100) cspReports.push(r);
      send(204);
    });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed', { allow: 'GET, HEAD' });
    if (path === prefix.slice(0, -1)) return send(301, '', { location: prefix });
    if (!path.startsWith(prefix) || path.includes('\0')) return send(404, 'not found');
    let file = normalize(join(base, path.slice(prefix.length)));
    if (file !== base && !file.startsWith(base + sep)) return send(404, 'not found');
    let stat = statOrNull(file);
    if (stat?.isDirectory()) stat = statOrNull((file = join(file, 'index.html')));
    if (!stat?.isFile()) return send(404, 'not found');
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': stat.size, 'cache-control': 'no-store' });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
  server.maxConnections = 64;
  server.requestTimeout = 60_000;
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    cspReports,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Reads a CSP report body (JSON, at most 64 KiB); undefined when it is not one. */
function readReport(headers: IncomingHttpHeaders, req: NodeJS.ReadableStream, done: (report: unknown) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= 65_536) chunks.push(c);
  });
  req.on('end', () => {
    if (size > 65_536 || !/json|csp-report/.test(headers['content-type'] ?? '')) return done(undefined);
    try {
      done(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      done(undefined);
    }
  });
}
