// The greeter client project type: calls SayHello in a loop and logs the version of each answer.
import { commonScripts, type ProjectType } from './types.ts';

export const clientProject: ProjectType = {
  type: 'client',
  description: 'Greeter gRPC client: calls SayHello in a loop and logs which version answered, for service-mesh routing demos.',
  dependencies: ['@grpc/grpc-js', '@grpc/grpc-js-xds', '@grpc/proto-loader', 'express', 'prom-client', 'yaml', 'zod'],
  devDependencies: ['@types/express', '@types/node', 'typescript', 'vitest'],
  scripts: commonScripts,
  configFile: 'conf/client.yaml',
  startHint: (app) => `calls ${app.target ?? ''} and serves health, metrics and the live page on port ${app.port}`,
};
