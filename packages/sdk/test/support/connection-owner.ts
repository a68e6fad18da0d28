import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The inode of the loopback TCP socket whose local port is `localPort` and remote port `remotePort` (from /proc/net/tcp). */
function socketInode(localPort: number, remotePort: number): string | undefined {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let rows: string[];
    try {
      rows = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const row of rows) {
      const fields = row.trim().split(/\s+/);
      const local = fields[1] ?? '';
      const remote = fields[2] ?? '';
      if (local.endsWith(`:${hex(localPort)}`) && remote.endsWith(`:${hex(remotePort)}`)) return fields[9];
    }
  }
  return undefined;
}

/**
 * Whether the client end of a loopback TCP connection (client port → server port) is a socket of
 * this very process: Linux lists every socket with its inode in /proc/net/tcp, and a process's
 * sockets among its file descriptors in /proc/self/fd. Lets a test site tell a connection made by
 * code in the test's process from one made by a browser in another process.
 */
export function connectionOpenedByThisProcess(clientPort: number, serverPort: number): boolean {
  const inode = socketInode(clientPort, serverPort);
  if (inode === undefined) return false;
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === `socket:[${inode}]`;
    } catch {
      return false;
    }
  });
}
