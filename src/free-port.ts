// A TCP port on loopback that nothing listens on right now (the OS picks it; the caller binds it
// soon after). For processes that must be told their port up front: etcd, kube-apiserver, istiod.
import { createServer, type AddressInfo } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
