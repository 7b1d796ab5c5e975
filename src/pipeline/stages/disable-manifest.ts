// disableManifest: takes a ReplicaSet out of the Services its annotation traffic.staysail.dev/load-balancers
// names, as Spinnaker's disableManifest: each Service's selector keys removed from the pod template
// and the running pods, which stay up but leave the Services' endpoints (see enable-manifest.ts).
import { trafficStage } from './enable-manifest.ts';

export const disableManifestStage = trafficStage('disableManifest', false);
