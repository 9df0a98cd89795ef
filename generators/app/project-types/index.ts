// The registry of project types: one module each, same contract.
import type { ProjectTypeName } from '../validate.ts';
import { clientProject } from './client.ts';
import { serverProject } from './server.ts';
import type { ProjectType } from './types.ts';

export const projectTypes: Record<ProjectTypeName, ProjectType> = {
  server: serverProject,
  client: clientProject,
};

export type { ProjectType } from './types.ts';
