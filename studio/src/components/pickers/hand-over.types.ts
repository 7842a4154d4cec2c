/** The hand-overs of a ticket: to another team (transfer), another person (reassign), colleagues joining (assist). */
export type HandOverKind = 'transfer' | 'reassign' | 'assist';
