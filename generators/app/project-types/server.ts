// The greeter server project type: answers SayHello with its version (v<major>.0.0).
import { commonScripts, type ProjectType } from './types.ts';

export const serverProject: ProjectType = {
  type: 'server',
  description: 'Greeter gRPC server: answers SayHello with its version, for service-mesh routing demos.',
  dependencies: ['@grpc/grpc-js', '@grpc/proto-loader', '@grpc/reflection', 'grpc-health-check', 'yaml', 'zod'],
  devDependencies: ['@types/node', 'typescript', 'vitest'],
  scripts: commonScripts,
  configFile: 'conf/server.yaml',
  startHint: (app) => `listens on port ${app.port} and answers id:"${app.serviceVersion}"`,
};
