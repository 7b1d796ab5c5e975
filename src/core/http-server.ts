// A small HTTP server on host:port, for the probe and metrics endpoints.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  /** The address actually bound, e.g. 127.0.0.1:8081 (useful when the port asked for was 0). */
  readonly address: string;
  close(): Promise<void>;
}

/** Parses host:port (":8081" means every interface). */
export function parseAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || addr.slice(i + 1) === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`address "${addr}" must be host:port, e.g. 127.0.0.1:8081 or :8081`);
  }
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

export async function serve(addr: string, handler: RequestListener): Promise<RunningServer> {
  const server = createServer(handler);
  const { host, port } = parseAddress(addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
