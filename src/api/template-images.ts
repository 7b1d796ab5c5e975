// What a server group template runs, in one line for people: container=image for each container of a
// Kubernetes pod template, the image of an AWS, GCE or Azure template.
import type { ServerGroupTemplate } from './v1alpha1/template.ts';

interface Container { name?: unknown; image?: unknown }

/** "web=demo/web:1.1.0, envoy=envoy:1.30" for a pod template, the image id on a cloud; '' when the template names none. */
export function templateImages(template: ServerGroupTemplate | undefined): string {
  if (!template) return '';
  if (template.kubernetes) {
    const spec = (template.kubernetes.podTemplate as { spec?: { containers?: unknown } } | undefined)?.spec;
    const containers = Array.isArray(spec?.containers) ? spec.containers as Container[] : [];
    // The pod template is free-form: a value of the wrong type is shown as written.
    return containers.map((c) => `${String(c?.name ?? '?')}=${c?.image === undefined ? '?' : String(c.image)}`).join(', ');
  }
  return template.aws?.imageId ?? template.gce?.image ?? template.azure?.image ?? '';
}
