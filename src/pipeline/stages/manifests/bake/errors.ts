// What a bake cannot get past: a mistake in the stage, its inputs, or what the renderer said of them.
// Another attempt would meet it again, so it fails the stage without a retry.

/** A bake's failure a person must fix; the message names what and how, the stage adds its own name. */
export class BakeError extends Error {}
