// The kustomize build command line of a bake. Pure. Files stay inside the kustomization's own root
// (kustomize's default, said here so a change of default does not widen it); no exec or container
// plugins and no Helm inflation are enabled, so the overlay runs nothing but kustomize.
export const kustomizeBuildArgs = (path: string): string[] => ['build', path, '--load-restrictor', 'LoadRestrictionsRootOnly'];
