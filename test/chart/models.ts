// Rendered objects as kubernetes-models classes: validated against the Kubernetes OpenAPI schema
// and typed, so the tests read `deployment.spec.template...` instead of casting.
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import type { K8sObject } from './helm.ts';

const models = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/Pod': Pod,
} as const;

/** Validates one object with its kubernetes-models class; throws naming the object and the field. */
export function validateObject(object: K8sObject): void {
  const Model = models[`${object.apiVersion}/${object.kind}` as keyof typeof models];
  if (!Model)
    throw new Error(
      `the chart rendered ${object.apiVersion} ${object.kind} ${object.metadata.name}, which the tests do not know: add its model to test/chart/models.ts`,
    );
  try {
    new Model(object as never).validate();
  } catch (err) {
    throw new Error(`${object.kind} ${object.metadata.name} is not valid Kubernetes: ${(err as Error).message}`);
  }
}

function typed<T>(Model: new (data: never) => T, expected: string, object: K8sObject): T {
  if (object.kind !== expected) throw new Error(`expected a ${expected}, got ${object.kind} ${object.metadata.name}`);
  validateObject(object);
  return new Model(object as never);
}

export const asDeployment = (object: K8sObject): Deployment => typed(Deployment, 'Deployment', object);
export const asService = (object: K8sObject): Service => typed(Service, 'Service', object);
export const asPod = (object: K8sObject): Pod => typed(Pod, 'Pod', object);
