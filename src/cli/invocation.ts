/** The command as the user invoked it (`kubectl staysail`, `staysail`, `node bin/staysail.js`), for hints; the launcher says which. */
export function commandName(): string { return process.env.STAYSAIL_INVOKED_AS || 'staysail'; }
