// Counted nouns in messages people read: "1 stage", "3 stages". Here rather than in src/core so that
// every folder may use it, the pure ones included.

/**
 * The count and its noun, singular for exactly 1: plural(1, 'stage') is "1 stage", plural(0, 'stage')
 * "0 stages". Give the plural when it is not the noun plus s; the noun may carry its verb, as in
 * plural(n, 'precondition holds', 'preconditions hold').
 */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
