// Application: a product and its owners (Front50's application), the unit permissions attach to.
import { ageColumn, readyColumn, reasonColumn, type KindDefinition } from '../kind.ts';
import { arr, int, obj, oneOf, optional, str, type Static } from '../schema.ts';
import { appPattern, notificationSchema, permissionsSchema, statusBase } from './common.ts';

export const cloudProviders = ['kubernetes', 'aws', 'gce', 'azure'] as const;

export const applicationSpec = obj('What the application is and who owns it.', {
  description: optional(str('What the application does.', { maxLength: 4096 })),
  email: optional(str('The owners\' e-mail address.', { maxLength: 256, pattern: '^[^@\\s]+@[^@\\s]+$' })),
  cloudProviders: optional(arr('The providers the application deploys to.', oneOf('A provider.', cloudProviders), { listType: 'set', maxItems: 4 })),
  permissions: optional(permissionsSchema),
  notifications: optional(arr('Notifications for every pipeline of the application.', notificationSchema, { maxItems: 32 })),
});

export const applicationStatus = obj('What the controller observed of the application.', {
  ...statusBase,
  clusters: optional(int('How many Clusters belong to the application.', { minimum: 0 })),
  readyClusters: optional(int('How many of them are Ready.', { minimum: 0 })),
});

export type ApplicationSpec = Static<typeof applicationSpec>;
export type ApplicationStatus = Static<typeof applicationStatus>;

/** Reasons of an Application's conditions: Ready, Reconciling and Stalled (from its clusters), and FieldsActedOn. */
export type ApplicationReason = 'NoClusters' | 'ClustersReady' | 'ClustersNotReady' | 'ClustersStalled' | 'ClustersReconciling' | 'NotActedOn';

export const applicationKind: KindDefinition = {
  kind: 'Application', plural: 'applications', singular: 'application', shortNames: ['app', 'apps'],
  description: 'An Application is a product and its owners: its Clusters, load balancers, security groups and Pipelines carry its name as moniker.app. Its name is Spinnaker\'s application name: lower-case letters and digits.',
  nameMaxLength: 40,
  spec: applicationSpec, status: applicationStatus,
  rules: [{ rule: `self.metadata.name.matches('${appPattern}')`,
    message: 'metadata.name of an Application must be lower-case letters and digits only, as it prefixes every cluster name' }],
  printerColumns: [
    { name: 'Clusters', type: 'integer', jsonPath: '.status.clusters', description: 'Clusters of the application.' },
    readyColumn, reasonColumn, ageColumn,
  ],
};
