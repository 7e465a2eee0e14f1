import type { CheckFacts, Finding } from '../types.js';

/** A rule: a pure function of the check's facts. It reads codes and phases, never message text. */
export type Rule = (facts: CheckFacts) => Finding[];
