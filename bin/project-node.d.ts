// Types of ./project-node.js, which stays JavaScript so that an old Node can run it.
export declare const packageRoot: string;
export declare function parseVersion(text: string): [number, number, number];
export declare function isAtLeast(version: string, minimum: string): boolean;
export declare function minimumNode(packageJson: { engines?: { node?: string } }): string;
export declare function pinnedNode(versionsEnv: string): string;
export declare function cacheDir(env: Record<string, string | undefined>): string;
export declare function invokedAs(script: string, cwd: string): string;
export declare function cliEntry(root: string): string;
export declare function readMinimumNode(root: string): string;
export declare function readPinnedNode(root: string): string;
export declare function ensurePinnedNode(version: string, cache: string, log: (message: string) => void): string;
