// Every controller, registered on a manager.
import { resources } from '../api/v1alpha1/index.ts';
import type { Manager } from '../core/manager.ts';
import { applicationKeyOf, applicationReconciler, type Application, type Cluster } from './application/reconciler.ts';

export function registerControllers(manager: Manager): void {
  const applications = manager.informer<Application>(resources.application);
  const clusters = manager.informer<Cluster>(resources.cluster);
  manager.addController('application', applications, applicationReconciler(clusters)).watch(clusters, applicationKeyOf);
}
